package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"parley/server/mail"
	"parley/templates"
)

// InvitationPages serves the invitation pages: the administrators' list and
// form, and the set-password page behind each link. It mails the links
// through the mail service, which knows nothing of accounts.
type InvitationPages struct {
	acc     *Handler
	mail    *mail.Service
	baseURL string
}

// NewInvitationPages returns the invitation pages on top of the accounts
// handler. baseURL is the server's public URL for the links in the mail
// (https://parley.example.org); empty takes it from each request's Host.
func NewInvitationPages(acc *Handler, m *mail.Service, baseURL string) *InvitationPages {
	return &InvitationPages{acc: acc, mail: m, baseURL: strings.TrimRight(baseURL, "/")}
}

// publicBase is the URL people reach this server at.
func (p *InvitationPages) publicBase(r *http.Request) string { return publicBase(p.baseURL, r) }

// InvitationMail is the invitation letter in lang (ru or en): who invites,
// the organisation's Parley URL, the link, until when it works, and what to
// do when mail lands in spam.
func InvitationMail(lang, baseURL, token string, inv Invitation, inviter User) mail.Message {
	base := strings.TrimRight(baseURL, "/")
	greeting := templates.T(lang, "invite.mail.greeting")
	if inv.Name != "" {
		greeting = templates.Tf(lang, "invite.mail.greeting_name", inv.Name)
	}
	body := templates.Tf(lang, "invite.mail.body", inviter.DisplayName(), base+"/", base+"/invite/"+token,
		pageTime(inv.ExpiresAt), inv.Email)
	return mail.Message{To: inv.Email, Subject: templates.T(lang, "invite.mail.subject"), Text: greeting + "\n\n" + body}
}

// requireAdmin returns the administrator behind the request; the /admin
// route group has let nobody else through.
func (p *InvitationPages) requireAdmin(w http.ResponseWriter, r *http.Request) (User, bool) {
	u, ok := CurrentUser(r.Context())
	if !ok {
		p.acc.site.ErrorPage(w, r, http.StatusForbidden, "error.forbidden")
	}
	return u, ok
}

// invitationListSize bounds the list; older invitations matter little.
const invitationListSize = 300

