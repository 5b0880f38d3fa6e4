package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/server/accounts"
	"parley/server/servertest"
)

// testClock is a clock tests move by hand (accounts.Options.Now).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var resetLink = regexp.MustCompile(`https?://[^\s<"]+(/reset/[A-Za-z0-9_-]+)`)

// mailsTo returns the texts of the outbox messages to addr, newest first.
func mailsTo(t *testing.T, env *servertest.Env, addr string) []string {
	t.Helper()
	list, _, err := env.Server.Mail.List(t.Context(), 0, 500)
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	var out []string
	for _, e := range list {
		if e.To == addr {
			out = append(out, e.Subject+"\n"+e.Text)
		}
	}
	return out
}

// requestReset sends the "Forgot password?" form as a browser would and
// returns the answer page.
func requestReset(t *testing.T, env *servertest.Env, c *http.Client, email string, header ...string) (*http.Response, string) {
	t.Helper()
	_, html := page(t, c, env, "GET", "/forgot", nil, header...)
	return page(t, c, env, "POST", "/forgot", url.Values{"_csrf": {csrfOf(t, html)}, "email": {email}}, header...)
}

// latestResetPath is the reset link of the newest mail to addr.
func latestResetPath(t *testing.T, env *servertest.Env, addr string) string {
	t.Helper()
	mails := mailsTo(t, env, addr)
	if len(mails) == 0 {
		t.Fatalf("no mail to %s in the outbox", addr)
	}
	m := resetLink.FindStringSubmatch(mails[0])
	if m == nil {
		t.Fatalf("the mail to %s has no reset link:\n%s", addr, mails[0])
	}
	return m[1]
}

