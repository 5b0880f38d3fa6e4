package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

type fallbackAnswer struct {
	Query       string `json:"query"`
	Total       int    `json:"total"`
	OtherLang   bool   `json:"other_lang"`
	SearchedFor string `json:"searched_for"`
	Results     []struct {
		Slug, Lang, URL string
	} `json:"results"`
}

// TestHelpSearchOffersOtherLanguageAndLayout runs the queries that once
// found nothing through the JSON API and the search page.
func TestHelpSearchOffersOtherLanguageAndLayout(t *testing.T) {
	t.Parallel()
	env := start(t)
	for _, tc := range []struct {
		name, lang, q string
		wantLang      string // of the results
		wantOther     bool
		wantRetyped   string
		wantSlug      string // among the first three
	}{
		{"English words on the Russian side", "ru", "forgot password", "en", true, "", "corporate-account"},
		{"an error code on the Russian side", "ru", "net::ERR_CERT_AUTHORITY_INVALID", "en", true, "", "certificates"},
		{"an error code on the English side", "en", "net::ERR_CERT_AUTHORITY_INVALID", "en", false, "", "certificates"},
		{"the code without its prefix", "en", "ERR_CERT_AUTHORITY_INVALID", "en", false, "", "certificates"},
		{"the wrong keyboard layout", "ru", "ytn edtljvktybq", "ru", false, "нет уведомлений", "notification-settings"},
		{"wrong layout and language", "en", "ytn edtljvktybq", "ru", true, "нет уведомлений", "notification-settings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Do("GET", "/api/v1/help/search?"+url.Values{"q": {tc.q}, "lang": {tc.lang}}.Encode(), "", nil)
			var a fallbackAnswer
			if err := json.Unmarshal(body, &a); err != nil || resp.StatusCode != 200 {
				t.Fatalf("API: %d %s", resp.StatusCode, body)
			}
			if a.Query != tc.q || a.OtherLang != tc.wantOther || a.SearchedFor != tc.wantRetyped || a.Total == 0 {
				t.Errorf("API answer %+v, want other_lang %v, searched_for %q", a, tc.wantOther, tc.wantRetyped)
			}
			found := false
			for i, r := range a.Results {
				if r.Lang != tc.wantLang || !strings.HasPrefix(r.URL, "/help/"+tc.wantLang+"/") {
					t.Errorf("result %+v is not in %s", r, tc.wantLang)
				}
				found = found || i < 3 && r.Slug == tc.wantSlug
			}
			if !found {
				t.Errorf("%s not among the first three: %+v", tc.wantSlug, a.Results)
			}
			if !tc.wantOther && !strings.Contains(string(body), `"other_lang":false`) {
				t.Errorf("other_lang is not stated: %s", body)
			}

			// The page says which language and which words it shows.
			resp, html := get(t, env.Browser(), env, "/help/"+tc.lang+"/search?q="+url.QueryEscape(tc.q))
			if resp.StatusCode != 200 {
				t.Fatalf("page: %d", resp.StatusCode)
			}
			otherNotice := map[string]string{
				"ru": "В справке на русском ничего не нашлось. Ниже — статьи на английском языке.",
				"en": "Nothing was found in the help center in English. Below are articles in Russian.",
			}[tc.lang]
			if got := strings.Contains(html, `id="other-lang-notice">`+otherNotice); got != tc.wantOther {
				t.Errorf("other-language notice shown %v, want %v", got, tc.wantOther)
			}
			if got := strings.Contains(html, `id="searched-for" lang="`+tc.wantLang+`">`+tc.wantRetyped+`</strong>`); got != (tc.wantRetyped != "") {
				t.Errorf("retyped notice shown %v, want %v", got, tc.wantRetyped != "")
			}
			if !strings.Contains(html, `<ol class="results" id="results" lang="`+tc.wantLang+`">`) ||
				!strings.Contains(html, `href="/help/`+tc.wantLang+`/`+tc.wantSlug) {
				t.Errorf("results are not marked as %s or lack %s", tc.wantLang, tc.wantSlug)
			}
		})
	}
}

