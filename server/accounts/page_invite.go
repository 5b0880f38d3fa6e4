package accounts

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
	"parley/templates"
)

// The path of these pages holds the invitation token, a secret: nothing
// here logs the path (see internal).

// InvitePage handles GET /invite/{token}: the set-password form, or a page
// that says why the link no longer works.
func (p *InvitationPages) InvitePage(w http.ResponseWriter, r *http.Request) {
	inv, err := p.acc.svc.InvitationByToken(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		p.invalid(w, r, err)
		return
	}
	v := p.acceptView(w, r, inv)
	v.Name = inv.Name
	p.acc.site.Render(w, r, http.StatusOK, templates.InviteAccept(v))
}

func (p *InvitationPages) acceptView(w http.ResponseWriter, r *http.Request, inv Invitation) templates.InviteAcceptView {
	return templates.InviteAcceptView{Page: p.acc.site.Page(w, r, "invite.accept.title"),
		Action: "/invite/" + chi.URLParam(r, "token"), Email: inv.Email, Expires: pageTime(inv.ExpiresAt)}
}

// invalid explains a link that cannot be used; anything else is a 500.
func (p *InvitationPages) invalid(w http.ResponseWriter, r *http.Request, err error) {
	v := templates.InviteInvalidView{Page: p.acc.site.Page(w, r, "invite.invalid.title")}
	status := http.StatusGone
	switch {
	case errors.Is(err, ErrInvitationNotFound):
		v.Message, status = v.T("invite.invalid.not_found"), http.StatusNotFound
	case errors.Is(err, ErrInvitationExpired):
		v.Message = v.T("invite.invalid.expired")
	case errors.Is(err, ErrInvitationRevoked):
		v.Message = v.T("invite.invalid.revoked")
	case errors.Is(err, ErrInvitationUsed), errors.Is(err, ErrInvitationNotPending):
		v.Message, v.Used = v.T("invite.invalid.used"), true
	default:
		p.internal(w, r, err)
		return
	}
	p.acc.site.Render(w, r, status, templates.InviteInvalid(v))
}

// internal logs a failure without the request path, which holds the token.
func (p *InvitationPages) internal(w http.ResponseWriter, r *http.Request, err error) {
	p.acc.site.Log.Error("invitation page failed", "method", r.Method, "err", err)
	p.acc.site.ErrorPage(w, r, http.StatusInternalServerError, "error.internal")
}

// InviteSubmit handles POST /invite/{token}: creates the account, signs the
// person in as the sign-in page does and takes them to the support portal.
// On a mistake it shows the form again with what was typed, passwords aside.
func (p *InvitationPages) InviteSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		p.acc.site.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "invite.err.fix")
		return
	}
	inv, err := p.acc.svc.InvitationByToken(r.Context(), token)
	if err != nil {
		p.invalid(w, r, err)
		return
	}
	v := p.acceptView(w, r, inv)
	v.Name = r.PostFormValue("name")
	if !web.CheckCSRF(r) {
		v.Error = v.T("signin.csrf")
		p.acc.site.Render(w, r, http.StatusForbidden, templates.InviteAccept(v))
		return
	}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password2") {
		v.FieldErrors = map[string]string{"password2": v.T("invite.err.mismatch")}
		v.Error = v.T("invite.err.fix")
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.InviteAccept(v))
		return
	}
	dev := Device{UDID: p.acc.browserUDID(w, r), Platform: "web", UserAgent: r.UserAgent()}
	sessToken, _, _, err := p.acc.svc.AcceptInvitation(r.Context(), token, v.Name, password, dev, p.acc.site.ClientIP(r))
	var ve *ValidationError
	switch {
	case err == nil:
	case errors.As(err, &ve) && ve.Field == "email":
		// Someone made an account with this address after the invitation.
		v.Error = v.T("invite.accept.exists")
		p.acc.site.Render(w, r, http.StatusConflict, templates.InviteAccept(v))
		return
	case errors.As(err, &ve):
		v.FieldErrors = map[string]string{ve.Field: invitationFieldError(v.Lang, ve)}
		v.Error = v.T("invite.err.fix")
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.InviteAccept(v))
		return
	default:
		p.invalid(w, r, err)
		return
	}
	p.acc.setSessionCookie(w, sessToken)
	http.Redirect(w, r, "/support", http.StatusSeeOther)
}
