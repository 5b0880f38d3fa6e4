package ingest

import (
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, tc := range []struct {
		in, kind string
		mustLose string
		mustKeep string
	}{
		{"Authorization: Bearer abcdef123456789", "authorization header", "abcdef123456789", "Authorization: "},
		{`"authorization": "Basic dXNlcjpwYXNz"`, "authorization header", "dXNlcjpwYXNz", "authorization"},
		{"Cookie: session=9f8e7d6c; theme=dark", "cookie", "9f8e7d6c", "Cookie: "},
		{"Set-Cookie: sid=abc123; Path=/; HttpOnly", "cookie", "abc123", "Set-Cookie"},
		{"GET https://api.example.org/v1/me?access_token=s3cr3tvalue&lang=ru", "token in URL", "s3cr3tvalue", "lang=ru"},
		{"wss://ws.example.org/socket?token=abcdef&v=2", "token in URL", "abcdef", "v=2"},
		{"connect https://bob:hunter2@example.org/x", "password in URL", "hunter2", "bob"},
		{"payload " + jwt, "JWT signature", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."},
		{`{"login":"anna","password":"correct horse"}`, "password", "correct horse", `"login":"anna"`},
		{"login=anna&password=hunter2&remember=1", "password", "hunter2", "remember=1"},
		{`{"refresh_token": "rt-0011223344"}`, "token", "rt-0011223344", "refresh_token"},
	} {
		r := NewRedactor()
		out := r.String(tc.in)
		if strings.Contains(out, tc.mustLose) {
			t.Errorf("%q: secret kept: %q", tc.in, out)
		}
		if !strings.Contains(out, tc.mustKeep) {
			t.Errorf("%q: lost %q: %q", tc.in, tc.mustKeep, out)
		}
		found := false
		for _, rep := range r.Report() {
			found = found || (rep.Kind == tc.kind && rep.Count > 0)
		}
		if !found {
			t.Errorf("%q: report %+v lacks %q", tc.in, r.Report(), tc.kind)
		}
	}
	r := NewRedactor()
	plain := "05-01 10:00:00.000 I ActivityManager: Start proc 1234:ru.parley.app"
	if r.String(plain) != plain || len(r.Report()) != 0 {
		t.Error("a harmless line was changed")
	}
	env := Environment{Extra: map[string]string{"apnsPushToken": "", "voexPushToken": "a1b2c3"}}
	r.Env(&env)
	if env.Extra["apnsPushToken"] != "" || env.Extra["voexPushToken"] != Redacted {
		t.Errorf("push tokens: %v", env.Extra)
	}
}

// redactKinds are all the kinds a redaction report may list: constants,
// never a string taken from an event (see Sink).
var redactKinds = map[string]bool{"authorization header": true, "cookie": true, "bearer token": true,
	"JWT signature": true, "token": true, "password": true, "api key": true, "push token": true,
	"token in URL": true, "password in URL": true}

func TestRedactorPatterns(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	const sig = "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, tc := range []struct {
		in    string
		kinds []string // each must be reported
		lose  []string // none may remain
		want  string   // the whole output, when given
	}{
		// Headers.
		{in: "X-Auth-Token: 5f2b9c1d7e8a4b3c", kinds: []string{"token"}, want: "X-Auth-Token: [redacted]"},
		{in: "x-api-key: AIzaSyD-abcdef123456", kinds: []string{"api key"}, want: "x-api-key: [redacted]"},
		{in: "X-Goog-Api-Key: AIzaSyD-abcdef123456", kinds: []string{"api key"}, want: "X-Goog-Api-Key: [redacted]"},
		{in: "X-Functions-Key: abcd1234efgh", kinds: []string{"api key"}, want: "X-Functions-Key: [redacted]"},
		{in: "X-Access-Token: abc123def456", kinds: []string{"token"}, want: "X-Access-Token: [redacted]"},
		{in: "X-CSRF-Token: csrf123456789", kinds: []string{"token"}, want: "X-CSRF-Token: [redacted]"},
		{in: "X-XSRF-TOKEN: 7d1e2f3a4b", kinds: []string{"token"}, want: "X-XSRF-TOKEN: [redacted]"},
		{in: "Proxy-Authorization: Basic dXNlcjpwYXNz", kinds: []string{"authorization header"},
			want: "Proxy-Authorization: [redacted]"},
		{in: "Set-Cookie: sid=abc123; Path=/; HttpOnly", kinds: []string{"cookie"}, want: "Set-Cookie: [redacted]"},
		{in: "--> X-Auth-Token: Bearer abcdef0123456789", kinds: []string{"bearer token"},
			want: "--> X-Auth-Token: Bearer [redacted]"},
		// Form bodies.
		{in: "grant_type=refresh_token&refresh_token=rt-1a2b3c&client_secret=cs-998877&scope=chat",
			kinds: []string{"token", "password"},
			want:  "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]&scope=chat"},
		{in: "login=anna&password=hunter2&remember=1", kinds: []string{"password"},
			want: "login=anna&password=[redacted]&remember=1"},
		{in: "csrfmiddlewaretoken=abc123xyz&next=/", kinds: []string{"token"}, want: "csrfmiddlewaretoken=[redacted]&next=/"},
		// JSON, any case.
		{in: `{"accessToken":"at-9c8b7a","refreshToken":"rt-1a2b","idToken":"x.y.z","expiresIn":3600}`,
			kinds: []string{"token"},
			want:  `{"accessToken":"[redacted]","refreshToken":"[redacted]","idToken":"[redacted]","expiresIn":3600}`},
		{in: `{"apiKey": "k-123456", "clientSecret": "cs-1", "AccessKey":"AKIA1234"}`, kinds: []string{"api key", "password"},
			want: `{"apiKey": "[redacted]", "clientSecret": "[redacted]", "AccessKey":"[redacted]"}`},
		{in: `{"refresh_token": "rt-0011223344", "session_id": "3f2e1d0c"}`, kinds: []string{"token"},
			want: `{"refresh_token": "[redacted]", "session_id": "[redacted]"}`},
		{in: `{"password":"say \"hi\" twice","login":"anna"}`, kinds: []string{"password"},
			want: `{"password":"[redacted]","login":"anna"}`},
		{in: `body={\"accessToken\":\"at-123456\",\"user\":\"anna\"}`, kinds: []string{"token"},
			want: `body={\"accessToken\":\"[redacted]\",\"user\":\"anna\"}`},
		{in: `{'password': 'hunter2'}`, kinds: []string{"password"}, want: `{'password': '[redacted]'}`},
		{in: `{"id_token":"` + jwt + `"}`, kinds: []string{"token"}, lose: []string{"eyJ"}},
		// Push tokens: masked but present; an empty one stays empty.
		{in: `{"push_token":"pt-1","pushToken":"pt-2","apnsPushToken":"","voexPushToken":"abc"}`,
			kinds: []string{"push token"},
			want:  `{"push_token":"[redacted]","pushToken":"[redacted]","apnsPushToken":"","voexPushToken":"[redacted]"}`},
		{in: "# apnsPushToken: 7c1f0e2d9a8b7c6d\n# voexPushToken:\n# fcmToken: cXyz:APA91bHun4", kinds: []string{"push token"},
			want: "# apnsPushToken: [redacted]\n# voexPushToken:\n# fcmToken: [redacted]"},
		// Log text.
		{in: "token: abc123def", kinds: []string{"token"}, want: "token: [redacted]"},
		{in: "refresh ok, Token = abc123def, ttl 60", kinds: []string{"token"}, want: "refresh ok, Token = [redacted], ttl 60"},
		{in: "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", kinds: []string{"api key"}, want: "aws_secret_access_key=[redacted]"},
		{in: "privateKey: MIIEvQIBADANBgkq", kinds: []string{"api key"}, want: "privateKey: [redacted]"},
		{in: "Cookie JSESSIONID=ABC123DEF456", kinds: []string{"token"}, want: "Cookie JSESSIONID=[redacted]"},
		{in: "sending with Bearer abcdef0123456789 now", kinds: []string{"bearer token"},
			want: "sending with Bearer [redacted] now"},
		// JWTs anywhere: the signature goes, header and payload stay.
		{in: "jwt=" + jwt, kinds: []string{"JWT signature"}, lose: []string{sig},
			want: "jwt=" + strings.TrimSuffix(jwt, sig) + Redacted},
		{in: "x_" + jwt + " ok", kinds: []string{"JWT signature"}, lose: []string{sig}},
		// URLs: only the secret values go.
		{in: "GET https://maps.example.org/api?apiKey=k-123456&q=x", kinds: []string{"token in URL"},
			want: "GET https://maps.example.org/api?apiKey=[redacted]&q=x"},
		{in: "GET https://push.example.org/reg?pushToken=pt-123456&v=2", kinds: []string{"push token"},
			want: "GET https://push.example.org/reg?pushToken=[redacted]&v=2"},
		{in: "redirect https://app.example.org/cb#access_token=at-123456&state=xyz", kinds: []string{"token"},
			want: "redirect https://app.example.org/cb#access_token=[redacted]&state=xyz"},
		{in: `"url":"https://api.example.org/v1/me?token=abcdef&v=2"`, kinds: []string{"token in URL"},
			lose: []string{"abcdef"}},
	} {
		r := NewRedactor()
		out := r.String(tc.in)
		if tc.want != "" && out != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, out, tc.want)
		}
		for _, l := range tc.lose {
			if strings.Contains(out, l) {
				t.Errorf("%q: %q kept: %q", tc.in, l, out)
			}
		}
		got := map[string]int{}
		for _, rep := range r.Report() {
			got[rep.Kind] = rep.Count
			if !redactKinds[rep.Kind] {
				t.Errorf("%q: unknown kind %q", tc.in, rep.Kind)
			}
		}
		for _, k := range tc.kinds {
			if got[k] == 0 {
				t.Errorf("%q: report %v lacks %q", tc.in, got, k)
			}
		}
	}
}

