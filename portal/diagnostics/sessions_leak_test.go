package diagnostics_test

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"parley/server/accounts"
)

// A browser HAR of Parley itself holds live sessions' cookie and bearer
// token: uploading it ends those sessions at once, with the reason kept as
// a code, and the triage page tells the uploader why, in ru and en; the
// stored copy holds neither value.
func TestUploadedLiveSessionsAreEnded(t *testing.T) {
	t.Parallel()
	env, desk := start(t)
	env.CreateUser("anna@example.org", "anna-secret-1", accounts.RoleUser)
	token := env.Login("anna@example.org", "anna-secret-1", nil)
	browser := signIn(t, env, "anna@example.org", "anna-secret-1")
	u, _ := url.Parse(env.URL)
	cookie := ""
	for _, c := range browser.c.Jar.Cookies(u) {
		if c.Name == accounts.SessionCookie {
			cookie = c.Value
		}
	}
	if cookie == "" || token == "" {
		t.Fatal("no session cookie or token to leak")
	}
	if resp, _ := env.Do("GET", "/api/v1/me", token, nil); resp.StatusCode != 200 {
		t.Fatalf("the token does not work before the upload: %d", resp.StatusCode)
	}
	// The desk's own session is in it too, under another cookie name: not ours, kept.
	har := `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[{"startedDateTime":"2026-05-01T10:00:00.000Z","time":12,` +
		`"request":{"method":"GET","url":"` + env.URL + `/api/v1/me","httpVersion":"HTTP/1.1","headers":[{"name":"Authorization","value":"Bearer ` + token + `"},` +
		`{"name":"Cookie","value":"theme=dark; ` + accounts.SessionCookie + `=` + cookie + `"}],"cookies":[{"name":"` + accounts.SessionCookie + `","value":"` + cookie + `"}],` +
		`"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],` +
		`"content":{"size":2,"mimeType":"application/json","text":"{}"},"redirectURL":"","headersSize":-1,"bodySize":2},"cache":{},"timings":{"send":1,"wait":10,"receive":1}}]}}`
	triage := desk.upload(file{"parley.har", []byte(har)})

	if resp, _ := env.Do("GET", "/api/v1/me", token, nil); resp.StatusCode != 401 {
		t.Errorf("the leaked bearer token still works: %d", resp.StatusCode)
	}
	if resp, _ := env.Page(browser.c, "GET", "/account", nil); resp.StatusCode == 200 {
		t.Error("the leaked cookie still opens the account page")
	}
	if n := env.Count("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'anna@example.org' AND s.end_reason = ?", accounts.EndLeaked); n != 2 {
		t.Errorf("%d of anna's sessions ended as leaked, want 2", n)
	}
	if n := env.Count("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'desk@example.org' AND s.ended_at IS NULL"); n == 0 {
		t.Error("the uploader's own session (not in the file) was ended")
	}
	for lang, want := range map[string]string{"en": "so those sessions have been ended", "ru": "поэтому эти сеансы завершены"} {
		top := text(between(desk.page(triage, lang), `id="sessions-ended"`, "</div>"))
		if !strings.Contains(top, want) || !strings.Contains(top, "2") {
			t.Errorf("%s: the page does not say why the sessions ended: %q", lang, top)
		}
	}
	id := strings.TrimPrefix(triage, "/diagnostics/")
	if found := leaks(t, filepath.Join(env.DataDir, "files"), []string{cookie, token}); len(found) > 0 {
		t.Errorf("the upload's files still hold %q", found)
	}
	if kept := storedOriginal(t, env, id, 0); !json.Valid(kept) {
		t.Errorf("the redacted HAR is not kept: %q", kept)
	}
}
