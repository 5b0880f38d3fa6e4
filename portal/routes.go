package portal

import (
	"github.com/go-chi/chi/v5"

	"parley/portal/diagnostics"
	"parley/portal/helpcenter"
	"parley/portal/jira"
	"parley/portal/support"
	"parley/server"
	"parley/server/accounts"
)

// routes declares every route of the portal in one place.
func routes(r chi.Router, s *server.Server, help *helpcenter.Handler, diag *diagnostics.Handler, desk *support.Handler, jiraSvc *jira.Service, jiraPages *jira.Handler) {
	r.Get("/api/v1/help/search", help.APISearch)
	r.Get("/api/v1/help/suggest", help.APISuggest)
	r.With(accounts.RequireUser).Post("/api/v1/diagnostics/uploads", diag.APICreate)
	r.With(accounts.RequireUser).Get("/api/v1/diagnostics/uploads/{id}", diag.APIGet)
	r.Group(func(r chi.Router) {
		r.Use(accounts.RequireUser)
		r.Post("/api/v1/support/tickets", desk.APICreate)
		r.Get("/api/v1/support/tickets", desk.APIList)
		r.Get("/api/v1/support/tickets/{id}", desk.APIGet)
		r.Post("/api/v1/support/tickets/{id}/replies", desk.APIReply)
		r.Post("/api/v1/support/tickets/{id}/escalate", desk.APIEscalate)
		r.Get("/api/v1/support/similar", desk.APISimilar)
	})
	// Jira signs its webhooks; no session is involved.
	r.Post("/api/v1/jira/webhook", jiraSvc.Webhook)

	r.Group(func(r chi.Router) {
		r.Use(accounts.RequireUserPage)
		r.Get("/diagnostics", diag.List)
		r.Post("/diagnostics", diag.Create)
		r.Get("/diagnostics/new", diag.New)
		r.Get("/diagnostics/{id}", diag.Triage)
		r.Get("/diagnostics/{id}/files/{n}", diag.Download)

		r.Get("/support", desk.Home)
		r.Get("/support/new", desk.NewPage)
		r.Post("/support/new", desk.CreatePage)
		r.Route("/support/tickets/{id}", func(r chi.Router) {
			r.Get("/", desk.TicketPage)
			r.Post("/reply", desk.ReplyPage)
			r.Post("/update", desk.UpdatePage)
			r.Post("/escalate", desk.EscalatePage)
			r.Post("/plus-one", desk.PlusOnePage)
			r.Post("/uploads", desk.LinkUploadPage)
			r.Post("/diagnostics", desk.UploadDiagnosticsPage)
			r.Get("/files/{file}", desk.DownloadAttachment)
		})
	})

	// Support staff's work pages.
	r.Group(func(r chi.Router) {
		r = s.StaffRoutes(r)
		r.Get("/support/queue", desk.QueuePage)
		r.Get("/support/jira-outbox", jiraPages.OutboxPage)
		r.Post("/support/jira-outbox/retry", jiraPages.RetryPage)
	})

	// The portal's administrator pages, and where they used to be.
	r.Group(func(r chi.Router) {
		r = s.AdminRoutes(r)
		r.Get("/admin/diagnostics", diag.Settings)
		r.Post("/admin/diagnostics", diag.SaveSettings)
		r.Get("/admin/support", desk.SettingsPage)
		r.Post("/admin/support", desk.SaveSettingsPage)
		r.Get("/admin/jira", jiraPages.SettingsPage)
		r.Post("/admin/jira", jiraPages.SaveSettingsPage)
	})
	r.HandleFunc("/diagnostics/settings", server.Moved("/admin/diagnostics"))
	r.HandleFunc("/support/settings", server.Moved("/admin/support"))
	r.HandleFunc("/support/settings/jira", server.Moved("/admin/jira"))

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
