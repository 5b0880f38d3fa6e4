package diagnostics_test

import (
	"archive/zip"
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// reader is a signed-in browser without JavaScript.
type reader struct {
	t   *testing.T
	env *servertest.Env
	c   *http.Client
}

func signIn(t *testing.T, env *servertest.Env, login, password string) *reader {
	t.Helper()
	c := env.Browser()
	_, page := env.Page(c, "GET", "/signin", nil)
	resp, _ := env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrfRe.FindStringSubmatch(page)[1]}, "login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", login, resp.StatusCode)
	}
	return &reader{t: t, env: env, c: c}
}

func (r *reader) page(path, lang string) string {
	r.t.Helper()
	resp, page := r.env.Page(r.c, "GET", path, nil, "Accept-Language", lang)
	if resp.StatusCode != 200 {
		r.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return page
}

type file struct {
	name string
	data []byte
}

// upload posts files through the upload form and waits until the upload
// is processed; it returns the triage page's path.
func (r *reader) upload(files ...file) string {
	r.t.Helper()
	csrf := csrfRe.FindStringSubmatch(r.page("/diagnostics/new", "en"))[1]
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("_csrf", csrf); err != nil {
		r.t.Fatal(err)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			r.t.Fatal(err)
		}
		if _, err := w.Write(f.data); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		r.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", r.env.URL+"/diagnostics", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := r.c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	where := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/diagnostics/") {
		r.t.Fatalf("upload: %d to %q", resp.StatusCode, where)
	}
	id := strings.TrimPrefix(where, "/diagnostics/")
	deadline := time.Now().Add(30 * time.Second)
	for r.env.Count("SELECT count(*) FROM diag_uploads WHERE id = ? AND status = 'processing'", id) > 0 {
		if time.Now().After(deadline) {
			r.t.Fatal("upload still processing after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return where
}

// zipBomb is a small zip whose one member expands to 16 MiB of zeros: far
// past the ratio real logs have.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("logcat.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 16<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func start(t *testing.T) (*servertest.Env, *reader) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Mounts: []server.Mount{portal.Mount}})
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	return env, signIn(t, env, "desk@example.org", "desk-secret-1")
}

// text is what a page says to a person: its text without tags or
// attributes (a tooltip's raw key is allowed there), entities decoded.
func text(page string) string {
	page = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}

// A zip bomb uploaded on its own fails, and its page says why at the top
// and beside the file, in the reader's language; the same file beside a
// good log makes the upload "partly read", with the same reason at the top.
func TestFailedUploadSaysWhyInEachLanguage(t *testing.T) {
	t.Parallel()
	_, desk := start(t)
	alone := desk.upload(file{"bomb.zip", zipBomb(t)})
	mixed := desk.upload(file{"bomb.zip", zipBomb(t)},
		file{"app.log", []byte("05-01 10:00:00.000  4242  4242 I ActivityManager: Start proc 4242:ru.parley.app/u0a123\n")})
	for _, tc := range []struct {
		lang, want, english string
		failed              bool
		path                string
		state               string // the status beside the name
	}{
		{"en", "refused as a possible zip bomb", "", true, alone, "Failed"},
		{"ru", "отклонено как возможная zip-бомба", "refused as a possible zip bomb", true, alone, "Ошибка"},
		{"ru", "отклонено как возможная zip-бомба", "refused as a possible zip bomb", false, mixed, "Прочитано частично"},
		{"en", "refused as a possible zip bomb", "", false, mixed, "Partly read"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			page := desk.page(tc.path, tc.lang)
			said := text(page)
			if tc.english != "" && strings.Contains(said, tc.english) {
				t.Errorf("the %s page says %q in English", tc.lang, tc.english)
			}
			beside := text(between(page, `id="files"`, "</table>"))
			if !strings.Contains(beside, "bomb.zip") || !strings.Contains(beside, tc.want) {
				t.Errorf("the files table does not say why bomb.zip failed (%q):\n%s", tc.want, beside)
			}
			top := text(between(page, `id="upload-error"`, "</div>"))
			if !strings.Contains(top, tc.want) || !strings.Contains(top, "bomb.zip") {
				t.Errorf("the page does not say at the top why bomb.zip was not read (%q):\n%s", tc.want, top)
			}
			if state := text(between(page, `id="upload-state">`, "<")); !strings.Contains(state, tc.state) {
				t.Errorf("the upload's status reads %q, want %q", state, tc.state)
			}
			if partly := strings.Contains(top, "partly read") || strings.Contains(top, "не полностью"); partly == tc.failed {
				t.Errorf("the top of the page (failed %v) says: %s", tc.failed, top)
			}
		})
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

// clientState has the device meta of a phone with the microphone denied,
// pushes off and an empty push token: findings of every severity.
const clientState = `{"format":"parley-client-state","version":1,"exported_at":"2026-05-01T10:00:00Z",
"app":{"platform":"web","version":"3.4.0","server_version":"3.3.0","user_agent":"Mozilla/5.0 Chrome/131.0.0.0","locale":"ru"},
"device_meta":{"permissions":{"microphone":false,"notifications":false,"camera":true},"pushes":false},
"settings":{"theme":"dark"},"websocket":{"state":"open"}}`

// Russian pages say nothing in English that the catalogue could say: the
// triage page of a real tombstone, a client state and a zip bomb, and the
// ticket the upload is linked to.
func TestTriageAndTicketPagesHaveNoEnglishInRussian(t *testing.T) {
	t.Parallel()
	tomb := readSample(t, "logcat/sentry_unity_android9_tombstone_sigsegv.txt")
	env, desk := start(t)
	triage := desk.upload(file{"tombstone.txt", tomb}, file{"state.json", []byte(clientState)}, file{"bomb.zip", zipBomb(t)})
	page := desk.page(triage, "ru")
	// The page's own words: the log lines quoted in the events table are
	// the device's, in whatever language it wrote them.
	said := text(between(page, "<main", `id="crashes"`) + between(page, `id="files"`, "</section>"))
	for _, english := range []string{"Device Meta", "warning", "critical", "info", "refused as a possible zip bomb",
		"Permission", "Host", " ms", "Loss", "Jitter", "Environment", "Findings"} {
		if strings.Contains(said, english) {
			t.Errorf("the Russian triage page says %q:\n…%s…", english, around(said, english))
		}
	}
	for _, raw := range []string{">abi<", ">build.fingerprint<", ">permissions.microphone<", ">pushes<"} {
		if strings.Contains(page, raw) {
			t.Errorf("the Russian triage page labels a fact with its raw key %s", raw)
		}
	}
	for _, want := range []string{"Архитектура процессора (ABI)", "Отпечаток сборки Android", "Разрешение: микрофон", "предупреждение"} {
		if !strings.Contains(said, want) {
			t.Errorf("the Russian triage page does not say %q", want)
		}
	}
	if !strings.Contains(page, `title="build.fingerprint"`) {
		t.Error("the raw key is not kept as the label's tooltip")
	}

	// The ticket it is linked to, as the requester and as staff see it.
	env.CreateUser("ann@example.org", "ann-secret-1", accounts.RoleUser)
	ann := signIn(t, env, "ann@example.org", "ann-secret-1")
	own := ann.upload(file{"bomb.zip", zipBomb(t)})
	token := env.Login("ann@example.org", "ann-secret-1", nil)
	resp, body := env.Do("POST", "/api/v1/support/tickets", token, map[string]any{"kind": "client", "subject": "Звонки обрываются", "body": "Через минуту."})
	if resp.StatusCode != 201 {
		t.Fatalf("file ticket: %d %s", resp.StatusCode, body)
	}
	id := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(body)[1]
	ticket := "/support/tickets/" + string(id)
	csrf := csrfRe.FindStringSubmatch(ann.page(ticket, "ru"))[1]
	if resp, _ := env.Page(ann.c, "POST", ticket+"/uploads", url.Values{"_csrf": {csrf}, "upload": {strings.TrimPrefix(own, "/diagnostics/")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link upload: %d", resp.StatusCode)
	}
	for who, r := range map[string]*reader{"requester": ann, "staff": desk} {
		said := text(r.page(ticket, "ru"))
		for _, english := range []string{"Device Meta", "warning", "refused as a possible zip bomb", "Failed", "Ready"} {
			if strings.Contains(said, english) {
				t.Errorf("the Russian ticket page (%s) says %q:\n…%s…", who, english, around(said, english))
			}
		}
	}
}

func around(s, sub string) string {
	i := strings.Index(s, sub)
	if i < 0 {
		return ""
	}
	return strings.Join(strings.Fields(s[max(0, i-80):min(len(s), i+len(sub)+80)]), " ")
}
