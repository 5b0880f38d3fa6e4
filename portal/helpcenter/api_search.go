package helpcenter

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"parley/search"
	"parley/server/web"
)

type apiResult struct {
	Slug    string `json:"slug"`
	Lang    string `json:"lang"`
	Title   string `json:"title"`
	Section string `json:"section"`
	URL     string `json:"url"`
	Snippet string `json:"snippet"`
}

type apiResults struct {
	Query   string      `json:"query"`
	Total   int         `json:"total"`
	TookMS  float64     `json:"took_ms"`
	Results []apiResult `json:"results"`
	// OtherLang is true when nothing was found in the language asked for
	// and the results are articles in the other one.
	OtherLang bool `json:"other_lang"`
	// SearchedFor is the text the results are for when the query as typed
	// found nothing and was retyped on the other keyboard layout.
	SearchedFor string `json:"searched_for,omitempty"`
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// apiLang reads lang=, defaulting to the caller's language; "" if invalid.
func (h *Handler) apiLang(w http.ResponseWriter, r *http.Request) (string, bool) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		return h.site.Lang(r), true
	}
	if !validLang(lang) {
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "lang", Error: "lang must be ru or en"})
		return "", false
	}
	return lang, true
}

// APISearch handles GET /api/v1/help/search?q=TEXT&lang=ru|en&limit=N.
func (h *Handler) APISearch(w http.ResponseWriter, r *http.Request) {
	lang, ok := h.apiLang(w, r)
	if !ok {
		return
	}
	if ok, wait := h.allowSearch(r); !ok {
		secs := retryAfter(wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		web.JSON(w, http.StatusTooManyRequests, web.Error{Code: "rate_limited", RetryIn: secs,
			Error: fmt.Sprintf("too many searches from your address; try again in %d s (signed-in users may search more)", secs)})
		return
	}
	q := r.URL.Query()
	query := cleanQuery(q.Get("q"))
	if query == "" {
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "q", Error: "q is required: the text to search for"})
		return
	}
	limit := 10
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "limit", Error: "limit must be a whole number from 1 to 50"})
			return
		}
		limit = min(n, 50)
	}
	f, bad := readFilters(q.Get)
	if bad != "" {
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: bad, Error: bad + ": unknown value " + strconv.Quote(q.Get(bad))})
		return
	}
	res, err := h.index.Search(r.Context(), search.HelpQuery{Text: query, Lang: lang, Section: f.Section,
		Audience: f.Audience, Platform: f.Platform, Limit: limit, OtherLang: true})
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	if _, err := h.logQuery(r.Context(), outcome(query, lang, res, "api")); err != nil {
		h.log.Warn("log help query", "err", err)
	}
	out := apiResults{Query: query, Total: res.Total, TookMS: math.Round(float64(res.Took.Microseconds())) / 1000,
		Results: make([]apiResult, 0, len(res.Results)), OtherLang: res.OtherLang, SearchedFor: res.SearchedFor}
	for _, hit := range res.Results {
		out.Results = append(out.Results, apiResult{Slug: hit.Slug, Lang: hit.Lang, Title: hit.Title, Section: hit.Section,
			URL: hit.URL, Snippet: string(hit.Snippet)})
	}
	web.JSON(w, http.StatusOK, out)
}

type apiSuggestion struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// APISuggest handles GET /api/v1/help/suggest?q=PARTIAL&lang=ru|en: titles
// for the search box while the person types. Not logged: half-typed words
// are not queries.
func (h *Handler) APISuggest(w http.ResponseWriter, r *http.Request) {
	lang, ok := h.apiLang(w, r)
	if !ok {
		return
	}
	out := struct {
		Suggestions []apiSuggestion `json:"suggestions"`
	}{Suggestions: []apiSuggestion{}}
	query := cleanQuery(r.URL.Query().Get("q"))
	if query != "" {
		list, err := h.index.Suggest(r.Context(), lang, query, 6)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		for _, s := range list {
			out.Suggestions = append(out.Suggestions, apiSuggestion{Slug: s.Slug, Title: s.Title, URL: s.URL})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, out)
}
