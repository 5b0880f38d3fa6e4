package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parley/server/accounts"
	"parley/server/web"
	"parley/static"
)

// routes declares every route of the messenger server in one place; the
// portal adds its own through mounts.
func (s *Server) routes(mounts []Mount) (http.Handler, error) {
	r := chi.NewRouter()
	httpMetrics := web.NewHTTPMetrics(s.Metrics)
	// Refuses cross-site form posts by their Fetch metadata; see web/csrf.go.
	crossOrigin := http.NewCrossOriginProtection()
	r.Use(s.Site.Recover, web.SecurityHeaders, httpMetrics.Middleware, crossOrigin.Handler)

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	r.Handle("/metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	r.Handle("/static/*", static.Handler())

	acc := s.accountsHTTP
	var mountErr error
	r.Group(func(r chi.Router) {
		// A session still on a one-time password may make only the API
		// calls that replace it, the portal's included.
		r.Use(acc.LoadSession, acc.PasswordChangeFirst)

		r.Route("/api/v1", func(r chi.Router) {
			// Routes that hash a password wait for a turn (HashTurn), so a
			// sign-in storm cannot starve everything else.
			r.With(acc.HashTurn).Post("/auth/login", acc.APILogin)
			r.Group(func(r chi.Router) {
				r.Use(accounts.RequireUser)
				r.Post("/auth/logout", acc.APILogout)
				r.Get("/me", acc.APIMe)
				r.Patch("/me", acc.APIUpdateMe)
				r.With(acc.HashTurn).Post("/me/password", acc.APIChangePassword)
				r.Get("/me/sessions", acc.APISessions)
				r.Delete("/me/sessions/{id}", acc.APIEndSession)
				r.Patch("/me/sessions/current", acc.APIUpdateDevice)
				r.Post("/me/sessions/{id}/clear", s.apiSessionCommand)

				// The messenger.
				r.Get("/ws", s.socketHTTP.ServeHTTP)
				ch := s.chatsHTTP
				r.Get("/chats", ch.APIList)
				r.Post("/chats", ch.APICreate)
				r.Get("/chats/saved", ch.APISaved)
				r.Get("/catalog", ch.APICatalog)
				r.Post("/join/{code}", ch.APIJoin)
				r.Get("/threads", ch.APIThreads)
				r.Get("/reminders", ch.APIReminders)
				r.Get("/me/labels", ch.APILabels)
				r.Put("/me/labels/{label}", ch.APISetLabel)
				r.Delete("/reminders/{rid}", ch.APICancelReminder)
				r.Get("/search", ch.APISearch)
				r.Get("/users", s.contactsHTTP.APISearch)
				r.Get("/contacts", s.contactsHTTP.APIList)
				r.Get("/chats/{id}", ch.APIGet)
				r.Patch("/chats/{id}", ch.APIUpdate)
				r.Patch("/chats/{id}/me", ch.APIMine)
				r.Post("/chats/{id}/join", ch.APIJoin)
				r.Put("/chats/{id}/follow", ch.APIFollow)
				r.Delete("/chats/{id}/follow", ch.APIFollow)
				r.Get("/chats/{id}/members", ch.APIMembers)
				r.Post("/chats/{id}/members", ch.APIAddMembers)
				r.Put("/chats/{id}/members/{huid}", ch.APISetRole)
				r.Delete("/chats/{id}/members/{huid}", ch.APIRemoveMember)
				r.Post("/chats/{id}/read", ch.APIRead)
				r.Get("/chats/{id}/pins", ch.APIPins)
				r.Put("/chats/{id}/pins/{mid}", ch.APIPin)
				r.Delete("/chats/{id}/pins/{mid}", ch.APIPin)
				r.Post("/chats/{id}/files", ch.APIUpload)
				r.Get("/chats/{id}/files/{fid}", ch.APIDownload)
				r.Get("/chats/{id}/messages", ch.APIHistory)
				r.Post("/chats/{id}/messages", ch.APISend)
				r.Patch("/chats/{id}/messages/{mid}", ch.APIEdit)
				r.Delete("/chats/{id}/messages/{mid}", ch.APIDelete)
				r.Get("/chats/{id}/messages/{mid}/around", ch.APIAround)
				r.Get("/chats/{id}/messages/{mid}/info", ch.APIInfo)
				r.Post("/chats/{id}/messages/{mid}/reactions", ch.APIReact)
				r.Delete("/chats/{id}/messages/{mid}/reactions", ch.APIReact)
				r.Post("/chats/{id}/messages/{mid}/forward", ch.APIForward)
				r.Post("/chats/{id}/messages/{mid}/discussion", ch.APIDiscussion)
				r.Post("/chats/{id}/messages/{mid}/reminder", ch.APIRemind)
			})
			// Administrator switches of the messenger.
			r.Group(func(r chi.Router) {
				r = s.AdminRoutes(r)
				r.Get("/admin/messenger", s.apiMessengerSettings)
				r.Patch("/admin/messenger", s.apiMessengerSettings)
				r.Put("/admin/chats/{id}/open", s.apiAdminOpenChat)
				r.Post("/admin/sessions/{id}/clear", s.apiAdminSessionCommand)
			})
			r.Get("/openapi.json", serveOpenAPI)
			r.NotFound(apiNotFound)
			r.MethodNotAllowed(apiMethodNotAllowed)
		})

		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			if u, ok := accounts.CurrentUser(r.Context()); ok {
				http.Redirect(w, r, accounts.Landing(u), http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
		})
		r.Get("/signin", acc.SigninPage)
		r.With(acc.HashTurn).Post("/signin", acc.SigninSubmit)
		r.Post("/signout", acc.Signout)
		r.Get("/forgot", s.resets.ForgotPage)
		r.Post("/forgot", s.resets.ForgotSubmit)
		r.Get("/reset/{token}", s.resets.ResetPage)
		r.With(acc.HashTurn).Post("/reset/{token}", s.resets.ResetSubmit)
		r.Get("/lang/{lang}", acc.SwitchLang)
		r.Get("/invite/{token}", s.invitations.InvitePage)
		r.With(acc.HashTurn).Post("/invite/{token}", s.invitations.InviteSubmit)
		r.Group(func(r chi.Router) {
			r.Use(accounts.RequireUserPage)
			r.Get("/account", acc.AccountPage)
			r.Post("/account/profile", acc.AccountProfileSubmit)
			r.With(acc.HashTurn).Post("/account/password", acc.AccountPasswordSubmit)
			r.Post("/account/sessions/{id}/end", acc.AccountEndSession)
			r.Post("/account/sessions/{id}/end-device", acc.AccountEndDevice)
			r.Post("/account/sessions/end-others", acc.AccountEndOtherSessions)
		})

		// Every administrator page lives under /admin, in this group or in
		// a mount's s.AdminRoutes(r): the role is checked here, never in a
		// handler.
		r.Group(func(r chi.Router) {
			r = s.AdminRoutes(r)
			r.Get("/admin", s.AdminHome.ServeHTTP)
			r.Get("/admin/invitations", s.invitations.AdminPage)
			r.Post("/admin/invitations", s.invitations.AdminInvite)
			r.Post("/admin/invitations/{id}/resend", s.invitations.AdminResend)
			r.Post("/admin/invitations/{id}/revoke", s.invitations.AdminRevoke)
			r.Get("/admin/mail", s.mailHTTP.OutboxPage)
			r.Get("/admin/mail/{id}", s.mailHTTP.MessagePage)
		})

		for _, m := range mounts {
			if err := m(r, s); err != nil && mountErr == nil {
				mountErr = err
			}
		}
	})
	if mountErr != nil {
		return nil, mountErr
	}

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.Site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
	})
	return r, nil
}

// AdminRoutes returns r restricted to server administrators: a signed-out
// visitor is sent to sign in, anyone else is answered 403. Mounts add their
// /admin pages through it.
func (s *Server) AdminRoutes(r chi.Router) chi.Router {
	return r.With(s.accountsHTTP.RequireRole(accounts.RoleAdmin))
}

// StaffRoutes returns r restricted to support staff and administrators:
// the queue and the other support work pages.
func (s *Server) StaffRoutes(r chi.Router) chi.Router {
	return r.With(s.accountsHTTP.RequireRole(accounts.RoleSupport, accounts.RoleAdmin))
}

// Moved redirects an old address of a page to its new one, keeping the
// query; a form posted to the old address is posted again to the new one.
func Moved(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target := to
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		status := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			status = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, target, status)
	}
}
