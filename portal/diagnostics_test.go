package portal_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/server/accounts"
	"parley/server/servertest"
)

const crashLog = "05-01 10:00:00.000  4242  4242 I ActivityManager: Start proc 4242:ru.parley.app\n" +
	"05-01 10:00:01.000  4242  4300 D OkHttp: --> GET https://parley.example.org/api/v1/me?access_token=SECRET-TOKEN-123\n" +
	"05-01 10:00:01.500  4242  4300 D OkHttp: Cookie: parley_session=SECRET-COOKIE-456\n" +
	"05-01 10:00:02.000  4242  4300 E Network: javax.net.ssl.SSLHandshakeException: Trust anchor for certification path not found.\n" +
	"05-01 10:01:03.000  4242  4242 E AndroidRuntime: FATAL EXCEPTION: main\n" +
	"05-01 10:01:03.000  4242  4242 E AndroidRuntime: Process: ru.parley.app, PID: 4242\n" +
	"05-01 10:01:03.000  4242  4242 E AndroidRuntime: java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference\n" +
	"05-01 10:01:03.000  4242  4242 E AndroidRuntime: \tat ru.parley.app.chat.ChatActivity.onCreate(ChatActivity.java:42)\n" +
	"05-01 10:01:03.000  4242  4242 E AndroidRuntime: \tat android.app.Activity.performCreate(Activity.java:7136)\n"

