package diagnostics_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/formats"
	"parley/server/servertest"
)

// harSecrets are the cookie values and secret header values of a HAR.
func harSecrets(t *testing.T, data []byte) []string {
	t.Helper()
	var har struct {
		Log struct {
			Entries []struct {
				Request, Response struct {
					Cookies []struct{ Value string }
					Headers []struct{ Name, Value string }
				}
			}
		}
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF}), &har); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if len(v) >= 8 && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, e := range har.Log.Entries {
		for _, m := range []struct {
			Cookies []struct{ Value string }
			Headers []struct{ Name, Value string }
		}{e.Request, e.Response} {
			for _, c := range m.Cookies {
				add(c.Value)
			}
			for _, h := range m.Headers {
				switch strings.ToLower(h.Name) {
				case "cookie":
					for _, kv := range strings.Split(h.Value, ";") {
						_, v, _ := strings.Cut(kv, "=")
						add(strings.TrimSpace(v))
					}
				case "set-cookie":
					v, _, _ := strings.Cut(h.Value, ";")
					_, v, _ = strings.Cut(v, "=")
					add(v)
				case "authorization":
					add(h.Value)
				}
			}
		}
	}
	return out
}

// leaks walks every file under dir and returns the secrets found in one.
func leaks(t *testing.T, dir string, secrets []string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		contents := [][]byte{data}
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			for _, m := range zr.File {
				rc, err := m.Open()
				if err != nil {
					return err
				}
				var b bytes.Buffer
				b.ReadFrom(rc)
				rc.Close()
				contents = append(contents, b.Bytes())
			}
		}
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			var b bytes.Buffer
			if _, err := b.ReadFrom(zr); err != nil {
				return err
			}
			contents = append(contents, b.Bytes())
		}
		for _, c := range contents {
			for _, s := range secrets {
				if bytes.Contains(c, []byte(s)) {
					found = append(found, filepath.Base(p)+": "+s)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func countEvents(t *testing.T, name string, data []byte) int {
	t.Helper()
	res, err := formats.ParseFile(name, bytes.NewReader(data), func(*ingest.Event) error { return nil })
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return res.Events
}

// An upload keeps only redacted originals: no cookie, token or password of
// the input is anywhere under its directory, a HAR stays valid JSON that
// parses to the same events, text keeps its lines, and a zip holds its
// members redacted.
func TestOriginalsAreKeptRedacted(t *testing.T) {
	t.Parallel()
	env, desk := start(t)
	logcat := "05-01 10:00:00.000  4242  4300 D OkHttp: --> GET https://api.example.org/v1/me?partner_uid=PARTNER-UID-777&lang=ru\n" +
		"05-01 10:00:01.000  4242  4300 D OkHttp: Cookie: parley_session=COOKIE-VALUE-456\r\n" +
		"05-01 10:00:02.000  4242  4300 I Login: password: correct horse battery staple\n" +
		"05-01 10:00:03.000  4242  4300 D Prefs: <key>authToken</key><string>PLIST-TOKEN-123456</string>\n"
	plist := "<plist><dict>\n\t<key>refreshToken</key>\n\t<string>PLIST-REFRESH-987654</string>\n</dict></plist>\n"
	textSecrets := []string{"PARTNER-UID-777", "COOKIE-VALUE-456", "horse battery staple", "PLIST-TOKEN-123456", "PLIST-REFRESH-987654"}

	for _, tc := range []struct {
		name string
		har  string // sample HAR uploaded, as is or inside an archive
		wrap string // "", "zip", "gz"
		min  int    // cookie and header secrets the HAR holds at least
	}{
		{"chrome HAR", "har/mitmproxy_chrome.har", "", 3},
		{"firefox HAR", "har/mitmproxy_firefox111.har", "", 0},
		{"HAR with a byte order mark, zipped with a log", "malformed/har_utf8_bom_chrome_mitmproxy.har", "zip", 0},
		{"gzipped HAR", "har/mitmproxy_websocket.har", "gz", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			har := readSample(t, tc.har)
			secrets := harSecrets(t, har)
			if len(secrets) < tc.min {
				t.Fatalf("the sample holds only %d secrets, want %d: the test would prove little", len(secrets), tc.min)
			}
			secrets = append(secrets, textSecrets...)
			var files []file
			switch tc.wrap {
			case "":
				files = []file{{"network.har", har}, {"app.log", []byte(logcat)}, {"prefs.plist", []byte(plist)}}
			case "zip":
				var buf bytes.Buffer
				zw := zip.NewWriter(&buf)
				for name, data := range map[string][]byte{"network.har": har, "app.log": []byte(logcat), "prefs.plist": []byte(plist)} {
					w, _ := zw.Create(name)
					w.Write(data)
				}
				if err := zw.Close(); err != nil {
					t.Fatal(err)
				}
				files = []file{{"all.zip", buf.Bytes()}}
			case "gz":
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(har)
				zw.Close()
				files = []file{{"network.har.gz", buf.Bytes()}, {"app.log", []byte(logcat)}, {"prefs.plist", []byte(plist)}}
			}
			triage := desk.upload(files...)
			id := strings.TrimPrefix(triage, "/diagnostics/")
			// Neither the upload's working files nor the file store (the raw
			// originals were removed from it) hold a secret.
			for _, dir := range []string{filepath.Join(env.DataDir, "files", "diagnostics", id), filepath.Join(env.DataDir, "files", "store")} {
				if found := leaks(t, dir, secrets); len(found) > 0 {
					t.Errorf("%d secrets readable under %s, e.g. %q", len(found), dir, found[:min(3, len(found))])
				}
			}
			if tc.wrap == "" {
				stored := storedOriginal(t, env, id, 0)
				if !json.Valid(stored) {
					t.Fatal("the stored HAR is no longer valid JSON")
				}
				if got, want := countEvents(t, "network.har", stored), countEvents(t, "network.har", har); got != want {
					t.Errorf("the stored HAR parses to %d events, the upload to %d", got, want)
				}
				if tc.min > 0 && !bytes.Contains(stored, []byte(ingest.Redacted)) {
					t.Error("the stored HAR shows no redaction")
				}
				text := storedOriginal(t, env, id, 1)
				if got, want := strings.Count(string(text), "\n"), strings.Count(logcat, "\n"); got != want || !strings.Contains(string(text), "\r\n") {
					t.Errorf("the stored log has %d lines (want %d, one ending in CRLF):\n%s", got, want, text)
				}
				// And the download is that redacted copy.
				resp, body := env.Page(desk.c, "GET", triage+"/files/0", nil)
				if resp.StatusCode != 200 || !bytes.Equal([]byte(body), stored) {
					t.Errorf("download: %d, %d bytes, want the %d stored", resp.StatusCode, len(body), len(stored))
				}
			}
		})
	}
}

// storedOriginal reads an upload's original as the file store keeps it.
func storedOriginal(t *testing.T, env *servertest.Env, upload string, n int) []byte {
	t.Helper()
	var fileID string
	if err := env.Server.DB.Read.QueryRow("SELECT file_id FROM diag_originals WHERE upload_id = ? AND n = ?", upload, n).Scan(&fileID); err != nil {
		t.Fatalf("original %s/%d: %v", upload, n, err)
	}
	_, f, err := env.Server.Files.Open(context.Background(), fileID)
	if err != nil {
		t.Fatalf("original %s/%d: %v", upload, n, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Uploads stored raw by a version from before originals were redacted (and
// before the file store) are moved into the store and redacted at the next
// start.
func TestEarlierRawOriginalsAreRedactedAtStart(t *testing.T) {
	t.Parallel()
	env, desk := start(t)
	triage := desk.upload(file{"app.log", []byte("05-01 10:00:00.000  4242  4300 I Sync: all fine\n")},
		file{"logs.zip", []byte("PK\x03\x04 a zip cut short")})
	id := strings.TrimPrefix(triage, "/diagnostics/")
	orig := filepath.Join(env.DataDir, "files", "diagnostics", id, "original")
	// As an earlier version left it: the raw files in the upload's folder,
	// no marker, nothing in the file store; the second a zip that cannot be
	// opened, holding a secret in the clear.
	raw := "05-01 10:00:01.000  4242  4300 D OkHttp: Authorization: Bearer RAW-BEARER-TOKEN-0123456789\n"
	if err := os.MkdirAll(orig, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orig, "0"), []byte(raw), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orig, "1"), []byte("PK\x03\x04 password=RAW-ZIP-SECRET"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.DB.Write.Exec("UPDATE diag_originals SET file_id = NULL, redacted = 0, size = 9 WHERE upload_id = ?", id); err != nil {
		t.Fatal(err)
	}
	env = env.Restart()
	deadline := time.Now().Add(20 * time.Second)
	for env.Count("SELECT count(*) FROM diag_originals WHERE upload_id = ? AND (redacted = 0 OR file_id IS NULL)", id) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the earlier upload's originals were not moved and redacted after a restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
	data := storedOriginal(t, env, id, 0)
	if strings.Contains(string(data), "RAW-BEARER-TOKEN") || !strings.Contains(string(data), "OkHttp: Authorization: ") {
		t.Errorf("after the start-up job the original reads %q", data)
	}
	// What cannot be redacted is deleted, not kept raw: its link says so.
	if n := env.Count("SELECT size FROM diag_originals WHERE upload_id = ? AND n = 1", id); n != 0 {
		t.Errorf("the deleted original is listed with %d bytes", n)
	}
	desk = signIn(t, env, "desk@example.org", "desk-secret-1")
	if resp, _ := env.Page(desk.c, "GET", triage+"/files/1", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("the deleted original downloads with status %d, want 410", resp.StatusCode)
	}
	if _, err := os.Stat(orig); !os.IsNotExist(err) {
		t.Errorf("the old originals folder is still there: %v", err)
	}
	for _, dir := range []string{filepath.Join(env.DataDir, "files")} {
		if found := leaks(t, dir, []string{"RAW-BEARER-TOKEN", "RAW-ZIP-SECRET"}); len(found) > 0 {
			t.Errorf("raw secrets kept: %q", found)
		}
	}
}
