package support

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/portal/diagnostics"
	"parley/search"
	"parley/server/accounts"
	"parley/server/web"
)

// Handler serves the support pages and the tickets API.
type Handler struct {
	svc  *Service
	site *web.Site
	help *search.HelpIndex // deflection: articles that may answer the question
	diag *diagnostics.Handler
}

// NewHandler returns the HTTP side of the support desks.
func NewHandler(svc *Service, site *web.Site, help *search.HelpIndex, diag *diagnostics.Handler) *Handler {
	return &Handler{svc: svc, site: site, help: help, diag: diag}
}

func viewer(r *http.Request) Viewer {
	u, _ := accounts.CurrentUser(r.Context())
	return ViewerOf(u)
}

func ticketID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}
