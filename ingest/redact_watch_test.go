package ingest

import (
	"bytes"
	"strings"
	"testing"
)

// The redactor collects this server's session cookies and bearer tokens
// while it replaces them, from log text and from a HAR's parsed cookies.
func TestRedactorCollectsCredentials(t *testing.T) {
	r := NewRedactor()
	r.Watch("parley_session")
	text := "D OkHttp: Cookie: theme=dark; parley_session=AAAAbbbbCCCCdddd1234_-xy; lang=ru\n" +
		"D OkHttp: Authorization: Bearer tok_EEEEffffGGGGhhhh5678\n" +
		"D OkHttp: Cookie: parley_session=short\n"
	var out bytes.Buffer
	if err := r.Text(&out, strings.NewReader(text)); err != nil {
		t.Fatal(err)
	}
	har := `{"log":{"entries":[{"request":{"cookies":[{"name":"parley_session","value":"HARcookieVALUE0123456789"},{"name":"other","value":"NOTOURSxxxxxxxxxxxxxxxx"}]}}]}}`
	if err := r.JSON(&out, strings.NewReader(har)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Credentials(), " ")
	if got != "AAAAbbbbCCCCdddd1234_-xy tok_EEEEffffGGGGhhhh5678 HARcookieVALUE0123456789" {
		t.Errorf("collected %q", got)
	}
	for _, c := range r.Credentials() {
		if strings.Contains(out.String(), c) {
			t.Errorf("%s is in the redacted output", c)
		}
	}
	if NewRedactor().Credentials() != nil {
		t.Error("a redactor that watches nothing collected credentials")
	}
}
