package portal_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/server/accounts"
)

// writeLogcat writes about size bytes of realistic threadtime logcat: mixed
// levels and tags, a stack trace now and then, a few crashes.
func writeLogcat(tb testing.TB, path string, size int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	tags := []string{"ActivityManager", "chatty", "OkHttp", "WebSocket", "ChatRepository", "CallService", "SQLiteLog", "Choreographer"}
	levels := "VDDIIIIIWWE"
	t := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var written int64
	for i := 0; written < size; i++ {
		t = t.Add(time.Duration(rng.IntN(40)) * time.Millisecond)
		lv := levels[rng.IntN(len(levels))]
		line := fmt.Sprintf("%s  %5d  %5d %c %s: message %d for chat %d took %d ms state=%s\n",
			t.Format("01-02 15:04:05.000"), 4242, 4242+rng.IntN(30), lv, tags[rng.IntN(len(tags))], i, rng.IntN(5000), rng.IntN(900), "ok")
		if i%5000 == 4999 {
			line += fmt.Sprintf("%s  4242  4242 E AndroidRuntime: FATAL EXCEPTION: main\n%s  4242  4242 E AndroidRuntime: java.lang.IllegalStateException: chat %d not loaded\n%s  4242  4242 E AndroidRuntime: \tat ru.parley.app.Chat.open(Chat.java:%d)\n",
				t.Format("01-02 15:04:05.000"), t.Format("01-02 15:04:05.000"), rng.IntN(100), t.Format("01-02 15:04:05.000"), rng.IntN(400))
		}
		n, _ := w.WriteString(line)
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkUploadToTriage100MB measures a 100 MB logcat from the start of
// its upload to its triage page being served, parsed, stored and
// searchable: target under 10 s.
func BenchmarkUploadToTriage100MB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.log")
	writeLogcat(b, path, 100<<20)
	env := start(b)
	env.CreateUser("bench@example.org", "bench-secret-1", accounts.RoleSupport)
	tok := env.Login("bench@example.org", "bench-secret-1", nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f, _ := os.Open(path)
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/diagnostics/uploads?name=big.log", f)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		f.Close()
		if err != nil || resp.StatusCode != http.StatusAccepted {
			b.Fatalf("upload: %v %v", err, resp.Status)
		}
		var out struct{ ID int64 }
		jsonDecode(resp, &out)
		for {
			_, body := env.Do("GET", fmt.Sprintf("/api/v1/diagnostics/uploads/%d", out.ID), tok, nil)
			if string(body) != "" && !contains(body, `"status":"processing"`) {
				if !contains(body, `"status":"ready"`) {
					b.Fatalf("upload ended as %s", body)
				}
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		c := signInBrowser(b, env, "bench@example.org", "bench-secret-1")
		page, html := env.Page(c, "GET", fmt.Sprintf("/diagnostics/%d?q=not+loaded", out.ID), nil)
		if page.StatusCode != 200 || !contains([]byte(html), "IllegalStateException") {
			b.Fatalf("triage page: %d", page.StatusCode)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s-to-triage")
	}
}

func jsonDecode(resp *http.Response, v any) {
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