func TestRedactorKeeps(t *testing.T) {
	for _, in := range []string{
		"Keyboard shown, height=812, tokenizer ready",
		"[Calls] token expired, refreshing session",
		"token: expired",
		"pushToken: (null)",
		`{"pushToken":null,"voipToken":""}`,
		"voexPushToken: \n",
		"voexPushToken=&apnsPushToken=",
		"GET https://push.example.org/reg?token=&pushToken=&v=2",
		"Preference changed, key: notifications_enabled",
		"monkey: 3, hotkey=ctrl, keyId=abc123",
		"max_tokens=100 tokens: 5 token_count=7",
		`{"nextPageToken":"CAoQAAsd1234"}`,
		"callSessionId=3f2e1d0c-aaaa-bbbb",
		"using bearer authentication",
		"Authorization failed: 401",
		"token_type=Bearer",
		"secretary: Anna",
		"password: [redacted]",
		"GET https://api.example.org/v1/chats/42/messages?limit=50&before=1042 → 200 (87 ms)",
		"Connecting to wss://chat.example.org/api/v1/ws?since=1714550000",
		"see https://example.org/docs/tokens#key-rotation",
		"xhttps://weird?token=1",
		"05-01 10:00:00.000 I ActivityManager: Start proc 1234:ru.parley.app",
	} {
		r := NewRedactor()
		if out := r.String(in); out != in || len(r.Report()) != 0 {
			t.Errorf("%q changed: %q %v", in, out, r.Report())
		}
	}
}

