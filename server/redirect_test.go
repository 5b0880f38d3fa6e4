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

var nextField = regexp.MustCompile(`name="next" value="([^"]*)"`)

// Every place that follows a "next" parameter keeps the person on this
// server, whatever the parameter holds: the language switch, the sign-in
// page and the sign-in form.
func TestHostileNextStaysOnSite(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("next@example.org", "a-long-password-9", accounts.RoleUser)
	hostile := []string{
		"/\t/evil.example/", "/\v/evil.example", "/\n/evil.example", "/\r/evil.example", "//evil.example",
		"/\\evil.example", "https://evil.example/", "/%2F/evil.example", "/\u200b/evil.example", "\t//evil.example",
	}
	for _, next := range hostile {
		t.Run(url.QueryEscape(next), func(t *testing.T) {
			c := env.Browser()
			resp, _ := env.Page(c, "GET", "/lang/en?next="+url.QueryEscape(next), nil)
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("/lang/en: %d to %q, want a redirect to /", resp.StatusCode, loc)
			}
			_, html := env.Page(c, "GET", "/signin?next="+url.QueryEscape(next), nil)
			if m := nextField.FindStringSubmatch(html); m == nil {
				t.Error("the sign-in page has no next field")
			} else if m[1] != "" && !strings.HasPrefix(m[1], "/") || strings.Contains(m[1], "evil") {
				t.Errorf("the sign-in page carries the hostile next %q into its form", next)
			}
			resp, body := env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrfOf(t, html)},
				"login": {"next@example.org"}, "password": {"a-long-password-9"}, "next": {next}})
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") ||
				strings.Contains(loc, "evil") {
				t.Errorf("sign-in form: %d to %q\n%s", resp.StatusCode, loc, body)
			}
		})
	}
}
