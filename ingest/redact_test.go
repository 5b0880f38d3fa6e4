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
