package accounts

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"parley/server/web"
)

// Handler serves the accounts API and pages.
type Handler struct {
	svc  *Service
	site *web.Site
	log  *slog.Logger
}

// NewHandler returns the HTTP side of the accounts service.
func NewHandler(svc *Service, site *web.Site, log *slog.Logger) *Handler {
	return &Handler{svc: svc, site: site, log: log}
}

// SessionCookie carries a browser's session token.
const SessionCookie = "parley_session"

// udidCookie gives each browser a stable device id, so its sessions are
// recognisable as one device in the session list.
const udidCookie = "parley_udid"

type ctxKey struct{}

type authInfo struct {
	user    User
	session Session
}

// CurrentUser returns the signed-in user of the request.
func CurrentUser(ctx context.Context) (User, bool) {
	a, ok := ctx.Value(ctxKey{}).(*authInfo)
	if !ok {
		return User{}, false
	}
	return a.user, true
}

// CurrentSession returns the session the request came with.
func CurrentSession(ctx context.Context) (Session, bool) {
	a, ok := ctx.Value(ctxKey{}).(*authInfo)
	if !ok {
		return Session{}, false
	}
	return a.session, true
}

// requestToken finds the token: the Authorization header for API clients,
// the session cookie for browsers.
func requestToken(r *http.Request) (token string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value, true
	}
	return "", false
}

// LoadSession attaches the signed-in user, if any, to every request.
func (h *Handler) LoadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, fromCookie := requestToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, sess, err := h.svc.Authenticate(r.Context(), token)
		switch {
		case errors.Is(err, ErrNoSession) || errors.Is(err, ErrNotFound):
			if fromCookie {
				h.clearSessionCookie(w)
			}
			next.ServeHTTP(w, r)
			return
		case err != nil:
			h.site.Internal(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, &authInfo{user: u, session: sess})
		ctx = web.WithViewer(ctx, &web.Viewer{Name: u.DisplayName(), SavedLang: u.Lang, IsStaff: u.IsStaff(), IsAdmin: u.Role == RoleAdmin})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// RequireUser answers 401 to API requests without a valid session.
func RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := CurrentUser(r.Context()); !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
			web.JSONError(w, http.StatusUnauthorized, "unauthorized", "sign in first: send Authorization: Bearer TOKEN from POST /api/v1/auth/login")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireUserPage sends people without a session to the sign-in page and
// back, and someone still on a one-time password to their account page to
// replace it first.
func RequireUserPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := CurrentUser(r.Context())
		if !ok {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if u.MustChangePassword && r.URL.Path != "/account" && !strings.HasPrefix(r.URL.Path, "/account/") {
			http.Redirect(w, r, "/account#password-h", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.site.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 90 * 24 * 3600})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: h.site.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// writeError answers a failed API call through the shared error writer;
// every error of this package knows its status and code.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	h.site.Fail(w, r, err)
}
