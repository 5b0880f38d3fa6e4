package support

import (
	"errors"
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

// classify maps a service error to an HTTP status and a stable code.
func classify(err error) (int, string) {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrNoJira), errors.Is(err, ErrAlreadyJira), errors.Is(err, ErrAlreadyLinked):
		return http.StatusConflict, "conflict"
	}
	return http.StatusInternalServerError, "internal"
}

// apiError answers a service error as JSON.
func apiError(w http.ResponseWriter, err error) {
	status, code := classify(err)
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		web.JSON(w, status, web.Error{Code: code, Field: ve.Field, Error: ve.Message})
	case status == http.StatusNotFound:
		web.JSONError(w, status, code, "no such ticket")
	case status == http.StatusInternalServerError:
		web.JSONError(w, status, code, "something went wrong on the server; it has been logged")
	default:
		web.JSONError(w, status, code, err.Error())
	}
}
