package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
)

// apiError decodes the API's error envelope.
func apiError(t *testing.T, body []byte) (code, field, msg string) {
	t.Helper()
	var e struct{ Code, Field, Error string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an API error: %s", body)
	}
	return e.Code, e.Field, e.Error
}

// A session on a one-time password can do nothing over the API, the
// portal's routes included, until it has set its own password.
func TestOneTimePasswordBlocksTheAPIUntilChanged(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t, servertest.Options{Mounts: []server.Mount{portal.Mount}})
	_, err := env.Server.Accounts.CreateUser(t.Context(), accounts.NewUser{Password: "one-time-pass-7",
		MustChangePassword: true, Profile: accounts.Profile{Email: "new@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := env.Login("new@example.org", "one-time-pass-7", nil)

	blocked := []struct{ method, path string }{
		{"GET", "/api/v1/me/sessions"},
		{"PATCH", "/api/v1/me"},
		{"DELETE", "/api/v1/me/sessions/1"},
		{"GET", "/api/v1/help/search?q=push&lang=en"},
		{"GET", "/api/v1/support/tickets"},
		{"POST", "/api/v1/support/tickets"},
		{"POST", "/api/v1/diagnostics/uploads?name=x.log"},
	}
	for _, c := range blocked {
		resp, body := env.Do(c.method, c.path, tok, map[string]string{"name": "Changed"})
		code, _, msg := apiError(t, body)
		if resp.StatusCode != http.StatusForbidden || code != "password_change_required" || !strings.Contains(msg, "POST /api/v1/me/password") {
			t.Errorf("%s %s with a one-time password: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	// What the app needs to find out and fix it still works.
	resp, body := env.Do("GET", "/api/v1/me", tok, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"must_change_password":true`) {
		t.Fatalf("GET /me: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do("POST", "/api/v1/me/password", tok, map[string]string{"current": "one-time-pass-7", "new": "my-own-secret-42"})
	if resp.StatusCode != 200 {
		t.Fatalf("change: %d %s", resp.StatusCode, body)
	}
	for _, c := range blocked[:1] {
		if resp, body := env.Do(c.method, c.path, tok, nil); resp.StatusCode != 200 {
			t.Errorf("%s %s after the change: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	if resp, body := env.Do("GET", "/api/v1/help/search?q=push&lang=en", tok, nil); resp.StatusCode != 200 {
		t.Errorf("help search after the change: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.Do("GET", "/api/v1/support/tickets", tok, nil); resp.StatusCode != 200 {
		t.Errorf("tickets after the change: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do("GET", "/api/v1/me", tok, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"must_change_password":false`) {
		t.Fatalf("GET /me after the change: %d %s", resp.StatusCode, body)
	}

	// Signing out is allowed on a one-time password too.
	other := env.Login("new@example.org", "my-own-secret-42", nil)
	if err := env.Server.Accounts.SetPassword(t.Context(), mustMe(t, env, other), "another-one-time-9", true); err != nil {
		t.Fatal(err)
	}
	if resp, body := env.Do("GET", "/api/v1/me/sessions", other, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("after an administrator set a one-time password: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.Do("POST", "/api/v1/auth/logout", other, nil); resp.StatusCode != 200 {
		t.Fatalf("logout with a one-time password: %d %s", resp.StatusCode, body)
	}
}

// mustMe is the id of the token's user.
func mustMe(t *testing.T, env *servertest.Env, tok string) int64 {
	t.Helper()
	u, _, err := env.Server.Accounts.Authenticate(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestChangePasswordOverAPI(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("pavel@example.org", "first-secret-1", accounts.RoleUser)
	phone := env.Login("pavel@example.org", "first-secret-1", map[string]any{"udid": "phone"})
	laptop := env.Login("pavel@example.org", "first-secret-1", map[string]any{"udid": "laptop"})

	for _, tc := range []struct {
		name           string
		body           any
		status         int
		code, field    string
		reasonContains string
	}{
		{"no current", map[string]string{"new": "second-secret-2"}, 400, "invalid", "current", "required"},
		{"wrong current", map[string]string{"current": "not-it-at-all", "new": "second-secret-2"}, 403, "wrong_password", "current", "not your current"},
		{"too short", map[string]string{"current": "first-secret-1", "new": "12345678"}, 400, "invalid", "new", "at least 10 characters"},
		{"common", map[string]string{"current": "first-secret-1", "new": "Password123"}, 400, "invalid", "new", "most common passwords"},
		{"a run", map[string]string{"current": "first-secret-1", "new": "abcdefghijkl"}, 400, "invalid", "new", "consecutive"},
		{"one character", map[string]string{"current": "first-secret-1", "new": "zzzzzzzzzzzz"}, 400, "invalid", "new", "repeats"},
		{"own e-mail", map[string]string{"current": "first-secret-1", "new": "Pavel@Example.org"}, 400, "invalid", "new", "e-mail"},
		{"unchanged", map[string]string{"current": "first-secret-1", "new": "first-secret-1"}, 400, "invalid", "new", "differ"},
		{"not JSON", "current=x", 400, "bad_json", "", ""},
	} {
		resp, body := env.Do("POST", "/api/v1/me/password", laptop, tc.body)
		code, field, msg := apiError(t, body)
		if resp.StatusCode != tc.status || code != tc.code || field != tc.field || !strings.Contains(msg, tc.reasonContains) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	// None of that changed anything.
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != 200 {
		t.Fatal("a refused change ended the other session")
	}
	env.Login("pavel@example.org", "first-secret-1", nil)

	resp, body := env.Do("POST", "/api/v1/me/password", laptop, map[string]string{"current": "first-secret-1", "new": "second-secret-2"})
	if resp.StatusCode != 200 {
		t.Fatalf("change: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", laptop, nil); resp.StatusCode != 200 {
		t.Fatal("the session that changed the password was ended")
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != 401 {
		t.Fatalf("the other session still works: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"login": "pavel@example.org", "password": "first-secret-1"}); resp.StatusCode != 401 {
		t.Fatalf("the old password still signs in: %d", resp.StatusCode)
	}
	env.Login("pavel@example.org", "second-secret-2", nil)
}

// Wrong current passwords count against the account like wrong sign-ins, so
// a stolen token cannot be used to guess the password faster.
func TestWrongCurrentPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("gleb@example.org", "first-secret-1", accounts.RoleUser)
	tok := env.Login("gleb@example.org", "first-secret-1", nil)
	var resp *http.Response
	var body []byte
	for i := range accounts.DefaultThrottle.MaxFailures {
		resp, body = env.Do("POST", "/api/v1/me/password", tok, map[string]string{"current": "guess-number-" + strconv.Itoa(i), "new": "second-secret-2"})
	}
	if code, _, _ := apiError(t, body); resp.StatusCode != 429 || code != "throttled" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d wrong current passwords: %d %s", accounts.DefaultThrottle.MaxFailures, resp.StatusCode, body)
	}
	resp, _ = env.Do("POST", "/api/v1/me/password", tok, map[string]string{"current": "first-secret-1", "new": "second-secret-2"})
	if resp.StatusCode != 429 {
		t.Fatalf("the right password during the lock: %d", resp.StatusCode)
	}
}

func TestEmailChangeNeedsCurrentPassword(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("irina@example.org", "irina-secret-1", accounts.RoleUser)
	tok := env.Login("irina@example.org", "irina-secret-1", nil)
	for _, tc := range []struct {
		name   string
		body   map[string]string
		status int
		code   string
	}{
		{"no password", map[string]string{"email": "thief@example.org"}, 400, "current_password_required"},
		{"wrong password", map[string]string{"email": "thief@example.org", "current_password": "not-her-password"}, 403, "wrong_password"},
		{"wrong password, other fields too", map[string]string{"email": "thief@example.org", "name": "Thief", "current_password": "x"}, 403, "wrong_password"},
	} {
		resp, body := env.Do("PATCH", "/api/v1/me", tok, tc.body)
		if code, field, _ := apiError(t, body); resp.StatusCode != tc.status || code != tc.code || field != "current_password" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	_, body := env.Do("GET", "/api/v1/me", tok, nil)
	if !strings.Contains(string(body), `"email":"irina@example.org"`) || strings.Contains(string(body), "Thief") {
		t.Fatalf("a refused change was saved: %s", body)
	}
	// Other fields, and the same e-mail in other letters, need no password.
	resp, body := env.Do("PATCH", "/api/v1/me", tok, map[string]string{"name": "Irina", "email": "Irina@Example.org"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Irina"`) {
		t.Fatalf("name change: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do("PATCH", "/api/v1/me", tok, map[string]string{"email": "irina.k@example.org", "current_password": "irina-secret-1"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"email":"irina.k@example.org"`) {
		t.Fatalf("e-mail change with the password: %d %s", resp.StatusCode, body)
	}
	env.Login("irina.k@example.org", "irina-secret-1", nil)
}

// Ending a session that is not one's own, or no longer active, ends nothing
// and says so: 404 over the API, an error page on the account page.
func TestEndingSomeoneElsesSessionIsNotFound(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("anna@example.org", "anna-secret-1", accounts.RoleUser)
	env.CreateUser("boris@example.org", "boris-secret-1", accounts.RoleUser)
	anna := env.Login("anna@example.org", "anna-secret-1", nil)
	boris := env.Login("boris@example.org", "boris-secret-1", nil)
	_, body := env.Do("GET", "/api/v1/me/sessions", boris, nil)
	var list struct{ Sessions []struct{ ID int64 } }
	if err := json.Unmarshal(body, &list); err != nil || len(list.Sessions) != 1 {
		t.Fatalf("boris's sessions: %s", body)
	}
	borisSession := strconv.FormatInt(list.Sessions[0].ID, 10)

	old := env.Login("anna@example.org", "anna-secret-1", map[string]any{"udid": "old-phone"})
	oldID := strconv.FormatInt(mustSession(t, env, old), 10)
	if resp, body := env.Do("DELETE", "/api/v1/me/sessions/"+oldID, anna, nil); resp.StatusCode != 200 {
		t.Fatalf("ending her own session: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ name, id string }{{"someone else's", borisSession}, {"already ended", oldID}, {"unknown", "999999"}} {
		resp, body := env.Do("DELETE", "/api/v1/me/sessions/"+tc.id, anna, nil)
		if code, _, _ := apiError(t, body); resp.StatusCode != 404 || code != "no_session" {
			t.Errorf("API, %s: %d %s", tc.name, resp.StatusCode, body)
		}
	}

	c := signIn(t, env, "anna@example.org", "anna-secret-1")
	for _, lang := range []struct{ lang, text string }{{"ru", "нет такой активной сессии"}, {"en", "no such active session"}} {
		_, html := page(t, c, env, "GET", "/account", nil)
		resp, html := page(t, c, env, "POST", "/account/sessions/"+borisSession+"/end",
			url.Values{"_csrf": {csrfOf(t, html)}}, "Accept-Language", lang.lang, "Cookie", "lang="+lang.lang)
		if resp.StatusCode != 404 || resp.Header.Get("Location") != "" || !strings.Contains(html, lang.text) {
			t.Errorf("page, %s: %d %q\n%s", lang.lang, resp.StatusCode, resp.Header.Get("Location"), html)
		}
	}
	if resp, _ := env.Do("GET", "/api/v1/me", boris, nil); resp.StatusCode != 200 {
		t.Fatal("boris's session was ended by anna")
	}
}

func mustSession(t *testing.T, env *servertest.Env, tok string) int64 {
	t.Helper()
	_, s, err := env.Server.Accounts.Authenticate(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// While every hashing turn is taken, a sign-in waits its limit and is told
// to come back: 429 with Retry-After over the API, a clear message on the
// sign-in page in the reader's language. Then it goes through.
func TestSignInWaitsForAHashingTurn(t *testing.T) {
	t.Parallel()
	hasher := accounts.NewHasherLimit(servertest.CheapArgon2, accounts.HashLimit{Slots: 1, Admitted: 1, Wait: 50 * time.Millisecond, MaxWaiting: 8, RetryAfter: 3 * time.Second})
	env := servertest.Start(t, servertest.Options{Accounts: accounts.Options{Hasher: hasher}})
	env.CreateUser("vera@example.org", "vera-secret-1", accounts.RoleUser)
	tok := env.Login("vera@example.org", "vera-secret-1", nil)
	c := env.Browser()
	_, signinHTML := page(t, c, env, "GET", "/signin", nil)

	release, err := hasher.Admit(t.Context()) // someone else is hashing
	if err != nil {
		t.Fatal(err)
	}
	resp, body := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"login": "vera@example.org", "password": "vera-secret-1"})
	if code, _, _ := apiError(t, body); resp.StatusCode != 429 || code != "busy" || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("API sign-in while busy: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, body = env.Do("POST", "/api/v1/me/password", tok, map[string]string{"current": "vera-secret-1", "new": "vera-secret-2"})
	if code, _, _ := apiError(t, body); resp.StatusCode != 429 || code != "busy" {
		t.Fatalf("password change while busy: %d %s", resp.StatusCode, body)
	}
	for _, lang := range []struct{ lang, text string }{{"ru", "Сейчас входит очень много людей"}, {"en", "A great many people are signing in"}} {
		resp, html := page(t, c, env, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, signinHTML)},
			"login": {"vera@example.org"}, "password": {"vera-secret-1"}}, "Accept-Language", lang.lang)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(html, lang.text) ||
			!strings.Contains(html, `value="vera@example.org"`) || strings.Contains(html, "vera-secret-1") {
			t.Errorf("sign-in page while busy, %s: %d\n%s", lang.lang, resp.StatusCode, html)
		}
	}
	release()
	env.Login("vera@example.org", "vera-secret-1", nil)
}

// The account page's profile form moves the sign-in e-mail only with the
// current password, and says so beside that field in the reader's language.
func TestProfileFormEmailChangeNeedsCurrentPassword(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	u := env.CreateUser("kira@example.org", "kira-secret-1", accounts.RoleUser)
	c := signIn(t, env, "kira@example.org", "kira-secret-1")
	_, html := page(t, c, env, "GET", "/account", nil)
	if !strings.Contains(html, `name="current_password" type="password"`) {
		t.Fatal("the profile form has no current password field")
	}
	csrf := csrfOf(t, html)
	for _, tc := range []struct{ name, pw, lang, want string }{
		{"no password", "", "ru", "Чтобы сменить почту, с которой вы входите, введите текущий пароль"},
		{"no password", "", "en", "To change the e-mail you sign in with, enter your current password"},
		{"wrong password", "not-her-password", "ru", "Текущий пароль указан неверно"},
		{"wrong password", "not-her-password", "en", "That is not your current password"},
	} {
		resp, html := page(t, c, env, "POST", "/account/profile", url.Values{"_csrf": {csrf}, "name": {"Kira"},
			"email": {"thief@example.org"}, "current_password": {tc.pw}}, "Cookie", "lang="+tc.lang)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, tc.want) ||
			!strings.Contains(html, `value="thief@example.org"`) || (tc.pw != "" && strings.Contains(html, tc.pw)) {
			t.Errorf("%s, %s: %d\n%s", tc.name, tc.lang, resp.StatusCode, html)
		}
	}
	stored, err := env.Server.Accounts.UserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Profile.Email != "kira@example.org" || stored.Profile.Name == "Kira" {
		t.Fatalf("a refused form changed the profile: %+v", stored.Profile)
	}
	// Other fields need no password.
	resp, _ := page(t, c, env, "POST", "/account/profile", url.Values{"_csrf": {csrf}, "name": {"Kira"}, "email": {"kira@example.org"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("name change: %d", resp.StatusCode)
	}
	resp, _ = page(t, c, env, "POST", "/account/profile", url.Values{"_csrf": {csrf}, "name": {"Kira"},
		"email": {"kira.new@example.org"}, "current_password": {"kira-secret-1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("e-mail change with the password: %d", resp.StatusCode)
	}
	env.Login("kira.new@example.org", "kira-secret-1", nil)
}