var ticketLinkRe = regexp.MustCompile(`href="(/support/new[^"]*)" class="button primary" id="new-ticket-link"`)

// TestNotFoundLeadsToNewTicket follows «Не нашли ответ?» from a search that
// found nothing: a visitor who is not signed in signs in and lands on the
// new-ticket form with the search words as its subject.
func TestNotFoundLeadsToNewTicket(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("asker@example.org", "Search-limit-2026!", "user")
	c := env.Browser()
	query := "не работает ёлочный виджет & <кнопка>"
	_, html := get(t, c, env, "/help/ru/search?q="+url.QueryEscape(query))
	m := ticketLinkRe.FindStringSubmatch(html)
	if m == nil || !strings.Contains(html, "Не нашли ответ?") {
		t.Fatalf("the search page has no «Не нашли ответ?» link to a new ticket")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	if want := "/support/new?subject=" + url.QueryEscape(query); link != want {
		t.Fatalf("link %q, want %q", link, want)
	}
	resp, _ := get(t, c, env, link)
	signin := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || signin != "/signin?next="+url.QueryEscape(link) {
		t.Fatalf("signed out: %d to %q", resp.StatusCode, signin)
	}
	_, html = get(t, c, env, signin)
	tok := csrfRe.FindStringSubmatch(html)
	next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(html)
	if tok == nil || next == nil {
		t.Fatal("sign-in form lacks its token or where to go next")
	}
	resp = post(t, c, env, "/signin", url.Values{"_csrf": {tok[1]}, "login": {"asker@example.org"},
		"password": {"Search-limit-2026!"}, "next": {strings.ReplaceAll(next[1], "&amp;", "&")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != link {
		t.Fatalf("after sign-in: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), link)
	}
	resp, html = get(t, c, env, link)
	if resp.StatusCode != 200 {
		t.Fatalf("new-ticket form: %d", resp.StatusCode)
	}
	subject := regexp.MustCompile(`name="subject"[^>]*value="([^"]*)"`).FindStringSubmatch(html)
	want := "не работает ёлочный виджет &amp; &lt;кнопка&gt;"
	if subject == nil || subject[1] != want {
		t.Fatalf("subject field %v, want the search words %q", subject, want)
	}
	// Other help pages lead to the same form, with nothing to carry over.
	_, html = get(t, c, env, "/help/en/huid")
	if m := ticketLinkRe.FindStringSubmatch(html); m == nil || m[1] != "/support/new" {
		t.Errorf("article page ticket link %v", m)
	}
}

// TestSignedInSearchIsNotLimitedByAddress floods the search from one
// address: visitors who are not signed in are stopped there, a signed-in
// user at the same address goes on.
func TestSignedInSearchIsNotLimitedByAddress(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("searcher@example.org", "Search-limit-2026!", "user")
	token := env.Login("searcher@example.org", "Search-limit-2026!", nil)
	path := "/api/v1/help/search?lang=en&q=cache"
	limited := 0
	// The address may make 30 searches at once and gains one every 2 s,
	// so well before 60 the flood is stopped, however slow the machine.
	for i := 0; i < 60 && limited == 0; i++ {
		resp, body := env.Do("GET", path, "", nil)
		switch resp.StatusCode {
		case 200:
		case http.StatusTooManyRequests:
			limited = i + 1
			if resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"rate_limited"`) {
				t.Errorf("429 without Retry-After or code: %s", body)
			}
		default:
			t.Fatalf("search %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if limited == 0 {
		t.Fatal("60 searches from one address were never limited")
	}
	for i := range 40 {
		if resp, body := env.Do("GET", path, token, nil); resp.StatusCode != 200 {
			t.Fatalf("signed-in search %d at the limited address: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if resp, _ := env.Do("GET", path, "", nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the address is no longer limited after the signed-in searches: %d", resp.StatusCode)
	}
}
