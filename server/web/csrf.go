package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
)

// CSRF protection for pages has two layers. Go's CrossOriginProtection (in
// the router) refuses cross-site unsafe requests by their Fetch metadata;
// and every form carries a token that must match the _csrf cookie, which
// another site can neither read nor set (double submit).

// CSRFCookie holds the per-browser token.
const CSRFCookie = "parley_csrf"

// CSRFField is the form field forms carry.
const CSRFField = "_csrf"

// CSRFToken returns the browser's token, setting the cookie on first use.
func CSRFToken(w http.ResponseWriter, r *http.Request, secure bool) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: tok, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode})
	// Later reads within this request see the new token too.
	r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: tok})
	return tok
}

// CheckCSRF reports whether a form post carries the browser's token.
func CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostFormValue(CSRFField)
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) == 1
}

// ReadForm reads a small form post of at most limit bytes and checks its
// CSRF token. When either fails it has answered with an error page and
// returns false.
func (s *Site) ReadForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
			return false
		}
		s.ErrorPage(w, r, http.StatusBadRequest, "error.bad_form")
		return false
	}
	if !CheckCSRF(r) {
		s.ErrorPage(w, r, http.StatusForbidden, "signin.csrf")
		return false
	}
	return true
}
