package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"parley/templates"
)

// ValidationError names the field a person must fix and why. It is the one
// shape of "your input is wrong" in every package: the API answers it as 400
// with the field, and pages translate Code within their own namespace.
type ValidationError struct {
	Field   string // form field or JSON key
	Code    string // stable reason: "required", "too_long", "weak", …
	Message string // English words for API clients and logs
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Invalid returns a ValidationError.
func Invalid(field, code, msg string) error {
	return &ValidationError{Field: field, Code: code, Message: msg}
}

// HTTPError is an error that knows its answer: a status, a stable code for
// API clients, a catalog key for pages and English words for the API. Domain
// packages declare their sentinel errors with it (errors.Is still works), so
// one writer, Site.Fail, answers every package's errors alike.
type HTTPError struct {
	Status     int
	Code       string
	Key        string // catalog key of the page text; "" shows a generic one for the status
	Args       []any  // fmt arguments of Key's text, if it has any
	Message    string
	RetryAfter time.Duration // sent as Retry-After when set
}

func (e *HTTPError) Error() string { return e.Message }

// Errorf returns an HTTPError.
func Errorf(status int, code, key, msg string) *HTTPError {
	return &HTTPError{Status: status, Code: code, Key: key, Message: msg}
}

// Fail answers a failed request: JSON for the API (the Error envelope), an
// error page in the reader's language otherwise. Errors it does not know are
// logged and answered as 500 without their text.
func (s *Site) Fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *ValidationError
	var he *HTTPError
	switch {
	case errors.As(err, &ve):
		if WantsJSON(r) {
			JSON(w, http.StatusBadRequest, Error{Code: "invalid", Field: ve.Field, Reason: ve.Code, Error: ve.Message})
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, ve.Message)
	case errors.As(err, &he):
		secs := 0
		if he.RetryAfter > 0 {
			secs = int((he.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		if WantsJSON(r) {
			JSON(w, he.Status, Error{Code: he.Code, Error: he.Message, RetryIn: secs})
			return
		}
		_, text, _ := s.Describe(r, err)
		s.errorPage(w, r, he.Status, text)
	default:
		s.Internal(w, r, err)
	}
}

// Describe gives a page what to say of err inline (beside a form, say):
// its status and its text in the reader's language. known is false for an
// error that is the server's fault, which the caller logs as internal.
func (s *Site) Describe(r *http.Request, err error) (status int, text string, known bool) {
	var ve *ValidationError
	var he *HTTPError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, ve.Message, true
	case errors.As(err, &he):
		key := he.Key
		if key == "" {
			key = statusKey(he.Status)
		}
		if len(he.Args) == 0 {
			return he.Status, templates.T(s.Lang(r), key), true
		}
		return he.Status, templates.Tf(s.Lang(r), key, he.Args...), true
	}
	return http.StatusInternalServerError, templates.T(s.Lang(r), "error.internal"), false
}

func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, status int, text string) {
	p := s.Page(w, r, "error.title")
	s.Render(w, r, status, templates.ErrorPage(p, text))
}

// statusKey is the catalog text for a status when an error names none.
func statusKey(status int) string {
	switch status {
	case http.StatusNotFound:
		return "error.not_found"
	case http.StatusForbidden:
		return "error.forbidden"
	case http.StatusUnauthorized:
		return "error.unauthorized"
	case http.StatusTooManyRequests:
		return "error.too_many"
	case http.StatusRequestEntityTooLarge:
		return "error.too_large"
	}
	return "error.bad_request"
}

// WantsJSON reports whether the request expects a JSON answer: everything
// under /api/, and any request that asks for JSON first.
func WantsJSON(r *http.Request) bool {
	if len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" {
		return true
	}
	accept := r.Header.Get("Accept")
	return len(accept) >= 16 && accept[:16] == "application/json"
}
