package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/a-h/templ"

	"parley/templates"
)

// Viewer is who is looking at a page, as far as rendering cares. The
// accounts middleware puts it into the request context.
type Viewer struct {
	Name      string
	SavedLang string
	IsStaff   bool
	IsAdmin   bool
}

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the signed-in viewer, or nil.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Site holds what every page render needs to know about the deployment.
type Site struct {
	// SecureCookies marks cookies Secure; true when the base URL is https.
	SecureCookies bool
	// DefaultLang is used when neither the user nor the browser says.
	DefaultLang string
	Log         *slog.Logger
	// TrustedProxies may set X-Forwarded-For (see ClientIP).
	TrustedProxies []netip.Prefix
	// StaffUnread, when set, counts what waits unread for the signed-in
	// member of support staff (the support desks'), for the header.
	StaffUnread func(r *http.Request) int
}

// Lang picks the language for this request.
func (s *Site) Lang(r *http.Request) string {
	saved := ""
	if v := ViewerFrom(r.Context()); v != nil {
		saved = v.SavedLang
	}
	return PickLang(r, saved, LangCookie, s.DefaultLang)
}

// Page builds the layout data for a page titled by the translation key.
func (s *Site) Page(w http.ResponseWriter, r *http.Request, titleKey string) templates.Page {
	lang := s.Lang(r)
	p := templates.Page{
		Lang:  lang,
		Title: templates.T(lang, titleKey),
		CSRF:  CSRFToken(w, r, s.SecureCookies),
		Path:  r.URL.RequestURI(),
	}
	if v := ViewerFrom(r.Context()); v != nil {
		p.User = &templates.UserBadge{Name: v.Name, IsStaff: v.IsStaff, IsAdmin: v.IsAdmin}
		if v.IsStaff && s.StaffUnread != nil {
			p.User.Unread = s.StaffUnread(r)
		}
	}
	return p
}

// Render writes a page with status.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.Log.Warn("render page", "route", LogPath(r), "err", err)
	}
}

// ErrorPage renders a plain error page; msgKey is a translation key.
func (s *Site) ErrorPage(w http.ResponseWriter, r *http.Request, status int, msgKey string) {
	s.errorPage(w, r, status, templates.T(s.Lang(r), msgKey))
}

// Internal logs err and answers 500 without showing it.
func (s *Site) Internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("request failed", "method", r.Method, "route", LogPath(r), "err", err)
	if WantsJSON(r) {
		JSONError(w, http.StatusInternalServerError, "internal", "internal error; it has been logged")
		return
	}
	s.ErrorPage(w, r, http.StatusInternalServerError, "error.internal")
}
