package diagnostics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
)

// BenchmarkLargeUpload uploads a large logcat over HTTP, as `parley ingest
// --server` does, and measures how long it takes to be ready (parsed,
// redacted, grouped, its event store and event index written), the peak
// resident memory of the process meanwhile, and then how long each kind
// of triage page view takes on it (the slowest of three of each). The
// log is the real threadtime sample repeated to PARLEY_BENCH_MB megabytes
// (default 1000), or the file PARLEY_BENCH_LOG names. cpu-ms-* is the CPU
// time of the process during each view (the server and the client).
//
//	go test ./portal/diagnostics -run '^$' -bench LargeUpload -benchtime 1x -timeout 30m
func BenchmarkLargeUpload(b *testing.B) {
	path := os.Getenv("PARLEY_BENCH_LOG")
	if path == "" {
		mb := 1000
		if v, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_MB")); err == nil && v > 0 {
			mb = v
		}
		path = filepath.Join(b.TempDir(), "big.log")
		repeatSample(b, "../../../shared/samples/logcat/logcat2csv_emulator_boot_threadtime_crlf.txt", path, int64(mb)*1_000_000)
	}
	env := servertest.Start(b, servertest.Options{Mounts: []server.Mount{portal.Mount}})
	env.CreateUser("bench@example.org", "bench-secret-1", accounts.RoleSupport)
	tok := env.Login("bench@example.org", "bench-secret-1", nil)
	c := env.Browser()
	_, page := env.Page(c, "GET", "/signin", nil)
	if resp, _ := env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrfRe.FindStringSubmatch(page)[1]},
		"login": {"bench@example.org"}, "password": {"bench-secret-1"}}); resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %d", resp.StatusCode)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM where Linux allows it
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/diagnostics/uploads?name=big.log", f)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		f.Close()
		if err != nil || resp.StatusCode != http.StatusAccepted {
			b.Fatalf("upload: %v %v", err, resp)
		}
		resp.Body.Close()
		id := env.Count("SELECT max(id) FROM diag_uploads")
		for env.Count("SELECT count(*) FROM diag_uploads WHERE id = ? AND status = 'processing'", id) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		ready := time.Since(start)
		if env.Count("SELECT count(*) FROM diag_uploads WHERE id = ? AND status = 'ready'", id) != 1 {
			b.Fatal("the upload did not end ready")
		}
		b.ReportMetric(ready.Seconds(), "s-to-ready")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
		base := fmt.Sprintf("/diagnostics/%d", id)
		_, triage := env.Page(c, "GET", base, nil, "Accept-Language", "en")
		group := "none"
		if m := regexp.MustCompile(`group=([0-9a-f]+)`).FindStringSubmatch(triage); m != nil {
			group = m[1] // the first error group's link
		}
		for _, v := range []struct{ name, query, want string }{
			{"error-group", "?level=E&group=" + group, "events-summary"},
			{"triage", "", "events-summary"},
			{"level-E", "?level=E", "events-summary"},
			{"tag", "?tag=ActivityManager", "ActivityManager"},
			{"q-timeout", "?q=timeout", "events-summary"},
			{"q-cyrillic", "?q=" + url.QueryEscape("ошибка"), "events-summary"},
			{"q-rare", "?q=" + url.QueryEscape("CONNECTIVITY_CHANGE"), "events-summary"},
			{"window", "?from=" + url.QueryEscape("2025-12-28 18:55") + "&to=" + url.QueryEscape("2025-12-28 18:56"), "events-summary"},
			{"level-tag-q-window", "?level=W&tag=chatty&q=uid&from=2025-12-28T18:54:00Z&to=2025-12-28T18:58:00Z", "events-summary"},
		} {
			var took, cpu []time.Duration
			for range 3 {
				t0, c0 := time.Now(), cpuTime()
				resp, html := env.Page(c, "GET", base+v.query, nil, "Accept-Language", "en")
				took, cpu = append(took, time.Since(t0)), append(cpu, cpuTime()-c0)
				if resp.StatusCode != 200 || !strings.Contains(html, v.want) {
					b.Fatalf("%s: %d", v.name, resp.StatusCode)
				}
			}
			b.ReportMetric(float64(slices.Max(took).Microseconds())/1000, "ms-"+v.name)
			b.ReportMetric(float64(slices.Max(cpu).Microseconds())/1000, "cpu-ms-"+v.name)
		}
	}
}

// repeatSample writes the sample over and over until size bytes.
func repeatSample(tb testing.TB, sample, path string, size int64) {
	tb.Helper()
	data, err := os.ReadFile(sample)
	if err != nil {
		tb.Skipf("no sample: %v", err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for n := int64(0); n < size; n += int64(len(data)) {
		w.Write(data)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// cpuTime is the CPU time the process has used (user and system): on a
// shared machine, what a view costs apart from waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's resident high-water mark (VmHWM), in bytes.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
