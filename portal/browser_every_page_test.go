package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
)

// No page of Parley scrolls sideways on a 360 px phone, in either language,
// signed in as an administrator (who sees the most) or signed out. The list
// of pages is every GET route of the router, so a page added later is
// checked without anyone remembering to list it. With PARLEY_SHOTS=DIR the
// test also saves screenshots at 360 and 1440 px for a person to look at.
func TestNoPageScrollsSidewaysOnAPhone(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("boss@example.org", "admin-password-1", accounts.RoleAdmin)
	env.CreateUser("anna@example.org", "anna-password-1", accounts.RoleUser)
	anna := env.Login("anna@example.org", "anna-password-1", nil)
	ids := map[string]string{}
	ids["ticket"] = created(t, env, anna, "/api/v1/support/tickets", map[string]any{"kind": "client",
		"subject": "Не приходят уведомления о сообщениях на телефоне после обновления приложения",
		"body":    "Подробности: https://example.org/a/very/long/address/without/any/spaces/that/could/push/the/page/wider"})
	ids["upload"] = created(t, env, anna, "/api/v1/diagnostics/uploads?name=app.log",
		"05-01 10:00:00.000  1000  1000 E Parley  : a very long error line without spaces "+strings.Repeat("x", 300)+"\n")
	boss := signInBrowser(t, env, "boss@example.org", "admin-password-1")
	_, html := env.Page(boss, "GET", "/admin/invitations", nil)
	env.Page(boss, "POST", "/admin/invitations", url.Values{"_csrf": {csrfRe.FindStringSubmatch(html)[1]},
		"email": {"new.person@example.org"}, "name": {"New Person"}, "role": {"user"}})
	ids["mail"] = strconv.FormatInt(env.Count("SELECT max(id) FROM mail_outbox"), 10)

	pages := pagesOf(t, env, ids)
	shots := os.Getenv("PARLEY_SHOTS")
	for _, lang := range []string{"ru", "en"} {
		for _, who := range []string{"admin", "signed-out"} {
			t.Run(lang+"/"+who, func(t *testing.T) {
				ctx := browsertest.New(t, browsertest.Lang(lang), browsertest.Timeout(3*browsertest.DefaultTimeout))
				if who == "admin" {
					signInChromium(t, ctx, env, "boss@example.org", "admin-password-1")
				}
				widths := []int64{360}
				if shots != "" {
					widths = append(widths, 1440)
				}
				for _, width := range widths {
					if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
						t.Fatal(err)
					}
					for _, p := range pages {
						p = strings.ReplaceAll(p, "{lang}", lang)
						if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+p), chromedp.WaitReady("footer")); err != nil {
							t.Fatalf("open %s: %v", p, err)
						}
						wide, err := browsertest.SidewaysScroll(ctx)
						if err != nil {
							t.Fatal(err)
						}
						if wide != "" && width == 360 {
							t.Errorf("%s scrolls sideways at 360 px: %s", p, wide)
						}
						if shots != "" {
							name := fmt.Sprintf("%s-%s-%d-%s", lang, who, width, strings.Trim(nonWord.ReplaceAllString(p, "-"), "-"))
							if err := browsertest.SaveScreens(ctx, shots, name, 800); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			})
		}
	}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// pagesOf lists every page a browser can open: the router's GET routes
// with their parameters filled from real data; not the API, assets,
// downloads or redirects.
func pagesOf(t *testing.T, env *servertest.Env, ids map[string]string) []string {
	t.Helper()
	routes, ok := env.Server.Handler().(chi.Routes)
	if !ok {
		t.Fatalf("the server's handler is a %T, not a chi router", env.Server.Handler())
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	seen := map[string]bool{}
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet || strings.HasPrefix(pattern, "/api/") || strings.HasPrefix(pattern, "/static/") ||
			pattern == "/metrics" || pattern == "/healthz" || strings.Contains(pattern, "/files/") ||
			pattern == "/lang/{lang}" || pattern == "/" || pattern == "/help" || strings.HasSuffix(pattern, "/*") {
			return nil
		}
		var bad string
		page := param.ReplaceAllStringFunc(pattern, func(p string) string {
			switch {
			case p == "{lang}":
				return p // filled per language
			case p == "{slug}":
				return "engineering-menu-desktop" // an article with a table
			case p == "{section}":
				return kb.Sections[0].ID
			case p == "{token}":
				return "no-such-token" // the page that explains a dead link
			case p == "{id}" && strings.HasPrefix(pattern, "/support/tickets/"):
				return ids["ticket"]
			case p == "{id}" && strings.HasPrefix(pattern, "/diagnostics/"):
				return ids["upload"]
			case p == "{id}" && strings.HasPrefix(pattern, "/admin/mail/"):
				return ids["mail"]
			}
			bad = p
			return p
		})
		if bad != "" {
			t.Errorf("no value for %s in %s: teach this test what to open there", bad, pattern)
		}
		seen[strings.TrimSuffix(page, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range seen {
		if p == "" {
			p = "/"
		}
		out = append(out, p)
	}
	sort.Strings(out)
	for _, want := range []string{"/signin", "/account", "/admin", "/support/queue", "/diagnostics/" + ids["upload"], "/help/{lang}/search"} {
		if !seen[want] {
			t.Errorf("the walk did not find %s among %v", want, out)
		}
	}
	return out
}

// created posts body (JSON, or a string sent as is) and returns the id of
// what was made.
func created(t *testing.T, env *servertest.Env, token, path string, body any) string {
	t.Helper()
	resp, data := env.Do("POST", path, token, body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	m := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("POST %s: no id in %s", path, data)
	}
	return string(m[1])
}