// waitReady polls the API until the upload is processed.
func waitReady(t *testing.T, env *servertest.Env, token string, id int64) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, body := env.Do("GET", "/api/v1/diagnostics/uploads/"+itoa(id), token, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status: %d %s", resp.StatusCode, body)
		}
		var out map[string]any
		json.Unmarshal(body, &out)
		if out["status"] != "processing" {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatal("upload still processing after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func apiUpload(t *testing.T, env *servertest.Env, token, name string, data []byte) int64 {
	t.Helper()
	resp, body := env.Do("POST", "/api/v1/diagnostics/uploads?name="+url.QueryEscape(name), token, data)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var out struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	json.Unmarshal(body, &out)
	if out.ID == 0 || out.URL != "/diagnostics/"+itoa(out.ID) {
		t.Fatalf("upload answer %s", body)
	}
	return out.ID
}

func TestDiagnosticsUploadTriageAndAccess(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	env.CreateUser("other@example.org", "other-secret-1", accounts.RoleUser)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	userTok := env.Login("user@example.org", "user-secret-1", nil)

	id := apiUpload(t, env, userTok, "phone-logcat.txt", []byte(crashLog))
	sum := waitReady(t, env, userTok, id)
	if sum["status"] != "ready" || sum["crashes"].(float64) != 1 {
		t.Fatalf("summary %v", sum)
	}
	findings, _ := json.Marshal(sum["findings"])
	if !strings.Contains(string(findings), `"rule":"tls-error"`) || !strings.Contains(string(findings), `"article":"certificates"`) {
		t.Fatalf("findings %s", findings)
	}

	// The uploader's triage page: environment, finding with its article,
	// crash group, chart, events; and no secret anywhere.
	c := signInBrowser(t, env, "user@example.org", "user-secret-1")
	resp, html := env.Page(c, "GET", "/diagnostics/"+itoa(id), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("triage: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`href="/help/ru/certificates"`,        // finding links its article
		"java.lang.NullPointerException",      // crash group
		"ChatActivity.onCreate",               // its frames
		`id="timeline-chart"`,                 // chart
		"Trust anchor for certification path", // events
		"ru.parley.app",                       // environment: the app
		"token in URL", "cookie",              // redaction report
	} {
		if !strings.Contains(html, want) {
			t.Errorf("triage page lacks %q", want)
		}
	}
	for _, secret := range []string{"SECRET-TOKEN-123", "SECRET-COOKIE-456"} {
		if strings.Contains(html, secret) {
			t.Errorf("triage page shows the secret %s", secret)
		}
	}
	// Filters: errors only, and text search.
	_, html = env.Page(c, "GET", "/diagnostics/"+itoa(id)+"?level=E", nil)
	if strings.Contains(html, "Start proc 4242") || !strings.Contains(html, "SSLHandshakeException") {
		t.Error("level filter shows lower levels or hides errors")
	}
	_, html = env.Page(c, "GET", "/diagnostics/"+itoa(id)+"?q=trust+anchor", nil)
	if !strings.Contains(html, "Показано 1 из 1") {
		t.Errorf("text search: %s", between(html, `id="events-summary">`, "<"))
	}
	// Zoom into the first minute: the crash at 10:01 drops out.
	_, html = env.Page(c, "GET", "/diagnostics/"+itoa(id)+"?from=2026-05-01T10:00:00Z&to=2026-05-01T10:00:59Z", nil)
	if !strings.Contains(html, "Показать всё время") {
		t.Error("zoomed chart offers no way back")
	}
	// The original can be downloaded again by whoever may see it, as
	// stored: line for line, its secrets redacted.
	resp, body := env.Page(c, "GET", "/diagnostics/"+itoa(id)+"/files/0", nil)
	if resp.StatusCode != 200 || strings.Count(body, "\n") != strings.Count(crashLog, "\n") ||
		strings.Contains(body, "SECRET-TOKEN-123") || strings.Contains(body, "SECRET-COOKIE-456") || !strings.Contains(body, "FATAL EXCEPTION: main") {
		t.Fatalf("download: %d, %d bytes:\n%s", resp.StatusCode, len(body), body)
	}

	// Another user sees nothing of it; support staff see it and list it.
	other := signInBrowser(t, env, "other@example.org", "other-secret-1")
	for _, path := range []string{"/diagnostics/" + itoa(id), "/diagnostics/" + itoa(id) + "/files/0"} {
		if resp, _ := env.Page(other, "GET", path, nil); resp.StatusCode != 404 {
			t.Errorf("another user got %s: %d", path, resp.StatusCode)
		}
	}
	otherTok := env.Login("other@example.org", "other-secret-1", nil)
	if resp, _ := env.Do("GET", "/api/v1/diagnostics/uploads/"+itoa(id), otherTok, nil); resp.StatusCode != 404 {
		t.Errorf("another user's API read: %d", resp.StatusCode)
	}
	_, html = env.Page(other, "GET", "/diagnostics", nil)
	if strings.Contains(html, "phone-logcat.txt") {
		t.Error("another user's list shows the upload")
	}
	desk := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	_, html = env.Page(desk, "GET", "/diagnostics", nil)
	if !strings.Contains(html, "phone-logcat.txt") || !strings.Contains(html, "user") {
		t.Error("support staff's list lacks the upload or its uploader")
	}
	if resp, _ := env.Page(desk, "GET", "/diagnostics/"+itoa(id), nil); resp.StatusCode != 200 {
		t.Errorf("support staff triage: %d", resp.StatusCode)
	}
	// Anonymous: sent to sign in; API: 401.
	if resp, _ := env.Page(env.Browser(), "GET", "/diagnostics/"+itoa(id), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous triage: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("POST", "/api/v1/diagnostics/uploads?name=x.log", "", []byte(crashLog)); resp.StatusCode != 401 {
		t.Errorf("anonymous upload: %d", resp.StatusCode)
	}
}

// signInBrowser signs in through the form and returns the cookie client.
func signInBrowser(t testing.TB, env *servertest.Env, login, password string) *http.Client {
	t.Helper()
	c := env.Browser()
	_, html := env.Page(c, "GET", "/signin", nil)
	resp, _ := env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrfRe.FindStringSubmatch(html)[1]}, "login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", login, resp.StatusCode)
	}
	return c
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

// namedFile is one file of a form upload; a slice of them keeps the order
// in which a browser would send them.
type namedFile struct {
	name string
	data []byte
}

// formUpload posts files, in order, through the page's multipart form.
func formUpload(t *testing.T, env *servertest.Env, c *http.Client, csrf string, files ...namedFile) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		if err := mw.WriteField("_csrf", csrf); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", env.URL+"/diagnostics", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestDiagnosticsFormUploadOfSamples(t *testing.T) {
	t.Parallel()
	dir := samplesDir(t)
	env := start(t)
	env.CreateUser("u@example.org", "u-secret-123", accounts.RoleUser)
	c := signInBrowser(t, env, "u@example.org", "u-secret-123")
	_, html := env.Page(c, "GET", "/diagnostics/new", nil)
	csrf := csrfRe.FindStringSubmatch(html)[1]

	// A zip of several samples plus a HAR beside it, in one upload.
	zipped := zipSamples(t, dir, "logcat/aosp_settings_fork_brief_fatal_exception.txt", "ios/sym_ios15_iphone13_sigabrt.ips", "webrtc/rtcstats_chrome99_pc_failed.jsonl")
	har, _ := os.ReadFile(filepath.Join(dir, "har", "mitmproxy_websocket.har"))

	// Without the form's token nothing is stored.
	if resp := formUpload(t, env, c, "", namedFile{"logs.zip", zipped}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without CSRF token: %d", resp.StatusCode)
	}
	if resp := formUpload(t, env, c, csrf, namedFile{"empty.log", nil}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("empty file: %d", resp.StatusCode)
	}
	if n := env.Count("SELECT count(*) FROM diag_uploads"); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}

	resp := formUpload(t, env, c, csrf, namedFile{"logs.zip", zipped}, namedFile{"socket.har", har})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form upload: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	tok := env.Login("u@example.org", "u-secret-123", nil)
	var id int64
	json.Unmarshal([]byte(strings.TrimPrefix(loc, "/diagnostics/")), &id)
	sum := waitReady(t, env, tok, id)
	if sum["status"] != "ready" || sum["crashes"].(float64) < 2 {
		t.Fatalf("summary %v", sum)
	}
	_, html = env.Page(c, "GET", loc, nil)
	for _, want := range []string{
		"logs.zip/aosp_settings_fork_brief_fatal_exception.txt", "logs.zip/sym_ios15_iphone13_sigabrt.ips",
		"socket.har", "iPhone13,4", "EXC_CRASH", "NullPointerException", `href="/help/ru/call-network-requirements"`,
		`id="network"`, "demo.piesocket.com", // network view: per-host timing of the HAR
		`id="calls"`, "PC_1", "failed", `class="series"`, `class="limit"`, // call view: states and RTT/loss charts
	} {
		if !strings.Contains(html, want) {
			t.Errorf("triage page lacks %q", want)
		}
	}
	// The Android log and the iOS crash describe two devices: one card each.
	section := func(id string) string {
		i := strings.Index(html, `id="`+id+`"`)
		if i < 0 {
			return ""
		}
		rest := html[i:]
		if j := strings.Index(rest, "</section>"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	first, second := section("env"), section("env-2")
	// Platforms are named in the page's language ("Android", "iOS", "веб").
	if !strings.Contains(strings.ToLower(first), "android") || strings.Contains(first, "iPhone13,4") {
		t.Errorf("first environment card mixes platforms or lacks Android: %q", first)
	}
	if !strings.Contains(strings.ToLower(second), "ios") || !strings.Contains(second, "iPhone13,4") || strings.Contains(strings.ToLower(second), "android") {
		t.Errorf("second environment card: %q", second)
	}
	// The websocket HAR carries a public demo api_key in its URLs: redacted.
	if strings.Contains(html, "api_key=") && !strings.Contains(html, "api_key=%5Bredacted%5D") && !strings.Contains(html, "api_key=[redacted]") {
		t.Error("api_key shown unredacted")
	}
}

func TestDiagnosticsRetention(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("u2@example.org", "u2-secret-123", accounts.RoleUser)
	if _, err := env.Server.Accounts.CreateUser(t.Context(), accounts.NewUser{Login: "root", Password: "root-secret-1",
		Role: accounts.RoleAdmin, Kind: accounts.KindRegistered}); err != nil {
		t.Fatal(err)
	}
	tok := env.Login("u2@example.org", "u2-secret-123", nil)
	oldID := apiUpload(t, env, tok, "old.log", []byte(crashLog))
	newID := apiUpload(t, env, tok, "new.log", []byte(crashLog))
	waitReady(t, env, tok, oldID)
	waitReady(t, env, tok, newID)

	// Only an administrator may change the retention.
	user := signInBrowser(t, env, "u2@example.org", "u2-secret-123")
	if resp, _ := env.Page(user, "GET", "/admin/diagnostics", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a user opened the settings: %d", resp.StatusCode)
	}
	admin := signInBrowser(t, env, "root", "root-secret-1")
	_, html := env.Page(admin, "GET", "/admin/diagnostics", nil)
	if !strings.Contains(html, `value="90"`) {
		t.Fatal("default retention is not 90 days")
	}
	csrf := csrfRe.FindStringSubmatch(html)[1]
	resp, html := env.Page(admin, "POST", "/admin/diagnostics", url.Values{"_csrf": {csrf}, "retention_days": {"0"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `value="0"`) || !strings.Contains(html, "от 1 до 3650") {
		t.Fatalf("bad retention: %d\n%s", resp.StatusCode, between(html, "<main", "</main>"))
	}
	if resp, _ := env.Page(admin, "POST", "/admin/diagnostics", url.Values{"_csrf": {csrf}, "retention_days": {"30"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save retention: %d", resp.StatusCode)
	}

	// An upload older than 30 days goes, files and all; a new one stays.
	old := time.Now().Add(-31 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
	if _, err := env.Server.DB.Write.Exec("UPDATE diag_uploads SET created_at = ? WHERE id = ?", old, oldID); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(env.DataDir, "files", "diagnostics", itoa(oldID))
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("upload directory %s: %v", dir, err)
	}
	// The janitor runs hourly; a restart runs it at once.
	env2 := env.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if env2.Count("SELECT count(*) FROM diag_uploads WHERE id = ?", oldID) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired upload not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("files of the expired upload remain: %v", err)
	}
	if n := env2.Count("SELECT count(*) FROM diag_uploads WHERE id = ?", newID); n != 1 {
		t.Fatal("the new upload was deleted too")
	}
}

// Errors that differ only in their numbers, URLs and addresses are one
// group on the triage page, counted, with the time of the first and last,
// and the group's link shows exactly its events.
func TestDiagnosticsErrorGroups(t *testing.T) {
	t.Parallel()
	env, tok := startWithStaff(t)
	var log strings.Builder
	for i := range 30 {
		fmt.Fprintf(&log, "05-01 10:%02d:%02d.000  4242  4300 E OkHttp: Failed to fetch https://files.example.org/f/%d: timeout after %d ms\n",
			i/10, i%60, 1000+i*7, 3000+i)
		fmt.Fprintf(&log, "05-01 10:%02d:%02d.500  4242  4300 I Sync: sync finished in %d ms\n", i/10, i%60, i)
	}
	for i := range 3 {
		fmt.Fprintf(&log, "05-01 10:05:0%d.000  4242  4301 E Calls: ICE failed for 10.0.%d.17 after %d candidates\n", i, i, 4+i)
	}
	// The same text from another tag is another group: each group's link
	// must show exactly its events.
	for i := range 2 {
		fmt.Fprintf(&log, "05-01 10:06:0%d.000  4242  4302 F Downloader: Failed to fetch https://cdn.example.org/%d: timeout after 5 ms\n", i, i)
	}
	id := apiUpload(t, env, tok, "errors.log", []byte(log.String()))
	if sum := waitReady(t, env, tok, id); sum["status"] != "ready" {
		t.Fatalf("summary %v", sum)
	}
	c := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	_, html := env.Page(c, "GET", "/diagnostics/"+itoa(id), nil)
	table := between(html, `id="error-groups"`, "</table>")
	rows := strings.Split(table, "<tr")
	if len(rows) != 5 { // the header row and three groups
		t.Fatalf("error groups table has %d rows, want 3 groups:\n%s", len(rows)-2, table)
	}
	first, second, third := rows[2], rows[3], rows[4]
	for _, want := range []string{">30<", "Failed to fetch &lt;url&gt;: timeout after &lt;n&gt; ms", "OkHttp", "10:00:00", "10:02:29",
		"https://files.example.org/f/1000: timeout after 3000 ms"} {
		if !strings.Contains(first, want) {
			t.Errorf("most frequent group lacks %q:\n%s", want, first)
		}
	}
	if !strings.Contains(second, ">3<") || !strings.Contains(second, "ICE failed for &lt;ip&gt; after &lt;n&gt; candidates") {
		t.Errorf("second group:\n%s", second)
	}
	if !strings.Contains(third, ">2<") || !strings.Contains(third, "Downloader") {
		t.Errorf("third group:\n%s", third)
	}
	if !strings.Contains(html, "Ошибок: 35, разных: 3") {
		t.Errorf("summary: %s", between(html, `id="errors-summary">`, "<"))
	}
	for row, want := range map[string]string{first: "Показано 30 из 30 подходящих", third: "Показано 2 из 2 подходящих"} {
		link := strings.ReplaceAll(between(row, `<a href="`, `"`), "&amp;", "&")
		_, page := env.Page(c, "GET", link, nil)
		if !strings.Contains(page, want) {
			t.Errorf("the group's link %s shows %s, want %s", link, between(page, `id="events-summary">`, "<"), want)
		}
	}

	// An upload without errors says so.
	quiet := apiUpload(t, env, tok, "quiet.log", []byte("05-01 10:00:00.000  4242  4242 I Sync: all fine\n"))
	waitReady(t, env, tok, quiet)
	if _, html := env.Page(c, "GET", "/diagnostics/"+itoa(quiet), nil); !strings.Contains(html, "Ошибок уровня E и F, кроме сбоев, нет.") {
		t.Error("an upload without errors shows no word about error groups")
	}
}

// The event filters find what a person asks for: a search with quotes and
// backslashes, a zoom to one minute that keeps its last second, times
// typed by hand, and a clear word about a time that cannot be read.
func TestDiagnosticsEventFilters(t *testing.T) {
	t.Parallel()
	env, tok := startWithStaff(t)
	log := "05-01 10:00:00.000  4242  4242 I Boot: started\n" +
		"05-01 10:00:59.500  4242  4242 E ClassLoader: Didn't find class \"ru.parley.app.Main\" on path C:\\app\\lib\n" +
		"05-01 10:01:00.000  4242  4242 W Sync: next minute\n" +
		"05-01 10:05:30.000  4242  4242 I Sync: later\n"
	id := apiUpload(t, env, tok, "filters.log", []byte(log))
	waitReady(t, env, tok, id)
	year := time.Now().UTC().Year()
	if time.Date(year, 5, 1, 0, 0, 0, 0, time.UTC).After(time.Now()) {
		year-- // the parser puts a year-less May in the past
	}
	day := fmt.Sprintf("%d-05-01", year)
	c := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	for _, tc := range []struct {
		name, query string
		want, not   []string
	}{
		{"quotes and backslashes", "q=" + url.QueryEscape(`class "ru.parley`), []string{"Didn&#39;t find class"}, []string{"next minute"}},
		{"backslash", "q=" + url.QueryEscape(`C:\app\lib`), []string{"Didn&#39;t find class"}, nil},
		{"zoom keeps the minute's last second", "from=" + day + "T10:00:00Z&to=" + day + "T10:00:59Z",
			[]string{"started", "Didn&#39;t find class"}, []string{"next minute", "later"}},
		{"typed minute", "from=" + url.QueryEscape(day+" 10:01") + "&to=" + url.QueryEscape(day+" 10:01"),
			[]string{"next minute"}, []string{"Didn&#39;t find class", "later"}},
		{"typed second", "from=" + url.QueryEscape(day+" 10:05:30"), []string{"later"}, []string{"next minute"}},
		{"tag and level", "tag=classloader&level=E", []string{"Didn&#39;t find class"}, []string{"started"}},
		{"unreadable time", "from=yesterday", []string{`id="filter-problem"`, "«yesterday»", "started", "later"}, nil},
	} {
		_, html := env.Page(c, "GET", "/diagnostics/"+itoa(id)+"?"+tc.query, nil)
		events := between(html, `id="events-summary"`, "</table>")
		if tc.name == "unreadable time" {
			events = html
		}
		for _, w := range tc.want {
			if !strings.Contains(events, w) {
				t.Errorf("%s (%s): no %q in %s", tc.name, tc.query, w, between(html, `id="events-summary">`, "<"))
			}
		}
		for _, n := range tc.not {
			if strings.Contains(events, n) {
				t.Errorf("%s (%s): shows %q", tc.name, tc.query, n)
			}
		}
	}
}

// A line no parser understands is quoted in the file's errors; it is
// redacted like the events before it is stored and shown.
func TestDiagnosticsParseErrorsAreRedacted(t *testing.T) {
	t.Parallel()
	env, tok := startWithStaff(t)
	log := "05-01 10:00:00.000  4242  4242 I Boot: started\n" +
		"Cookie: parley_session=SECRET-COOKIE-789\n" +
		"Authorization: Bearer SECRET-BEARER-123\n" +
		"05-01 10:00:01.000  4242  4242 I Boot: done\n"
	id := apiUpload(t, env, tok, "stray.log", []byte(log))
	waitReady(t, env, tok, id)
	c := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	_, html := env.Page(c, "GET", "/diagnostics/"+itoa(id), nil)
	if !strings.Contains(html, "not a logcat line") {
		t.Fatal("the triage page does not show the file's parse errors")
	}
	for _, secret := range []string{"SECRET-COOKIE-789", "SECRET-BEARER-123"} {
		if strings.Contains(html, secret) {
			t.Errorf("the triage page shows %s", secret)
		}
	}
}

// However many uploads arrive at once, each is processed; an upload whose
// files were still arriving when the server stopped is gone after the
// restart, files and all, and one that was waiting is processed.
func TestDiagnosticsQueueSurvivesBurstsAndRestarts(t *testing.T) {
	t.Parallel()
	env, tok := startWithStaff(t)
	var ids []int64
	for range 40 {
		ids = append(ids, apiUpload(t, env, tok, "burst.log", []byte(crashLog)))
	}
	for _, id := range ids {
		if sum := waitReady(t, env, tok, id); sum["status"] != "ready" {
			t.Fatalf("upload %d: %v", id, sum)
		}
	}

	// An upload cut off while its file arrived: a row without a size and a
	// partial original. And one fully received but not yet processed.
	var cut, waiting int64
	db := env.Server.DB.Write
	if err := db.QueryRow(`INSERT INTO diag_uploads (uploader_id, name, size, status, created_at)
		SELECT uploader_id, '', 0, 'processing', created_at FROM diag_uploads WHERE id = ? RETURNING id`, ids[0]).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	// Its partial file: in the file store's temporary folder, never
	// recorded; or, from an earlier version, in the upload's own folder.
	partial := filepath.Join(env.DataDir, "files", "store", "tmp", "put-cut")
	if err := os.WriteFile(partial, []byte(crashLog[:40]), 0o640); err != nil {
		t.Fatal(err)
	}
	cutDir := filepath.Join(env.DataDir, "files", "diagnostics", itoa(cut), "original")
	os.MkdirAll(cutDir, 0o750)
	os.WriteFile(filepath.Join(cutDir, "0"), []byte(crashLog[:40]), 0o640)
	waiting = ids[1]
	if _, err := db.Exec("UPDATE diag_uploads SET status = 'processing', events = 0 WHERE id = ?", waiting); err != nil {
		t.Fatal(err)
	}

	env2 := env.Restart()
	tok2 := env2.Login("desk@example.org", "desk-secret-1", nil)
	if resp, _ := env2.Do("GET", "/api/v1/diagnostics/uploads/"+itoa(cut), tok2, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the interrupted upload is still there: %d", resp.StatusCode)
	}
	for _, p := range []string{filepath.Dir(cutDir), partial} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("files of the interrupted upload remain: %v", err)
		}
	}
	if sum := waitReady(t, env2, tok2, waiting); sum["status"] != "ready" || sum["events"].(float64) == 0 {
		t.Errorf("the waiting upload after the restart: %v", sum)
	}
}

// An upload mixing good files with bad ones: the good ones are read, each
// bad one says what is wrong with it (naming the file and, where it can,
// the line), macOS metadata is left out silently, and a HAR's browser is a
// card of its own, not a fact of the Android phone's.
func TestDiagnosticsMixedUploadWithBadFiles(t *testing.T) {
	t.Parallel()
	dir := samplesDir(t)
	env, tok := startWithStaff(t)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	read := func(rel string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	add("phone/markor.txt", read("logcat/themis_markor_threadtime_fatal_noclassdef.txt"))
	add("broken.har", read("malformed/har_broken_json_mitmproxy.har"))
	add("inner.zip", zipSamples(t, dir, "logcat/themis_markor_threadtime_fatal_noclassdef.txt"))
	add("notes.txt", []byte("call me back after lunch\n"))
	add("__MACOSX/phone/._markor.txt", []byte{0, 5, 22, 7, 0, 2, 0, 0})
	zw.Close()

	id := apiUpload(t, env, tok, "mixed.zip", buf.Bytes())
	if sum := waitReady(t, env, tok, id); sum["status"] != "partial" || sum["crashes"].(float64) < 1 {
		t.Fatalf("summary %v", sum)
	}
	c := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	_, html := env.Page(c, "GET", "/diagnostics/"+itoa(id), nil, "Accept-Language", "en")
	files := between(html, `id="files"`, "</section>")
	for _, want := range []string{
		"mixed.zip/phone/markor.txt",                 // read
		"NoClassDefFoundError",                       // and its crash found
		"mixed.zip/broken.har",                       // the broken HAR names itself …
		"line 2 could not be read",                   // … and where it broke
		"inner.zip",                                  // a nested archive is refused …
		"an archive inside an archive is not opened", // … saying why
		"kept line by line as plain text",            // a note is kept as text, and says so
	} {
		if !strings.Contains(files+between(html, `id="crashes"`, "</section>"), want) {
			t.Errorf("the triage page lacks %q in:\n%s", want, files)
		}
	}
	if strings.Contains(html, "__MACOSX") || strings.Contains(html, "._markor") {
		t.Error("macOS metadata shows on the triage page")
	}

	// A Chrome HAR beside an Android log: two cards.
	id = apiUpload(t, env, tok, "both.zip", zipSamples(t, dir, "logcat/themis_markor_threadtime_fatal_noclassdef.txt", "har/mitmproxy_chrome.har"))
	waitReady(t, env, tok, id)
	_, html = env.Page(c, "GET", "/diagnostics/"+itoa(id), nil, "Accept-Language", "en")
	android, web := between(html, `id="env"`, "</section>"), between(html, `id="env-2"`, "</section>")
	if !strings.Contains(android, "Android") || strings.Contains(android, "Chrome") {
		t.Errorf("the Android card: %s", android)
	}
	if !strings.Contains(web, "web") || !strings.Contains(web, "Chrome") {
		t.Errorf("the browser's card: %s", web)
	}
}

// Support staff's list of uploads: who uploaded what, its status and
// findings, filtered by status and by name, fifty to a page.
func TestDiagnosticsListFiltersAndPages(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("anna@example.org", "anna-secret-1", accounts.RoleUser)
	env.CreateUser("boris@example.org", "boris-secret-1", accounts.RoleUser)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	anna := env.Login("anna@example.org", "anna-secret-1", nil)
	boris := env.Login("boris@example.org", "boris-secret-1", nil)
	var ids []int64
	for i := range 53 {
		ids = append(ids, apiUpload(t, env, anna, fmt.Sprintf("phone-%02d.log", i), []byte(crashLog)))
	}
	ids = append(ids, apiUpload(t, env, boris, "laptop.har.log", []byte(crashLog)))
	ids = append(ids, apiUpload(t, env, boris, "photo.jpg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00")))
	var findings float64
	staff := env.Login("desk@example.org", "desk-secret-1", nil)
	for _, id := range ids {
		sum := waitReady(t, env, staff, id)
		if id == ids[0] {
			findings = float64(len(sum["findings"].([]any)))
		}
	}
	desk := signInBrowser(t, env, "desk@example.org", "desk-secret-1")
	rows := func(html string) []string {
		body := between(html, `<table id="uploads">`, "</table>")
		parts := strings.Split(body, "<tr>")
		if len(parts) < 3 {
			return nil
		}
		return parts[2:] // the header row first
	}

	_, html := env.Page(desk, "GET", "/diagnostics", nil)
	if r := rows(html); len(r) != 50 || !strings.Contains(html, "Найдено загрузок: 55.") || !strings.Contains(html, "Страница 1 из 2") {
		t.Fatalf("first page: %d rows, %s", len(r), between(html, `id="uploads-summary">`, "<"))
	}
	// The newest first, with uploader, status and findings.
	first := rows(html)[0]
	for _, want := range []string{"photo.jpg", "boris", "status-failed"} {
		if !strings.Contains(first, want) {
			t.Errorf("newest row lacks %q: %s", want, first)
		}
	}
	last := rows(html)[49] // two of boris's, then anna's from phone-52 down
	if !strings.Contains(last, "phone-05.log") || !strings.Contains(last, "anna") ||
		!strings.Contains(last, fmt.Sprintf("<td>%d</td>", int(findings))) || findings == 0 {
		t.Errorf("row of phone-05.log (%v findings): %s", findings, last)
	}
	m := regexp.MustCompile(`<a href="([^"]*)" rel="next"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("the first page has no link to the next")
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	_, html = env.Page(desk, "GET", next, nil)
	if r := rows(html); len(r) != 5 || !strings.Contains(r[4], "phone-00.log") || !strings.Contains(html, `rel="prev"`) {
		t.Errorf("second page (%s): %d rows", next, len(r))
	}

	for _, tc := range []struct {
		query string
		want  []string
		rows  int
	}{
		{"q=boris", []string{"laptop.har.log", "photo.jpg"}, 2},
		{"q=" + url.QueryEscape("phone-1"), []string{"phone-10.log", "phone-19.log"}, 10},
		{"status=failed", []string{"photo.jpg"}, 1},
		{"status=ready&q=boris", []string{"laptop.har.log"}, 1},
		{"q=" + url.QueryEscape("100%_"), []string{"Под эти условия не подошла ни одна загрузка."}, 0},
	} {
		_, html := env.Page(desk, "GET", "/diagnostics?"+tc.query, nil)
		if r := rows(html); len(r) != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.query, len(r), tc.rows)
		}
		for _, w := range tc.want {
			if !strings.Contains(html, w) {
				t.Errorf("%s: no %q", tc.query, w)
			}
		}
	}
	// A user's list holds only their own uploads, whatever the filter.
	c := signInBrowser(t, env, "boris@example.org", "boris-secret-1")
	_, html = env.Page(c, "GET", "/diagnostics?q=phone", nil)
	if len(rows(html)) != 0 {
		t.Error("a user sees another user's uploads")
	}
}

// startWithStaff starts a server with one member of support staff,
// desk@example.org (password desk-secret-1), and returns it with that
// person's API token.
func startWithStaff(t *testing.T) (*servertest.Env, string) {
	t.Helper()
	env := start(t)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	return env, env.Login("desk@example.org", "desk-secret-1", nil)
}
