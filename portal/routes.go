package portal

import (
	"github.com/go-chi/chi/v5"

	"parley/portal/diagnostics"
	"parley/portal/helpcenter"
	"parley/server/accounts"
)

// routes declares every route of the portal in one place.
func routes(r chi.Router, help *helpcenter.Handler, diag *diagnostics.Handler) {
	r.Get("/api/v1/help/search", help.APISearch)
	r.Get("/api/v1/help/suggest", help.APISuggest)
	r.With(accounts.RequireUser).Post("/api/v1/diagnostics/uploads", diag.APICreate)
	r.With(accounts.RequireUser).Get("/api/v1/diagnostics/uploads/{id}", diag.APIGet)

	r.Group(func(r chi.Router) {
		r.Use(accounts.RequireUserPage)
		r.Get("/diagnostics", diag.List)
		r.Post("/diagnostics", diag.Create)
		r.Get("/diagnostics/new", diag.New)
		r.Get("/diagnostics/settings", diag.Settings)
		r.Post("/diagnostics/settings", diag.SaveSettings)
		r.Get("/diagnostics/{id}", diag.Triage)
		r.Get("/diagnostics/{id}/files/{n}", diag.Download)
	})

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