func (p *InvitationPages) adminView(w http.ResponseWriter, r *http.Request) (templates.InvitationsView, error) {
	v := templates.InvitationsView{Page: p.acc.site.Page(w, r, "invite.admin.title"), MailConfigured: p.mail.Configured(),
		Form: templates.InviteForm{Role: string(RoleUser)}}
	list, err := p.acc.svc.Invitations(r.Context(), invitationListSize)
	if err != nil {
		return v, err
	}
	now := p.acc.svc.now()
	for _, inv := range list {
		st := inv.State(now)
		row := templates.InviteRow{ID: inv.ID, Email: inv.Email, Name: inv.Name, Role: string(inv.Role), State: string(st),
			InvitedBy: inv.InvitedByName, Created: pageTime(inv.CreatedAt), Expires: pageTime(inv.ExpiresAt),
			CanResend: st == InvitationPending || st == InvitationExpired,
			CanRevoke: st == InvitationPending || st == InvitationExpired}
		if inv.AcceptedAt != nil {
			row.Accepted = pageTime(*inv.AcceptedAt)
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// AdminPage handles GET /admin/invitations.
func (p *InvitationPages) AdminPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.requireAdmin(w, r); !ok {
		return
	}
	v, err := p.adminView(w, r)
	if err != nil {
		p.acc.site.Internal(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "invited":
		v.Notice = v.T("invite.done.invited")
		if !v.MailConfigured {
			v.Notice = v.T("invite.done.invited_no_smtp")
		}
	case "resent":
		v.Notice = v.T("invite.done.resent")
	case "revoked":
		v.Notice = v.T("invite.done.revoked")
	}
	p.acc.site.Render(w, r, http.StatusOK, templates.Invitations(v))
}

// AdminInvite handles POST /admin/invitations: records the invitation and
// mails its link in the administrator's page language.
func (p *InvitationPages) AdminInvite(w http.ResponseWriter, r *http.Request) {
	admin, ok := p.requireAdmin(w, r)
	if !ok || !p.acc.site.ReadForm(w, r, maxFormBody) {
		return
	}
	form := templates.InviteForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	inv, token, err := p.acc.svc.Invite(r.Context(), admin, form.Email, form.Name, Role(form.Role))
	if err != nil {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			p.acc.site.Internal(w, r, err)
			return
		}
		v, verr := p.adminView(w, r)
		if verr != nil {
			p.acc.site.Internal(w, r, verr)
			return
		}
		v.Form = form
		v.FieldErrors = map[string]string{ve.Field: invitationFieldError(v.Lang, ve)}
		v.FormError = v.T("invite.err.fix")
		p.acc.site.Render(w, r, http.StatusBadRequest, templates.Invitations(v))
		return
	}
	if err := p.mail.Send(r.Context(), InvitationMail(p.acc.site.Lang(r), p.publicBase(r), token, inv, admin)); err != nil {
		p.acc.site.Internal(w, r, fmt.Errorf("mail invitation %d: %w", inv.ID, err))
		return
	}
	http.Redirect(w, r, "/admin/invitations?done=invited", http.StatusSeeOther)
}

// invitationFieldError words a validation error of the invitation forms.
func invitationFieldError(lang string, ve *ValidationError) string {
	switch {
	case ve.Field == "email" && strings.Contains(ve.Message, "already exists"):
		return templates.T(lang, "invite.err.exists")
	case ve.Field == "email":
		return templates.T(lang, "invite.err.email")
	case ve.Field == "role":
		return templates.T(lang, "invite.err.role")
	case ve.Field == "name" && strings.Contains(ve.Message, "is required"):
		return templates.T(lang, "invite.err.name")
	}
	return localizeValidation(lang, ve)
}

func invitationID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

// AdminResend handles POST /admin/invitations/{id}/resend: a new link,
// valid for another week, in a new mail; the old link stops working.
func (p *InvitationPages) AdminResend(w http.ResponseWriter, r *http.Request) {
	admin, ok := p.requireAdmin(w, r)
	if !ok || !p.acc.site.ReadForm(w, r, maxFormBody) {
		return
	}
	id, ok := invitationID(r)
	if !ok {
		p.acc.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	inv, token, err := p.acc.svc.ResendInvitation(r.Context(), admin, id)
	if !p.adminActionError(w, r, err) {
		return
	}
	if err := p.mail.Send(r.Context(), InvitationMail(p.acc.site.Lang(r), p.publicBase(r), token, inv, admin)); err != nil {
		p.acc.site.Internal(w, r, fmt.Errorf("mail invitation %d: %w", inv.ID, err))
		return
	}
	http.Redirect(w, r, "/admin/invitations?done=resent", http.StatusSeeOther)
}

// AdminRevoke handles POST /admin/invitations/{id}/revoke.
func (p *InvitationPages) AdminRevoke(w http.ResponseWriter, r *http.Request) {
	admin, ok := p.requireAdmin(w, r)
	if !ok || !p.acc.site.ReadForm(w, r, maxFormBody) {
		return
	}
	id, ok := invitationID(r)
	if !ok {
		p.acc.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !p.adminActionError(w, r, p.acc.svc.RevokeInvitation(r.Context(), admin, id)) {
		return
	}
	http.Redirect(w, r, "/admin/invitations?done=revoked", http.StatusSeeOther)
}

// adminActionError answers a failed resend or revoke; it reports whether
// err was nil and the handler may go on.
func (p *InvitationPages) adminActionError(w http.ResponseWriter, r *http.Request, err error) bool {
	var ve *ValidationError
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrInvitationNotFound):
		p.acc.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
	case errors.Is(err, ErrInvitationNotPending):
		p.acc.site.ErrorPage(w, r, http.StatusConflict, "invite.err.not_pending")
	case errors.As(err, &ve):
		p.acc.site.ErrorPage(w, r, http.StatusConflict, "invite.err.exists")
	case errors.Is(err, ErrNotAdmin):
		p.acc.site.ErrorPage(w, r, http.StatusForbidden, "error.forbidden")
	default:
		p.acc.site.Internal(w, r, err)
	}
	return false
}
