package accounts

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"parley/server/web"
	"parley/templates"
)

// maxFormBody bounds every small form post.
const maxFormBody = 64 << 10

// Landing is where a person goes after signing in when no page asked for
// them: support staff to the queue, everyone else to the help center's
// front page (later the messenger).
func Landing(u User) string {
	if u.MustChangePassword {
		return "/account#password-h"
	}
	if u.IsStaff() {
		return "/support/queue"
	}
	return "/help"
}

// landingOr is next when it is a safe path on this site, else Landing(u).
func landingOr(next string, u User) string {
	return web.SafeRedirect(next, Landing(u))
}

// SigninPage handles GET /signin.
func (h *Handler) SigninPage(w http.ResponseWriter, r *http.Request) {
	next := web.SafeRedirect(r.URL.Query().Get("next"), "")
	if u, ok := CurrentUser(r.Context()); ok {
		http.Redirect(w, r, landingOr(next, u), http.StatusSeeOther)
		return
	}
	v := templates.SigninView{Page: h.site.Page(w, r, "signin.title"), Next: next}
	if r.URL.Query().Get("ended") == "1" {
		v.Error = v.T("signin.ended")
	}
	h.site.Render(w, r, http.StatusOK, templates.Signin(v))
}

// SigninSubmit handles POST /signin.
func (h *Handler) SigninSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.site.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "signin.required")
		return
	}
	v := templates.SigninView{Page: h.site.Page(w, r, "signin.title"),
		Login: r.PostFormValue("login"), Next: web.SafeRedirect(r.PostFormValue("next"), "")}
	if !web.CheckCSRF(r) {
		v.Error = v.T("signin.csrf")
		h.site.Render(w, r, http.StatusForbidden, templates.Signin(v))
		return
	}
	dev := Device{
		UDID:      h.browserUDID(w, r),
		Platform:  "web",
		UserAgent: r.UserAgent(),
		Timezone:  r.PostFormValue("timezone"),
	}
	if m := r.PostFormValue("device_meta"); m != "" && json.Valid([]byte(m)) {
		dev.Meta = json.RawMessage(m)
	}
	token, u, _, err := h.svc.SignIn(r.Context(), r.PostFormValue("login"), r.PostFormValue("password"), dev, h.site.ClientIP(r))
	if err != nil {
		var verr *ValidationError
		var terr *ThrottledError
		status := http.StatusUnauthorized
		switch {
		case errors.As(err, &terr):
			status = http.StatusTooManyRequests
			v.Error = templates.Tf(v.Lang, "signin.throttled", int(RoundUpSeconds(terr.RetryAfter).Seconds()))
		case errors.As(err, &verr) && (verr.Field == "login" || verr.Field == "password"):
			status = http.StatusBadRequest
			v.Error = v.T("signin.required")
		case errors.As(err, &verr):
			// A device field the browser sent was unusable; sign in without it.
			dev.Timezone, dev.Meta = "", nil
			token, u, _, err = h.svc.SignIn(r.Context(), r.PostFormValue("login"), r.PostFormValue("password"), dev, h.site.ClientIP(r))
			switch {
			case err == nil:
			case errors.Is(err, ErrBlocked):
				status, v.Error = http.StatusForbidden, v.T("signin.blocked")
			default:
				v.Error = v.T("signin.bad")
			}
		case errors.Is(err, ErrBlocked):
			status, v.Error = http.StatusForbidden, v.T("signin.blocked")
		case errors.Is(err, ErrBadCredentials):
			v.Error = v.T("signin.bad")
		default:
			h.site.Internal(w, r, err)
			return
		}
		if err != nil {
			h.site.Render(w, r, status, templates.Signin(v))
			return
		}
	}
	h.setSessionCookie(w, token)
	http.Redirect(w, r, landingOr(v.Next, u), http.StatusSeeOther)
}

// browserUDID returns this browser's device id, creating it on first sign-in.
func (h *Handler) browserUDID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(udidCookie); err == nil && len(c.Value) == 36 {
		return c.Value
	}
	udid := uuid.NewString()
	http.SetCookie(w, &http.Cookie{Name: udidCookie, Value: udid, Path: "/", HttpOnly: true,
		Secure: h.site.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 5 * 365 * 24 * 3600})
	return udid
}

// Signout handles POST /signout.
func (h *Handler) Signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if !web.CheckCSRF(r) {
		h.site.ErrorPage(w, r, http.StatusForbidden, "signin.csrf")
		return
	}
	if sess, ok := CurrentSession(r.Context()); ok {
		if err := h.svc.SignOut(r.Context(), sess.ID); err != nil && !errors.Is(err, ErrNoSession) {
			h.site.Internal(w, r, err)
			return
		}
	}
	h.clearSessionCookie(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