func TestRedactorEvent(t *testing.T) {
	r := NewRedactor()
	ev := Event{Message: "POST https://api.example.org/login?sig=abc123 → 200",
		Attrs: map[string]string{"http.url": "https://api.example.org/login?sig=abc123", "http.status": "200"},
		Crash: &Crash{Reason: "Unauthorized: token=abc123def"}}
	r.Event(&ev)
	if strings.Contains(ev.Message, "abc123") || strings.Contains(ev.Attrs["http.url"], "abc123") ||
		strings.Contains(ev.Crash.Reason, "abc123") || ev.Attrs["http.status"] != "200" {
		t.Errorf("event not redacted: %+v %+v", ev, ev.Crash)
	}
}

// TestRedactorEnvPushTokens: the environment keeps whether a push token is
// there, so that the push-token-empty rule still tells empty from present.
func TestRedactorEnvPushTokens(t *testing.T) {
	env := Environment{Extra: map[string]string{
		"apnsPushToken": "", "voexPushToken": "a1b2c3", "fcmToken": "  ", "hmsToken": "(null)",
		"config.apiKey": "AIzaSy-123", "auth.password": "hunter2", "auth.passwordSet": "true",
		"pushes": "false", "keyboard.layout": "ru", "session": "s1", "note": "token=abc123def"}}
	r := NewRedactor()
	r.Env(&env)
	want := map[string]string{
		"apnsPushToken": "", "voexPushToken": Redacted, "fcmToken": "  ", "hmsToken": "(null)",
		"config.apiKey": Redacted, "auth.password": Redacted, "auth.passwordSet": "true",
		"pushes": "false", "keyboard.layout": "ru", "session": "s1", "note": "token=" + Redacted}
	for k, v := range want {
		if env.Extra[k] != v {
			t.Errorf("%s = %q, want %q", k, env.Extra[k], v)
		}
	}
	// The push-token rules (whatever their IDs) see the same emptiness.
	var rules []Rule
	for _, ru := range Rules {
		if strings.Contains(ru.ID, "push-token") && ru.Env != nil {
			rules = append(rules, ru)
		}
	}
	if len(rules) == 0 {
		t.Fatal("no push-token rule")
	}
	orig := map[string]string{"apnsPushToken": "", "voexPushToken": "a1b2c3", "fcmToken": "  ", "hmsToken": "(null)"}
	present := Environment{Extra: map[string]string{"apnsPushToken": "7c1f0e2d", "voexPushToken": "a1b2c3",
		"fcmToken": "cXyz:APA91b", "hmsToken": "0123abcd"}}
	presentRed := Environment{Extra: map[string]string{}}
	for k, v := range present.Extra {
		presentRed.Extra[k] = v
	}
	r.Env(&presentRed)
	for _, ru := range rules {
		f0, w0 := ru.Env(Environment{Extra: orig})
		f1, w1 := ru.Env(env)
		if f0 != f1 || w0 != w1 {
			t.Errorf("%s: before redaction %v %q, after %v %q", ru.ID, f0, w0, f1, w1)
		}
		if fire, why := ru.Env(presentRed); fire {
			t.Errorf("%s fires for present, redacted tokens: %q %v", ru.ID, why, presentRed.Extra)
		}
	}
	for k := range present.Extra {
		if presentRed.Extra[k] != Redacted {
			t.Errorf("present %s = %q", k, presentRed.Extra[k])
		}
	}
	// Redacting twice changes nothing more.
	n := len(r.Report())
	r.Env(&env)
	if env.Extra["voexPushToken"] != Redacted || len(r.Report()) != n {
		t.Errorf("second pass: %v %v", env.Extra, r.Report())
	}
}
