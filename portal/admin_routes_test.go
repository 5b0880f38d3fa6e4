package portal_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"parley/server/accounts"
)

var routeParam = regexp.MustCompile(`\{[^}]+\}`)

// Every route under /admin, the portal's included, is for server
// administrators only: the test walks the whole router, so a page added
// later outside the administrator group fails it.
func TestEveryAdminRouteNeedsAnAdministrator(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("user@example.org", "user-password-1", accounts.RoleUser)
	env.CreateUser("staff@example.org", "staff-password-1", accounts.RoleSupport)
	env.CreateUser("boss@example.org", "admin-password-1", accounts.RoleAdmin)
	user := signInBrowser(t, env, "user@example.org", "user-password-1")
	staff := signInBrowser(t, env, "staff@example.org", "staff-password-1")
	boss := signInBrowser(t, env, "boss@example.org", "admin-password-1")

	routes, ok := env.Server.Handler().(chi.Routes)
	if !ok {
		t.Fatalf("the server's handler is a %T, not a chi router", env.Server.Handler())
	}
	type route struct{ method, path string }
	var admin []route
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if pattern == "/admin" || strings.HasPrefix(pattern, "/admin/") {
			admin = append(admin, route{method, routeParam.ReplaceAllString(pattern, "1")})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The server's own pages and the portal's both count.
	for _, want := range []string{"/admin", "/admin/mail", "/admin/invitations", "/admin/jira", "/admin/diagnostics", "/admin/support"} {
		found := false
		for _, r := range admin {
			found = found || r.path == want
		}
		if !found {
			t.Errorf("no route %s found under /admin: %v", want, admin)
		}
	}
	for _, r := range admin {
		if resp, _ := env.Page(env.Browser(), r.method, r.path, nil); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("signed out: %s %s answers %d → %q, want a redirect to sign in", r.method, r.path,
				resp.StatusCode, resp.Header.Get("Location"))
		}
		for who, c := range map[string]*http.Client{"user": user, "staff": staff} {
			if resp, body := env.Page(c, r.method, r.path, nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s %s answers %d, want 403\n%.300s", who, r.method, r.path, resp.StatusCode, body)
			}
		}
		if r.method == http.MethodGet {
			if resp, _ := env.Page(boss, r.method, r.path, nil); resp.StatusCode == http.StatusForbidden ||
				resp.StatusCode == http.StatusSeeOther {
				t.Errorf("administrator: GET %s answers %d", r.path, resp.StatusCode)
			}
		}
	}

	// The administrator's home lists every section, and each link opens.
	_, html := env.Page(boss, "GET", "/admin", nil)
	for _, id := range []string{"admin-invitations", "admin-mail", "admin-support", "admin-jira", "admin-diagnostics"} {
		if !strings.Contains(html, `id="`+id+`"`) {
			t.Errorf("/admin does not list %s", id)
		}
	}
}

// The administrator pages that moved under /admin keep their old addresses
// as redirects, so bookmarks and links in old mail still work.
func TestOldAdminAddressesRedirect(t *testing.T) {
	t.Parallel()
	env := start(t)
	for _, tc := range []struct{ method, old, want string }{
		{"GET", "/diagnostics/settings", "/admin/diagnostics"},
		{"GET", "/support/settings?saved=1", "/admin/support?saved=1"},
		{"GET", "/support/settings/jira", "/admin/jira"},
		{"POST", "/support/settings/jira", "/admin/jira"},
	} {
		resp, _ := env.Page(env.Browser(), tc.method, tc.old, nil)
		wantStatus := http.StatusMovedPermanently
		if tc.method == "POST" {
			wantStatus = http.StatusPermanentRedirect
		}
		if resp.StatusCode != wantStatus || resp.Header.Get("Location") != tc.want {
			t.Errorf("%s %s: %d → %q, want %d → %q", tc.method, tc.old, resp.StatusCode, resp.Header.Get("Location"), wantStatus, tc.want)
		}
	}
}
