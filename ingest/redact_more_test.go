package ingest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The gaps of the first redactor: property-list secrets, unquoted
// passwords with spaces, identifiers echoed in URL queries.
func TestRedactorGaps(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<key>authToken</key><string>abc123def456</string>`, `<key>authToken</key><string>[redacted]</string>`},
		{`<key>refresh_token</key> <string>zzz-999-yyy</string><key>name</key><string>Anna</string>`,
			`<key>refresh_token</key> <string>[redacted]</string><key>name</key><string>Anna</string>`},
		{`<key>keyboardType</key><string>qwerty</string>`, `<key>keyboardType</key><string>qwerty</string>`},
		{"password: correct horse battery staple", "password: [redacted]"},
		{"login ok, password=my secret pass&next=1", "login ok, password=[redacted]&next=1"},
		{"GET https://x.example.org/a?partner_uid=777123&lang=ru", "GET https://x.example.org/a?lang=ru&partner_uid=[redacted]"},
		{"GET https://x.example.org/a?sid=abcdef123", "GET https://x.example.org/a?sid=[redacted]"},
		{"GET https://x.example.org/a?user_token=abcdef123&page=2", "GET https://x.example.org/a?page=2&user_token=[redacted]"},
		{"GET https://x.example.org/a?page=2&lang=ru", "GET https://x.example.org/a?page=2&lang=ru"},
	} {
		if got := NewRedactor().String(tc.in); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	// Over two lines, as a property list is usually written.
	l := NewRedactor().Lines()
	var out []string
	for _, line := range []string{"<dict>", "  <key>apiKey</key>", "  <string>K-123456789</string>", "  <key>title</key>", "  <string>Hello</string>"} {
		out = append(out, l.Line(line))
	}
	if got := strings.Join(out, "\n"); got != "<dict>\n  <key>apiKey</key>\n  <string>[redacted]</string>\n  <key>title</key>\n  <string>Hello</string>" {
		t.Errorf("plist over lines:\n%s", got)
	}
}

// A JSON file stays JSON of the same shape: cookies, secret headers and
// query parameters are replaced whole, other strings redacted as text.
func TestRedactJSONKeepsShape(t *testing.T) {
	in := `{"log":{"entries":[{"request":{"url":"https://a.example.org/?token=T0K3N-1234","headers":[{"name":"Cookie","value":"a=b1234567; c=d7654321"},{"name":"Accept","value":"text/html"}],"cookies":[{"name":"a","value":"b1234567"}],"queryString":[{"name":"token","value":"T0K3N-1234"},{"name":"q","value":"cats"}]},"n":1.50,"ok":true,"x":null}]}}` + "\n" +
		`["line2",{"accessToken":"AT-99999999","note":"<b>&</b>"}]`
	var out bytes.Buffer
	if err := NewRedactor().JSON(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("two JSON values became %d lines:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("not JSON: %s", l)
		}
	}
	for _, secret := range []string{"T0K3N-1234", "b1234567", "d7654321", "AT-99999999"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%s survived:\n%s", secret, out.String())
		}
	}
	for _, kept := range []string{`"text/html"`, `"cats"`, `1.50`, `"ok":true`, `"x":null`, `"<b>&</b>"`} {
		if !strings.Contains(out.String(), kept) {
			t.Errorf("%s is gone:\n%s", kept, out.String())
		}
	}
	if err := NewRedactor().JSON(&out, strings.NewReader(`{"log": [1, 2`)); err == nil {
		t.Error("broken JSON redacted without an error")
	}
}

// Text keeps every line and line break, long lines included, and changes
// only the lines that hold a secret.
func TestRedactTextKeepsLines(t *testing.T) {
	long := strings.Repeat("x", 300<<10) + " token=abcdef0123456789"
	in := "plain line\r\n" + long + "\n\nCookie: sid=abcdef0123456789\nno newline at the end"
	var out bytes.Buffer
	if err := NewRedactor().Text(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := "plain line\r\n" + strings.Repeat("x", 300<<10) + " token=[redacted]\n\nCookie: [redacted]\nno newline at the end"
	if out.String() != want {
		t.Errorf("got %d bytes, want %d; tail %q", out.Len(), len(want), out.String()[max(0, out.Len()-80):])
	}
}
