package helpcenter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/portal/schema"
	"parley/search"
	"parley/server/store"
	"parley/server/web"
)

// The knowledge base and its index are only read, so the tests share one.
var (
	sharedOnce  sync.Once
	sharedBase  *kb.Base
	sharedIndex *search.HelpIndex
	sharedErr   error
)

func helpIndex(t *testing.T) (*kb.Base, *search.HelpIndex) {
	t.Helper()
	sharedOnce.Do(func() {
		if sharedBase, sharedErr = kb.Load(); sharedErr != nil {
			return
		}
		dir, err := tempDir()
		if err != nil {
			sharedErr = err
			return
		}
		sharedIndex, sharedErr = search.OpenHelp(dir, sharedBase)
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedBase, sharedIndex
}

// clock is a time the test moves by hand, so that the rate limit's refill
// never depends on how fast the machine runs the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a help center on a real SQLite file behind a real HTTP server
// that trusts X-Forwarded-For from the loopback address, as it would from
// a reverse proxy on the same machine, so a test can speak for many
// client addresses.
type env struct {
	h     *Handler
	db    *store.DB
	url   string
	clock *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base, index := helpIndex(t)
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	site := &web.Site{DefaultLang: "ru", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}}
	c := &clock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	h := newHandler(base, index, db, site, site.Log, c.now)
	r := chi.NewRouter()
	r.Get("/api/v1/help/search", h.APISearch)
	r.Get("/help/{lang}/search", h.SearchPage)
	r.Get("/help/{lang}/{slug}", h.Article)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &env{h: h, db: db, url: srv.URL, clock: c}
}

// get fetches path as a client at addr, without following redirects.
func (e *env) get(t *testing.T, addr, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", addr)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func (e *env) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func apiPath(q, lang string) string {
	return "/api/v1/help/search?" + url.Values{"q": {q}, "lang": {lang}}.Encode()
}

func TestAnonymousSearchIsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	flooder, other := "203.0.113.7", "198.51.100.20"
	burst := int(anonymousSearches.burst)
	for i := range burst {
		if resp, body := e.get(t, flooder, apiPath(fmt.Sprint("кэш ", i), "ru")); resp.StatusCode != 200 {
			t.Fatalf("search %d of the first %d: %d %s", i+1, burst, resp.StatusCode, body)
		}
	}
	resp, body := e.get(t, flooder, apiPath("кэш", "ru"))
	var answer web.Error
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("429 answer is not JSON: %s", body)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" ||
		answer.Code != "rate_limited" || answer.RetryIn != 2 || !strings.Contains(answer.Error, "try again in 2 s") {
		t.Fatalf("search past the burst: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// The search page says so in the page's language, with the box to try again.
	for _, tc := range []struct{ lang, want string }{
		{"ru", "Слишком много поисковых запросов с вашего адреса. Подождите 2 с"},
		{"en", "Too many searches from your address. Wait 2 s"},
	} {
		resp, html := e.get(t, flooder, "/help/"+tc.lang+"/search?q=cache")
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(html, tc.want) || !strings.Contains(html, `<html lang="`+tc.lang+`"`) || !strings.Contains(html, `id="help-q"`) {
			t.Errorf("%s search page past the limit: %d %q", tc.lang, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	// Another address searches as usual.
	if resp, body := e.get(t, other, apiPath("кэш", "ru")); resp.StatusCode != 200 {
		t.Fatalf("another address: %d %s", resp.StatusCode, body)
	}
	// The flooder's allowance comes back with time, one search every 2 s.
	e.clock.advance(2 * time.Second)
	if resp, _ := e.get(t, flooder, apiPath("кэш", "ru")); resp.StatusCode != 200 {
		t.Fatalf("after waiting: %d", resp.StatusCode)
	}
	if resp, _ := e.get(t, flooder, apiPath("кэш", "ru")); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a second search right after the refilled one: %d", resp.StatusCode)
	}
	// Nothing refused was counted in the log.
	if n := e.count(t, "SELECT coalesce(sum(searches), 0) FROM help_query_stats"); n != burst+2 {
		t.Errorf("%d searches counted, want %d", n, burst+2)
	}
}

func TestIPv6ClientsAreLimitedByNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range int(anonymousSearches.burst) {
		// Hopping between addresses of one /64 does not get round the limit.
		if resp, _ := e.get(t, fmt.Sprintf("2001:db8:1:2::%x", i+1), apiPath("push", "en")); resp.StatusCode != 200 {
			t.Fatalf("search %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.get(t, "2001:db8:1:2::ffff", apiPath("push", "en")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: %d, want 429", resp.StatusCode)
	}
	if resp, _ := e.get(t, "2001:db8:1:3::1", apiPath("push", "en")); resp.StatusCode != 200 {
		t.Errorf("the next /64: %d, want 200", resp.StatusCode)
	}
}

// TestDistinctQueryFloodStaysBounded sends more distinct and very long
// queries than a day keeps, from many addresses: the table holds at most
// the day's bound of rows, each query at most maxLoggedQuery characters,
// and every search is still counted.
func TestDistinctQueryFloodStaysBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const searches = maxQueriesPerDay + 40
	long := strings.Repeat("уведомления не приходят ", 100) // 2,400 characters
	for i := range searches {
		addr := fmt.Sprintf("10.%d.%d.1", i/250, i%250) // never the same address twice: the limit is not what stops this
		if resp, body := e.get(t, addr, apiPath(fmt.Sprintf("%d %s", i, long), "ru")); resp.StatusCode != 200 {
			t.Fatalf("search %d: %d %.200s", i, resp.StatusCode, body)
		}
	}
	// A query already kept that day is still counted under its own text.
	if resp, _ := e.get(t, "10.200.0.1", apiPath("0 "+long, "ru")); resp.StatusCode != 200 {
		t.Fatalf("repeated query: %d", resp.StatusCode)
	}
	if n := e.count(t, "SELECT count(*) FROM help_query_stats WHERE query <> ''"); n != maxQueriesPerDay {
		t.Errorf("%d distinct queries kept, want the bound %d", n, maxQueriesPerDay)
	}
	if n := e.count(t, "SELECT searches FROM help_query_stats WHERE query = ''"); n != searches-maxQueriesPerDay {
		t.Errorf("overflow row counts %d searches, want %d", n, searches-maxQueriesPerDay)
	}
	if n := e.count(t, "SELECT sum(searches) FROM help_query_stats"); n != searches+1 {
		t.Errorf("%d searches counted, want %d", n, searches+1)
	}
	if n := e.count(t, "SELECT max(length(query)) FROM help_query_stats"); n > maxLoggedQuery {
		t.Errorf("a query of %d characters kept, want at most %d", n, maxLoggedQuery)
	}
	if n := e.count(t, "SELECT searches FROM help_query_stats WHERE query = ?", normalizeQuery("0 "+long)); n != 2 {
		t.Errorf("the repeated query counts %d searches, want 2", n)
	}
	// The next day has room again.
	e.clock.advance(24 * time.Hour)
	if resp, _ := e.get(t, "10.201.0.1", apiPath("новый день", "ru")); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if n := e.count(t, "SELECT count(*) FROM help_query_stats WHERE query = 'новый день' AND day = '2026-12-07'"); n != 1 {
		t.Errorf("the next day's query is not kept under its text")
	}
}

func TestQueriesAreCountedNormalisedWithClicks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, q := range []string{"Очистка КЭША", "очистка   кэша", "Очистка кэша"} {
		if resp, _ := e.get(t, "192.0.2.1", "/help/ru/search?q="+url.QueryEscape(q)); resp.StatusCode != 200 {
			t.Fatal(resp.StatusCode)
		}
	}
	_, html := e.get(t, "192.0.2.1", "/help/ru/search?q="+url.QueryEscape("очистка кэша"))
	link := between(html, `<ol class="results" id="results" lang="ru"><li class="result"><h2><a href="`, `"`)
	if !strings.Contains(link, "?sq=") {
		t.Fatalf("first result link %q carries no search id", link)
	}
	link = strings.ReplaceAll(link, "&amp;", "&")
	// Opening a result counts one click per search, however often the
	// link is replayed.
	for range 10 {
		if resp, _ := e.get(t, "192.0.2.1", link); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("click: %d", resp.StatusCode)
		}
	}
	var searches, clicks, clickRows, position int
	var slug string
	err := e.db.Read.QueryRow(`SELECT s.searches, s.clicks, c.clicks, c.position, c.slug FROM help_query_stats s
		JOIN help_query_clicks c ON c.stat_id = s.id WHERE s.query = 'очистка кэша'`).Scan(&searches, &clicks, &clickRows, &position, &slug)
	if err != nil {
		t.Fatal(err)
	}
	if searches != 4 || clicks != 4 || clickRows != 4 || position != 1 || !strings.HasPrefix(slug, "clear-cache") {
		t.Errorf("searches %d clicks %d (click row %d at %d on %s), want 4 searches and at most 4 clicks at place 1",
			searches, clicks, clickRows, position, slug)
	}
}

func TestOldCountsAreDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	today := e.clock.now()
	for _, days := range []int{queryLogDays + 1, queryLogDays - 1, 0} {
		_, err := e.db.Write.Exec(`INSERT INTO help_query_stats (day, lang, query, searches, clicks) VALUES (?, 'ru', ?, 1, 1)`,
			day(today.AddDate(0, 0, -days)), fmt.Sprint("запрос ", days))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.db.Write.Exec(`INSERT INTO help_query_clicks (stat_id, slug, position, clicks) VALUES (last_insert_rowid(), 'huid', 1, 1)`)
		if err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.h.deleteOldQueries(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("deleted %d rows (%v), want the one past %d days", n, err, queryLogDays)
	}
	if got := e.count(t, "SELECT count(*) FROM help_query_stats WHERE query = ?", fmt.Sprint("запрос ", queryLogDays+1)); got != 0 {
		t.Error("the old day is still there")
	}
	if got := e.count(t, "SELECT count(*) FROM help_query_clicks"); got != 2 {
		t.Errorf("%d click rows left, want the 2 of the days kept", got)
	}
}

// TestOldQueryLogIsFolded checks the move of the one-row-per-search log
// into the daily counts: every search, zero result, correction, API use
// and click is still counted, the old rows are gone, and folding again
// counts nothing twice.
func TestOldQueryLogIsFolded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type old struct {
		query, lang   string
		results       int
		fuzzy         bool
		source        string
		position      any
		slug          any
		createdAt     string
		wantDay, want string
	}
	rows := []old{
		{"Кэш андроид", "ru", 5, false, "page", 1, "clear-cache-android", "2026-12-01T10:00:00.000000Z", "", ""},
		{"кэш   андроид", "ru", 5, true, "api", nil, nil, "2026-12-01T23:59:59.999999Z", "", ""},
		{"кэш андроид", "ru", 4, false, "page", 2, "clear-cache-web", "2026-12-02T00:00:00.000000Z", "", ""},
		{"qwertyuiop", "en", 0, false, "page", nil, nil, "2026-12-02T08:00:00.000000Z", "", ""},
	}
	for i := range 1200 { // more than one batch
		rows = append(rows, old{fmt.Sprint("push ", i%3), "en", 2, false, "api", nil, nil, "2026-12-03T08:00:00.000000Z", "", ""})
	}
	for _, r := range rows {
		_, err := e.db.Write.Exec(`INSERT INTO help_queries (query, lang, results, fuzzy, source, clicked_position, clicked_slug, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.query, r.lang, r.results, r.fuzzy, r.source, r.position, r.slug, r.createdAt)
		if err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.h.foldLegacyQueries(context.Background())
	if err != nil || n != len(rows) {
		t.Fatalf("folded %d (%v), want %d", n, err, len(rows))
	}
	type stat struct {
		day, lang, query                                   string
		searches, api, zero, fuzzy, results, clicks, click int
	}
	got := map[string]stat{}
	q, err := e.db.Read.Query(`SELECT day, lang, query, searches, api_searches, zero_results, fuzzy, results, clicks,
		(SELECT coalesce(sum(clicks), 0) FROM help_query_clicks WHERE stat_id = s.id) FROM help_query_stats s`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var s stat
		if err := q.Scan(&s.day, &s.lang, &s.query, &s.searches, &s.api, &s.zero, &s.fuzzy, &s.results, &s.clicks, &s.click); err != nil {
			t.Fatal(err)
		}
		got[s.day+" "+s.lang+" "+s.query] = s
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]stat{
		"2026-12-01 ru кэш андроид": {searches: 2, api: 1, fuzzy: 1, results: 5, clicks: 1, click: 1},
		"2026-12-02 ru кэш андроид": {searches: 1, results: 4, clicks: 1, click: 1},
		"2026-12-02 en qwertyuiop":  {searches: 1, zero: 1},
		"2026-12-03 en push 0":      {searches: 400, api: 400, results: 2},
		"2026-12-03 en push 2":      {searches: 400, api: 400, results: 2},
	} {
		g := got[key]
		g.day, g.lang, g.query = "", "", ""
		if g != want {
			t.Errorf("%s: %+v, want %+v", key, g, want)
		}
	}
	if len(got) != 6 {
		t.Errorf("%d rows of counts, want 6: %v", len(got), got)
	}
	if n := e.count(t, "SELECT count(*) FROM help_queries"); n != 0 {
		t.Errorf("%d old rows left", n)
	}
	if n, err := e.h.foldLegacyQueries(context.Background()); err != nil || n != 0 {
		t.Errorf("second fold: %d (%v)", n, err)
	}
	if n := e.count(t, "SELECT sum(searches) FROM help_query_stats"); n != len(rows) {
		t.Errorf("%d searches counted after folding twice, want %d", n, len(rows))
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}
