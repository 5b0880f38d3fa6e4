package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/portal"
	"parley/server"
	"parley/server/servertest"
	"parley/server/store"
)

func start(t testing.TB) *servertest.Env {
	t.Helper()
	return servertest.Start(t, servertest.Options{Mounts: []server.Mount{portal.Mount}})
}

func get(t *testing.T, c *http.Client, env *servertest.Env, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return env.Page(c, "GET", path, nil, header...)
}

func post(t *testing.T, c *http.Client, env *servertest.Env, path string, form url.Values) *http.Response {
	t.Helper()
	resp, _ := env.Page(c, "POST", path, form)
	return resp
}

var hrefRe = regexp.MustCompile(`href="(/help/ru/[a-z0-9-]+)"`)

func TestHelpPages(t *testing.T) {
	t.Parallel()
	env := start(t)
	c := env.Browser()

	resp, _ := get(t, c, env, "/help", "Accept-Language", "en")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/help/en" {
		t.Fatalf("/help: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, html := get(t, c, env, "/help/ru")
	if resp.StatusCode != 200 || !strings.Contains(html, "Справочный центр") || !strings.Contains(html, `role="search"`) {
		t.Fatalf("home: %d", resp.StatusCode)
	}
	articles := map[string]bool{}
	for _, m := range hrefRe.FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[1], "/section/") {
			articles[m[1]] = true
		}
	}
	if len(articles) < 45 {
		t.Fatalf("home links %d articles, want every article (45+)", len(articles))
	}
	_, html = get(t, c, env, "/help/en")
	if !strings.Contains(html, "Help center") || !strings.Contains(html, `<html lang="en">`) {
		t.Fatal("English home")
	}
	_, html = get(t, c, env, "/help/ru/section/files")
	if !strings.Contains(html, "/help/ru/file-size-limits") || !strings.Contains(html, `aria-current="page"`) {
		t.Fatal("section page lacks its articles or breadcrumbs")
	}

	resp, html = get(t, c, env, "/help/ru/call-network-requirements")
	if resp.StatusCode != 200 {
		t.Fatalf("article: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<h1 id="article-title">`,                                  // title
		`class="breadcrumbs"`,                                      // breadcrumbs
		`href="/help/en/call-network-requirements"`,                // translation
		`/lang/en?next=%2Fhelp%2Fen%2Fcall-network-requirements`,   // language switch goes to the translation
		`<details class="admin-block"><summary>Для администратора`, // admin block
		`id="toc-h"`,     // table of contents
		`id="related-h"`, // related articles
		`id="vote-form"`, // feedback
		`id="support-h"`, // support contacts
	} {
		if !strings.Contains(html, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
	for _, path := range []string{"/help/ru/no-such-article", "/help/de", "/help/de/admin-sign-in", "/help/ru/section/nope"} {
		resp, html := get(t, c, env, path)
		if resp.StatusCode != 404 || !strings.Contains(html, `role="search"`) {
			t.Errorf("%s: %d, want 404 with a search box", path, resp.StatusCode)
		}
	}
}

type apiAnswer struct {
	Query   string  `json:"query"`
	Total   int     `json:"total"`
	TookMS  float64 `json:"took_ms"`
	Results []struct {
		Slug, Lang, Title, Section, URL, Snippet string
	} `json:"results"`
	Error string `json:"error"`
	Field string `json:"field"`
}

func apiSearch(t *testing.T, env *servertest.Env, params url.Values) (int, apiAnswer, string) {
	t.Helper()
	resp, body := env.Do("GET", "/api/v1/help/search?"+params.Encode(), "", nil)
	var a apiAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer is not JSON: %s", body)
	}
	return resp.StatusCode, a, string(body)
}

func TestHelpSearchAPIContract(t *testing.T) {
	t.Parallel()
	env := start(t)
	status, a, body := apiSearch(t, env, url.Values{"q": {"как очистить кэш на андроиде"}, "lang": {"ru"}, "limit": {"3"}})
	if status != 200 || a.Total == 0 || len(a.Results) == 0 || len(a.Results) > 3 {
		t.Fatalf("search: %d %s", status, body)
	}
	for _, key := range []string{`"query":`, `"total":`, `"took_ms":`, `"results":`, `"slug":`, `"lang":`, `"title":`, `"section":`, `"url":`, `"snippet":`} {
		if !strings.Contains(body, key) {
			t.Errorf("answer lacks %s", key)
		}
	}
	top := a.Results[0]
	if top.Slug != "clear-cache-android" || top.URL != "/help/ru/clear-cache-android" || top.Lang != "ru" {
		t.Fatalf("top result %+v", top)
	}
	// The url opens the article page.
	if resp, _ := env.Do("GET", top.URL, "", nil); resp.StatusCode != 200 {
		t.Fatalf("result url %s: %d", top.URL, resp.StatusCode)
	}
}

func TestHelpSearchBadInput(t *testing.T) {
	t.Parallel()
	env := start(t)
	long := strings.Repeat("уведомления не приходят ", 420) // ~10,000 characters
	for _, tc := range []struct {
		name   string
		params url.Values
		status int
		field  string
		check  func(a apiAnswer) string
	}{
		{"empty", url.Values{"q": {""}, "lang": {"ru"}}, 400, "q", nil},
		{"spaces", url.Values{"q": {"   "}, "lang": {"ru"}}, 400, "q", nil},
		{"10,000 characters", url.Values{"q": {long}, "lang": {"ru"}}, 200, "", nil},
		{"stop words only", url.Values{"q": {"и в на с по"}, "lang": {"ru"}}, 200, "", func(a apiAnswer) string {
			if a.Total != 0 {
				return "stop words found articles"
			}
			return ""
		}},
		{"HTML", url.Values{"q": {`<script>alert("x")</script> кэш`}, "lang": {"ru"}}, 200, "", func(a apiAnswer) string {
			for _, r := range a.Results {
				if strings.Contains(r.Snippet, "<script") {
					return "snippet carries markup"
				}
			}
			return ""
		}},
		{"SQL", url.Values{"q": {`' OR 1=1; DROP TABLE users; --`}, "lang": {"en"}}, 200, "", nil},
		{"unknown language", url.Values{"q": {"cache"}, "lang": {"de"}}, 400, "lang", nil},
		{"bad limit", url.Values{"q": {"cache"}, "lang": {"en"}, "limit": {"many"}}, 400, "limit", nil},
		{"zero limit", url.Values{"q": {"cache"}, "lang": {"en"}, "limit": {"0"}}, 400, "limit", nil},
		{"huge limit is capped", url.Values{"q": {"the"}, "lang": {"en"}, "limit": {"5000"}}, 200, "", func(a apiAnswer) string {
			if len(a.Results) > 50 {
				return "more than 50 results"
			}
			return ""
		}},
		{"unknown section", url.Values{"q": {"cache"}, "lang": {"en"}, "section": {"gossip"}}, 400, "section", nil},
		{"section filter", url.Values{"q": {"cache"}, "lang": {"en"}, "section": {"cache"}}, 200, "", func(a apiAnswer) string {
			for _, r := range a.Results {
				if r.Section != "cache" {
					return "result outside the section: " + r.Slug
				}
			}
			if a.Total == 0 {
				return "nothing in the cache section"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, a, body := apiSearch(t, env, tc.params)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", status, tc.status, body)
			}
			if tc.status != 200 && (a.Field != tc.field || a.Error == "") {
				t.Fatalf("error answer %s, want field %s and a message", body, tc.field)
			}
			if tc.check != nil {
				if msg := tc.check(a); msg != "" {
					t.Fatal(msg)
				}
			}
		})
	}
	// The SQL-looking query harmed nothing.
	env.CreateUser("still@example.org", "still-works-1", "user")
}

func TestSearchPageLogsQueriesAndClicks(t *testing.T) {
	t.Parallel()
	env := start(t)
	c := env.Browser()
	resp, html := get(t, c, env, "/help/ru/search?q="+url.QueryEscape("лимит размера файла"))
	if resp.StatusCode != 200 || !strings.Contains(html, "<mark>") {
		t.Fatalf("search page: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`href="(/help/ru/[a-z-]+\?sq=(\d+)&amp;sp=2)"`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("second result carries no click tracking:\n%s", html)
	}
	resp, _ = get(t, c, env, strings.ReplaceAll(m[1], "&amp;", "&"))
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "sq=") {
		t.Fatalf("click: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Zero-result and API queries are logged too.
	get(t, c, env, "/help/en/search?q=qwertyuiopasdfgh")
	apiSearch(t, env, url.Values{"q": {"notifications"}, "lang": {"en"}})
	_, html = get(t, c, env, "/help/ru/search?q=")
	if !strings.Contains(html, "Введите, что вы ищете") {
		t.Fatal("empty search gives no hint")
	}

	// Searches are counted per day and query, with the click and its place.
	rows, err := env.Server.DB.Read.Query(`SELECT s.query, s.lang, s.results, s.searches, s.api_searches, s.zero_results,
		s.clicks, coalesce(c.position, 0), coalesce(c.slug, '')
		FROM help_query_stats s LEFT JOIN help_query_clicks c ON c.stat_id = s.id ORDER BY s.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		q, lang                string
		results, searches, api int
		zero, clicks, pos      int
		slug                   string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.q, &r.lang, &r.results, &r.searches, &r.api, &r.zero, &r.clicks, &r.pos, &r.slug); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("counted %d queries, want 3 (the empty one is not a query): %+v", len(got), got)
	}
	if got[0].q != "лимит размера файла" || got[0].lang != "ru" || got[0].results == 0 || got[0].searches != 1 ||
		got[0].clicks != 1 || got[0].pos != 2 || got[0].slug == "" || got[0].api != 0 {
		t.Errorf("first query counted as %+v", got[0])
	}
	if got[1].results != 0 || got[1].zero != 1 || got[1].clicks != 0 {
		t.Errorf("zero-result query counted as %+v", got[1])
	}
	if got[2].api != 1 || got[2].searches != 1 {
		t.Errorf("API query counted as %+v", got[2])
	}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func TestWasThisHelpful(t *testing.T) {
	t.Parallel()
	env := start(t)
	c := env.Browser()
	_, html := get(t, c, env, "/help/en/file-size-limits")
	tok := csrfRe.FindStringSubmatch(html)[1]

	// "No" asks for an optional comment, which is saved.
	resp := post(t, c, env, "/help/en/file-size-limits/vote", url.Values{"_csrf": {tok}, "helpful": {"no"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("vote: %d", resp.StatusCode)
	}
	_, html = get(t, c, env, resp.Header.Get("Location"))
	m := regexp.MustCompile(`name="vote" value="(\d+)"`).FindStringSubmatch(html)
	if m == nil || !strings.Contains(html, "What was missing?") {
		t.Fatal("no comment form after a no")
	}
	post(t, c, env, "/help/en/file-size-limits/feedback", url.Values{"_csrf": {tok}, "vote": {m[1]}, "comment": {"Nothing about folders."}})

	// A second vote within 30 days, also from the Russian page, does not count.
	_, html = get(t, c, env, "/help/ru/file-size-limits")
	if !strings.Contains(html, "Вы уже оценили эту статью") {
		t.Fatal("the Russian page offers a second vote")
	}
	post(t, c, env, "/help/ru/file-size-limits/vote", url.Values{"_csrf": {tok}, "helpful": {"yes"}})
	// A forged vote without the token does not count either.
	post(t, env.Browser(), env, "/help/en/sending-files/vote", url.Values{"helpful": {"yes"}})

	var n, helpful int
	var comment string
	if err := env.Server.DB.Read.QueryRow("SELECT count(*), max(helpful), max(comment) FROM help_votes").Scan(&n, &helpful, &comment); err != nil {
		t.Fatal(err)
	}
	if n != 1 || helpful != 0 || comment != "Nothing about folders." {
		t.Fatalf("votes: n=%d helpful=%d comment=%q", n, helpful, comment)
	}
	// After 30 days the visitor may vote again.
	old := store.FormatTime(time.Now().Add(-31 * 24 * time.Hour))
	if _, err := env.Server.DB.Write.Exec("UPDATE help_votes SET created_at = ?", old); err != nil {
		t.Fatal(err)
	}
	post(t, c, env, "/help/ru/file-size-limits/vote", url.Values{"_csrf": {tok}, "helpful": {"yes"}})
	if n := env.Count("SELECT count(*) FROM help_votes"); n != 2 {
		t.Fatalf("after 30 days: %d votes, want 2", n)
	}
	// Someone else's browser votes separately.
	other := env.Browser()
	_, html = get(t, other, env, "/help/ru/file-size-limits")
	post(t, other, env, "/help/ru/file-size-limits/vote", url.Values{"_csrf": {csrfRe.FindStringSubmatch(html)[1]}, "helpful": {"yes"}})
	if n := env.Count("SELECT count(*) FROM help_votes"); n != 3 {
		t.Fatalf("another visitor's vote: %d votes, want 3", n)
	}
}

func TestSuggestAPI(t *testing.T) {
	t.Parallel()
	env := start(t)
	resp, body := env.Do("GET", "/api/v1/help/suggest?lang=en&q="+url.QueryEscape("forbidden fi"), "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/help/en/forbidden-file-types") {
		t.Fatalf("suggest: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do("GET", "/api/v1/help/suggest?lang=ru&q=", "", nil)
	if resp.StatusCode != 200 || string(body) != "{\"suggestions\":[]}\n" {
		t.Fatalf("empty suggest: %d %s", resp.StatusCode, body)
	}
}

// TestOpenAPIMatchesRouter checks the served document against the whole
// router, portal included: every API route documented, nothing else.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	env := start(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(server.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	chi.Walk(env.Server.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/") {
			served[method+" "+strings.TrimSuffix(route, "/")] = true
		}
		return nil
	})
	for r := range served {
		if !documented[r] {
			t.Errorf("%s is served but not documented", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is documented but not served", r)
		}
	}
}
