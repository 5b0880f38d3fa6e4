package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// samplesDir is the field samples beside the repository (../shared/samples).
func samplesDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "samples"))
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples folder %s is missing, and CI always has it", dir)
		}
		t.Skipf("samples folder %s is absent (a clone elsewhere); skipping", dir)
	}
	return dir
}

func TestIngestJSONContract(t *testing.T) {
	t.Parallel()
	dir := samplesDir(t)
	files := []string{
		filepath.Join(dir, "logcat", "themis_markor_threadtime_fatal_noclassdef.txt"),
		filepath.Join(dir, "ios", "sym_ios15_iphone13_sigabrt.ips"),
		filepath.Join(dir, "har", "mitmproxy_chrome.har"),
		filepath.Join(dir, "webrtc", "rtcstats_chrome99_pc_failed.jsonl"),
	}
	out, code := runParley(t, append([]string{"ingest", "--json"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	type summary struct {
		File     string         `json:"file"`
		Format   string         `json:"format"`
		Events   int            `json:"events"`
		Levels   map[string]int `json:"levels"`
		Crashes  int            `json:"crashes"`
		First    *string        `json:"first"`
		Last     *string        `json:"last"`
		Findings []struct {
			Rule, Severity, Article string
		} `json:"findings"`
		Errors []string `json:"errors"`
	}
	var got []summary
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		var s summary
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("not one JSON object per line: %q", line)
		}
		for _, key := range []string{`"file"`, `"format"`, `"events"`, `"levels"`, `"crashes"`, `"first"`, `"last"`, `"findings"`, `"errors"`} {
			if !strings.Contains(line, key+":") {
				t.Errorf("%s lacks %s", s.File, key)
			}
		}
		if s.First != nil {
			if _, err := time.Parse(time.RFC3339, *s.First); err != nil {
				t.Errorf("%s: first %q is not RFC 3339", s.File, *s.First)
			}
		}
		got = append(got, s)
	}
	if len(got) != len(files) {
		t.Fatalf("%d objects for %d files", len(got), len(files))
	}
	want := []struct {
		format  string
		crashes int
		rule    string
	}{{"logcat", 1, ""}, {"ips", 1, ""}, {"har", 0, "http-failures"}, {"rtcstats", 0, "ice-failed"}}
	for i, w := range want {
		s := got[i]
		if s.Format != w.format || s.Crashes != w.crashes || s.Events == 0 {
			t.Errorf("%s: format %s crashes %d events %d", s.File, s.Format, s.Crashes, s.Events)
		}
		if w.rule != "" {
			found := false
			for _, f := range s.Findings {
				found = found || (f.Rule == w.rule && f.Article != "")
			}
			if !found {
				t.Errorf("%s: no %s finding with an article: %+v", s.File, w.rule, s.Findings)
			}
		}
	}
}

func TestIngestBadInput(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	junk := filepath.Join(tmp, "photo.jpg")
	os.WriteFile(junk, []byte("\xff\xd8\xff\xe0 not a log"), 0o600)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ingest"}, 2, "name at least one file"},
		{[]string{"ingest", filepath.Join(tmp, "missing.log")}, 1, "missing.log"},
		{[]string{"ingest", "--json", junk}, 1, "not a diagnostics file"},
		{[]string{"ingest", tmp}, 1, "is a directory"},
	} {
		out, code := runParley(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, out)
		}
	}
}

func TestIngestUploadsToServer(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := startServe(t, data)
	if out, code := runParley(t, "user", "create", "--data", data, "--email", "up@example.org", "--password", "upload-secret-1"); code != 0 {
		t.Fatal(out)
	}
	status, token := login(t, p.url, "up@example.org", "upload-secret-1", "cli")
	if status != 200 {
		t.Fatal(token)
	}
	logFile := filepath.Join(t.TempDir(), "device.log")
	os.WriteFile(logFile, []byte("05-01 10:00:01.000  1234  1250 E AndroidRuntime: FATAL EXCEPTION: main\n05-01 10:00:01.000  1234  1250 E AndroidRuntime: java.lang.IllegalStateException: boom\n"), 0o600)
	out, code := runParley(t, "ingest", logFile, "--server", p.url, "--token", token)
	if code != 0 || !strings.Contains(out, p.url+"/diagnostics/1") || !strings.Contains(out, "100.0 %") {
		t.Fatalf("upload: exit %d\n%s", code, out)
	}
	out, code = runParley(t, "ingest", logFile, "--server", p.url, "--token", "wrong")
	if code != 1 || !strings.Contains(out, "401") {
		t.Fatalf("bad token: exit %d\n%s", code, out)
	}
	out, code = runParley(t, "ingest", logFile, "--server", "parley.example.org", "--token", token)
	if code != 2 || !strings.Contains(out, "--server must be a URL") {
		t.Fatalf("bad server: exit %d\n%s", code, out)
	}
}
