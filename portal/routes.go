package portal

import (
	"github.com/go-chi/chi/v5"

	"parley/portal/helpcenter"
)

// routes declares every route of the portal in one place.
func routes(r chi.Router, help *helpcenter.Handler) {
	r.Get("/api/v1/help/search", help.APISearch)
	r.Get("/api/v1/help/suggest", help.APISuggest)

	r.Get("/help", help.Root)
	r.Route("/help/{lang}", func(r chi.Router) {
		r.Get("/", help.Home)
		r.Get("/search", help.SearchPage)
		r.Get("/section/{section}", help.Section)
		r.Get("/{slug}", help.Article)
		r.Post("/{slug}/vote", help.Vote)
		r.Post("/{slug}/feedback", help.Feedback)
	})
}
