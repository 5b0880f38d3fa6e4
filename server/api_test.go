package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"parley/server/accounts"
	"parley/server/servertest"
)

func TestLoginAPI(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	u := env.CreateUser("maria@example.org", "secret-pass-1", accounts.RoleUser)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"ok", map[string]any{"login": "maria@example.org", "password": "secret-pass-1",
			"device": map[string]any{"udid": "u1", "platform": "ios", "app_version": "3.14.0", "meta": map[string]any{"pushes": true}}},
			200, "", ""},
		{"e-mail in other case", map[string]any{"login": "Maria@Example.org", "password": "secret-pass-1"}, 200, "", ""},
		{"wrong password", map[string]any{"login": "maria@example.org", "password": "nope"}, 401, "bad_credentials", ""},
		{"unknown user", map[string]any{"login": "ghost@example.org", "password": "nope"}, 401, "bad_credentials", ""},
		{"missing password", map[string]any{"login": "maria@example.org"}, 400, "invalid", "password"},
		{"missing login", map[string]any{"password": "x"}, 400, "invalid", "login"},
		{"login is a number", `{"login": 42, "password": "x"}`, 400, "bad_json", "login"},
		{"truncated JSON", `{"login": "maria@`, 400, "bad_json", ""},
		{"not JSON", `login=maria&password=x`, 400, "bad_json", ""},
		{"empty body", "", 400, "bad_json", ""},
		{"two objects", `{} {}`, 400, "bad_json", ""},
		{"bad platform", map[string]any{"login": "maria@example.org", "password": "secret-pass-1",
			"device": map[string]any{"platform": "palm"}}, 400, "invalid", "device.platform"},
		{"oversized body", `{"login":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "too_large", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if s, ok := body.(string); ok && s == "" {
				body = []byte{}
			}
			resp, data := env.Do("POST", "/api/v1/auth/login", "", body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, data)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("answer is not JSON: %s", resp.Header.Get("Content-Type"))
			}
			var out struct {
				Token string `json:"token"`
				User  struct {
					HUID string `json:"huid"`
				} `json:"user"`
				Error string `json:"error"`
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatalf("answer %s: %v", data, err)
			}
			if tc.status == 200 {
				if out.Token == "" || out.User.HUID != u.HUID {
					t.Fatalf("login answer %s", data)
				}
				return
			}
			if out.Code != tc.code || out.Field != tc.field || out.Error == "" {
				t.Fatalf("error answer %s, want code %q field %q and a message", data, tc.code, tc.field)
			}
			if strings.Contains(out.Error, "goroutine") || strings.Contains(out.Error, ".go:") {
				t.Fatalf("internals leaked: %s", out.Error)
			}
		})
	}
}

func TestThrottledLoginSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("k@example.org", "secret-pass-1", accounts.RoleUser)
	var resp *http.Response
	var data []byte
	for i := 0; i < accounts.DefaultThrottle.MaxFailures; i++ {
		resp, data = env.Do("POST", "/api/v1/auth/login", "", map[string]string{"login": "k@example.org", "password": "bad"})
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d %s", accounts.DefaultThrottle.MaxFailures, resp.StatusCode, data)
	}
	if resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("Retry-After = %q, want 30", resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(string(data), `"retry_after":30`) || !strings.Contains(string(data), "try again in 30s") {
		t.Fatalf("body does not say when to retry: %s", data)
	}
}

func TestSessionsOverAPI(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("n@example.org", "secret-pass-1", accounts.RoleUser)
	laptop := env.Login("n@example.org", "secret-pass-1", map[string]any{"udid": "laptop", "platform": "desktop"})
	phone := env.Login("n@example.org", "secret-pass-1", map[string]any{"udid": "phone", "platform": "android"})

	resp, data := env.Do("GET", "/api/v1/me/sessions", laptop, nil)
	var list struct {
		Sessions []struct {
			ID      int64  `json:"id"`
			UDID    string `json:"udid"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	json.Unmarshal(data, &list)
	if resp.StatusCode != 200 || len(list.Sessions) != 2 {
		t.Fatalf("sessions: %d %s", resp.StatusCode, data)
	}
	var phoneID int64
	for _, s := range list.Sessions {
		if s.UDID == "phone" {
			phoneID = s.ID
		}
		if s.Current != (s.UDID == "laptop") {
			t.Fatalf("current flag wrong: %s", data)
		}
	}
	// The laptop ends the phone's session; the phone is out, the laptop is not.
	if resp, data := env.Do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), laptop, nil); resp.StatusCode != 200 {
		t.Fatalf("end phone session: %d %s", resp.StatusCode, data)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != 401 {
		t.Fatalf("ended phone session: /me answered %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", laptop, nil); resp.StatusCode != 200 {
		t.Fatalf("laptop: /me answered %d", resp.StatusCode)
	}
	// Ending it again, or a session id that is not the user's, is a 404.
	if resp, _ := env.Do("DELETE", "/api/v1/me/sessions/"+itoa(phoneID), laptop, nil); resp.StatusCode != 404 {
		t.Fatalf("ending an ended session: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("DELETE", "/api/v1/me/sessions/abc", laptop, nil); resp.StatusCode != 400 {
		t.Fatalf("bad session id: %d", resp.StatusCode)
	}
	// Signing out ends the laptop's session too.
	if resp, _ := env.Do("POST", "/api/v1/auth/logout", laptop, nil); resp.StatusCode != 200 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", laptop, nil); resp.StatusCode != 401 {
		t.Fatalf("after logout /me answered %d", resp.StatusCode)
	}
}

func TestProfileUpdateOverAPIKeepsHUID(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	u := env.CreateUser("o@example.org", "secret-pass-1", accounts.RoleUser)
	tok := env.Login("o@example.org", "secret-pass-1", nil)
	resp, data := env.Do("PATCH", "/api/v1/me", tok, map[string]any{"name": "Олег", "email": "oleg@example.org",
		"department": "Продажи", "tags": []string{"vip"}, "lang": "en", "current_password": "secret-pass-1"})
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, data)
	}
	var me map[string]any
	_, data = env.Do("GET", "/api/v1/me", tok, nil)
	json.Unmarshal(data, &me)
	if me["huid"] != u.HUID || me["email"] != "oleg@example.org" || me["department"] != "Продажи" || me["lang"] != "en" {
		t.Fatalf("after patch: %s", data)
	}
	if me["phone"] != "" {
		t.Fatalf("a field left out of the patch changed: %s", data)
	}
	resp, data = env.Do("PATCH", "/api/v1/me", tok, map[string]any{"email": "broken", "current_password": "secret-pass-1"})
	if resp.StatusCode != 400 || !strings.Contains(string(data), `"field":"email"`) {
		t.Fatalf("bad email: %d %s", resp.StatusCode, data)
	}
	resp, data = env.Do("PATCH", "/api/v1/me", tok, map[string]any{"lang": "de"})
	if resp.StatusCode != 400 {
		t.Fatalf("unknown language accepted: %d %s", resp.StatusCode, data)
	}
}

func TestAPIAnswersJSONEverywhere(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/me", 401},
		{"POST", "/api/v1/auth/logout", 401},
		{"GET", "/api/v1/no-such-thing", 404},
		{"GET", "/api/v1/auth/login", 405},
	} {
		resp, data := env.Do(tc.method, tc.path, "", nil)
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d %s %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), data)
		}
	}
	resp, _ := env.Do("GET", "/api/v1/me", "made-up-token", nil)
	if resp.StatusCode != 401 {
		t.Errorf("made-up token: %d", resp.StatusCode)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	resp, data := env.Do("GET", "/healthz", "", nil)
	if resp.StatusCode != 200 || string(data) != "ok" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, data)
	}
	env.Do("GET", "/api/v1/me", "", nil)
	resp, data = env.Do("GET", "/metrics", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`parley_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
