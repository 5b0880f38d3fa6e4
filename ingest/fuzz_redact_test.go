package ingest

import (
	"strings"
	"testing"
)

// FuzzRedactor feeds arbitrary text to every entry point of the Redactor:
// nothing panics, the report counts only what happened, and an event keeps
// the fields the redactor has no business with.
func FuzzRedactor(f *testing.F) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, s := range []string{
		"", "plain log line without secrets",
		"Authorization: Bearer abcdef123456789", `"authorization": "Basic dXNlcjpwYXNz"`,
		"Cookie: session=9f8e7d6c; theme=dark", "Set-Cookie: sid=abc123; Path=/; HttpOnly",
		"GET https://api.example.org/v1/me?access_token=s3cr3tvalue&lang=ru",
		"wss://ws.example.org/socket?token=abcdef&v=2", "connect https://bob:hunter2@example.org/x",
		"payload " + jwt, `{"login":"anna","password":"correct horse"}`, "login=anna&password=hunter2&remember=1",
		`{"refresh_token": "rt-0011223344"}`, "https://%zz?token=%", "http://[::1]:x/?sig=1&sig=2#frag",
		"PASSWORD='", "bearer ", "eyJ.eyJ.", "://", "\xff\xfeoken=\x00", strings.Repeat("token=a&", 50),
	} {
		f.Add(s, "http.url")
		f.Add(s, "apnsPushToken")
	}
	f.Fuzz(func(t *testing.T, s, key string) {
		r := NewRedactor()
		r.String(s)
		ev := Event{Tag: "Tag", PID: "1", Line: 7, Message: s, Attrs: map[string]string{key: s, "http.url": s},
			Crash: &Crash{Kind: "java", Type: "E", Reason: s, Frames: []string{s}}}
		r.Event(&ev)
		if ev.Tag != "Tag" || ev.PID != "1" || ev.Line != 7 || ev.Crash == nil || len(ev.Attrs) != len(map[string]bool{key: true, "http.url": true}) {
			t.Fatalf("event fields changed: %+v", ev)
		}
		env := Environment{Platform: "android", Extra: map[string]string{key: s, "apnsPushToken": s, "note": s}}
		r.Env(&env)
		if env.Platform != "android" || len(env.Extra) != len(map[string]bool{key: true, "apnsPushToken": true, "note": true}) {
			t.Fatalf("environment changed shape: %+v", env)
		}
		for _, rd := range r.Report() {
			if rd.Kind == "" || rd.Count <= 0 {
				t.Fatalf("report line %+v", rd)
			}
		}
	})
}
