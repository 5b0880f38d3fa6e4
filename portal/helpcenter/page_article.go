package helpcenter

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/templates"
)

// articleOf finds the article a /help/{lang}/{slug}… URL names, answering
// 404 itself when there is none.
func (h *Handler) articleOf(w http.ResponseWriter, r *http.Request) (*kb.Article, bool) {
	lang, slug := chi.URLParam(r, "lang"), chi.URLParam(r, "slug")
	a, ok := h.base.Article(lang, slug)
	if !validLang(lang) || !ok {
		h.notFound(w, r, lang)
		return nil, false
	}
	return a, true
}

// maxResultPosition is the last place a result link can have: the API
// returns at most 50.
const maxResultPosition = 50

// Article handles GET /help/{lang}/{slug}.
func (h *Handler) Article(w http.ResponseWriter, r *http.Request) {
	a, ok := h.articleOf(w, r)
	if !ok {
		return
	}
	slug := a.Slug
	q := r.URL.Query()
	// A click from a search result: note it, then show the clean URL so a
	// reload or a shared link does not count again.
	if sq, sp := q.Get("sq"), q.Get("sp"); sq != "" && sp != "" {
		id, err1 := strconv.ParseInt(sq, 10, 64)
		pos, err2 := strconv.Atoi(sp)
		if err1 == nil && err2 == nil && pos > 0 && pos <= maxResultPosition {
			if err := h.recordClick(r.Context(), id, pos, slug); err != nil {
				h.log.Warn("record help click", "err", err)
			}
		}
		http.Redirect(w, r, a.URL(), http.StatusSeeOther)
		return
	}
	v, err := h.articleView(w, r, a)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	h.site.Render(w, r, http.StatusOK, templates.HelpArticle(v))
}

func (h *Handler) articleView(w http.ResponseWriter, r *http.Request, a *kb.Article) (templates.HelpArticleView, error) {
	alt := "/help/" + kb.OtherLang(a.Lang)
	tr, hasTr := h.base.Translation(a)
	if hasTr {
		alt = tr.URL()
	}
	v := templates.HelpArticleView{
		Page:         h.page(w, r, a.Lang, a.Title, alt),
		Search:       templates.HelpSearchBox{Lang: a.Lang},
		Title:        a.Title,
		Summary:      a.Summary,
		SectionTitle: sectionTitle(a.Section, a.Lang),
		SectionURL:   "/help/" + a.Lang + "/section/" + a.Section,
		Audience:     a.Audience,
		Platforms:    a.Platforms,
		// The body is our own Markdown, rendered with raw HTML escaped (kb/parse.go).
		Body: templ.Raw(a.HTML),
	}
	if hasTr {
		v.Translation = templates.HelpLink{Title: templates.T(a.Lang, "help.translation"), URL: tr.URL(), Lang: tr.Lang}
	}
	for _, t := range a.TOC {
		v.TOC = append(v.TOC, templates.HelpTOCItem{Level: t.Level, ID: t.ID, Text: t.Text})
	}
	for _, slug := range a.Related {
		if rel, ok := h.base.Article(a.Lang, slug); ok {
			v.Related = append(v.Related, link(rel))
		}
	}
	v.Vote = templates.HelpVote{Action: a.URL() + "/vote", FeedbackURL: a.URL() + "/feedback"}
	if visitor := h.visitor(w, r, false); visitor != "" {
		id, helpful, comment, err := h.recentVote(r.Context(), visitor, a.Slug)
		if err != nil {
			return v, err
		}
		if id != 0 {
			v.Vote.Voted = true
			justVoted := r.URL.Query().Get("vote") == strconv.FormatInt(id, 10)
			switch {
			case justVoted && !helpful && comment == "":
				v.Vote.AskComment, v.Vote.VoteID = true, id
			case justVoted || r.URL.Query().Get("thanks") == "1":
				v.Vote.Thanks = true
			}
		}
	}
	return v, nil
}
