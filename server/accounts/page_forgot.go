package accounts

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/server/mail"
	"parley/server/web"
	"parley/templates"
)

// ResetPages serve "Forgot password?": the request form at /forgot, which
// mails a one-time link, and the new-password form behind the link at
// /reset/{token}. The link's path is a secret: nothing here logs it.
type ResetPages struct {
	acc     *Handler
	mail    *mail.Service
	baseURL string
}

// NewResetPages returns the password reset pages. baseURL is the server's
// public URL for the link in the mail; empty takes it from each request.
func NewResetPages(acc *Handler, m *mail.Service, baseURL string) *ResetPages {
	return &ResetPages{acc: acc, mail: m, baseURL: strings.TrimRight(baseURL, "/")}
}

// ForgotPage handles GET /forgot.
func (p *ResetPages) ForgotPage(w http.ResponseWriter, r *http.Request) {
	v := templates.ForgotView{Page: p.acc.site.Page(w, r, "forgot.title"), Email: r.URL.Query().Get("login")}
	p.acc.site.Render(w, r, http.StatusOK, templates.Forgot(v))
}

// ForgotSubmit handles POST /forgot: the same answer whether or not the
// address has an account, so the page cannot be used to find out who has.
func (p *ResetPages) ForgotSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		p.acc.site.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "forgot.title")
		return
	}
	v := templates.ForgotView{Page: p.acc.site.Page(w, r, "forgot.title"), Email: strings.TrimSpace(r.PostFormValue("email"))}
	if !web.CheckCSRF(r) {
		v.Error = v.T("signin.csrf")
		p.acc.site.Render(w, r, http.StatusForbidden, templates.Forgot(v))
		return
	}
	u, token, err := p.acc.svc.RequestPasswordReset(r.Context(), v.Email, p.acc.site.ClientIP(r))
	var ve *ValidationError
	var te *ThrottledError
	switch {
	case errors.As(err, &ve):
		v.Error = v.T("forgot.err.email")
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.Forgot(v))
		return
	case errors.As(err, &te):
		minutes := int(RoundUpSeconds(te.RetryAfter).Minutes() + 0.999)
		v.Error = templates.Tf(v.Lang, "forgot.err.throttled", max(minutes, 1))
		p.acc.site.Render(w, r, http.StatusTooManyRequests, templates.Forgot(v))
		return
	case err != nil:
		p.acc.site.Internal(w, r, err)
		return
	}
	if token != "" {
		lang := u.Lang
		if lang == "" {
			lang = v.Lang
		}
		if err := p.mail.Send(r.Context(), ResetMail(lang, publicBase(p.baseURL, r), token, u)); err != nil {
			p.acc.site.Internal(w, r, err)
			return
		}
	}
	p.acc.site.Render(w, r, http.StatusOK, templates.ForgotSent(templates.ForgotSentView{Page: v.Page, Email: v.Email}))
}

// ResetMail is the letter with the reset link, in lang (ru or en).
func ResetMail(lang, baseURL, token string, u User) mail.Message {
	base := strings.TrimRight(baseURL, "/")
	body := templates.Tf(lang, "reset.mail.body", u.Profile.Email, base+"/", base+"/reset/"+token)
	return mail.Message{To: u.Profile.Email, Subject: templates.T(lang, "reset.mail.subject"), Text: body}
}

// publicBase is the URL people reach this server at: the configured one,
// else the one this request came to.
func publicBase(baseURL string, r *http.Request) string {
	if baseURL != "" {
		return baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ResetPage handles GET /reset/{token}: the new-password form, or why the
// link no longer works.
func (p *ResetPages) ResetPage(w http.ResponseWriter, r *http.Request) {
	res, err := p.acc.svc.PasswordResetByToken(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		p.invalid(w, r, err)
		return
	}
	p.acc.site.Render(w, r, http.StatusOK, templates.Reset(p.resetView(w, r, res)))
}

func (p *ResetPages) resetView(w http.ResponseWriter, r *http.Request, res PasswordReset) templates.ResetView {
	email := res.User.Profile.Email
	if email == "" {
		email = res.User.Login
	}
	return templates.ResetView{Page: p.acc.site.Page(w, r, "reset.title"), Action: "/reset/" + chi.URLParam(r, "token"),
		Email: email, MinLen: MinPasswordLen}
}

// invalid explains a link that cannot be used; anything else is a 500.
func (p *ResetPages) invalid(w http.ResponseWriter, r *http.Request, err error) {
	v := templates.ResetInvalidView{Page: p.acc.site.Page(w, r, "reset.invalid.title")}
	status := http.StatusGone
	switch {
	case errors.Is(err, ErrResetLinkInvalid):
		v.Message, status = v.T("reset.invalid.not_found"), http.StatusNotFound
	case errors.Is(err, ErrResetLinkExpired):
		v.Message = v.T("reset.invalid.expired")
	case errors.Is(err, ErrResetLinkUsed):
		v.Message = v.T("reset.invalid.used")
	case errors.Is(err, ErrBlocked):
		v.Message, status = v.T("signin.blocked"), http.StatusForbidden
	default:
		p.acc.site.Log.Error("password reset page failed", "method", r.Method, "err", err)
		p.acc.site.ErrorPage(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	p.acc.site.Render(w, r, status, templates.ResetInvalid(v))
}

// ResetSubmit handles POST /reset/{token}: sets the new password, ends every
// session of the account, signs the person in on this browser and shows
// their account page with a confirmation.
func (p *ResetPages) ResetSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		p.acc.site.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "reset.title")
		return
	}
	res, err := p.acc.svc.PasswordResetByToken(r.Context(), token)
	if err != nil {
		p.invalid(w, r, err)
		return
	}
	v := p.resetView(w, r, res)
	if !web.CheckCSRF(r) {
		v.Error = v.T("signin.csrf")
		p.acc.site.Render(w, r, http.StatusForbidden, templates.Reset(v))
		return
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password2") {
		v.FieldErrors = map[string]string{"password2": v.T("invite.err.mismatch")}
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.Reset(v))
		return
	}
	dev := Device{UDID: p.acc.browserUDID(w, r), Platform: "web", UserAgent: r.UserAgent()}
	sessToken, _, err := p.acc.svc.ResetPassword(r.Context(), token, password, dev, p.acc.site.ClientIP(r))
	var ve *ValidationError
	switch {
	case err == nil:
	case errors.As(err, &ve):
		v.FieldErrors = map[string]string{"password": localizeValidation(v.Lang, ve)}
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.Reset(v))
		return
	default:
		p.invalid(w, r, err)
		return
	}
	p.acc.setSessionCookie(w, sessToken)
	http.Redirect(w, r, "/account?done=reset", http.StatusSeeOther)
}
