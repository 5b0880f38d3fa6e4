package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/server/accounts"
	"parley/server/servertest"
)

var (
	outboxLink = regexp.MustCompile(`href="(/admin/mail/\d+)"`)
	inviteLink = regexp.MustCompile(`https?://[^\s<"]+/invite/[A-Za-z0-9_-]+`)
)

// invitationLinkFromOutbox reads the newest outbox message as an
// administrator and returns the invitation link in its text.
func invitationLinkFromOutbox(t *testing.T, env *servertest.Env, admin *http.Client, to string) string {
	t.Helper()
	resp, html := page(t, admin, env, "GET", "/admin/mail", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, to) {
		t.Fatalf("outbox: %d, no message to %s\n%s", resp.StatusCode, to, html)
	}
	m := outboxLink.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("outbox lists no message:\n%s", html)
	}
	resp, html = page(t, admin, env, "GET", m[1], nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", m[1], resp.StatusCode)
	}
	link := inviteLink.FindString(html)
	if link == "" {
		t.Fatalf("the message has no invitation link:\n%s", html)
	}
	return link
}

func TestInvitationEndToEnd(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("boss@example.org", "admin-pass-1", accounts.RoleAdmin)
	env.CreateUser("helper@example.org", "staff-pass-1", accounts.RoleSupport)
	env.CreateUser("member@example.org", "member-pass-1", accounts.RoleUser)
	admin := signIn(t, env, "boss@example.org", "admin-pass-1")

	// The administrator invites a person.
	_, html := page(t, admin, env, "GET", "/admin/invitations", nil)
	csrf := csrfOf(t, html)
	resp, html := page(t, admin, env, "POST", "/admin/invitations", url.Values{"_csrf": {csrf},
		"email": {"member@example.org"}, "name": {"Someone"}, "role": {"user"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, "Учётная запись с этим адресом уже есть") ||
		!strings.Contains(html, `value="Someone"`) {
		t.Fatalf("inviting an existing account: %d\n%s", resp.StatusCode, html)
	}
	resp, _ = page(t, admin, env, "POST", "/admin/invitations", url.Values{"_csrf": {csrf},
		"email": {"Nina.Orlova@example.org"}, "name": {"Нина Орлова"}, "role": {"support"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/invitations?done=invited" {
		t.Fatalf("invite: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html = page(t, admin, env, "GET", "/admin/invitations?done=invited", nil)
	for _, want := range []string{"nina.orlova@example.org", "Ожидает ответа", "«Спам»", `href="/admin/mail"`} {
		if !strings.Contains(html, want) {
			t.Errorf("invitations page lacks %q", want)
		}
	}

	// No SMTP here: the mail waits on the outbox page with its link, which
	// points at the address the administrator used.
	link := invitationLinkFromOutbox(t, env, admin, "nina.orlova@example.org")
	if !strings.HasPrefix(link, env.URL+"/invite/") {
		t.Fatalf("invitation link %s does not point at this server %s", link, env.URL)
	}
	path := strings.TrimPrefix(link, env.URL)

	// Nobody else reads the outbox or invites.
	for _, who := range []struct{ login, password string }{
		{"helper@example.org", "staff-pass-1"}, {"member@example.org", "member-pass-1"},
	} {
		c := signIn(t, env, who.login, who.password)
		for _, p := range []string{"/admin/mail", "/admin/mail/1", "/admin/invitations"} {
			if resp, html := page(t, c, env, "GET", p, nil); resp.StatusCode != http.StatusForbidden || strings.Contains(html, "/invite/") {
				t.Errorf("%s GET %s: %d, want 403", who.login, p, resp.StatusCode)
			}
		}
		_, html := page(t, c, env, "GET", "/account", nil)
		resp, _ := page(t, c, env, "POST", "/admin/invitations", url.Values{"_csrf": {csrfOf(t, html)},
			"email": {"intruder@example.org"}, "role": {"support"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST /admin/invitations: %d, want 403", who.login, resp.StatusCode)
		}
	}
	if resp, _ := page(t, env.Browser(), env, "GET", "/admin/mail", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous /admin/mail: %d, want a redirect to sign in", resp.StatusCode)
	}

	// The invited person follows the link.
	nina := env.Browser()
	resp, html = page(t, nina, env, "GET", path, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, "nina.orlova@example.org") || !strings.Contains(html, `value="Нина Орлова"`) {
		t.Fatalf("set-password page: %d\n%s", resp.StatusCode, html)
	}
	csrf = csrfOf(t, html)
	for _, tc := range []struct {
		name, pw1, pw2, want string
	}{
		{"passwords differ", "long-enough-1", "long-enough-2", "Пароли не совпадают"},
		{"too short", "short-pw", "short-pw", "Пароль должен быть не короче 10 символов"},
		{"common", "Qwerty12345", "Qwerty12345", "один из самых распространённых паролей"},
		{"her own e-mail", "Nina.Orlova@example.org", "Nina.Orlova@example.org", "не должен совпадать с вашим логином, почтой"},
	} {
		resp, html := page(t, nina, env, "POST", path, url.Values{"_csrf": {csrf}, "name": {"Нина О."},
			"password": {tc.pw1}, "password2": {tc.pw2}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, tc.want) || !strings.Contains(html, `value="Нина О."`) {
			t.Errorf("%s: %d\n%s", tc.name, resp.StatusCode, html)
		}
		if strings.Contains(html, tc.pw1) {
			t.Errorf("%s: the page repeats the password", tc.name)
		}
	}
	resp, _ = page(t, nina, env, "POST", path, url.Values{"name": {"Нина"}, "password": {"long-enough-1"}, "password2": {"long-enough-1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("post without CSRF token: %d", resp.StatusCode)
	}
	resp, _ = page(t, nina, env, "POST", path, url.Values{"_csrf": {csrf}, "name": {"Нина Орлова"},
		"password": {"long-enough-1"}, "password2": {"long-enough-1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/support" {
		t.Fatalf("accept: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == accounts.SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("session cookie %+v, want it set as the sign-in page does", cookie)
	}
	resp, html = page(t, nina, env, "GET", "/account", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, "nina.orlova@example.org") || !strings.Contains(html, `data-role="support"`) {
		t.Fatalf("signed in after accepting: %d\n%s", resp.StatusCode, html)
	}

	// The link is spent; the password works on the sign-in page.
	resp, html = page(t, env.Browser(), env, "GET", path, nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(html, "уже зарегистрировались") {
		t.Errorf("used link: %d\n%s", resp.StatusCode, html)
	}
	signIn(t, env, "Nina.Orlova@example.org", "long-enough-1")
	_, html = page(t, admin, env, "GET", "/admin/invitations", nil)
	if !strings.Contains(html, `data-state="accepted"`) {
		t.Errorf("the admin list does not show the invitation accepted")
	}
}

func TestInvitationResendAndRevokeFromThePage(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("boss@example.org", "admin-pass-1", accounts.RoleAdmin)
	admin := signIn(t, env, "boss@example.org", "admin-pass-1")
	_, html := page(t, admin, env, "GET", "/admin/invitations", nil, "Accept-Language", "en")
	csrf := csrfOf(t, html)
	page(t, admin, env, "POST", "/admin/invitations", url.Values{"_csrf": {csrf}, "email": {"ivan@example.org"}, "role": {"user"}})
	first := strings.TrimPrefix(invitationLinkFromOutbox(t, env, admin, "ivan@example.org"), env.URL)

	_, html = page(t, admin, env, "GET", "/admin/invitations", nil)
	id := regexp.MustCompile(`/admin/invitations/(\d+)/resend`).FindStringSubmatch(html)
	if id == nil {
		t.Fatalf("no resend button:\n%s", html)
	}
	resp, _ := page(t, admin, env, "POST", "/admin/invitations/"+id[1]+"/resend", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", resp.StatusCode)
	}
	second := strings.TrimPrefix(invitationLinkFromOutbox(t, env, admin, "ivan@example.org"), env.URL)
	if second == first {
		t.Fatal("resending mailed the same link")
	}
	if resp, _ := page(t, env.Browser(), env, "GET", first, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the replaced link still opens: %d", resp.StatusCode)
	}
	if resp, _ := page(t, env.Browser(), env, "GET", second, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the new link: %d", resp.StatusCode)
	}

	resp, _ = page(t, admin, env, "POST", "/admin/invitations/"+id[1]+"/revoke", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, html = page(t, env.Browser(), env, "GET", second, nil, "Accept-Language", "en")
	if resp.StatusCode != http.StatusGone || !strings.Contains(html, "withdrawn") || !strings.Contains(html, "new invitation") {
		t.Errorf("revoked link: %d\n%s", resp.StatusCode, html)
	}
	// A revoke without the form's token changes nothing.
	if resp, _ := page(t, admin, env, "POST", "/admin/invitations/"+id[1]+"/resend", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resend without CSRF token: %d", resp.StatusCode)
	}
}