func TestForgotPasswordEndToEnd(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	env := servertest.Start(t, servertest.Options{Accounts: accounts.Options{Now: clock.Now}})
	const email, oldPW, newPW = "lena@example.org", "old-secret-123", "new-secret-456"
	env.CreateUser(email, oldPW, accounts.RoleUser)
	phone := env.Login(email, oldPW, map[string]any{"udid": "phone-1", "platform": "android"})
	anon := env.Browser()

	_, html := page(t, anon, env, "GET", "/signin", nil)
	if !strings.Contains(html, `href="/forgot"`) || !strings.Contains(html, "Забыли пароль?") {
		t.Fatal("the sign-in page has no way to a forgotten password")
	}
	// After a failed attempt the link carries the login typed.
	_, html = page(t, anon, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {email}, "password": {"not-it-at-all"}})
	if !strings.Contains(html, `href="/forgot?login=lena%40example.org"`) {
		t.Error("the forgot link after a failed sign-in does not carry the login")
	}
	_, html = page(t, anon, env, "GET", "/forgot?login=lena%40example.org", nil)
	if !strings.Contains(html, `value="lena@example.org"`) {
		t.Error("the forgot page does not prefill the login")
	}

	// The same answer for an address with an account and one without; only
	// the first gets mail.
	resp, known := requestReset(t, env, anon, email)
	if resp.StatusCode != http.StatusOK || !strings.Contains(known, "Проверьте почту") {
		t.Fatalf("request for %s: %d\n%s", email, resp.StatusCode, known)
	}
	resp, unknown := requestReset(t, env, anon, "ghost@example.org")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request for an unknown address: %d", resp.StatusCode)
	}
	norm := func(html, addr string) string {
		return csrfField.ReplaceAllString(strings.ReplaceAll(html, addr, "ADDR"), "")
	}
	if norm(known, email) != norm(unknown, "ghost@example.org") {
		t.Errorf("the answers differ for a known and an unknown address:\n%s\n---\n%s", known, unknown)
	}
	if n := len(mailsTo(t, env, "ghost@example.org")); n != 0 {
		t.Errorf("%d mails to an address without an account", n)
	}
	mails := mailsTo(t, env, email)
	if len(mails) != 1 || !strings.Contains(mails[0], "Parley: восстановление пароля") || !strings.Contains(mails[0], "в течение часа") {
		t.Fatalf("mails to %s: %q", email, mails)
	}
	link := latestResetPath(t, env, email)

	// The link opens the new-password form; mistakes keep the link usable.
	c := env.Browser()
	resp, html = page(t, c, env, "GET", link, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, `value="lena@example.org"`) {
		t.Fatalf("reset page: %d\n%s", resp.StatusCode, html)
	}
	csrf := csrfOf(t, html)
	resp, html = page(t, c, env, "POST", link, url.Values{"_csrf": {csrf}, "password": {newPW}, "password2": {"something-else"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `id="password2-error"`) {
		t.Fatalf("mismatched passwords: %d", resp.StatusCode)
	}
	resp, html = page(t, c, env, "POST", link, url.Values{"_csrf": {csrf}, "password": {"short"}, "password2": {"short"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `id="password-error"`) {
		t.Fatalf("too short a password: %d", resp.StatusCode)
	}
	resp, html = page(t, c, env, "POST", link, url.Values{"_csrf": {csrf}, "password": {"lena@example.org"}, "password2": {"lena@example.org"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `id="password-error"`) {
		t.Fatalf("the account's own e-mail as its password: %d", resp.StatusCode)
	}
	resp, _ = page(t, c, env, "POST", link, url.Values{"password": {newPW}, "password2": {newPW}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a post without its CSRF token: %d", resp.StatusCode)
	}

	resp, _ = page(t, c, env, "POST", link, url.Values{"_csrf": {csrf}, "password": {newPW}, "password2": {newPW}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=reset" {
		t.Fatalf("set the new password: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, html = page(t, c, env, "GET", "/account?done=reset", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, "Новый пароль сохранён") {
		t.Fatalf("signed in after the reset: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the phone's session survived the reset: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"login": email, "password": oldPW}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d", resp.StatusCode)
	}
	env.Login(email, newPW, nil)

	// The link works once.
	for _, method := range []string{"GET", "POST"} {
		var form url.Values
		if method == "POST" {
			form = url.Values{"_csrf": {csrf}, "password": {"third-secret-789"}, "password2": {"third-secret-789"}}
		}
		resp, html = page(t, c, env, method, link, form)
		if resp.StatusCode != http.StatusGone || !strings.Contains(html, "уже использована") {
			t.Errorf("%s of a used link: %d", method, resp.StatusCode)
		}
	}

	// An hour later a link no longer works.
	requestReset(t, env, anon, email)
	link2 := latestResetPath(t, env, email)
	clock.Add(accounts.ResetLinkTTL)
	resp, html = page(t, env.Browser(), env, "GET", link2, nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(html, "истёк") {
		t.Errorf("expired link: %d", resp.StatusCode)
	}

	// A password change in any other way ends the links mailed before it.
	requestReset(t, env, anon, email)
	link3 := latestResetPath(t, env, email)
	if link3 == link2 || link3 == link {
		t.Fatal("a new request mailed an old link")
	}
	u, err := env.Server.Accounts.FindUser(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Accounts.SetPassword(t.Context(), u.ID, "admin-set-secret-1", false); err != nil {
		t.Fatal(err)
	}
	if resp, _ := page(t, env.Browser(), env, "GET", link3, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("a link from before a password change: %d", resp.StatusCode)
	}

	// An unknown link says so.
	if resp, html := page(t, env.Browser(), env, "GET", "/reset/not-a-real-token", nil); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(html, "Такой ссылки") {
		t.Errorf("unknown link: %d", resp.StatusCode)
	}
}

func TestForgotPasswordForBlockedAccounts(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	const email, pw = "gone@example.org", "gone-secret-123"
	u := env.CreateUser(email, pw, accounts.RoleUser)
	anon := env.Browser()
	requestReset(t, env, anon, email)
	link := latestResetPath(t, env, email)
	if err := env.Server.Accounts.Block(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	// The link mailed before the block stops working.
	if resp, _ := page(t, anon, env, "GET", link, nil); resp.StatusCode == http.StatusOK {
		t.Fatal("a blocked account's reset link still opens the form")
	}
	// A blocked account gets the usual answer and no mail.
	resp, html := requestReset(t, env, anon, email)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, "Проверьте почту") {
		t.Fatalf("request for a blocked account: %d", resp.StatusCode)
	}
	if n := len(mailsTo(t, env, email)); n != 1 {
		t.Fatalf("%d mails to a blocked account, want only the one from before the block", n)
	}
	// Signing in says the account is blocked, in the page's language.
	c := env.Browser()
	for _, tc := range []struct{ lang, want string }{{"ru", "Учётная запись заблокирована"}, {"en", "This account is blocked"}} {
		_, html := page(t, c, env, "GET", "/signin", nil, "Accept-Language", tc.lang)
		resp, html := page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {email}, "password": {pw}},
			"Accept-Language", tc.lang)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(html, tc.want) {
			t.Errorf("%s: blocked sign-in: %d", tc.lang, resp.StatusCode)
		}
	}
	// A wrong password does not reveal the block.
	_, html = page(t, c, env, "GET", "/signin", nil)
	resp, html = page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {email}, "password": {"wrong-password-1"}})
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(html, "заблокирована") {
		t.Errorf("wrong password of a blocked account: %d", resp.StatusCode)
	}
}

func TestForgotPasswordThrottle(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	env := servertest.Start(t, servertest.Options{Accounts: accounts.Options{Now: clock.Now,
		ResetLimits: &accounts.ResetLimits{PerEmail: 2, PerAddress: 4, Window: time.Hour}}})
	const email = "many@example.org"
	env.CreateUser(email, "many-secret-123", accounts.RoleUser)
	anon := env.Browser()
	for i := range 3 {
		resp, html := requestReset(t, env, anon, email)
		if resp.StatusCode != http.StatusOK || !strings.Contains(html, "Проверьте почту") {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	if n := len(mailsTo(t, env, email)); n != 2 {
		t.Fatalf("%d mails after three requests, want the limit of 2", n)
	}
	// The client address has made 3 requests; the 4th is allowed, the 5th not.
	if resp, _ := requestReset(t, env, anon, "other@example.org"); resp.StatusCode != http.StatusOK {
		t.Fatalf("4th request from the address: %d", resp.StatusCode)
	}
	resp, html := requestReset(t, env, anon, "other@example.org", "Accept-Language", "en")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(html, "Too many requests from this address") {
		t.Fatalf("5th request from the address: %d\n%s", resp.StatusCode, html)
	}
	// An hour later both limits have passed.
	clock.Add(time.Hour + time.Second)
	if resp, _ := requestReset(t, env, anon, email); resp.StatusCode != http.StatusOK {
		t.Fatalf("request after the window: %d", resp.StatusCode)
	}
	if n := len(mailsTo(t, env, email)); n != 3 {
		t.Fatalf("%d mails after the window, want 3", n)
	}
}

func TestLandingAfterSignIn(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	for _, tc := range []struct {
		role accounts.Role
		next string
		want string
	}{
		{accounts.RoleUser, "", "/help"},
		{accounts.RoleSupport, "", "/support/queue"},
		{accounts.RoleAdmin, "", "/support/queue"},
		{accounts.RoleUser, "/support/new?kind=client", "/support/new?kind=client"},
		{accounts.RoleSupport, "/account", "/account"},
		{accounts.RoleAdmin, "//evil.example/x", "/support/queue"},
		{accounts.RoleUser, "https://evil.example/", "/help"},
	} {
		t.Run(string(tc.role)+" next="+tc.next, func(t *testing.T) {
			email := strings.NewReplacer("/", "", ":", "", "?", "", "=", "", ".", "").Replace(string(tc.role)+tc.next) + "@example.org"
			env.CreateUser(email, "landing-secret-1", tc.role)
			c := env.Browser()
			_, html := page(t, c, env, "GET", "/signin?next="+url.QueryEscape(tc.next), nil)
			resp, _ := page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {email},
				"password": {"landing-secret-1"}, "next": {tc.next}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Fatalf("sign-in: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
			if tc.next != "" {
				return
			}
			// "/" and the sign-in page send a signed-in person the same way.
			for _, path := range []string{"/", "/signin"} {
				resp, _ = page(t, c, env, "GET", path, nil)
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
					t.Errorf("GET %s signed in: %d to %q, want %q", path, resp.StatusCode, resp.Header.Get("Location"), tc.want)
				}
			}
		})
	}
	// Someone on a one-time password goes to replace it first.
	if _, err := env.Server.Accounts.CreateUser(t.Context(), accounts.NewUser{Password: "one-time-secret-1", MustChangePassword: true,
		Profile: accounts.Profile{Email: "fresh@example.org"}}); err != nil {
		t.Fatal(err)
	}
	c := env.Browser()
	_, html := page(t, c, env, "GET", "/signin", nil)
	resp, _ := page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {"fresh@example.org"},
		"password": {"one-time-secret-1"}})
	if loc := resp.Header.Get("Location"); loc != "/account#password-h" {
		t.Errorf("one-time password lands on %q", loc)
	}
}
