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

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// page fetches path with the browser client and returns status and body.
func page(t *testing.T, c *http.Client, env *servertest.Env, method, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	return env.Page(c, method, path, form, header...)
}

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("page has no CSRF field")
	}
	return m[1]
}

// signIn goes through the sign-in form as a browser without JavaScript would.
func signIn(t *testing.T, env *servertest.Env, login, password string) *http.Client {
	t.Helper()
	c := env.Browser()
	_, html := page(t, c, env, "GET", "/signin", nil)
	resp, body := page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)}, "login": {login},
		"password": {password}, "next": {"/account"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in form: %d %s", resp.StatusCode, body)
	}
	return c
}

func TestSignInPageFlow(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	u := env.CreateUser("lena@example.org", "secret-pass-1", accounts.RoleUser)
	c := env.Browser()

	resp, html := page(t, c, env, "GET", "/account", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Faccount" {
		t.Fatalf("anonymous /account: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html = page(t, c, env, "GET", "/signin", nil)
	token := csrfOf(t, html)

	// A wrong password keeps the login typed and says what went wrong.
	resp, html = page(t, c, env, "POST", "/signin", url.Values{"_csrf": {token}, "login": {"lena@example.org"}, "password": {"nope"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(html, "Неверная почта, логин или пароль") ||
		!strings.Contains(html, `value="lena@example.org"`) {
		t.Fatalf("wrong password page: %d\n%s", resp.StatusCode, html)
	}
	// A form without its token is refused, and nothing signs in.
	resp, _ = page(t, c, env, "POST", "/signin", url.Values{"login": {"lena@example.org"}, "password": {"secret-pass-1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("post without CSRF token: %d", resp.StatusCode)
	}
	// A cross-site post is refused even with a token.
	resp, _ = page(t, c, env, "POST", "/signin", url.Values{"_csrf": {token}, "login": {"lena@example.org"}, "password": {"secret-pass-1"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", resp.StatusCode)
	}
	// An open redirect in next is ignored: a user lands on the help center.
	resp, _ = page(t, c, env, "POST", "/signin", url.Values{"_csrf": {token}, "login": {"lena@example.org"},
		"password": {"secret-pass-1"}, "next": {"//evil.example/x"}, "timezone": {"Europe/Moscow"},
		"device_meta": {`{"permissions.notifications":true}`}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/help" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, html = page(t, c, env, "GET", "/account", nil)
	if resp.StatusCode != 200 || !strings.Contains(html, u.HUID) || !strings.Contains(html, "Europe/Moscow") ||
		!strings.Contains(html, "permissions.notifications") {
		t.Fatalf("account page: %d\n%s", resp.StatusCode, html)
	}
	// Signing out ends the session: the account page is closed again.
	resp, _ = page(t, c, env, "POST", "/signout", url.Values{"_csrf": {csrfOf(t, html)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	resp, _ = page(t, c, env, "GET", "/account", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out /account: %d", resp.StatusCode)
	}
}

func TestLanguageChoiceOrder(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("r@example.org", "secret-pass-1", accounts.RoleUser)
	anon := env.Browser()
	for _, tc := range []struct {
		name   string
		header []string
		want   string
	}{
		{"default is Russian", nil, "Вход в Parley"},
		{"Accept-Language English", []string{"Accept-Language", "en-GB,en;q=0.9"}, "Sign in to Parley"},
		{"Accept-Language prefers Russian by q", []string{"Accept-Language", "de;q=1, en;q=0.5, ru;q=0.8"}, "Вход в Parley"},
		{"unsupported language falls back", []string{"Accept-Language", "fr"}, "Вход в Parley"},
	} {
		_, html := page(t, anon, env, "GET", "/signin", nil, tc.header...)
		if !strings.Contains(html, tc.want) {
			t.Errorf("%s: page lacks %q", tc.name, tc.want)
		}
	}
	// The cookie beats Accept-Language.
	resp, _ := page(t, anon, env, "GET", "/lang/en?next=/signin", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html := page(t, anon, env, "GET", "/signin", nil, "Accept-Language", "ru")
	if !strings.Contains(html, "Sign in to Parley") || !strings.Contains(html, `<html lang="en">`) {
		t.Fatal("lang cookie did not win over Accept-Language")
	}
	// The user's saved setting beats the cookie.
	c := signIn(t, env, "r@example.org", "secret-pass-1")
	page(t, c, env, "GET", "/lang/en?next=/account", nil) // saves en for the user
	c2 := signIn(t, env, "r@example.org", "secret-pass-1")
	u, _ := url.Parse(env.URL)
	c2.Jar.SetCookies(u, []*http.Cookie{{Name: "lang", Value: "ru"}})
	_, html = page(t, c2, env, "GET", "/account", nil, "Accept-Language", "ru")
	if !strings.Contains(html, "<h1>Account</h1>") {
		t.Fatal("the user's saved language did not win over cookie and browser")
	}
	// A next that leaves the site is not followed.
	resp, _ = page(t, anon, env, "GET", "/lang/ru?next=https://evil.example/", nil)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("language switch redirected off-site to %q", loc)
	}
}

func TestAccountProfileFormKeepsInputOnError(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	u := env.CreateUser("s@example.org", "secret-pass-1", accounts.RoleUser)
	c := signIn(t, env, "s@example.org", "secret-pass-1")
	_, html := page(t, c, env, "GET", "/account", nil)
	tok := csrfOf(t, html)
	form := url.Values{"_csrf": {tok}, "name": {`<script>alert("x")</script>`}, "email": {"not an email"},
		"department": {"Логистика"}, "tags": {"a, b"}}
	resp, html := page(t, c, env, "POST", "/account/profile", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad profile: %d", resp.StatusCode)
	}
	for _, want := range []string{`value="Логистика"`, `value="not an email"`, `aria-invalid="true"`, "Это не похоже на адрес электронной почты"} {
		if !strings.Contains(html, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	if strings.Contains(html, `<script>alert`) {
		t.Fatal("user input rendered as HTML")
	}
	stored, _ := env.Server.Accounts.UserByID(t.Context(), u.ID)
	if stored.Profile.Department != "" {
		t.Fatal("a refused form changed the stored profile")
	}
	form.Set("email", "s.new@example.org")
	form.Set("current_password", "secret-pass-1")
	resp, _ = page(t, c, env, "POST", "/account/profile", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good profile: %d", resp.StatusCode)
	}
	_, html = page(t, c, env, "GET", "/account?done=profile", nil)
	if !strings.Contains(html, "Профиль сохранён") || !strings.Contains(html, "&lt;script&gt;") || !strings.Contains(html, u.HUID) {
		t.Fatalf("saved profile page:\n%s", html)
	}
}

func TestAccountEndsOtherSessionFromPage(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("w@example.org", "secret-pass-1", accounts.RoleUser)
	phone := env.Login("w@example.org", "secret-pass-1", map[string]any{"udid": "phone-1", "platform": "android"})
	c := signIn(t, env, "w@example.org", "secret-pass-1")
	_, html := page(t, c, env, "GET", "/account", nil)
	m := regexp.MustCompile(`id="session-(\d+)" data-udid="phone-1"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("phone session not listed:\n%s", html)
	}
	// Without the token nothing happens.
	resp, _ := page(t, c, env, "POST", "/account/sessions/"+m[1]+"/end", url.Values{})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("end without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != 200 {
		t.Fatal("phone session ended by a forged form")
	}
	resp, _ = page(t, c, env, "POST", "/account/sessions/"+m[1]+"/end", url.Values{"_csrf": {csrfOf(t, html)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end session: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != 401 {
		t.Fatalf("phone still signed in: %d", resp.StatusCode)
	}
}

func TestOneTimePasswordMustBeChanged(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	_, pw, err := env.Server.Accounts.EnsureFirstAdmin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := signIn(t, env, "admin", pw)
	// Until it is replaced, every other page leads back to the account page.
	if resp, _ := page(t, c, env, "GET", "/admin/mail", nil); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/account#password-h" {
		t.Fatalf("with a one-time password /admin/mail gives %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, html := page(t, c, env, "GET", "/account", nil)
	if !strings.Contains(html, "одноразовым паролем") {
		t.Fatal("no prompt to replace the one-time password")
	}
	resp, html2 := page(t, c, env, "POST", "/account/password", url.Values{"_csrf": {csrfOf(t, html)},
		"current_password": {"wrong"}, "new_password": {"new-secret-99"}})
	if resp.StatusCode != 400 || !strings.Contains(html2, "Текущий пароль указан неверно") {
		t.Fatalf("wrong current password: %d", resp.StatusCode)
	}
	resp, _ = page(t, c, env, "POST", "/account/password", url.Values{"_csrf": {csrfOf(t, html)},
		"current_password": {pw}, "new_password": {"new-secret-99"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d", resp.StatusCode)
	}
	_, html = page(t, c, env, "GET", "/account", nil)
	if strings.Contains(html, "одноразовым паролем") {
		t.Fatal("prompt stays after the change")
	}
	if resp, _ := page(t, c, env, "GET", "/admin/mail", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the change /admin/mail gives %d", resp.StatusCode)
	}
	env.Login("admin", "new-secret-99", nil)
}

func TestUnknownPageIs404InBothLanguages(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	c := env.Browser()
	resp, html := page(t, c, env, "GET", "/no/such/page", nil)
	if resp.StatusCode != 404 || !strings.Contains(html, "Страница не найдена") {
		t.Fatalf("404 ru: %d", resp.StatusCode)
	}
	_, html = page(t, c, env, "GET", "/no/such/page", nil, "Accept-Language", "en")
	if !strings.Contains(html, "Page not found") {
		t.Fatal("404 en")
	}
}
