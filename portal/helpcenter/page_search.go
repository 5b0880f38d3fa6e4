package helpcenter

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/search"
	"parley/templates"
)

// maxQueryLen bounds what a search box or the API accepts, in characters.
// The index itself copes with more and nobody types more; the query log
// keeps less still (maxLoggedQuery).
const maxQueryLen = 2000

// filters are a search's optional narrowing, validated.
type filters struct {
	Section, Audience, Platform string
}

// readFilters keeps only known filter values; bad names it reports.
func readFilters(get func(string) string) (filters, string) {
	f := filters{Section: get("section"), Audience: get("audience"), Platform: get("platform")}
	if f.Section != "" {
		if _, ok := kb.SectionByID(f.Section); !ok {
			return f, "section"
		}
	}
	if f.Audience != "" && !slices.Contains(kb.Audiences, f.Audience) {
		return f, "audience"
	}
	if f.Platform != "" && !slices.Contains(kb.Platforms, f.Platform) {
		return f, "platform"
	}
	return f, ""
}

func cleanQuery(q string) string {
	q = strings.TrimSpace(strings.ToValidUTF8(q, ""))
	if r := []rune(q); len(r) > maxQueryLen {
		q = string(r[:maxQueryLen])
	}
	return q
}

// SearchPage handles GET /help/{lang}/search?q=….
func (h *Handler) SearchPage(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	if !validLang(lang) {
		h.notFound(w, r, lang)
		return
	}
	query := cleanQuery(r.URL.Query().Get("q"))
	f, bad := readFilters(r.URL.Query().Get)
	if bad != "" {
		f = filters{} // a hand-edited URL: search everything rather than fail
	}
	v := templates.HelpSearchView{
		Page:   h.page(w, r, lang, templates.T(lang, "help.search_title"), "/help/"+kb.OtherLang(lang)+"/search?q="+urlQuery(query)),
		Search: templates.HelpSearchBox{Lang: lang, Query: query},
	}
	v.Sections, v.Audiences, v.Platforms = filterOptions(lang, f)
	if query == "" {
		v.Message = templates.T(lang, "help.empty_query")
		h.site.Render(w, r, http.StatusOK, templates.HelpSearch(v))
		return
	}
	if ok, wait := h.allowSearch(r); !ok {
		secs := retryAfter(wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v.Message = templates.Tf(lang, "help.rate_limited", secs) + " " + templates.T(lang, "help.rate_limited_why")
		h.site.Render(w, r, http.StatusTooManyRequests, templates.HelpSearch(v))
		return
	}
	res, err := h.index.Search(r.Context(), search.HelpQuery{Text: query, Lang: lang, Section: f.Section,
		Audience: f.Audience, Platform: f.Platform, Limit: 20, OtherLang: true})
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	qid, err := h.logQuery(r.Context(), outcome(query, lang, res, "page"))
	if err != nil {
		h.log.Warn("log help query", "err", err)
	}
	v.Total, v.Fuzzy = res.Total, res.Fuzzy
	v.SearchedFor, v.ResultsLang = res.SearchedFor, res.Lang
	v.TookMS = fmt.Sprintf("%.1f", float64(res.Took.Microseconds())/1000)
	if res.Total == 0 {
		v.Message = templates.T(lang, "help.no_results")
	}
	for i, hit := range res.Results {
		u := hit.URL
		if qid != 0 {
			u += "?sq=" + strconv.FormatInt(qid, 10) + "&sp=" + strconv.Itoa(i+1)
		}
		v.Hits = append(v.Hits, templates.HelpHit{Title: hit.Title, URL: u, SectionTitle: sectionTitle(hit.Section, hit.Lang),
			// Snippets come escaped from the index, with only <mark> added.
			Snippet: templ.Raw(string(hit.Snippet))})
	}
	h.site.Render(w, r, http.StatusOK, templates.HelpSearch(v))
}

func filterOptions(lang string, f filters) (sections, audiences, platforms []templates.HelpFilterOption) {
	for _, s := range kb.Sections {
		sections = append(sections, templates.HelpFilterOption{Value: s.ID, Label: s.Title[lang], Selected: f.Section == s.ID})
	}
	for _, a := range kb.Audiences {
		audiences = append(audiences, templates.HelpFilterOption{Value: a, Label: templates.T(lang, "help.audience."+a), Selected: f.Audience == a})
	}
	labels := map[string]string{"web": "Web", "desktop": "Desktop", "android": "Android", "ios": "iOS", "server": "Server"}
	for _, p := range kb.Platforms {
		platforms = append(platforms, templates.HelpFilterOption{Value: p, Label: labels[p], Selected: f.Platform == p})
	}
	return
}
