package helpcenter

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/templates"
)

// Root handles GET /help: go to the help center in the visitor's language.
func (h *Handler) Root(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/help/"+h.site.Lang(r), http.StatusSeeOther)
}

// Home handles GET /help/{lang}.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	if !validLang(lang) {
		h.notFound(w, r, h.site.Lang(r))
		return
	}
	v := templates.HelpHomeView{
		Page:   h.page(w, r, lang, templates.T(lang, "help.title"), "/help/"+kb.OtherLang(lang)),
		Search: templates.HelpSearchBox{Lang: lang},
	}
	for _, s := range kb.Sections {
		card := templates.HelpSectionCard{ID: s.ID, Title: s.Title[lang], Description: s.Description[lang],
			URL: "/help/" + lang + "/section/" + s.ID}
		for _, a := range h.base.InSection(lang, s.ID) {
			card.Articles = append(card.Articles, link(a))
		}
		v.Sections = append(v.Sections, card)
	}
	h.site.Render(w, r, http.StatusOK, templates.HelpHome(v))
}

// Section handles GET /help/{lang}/section/{section}.
func (h *Handler) Section(w http.ResponseWriter, r *http.Request) {
	lang, id := chi.URLParam(r, "lang"), chi.URLParam(r, "section")
	s, ok := kb.SectionByID(id)
	if !validLang(lang) || !ok {
		h.notFound(w, r, lang)
		return
	}
	v := templates.HelpSectionView{
		Page:        h.page(w, r, lang, s.Title[lang], "/help/"+kb.OtherLang(lang)+"/section/"+id),
		Search:      templates.HelpSearchBox{Lang: lang},
		Title:       s.Title[lang],
		Description: s.Description[lang],
	}
	for _, a := range h.base.InSection(lang, id) {
		v.Articles = append(v.Articles, link(a))
	}
	h.site.Render(w, r, http.StatusOK, templates.HelpSection(v))
}

// notFound answers an unknown help page with a search box to go on from.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, lang string) {
	if !validLang(lang) {
		lang = h.site.Lang(r)
	}
	v := templates.HelpSearchView{
		Page:    h.page(w, r, lang, templates.T(lang, "error.title"), ""),
		Search:  templates.HelpSearchBox{Lang: lang},
		Message: templates.T(lang, "help.not_found"),
	}
	h.site.Render(w, r, http.StatusNotFound, templates.HelpSearch(v))
}
