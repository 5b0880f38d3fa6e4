package accounts

import (
	"errors"
	"net/http"
	"strings"

	"parley/server/web"
)

// APIMe handles GET /api/v1/me.
func (h *Handler) APIMe(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	web.JSON(w, http.StatusOK, u.ToJSON())
}

// APIUpdateMe handles PATCH /api/v1/me: fields left out keep their value.
func (h *Handler) APIUpdateMe(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	p := u.Profile
	var req struct {
		Name       *string   `json:"name"`
		Email      *string   `json:"email"`
		Phone      *string   `json:"phone"`
		Company    *string   `json:"company"`
		Department *string   `json:"department"`
		Position   *string   `json:"position"`
		Manager    *string   `json:"manager"`
		Office     *string   `json:"office"`
		ADLogin    *string   `json:"ad_login"`
		ADDomain   *string   `json:"ad_domain"`
		Tags       *[]string `json:"tags"`
		Lang       *string   `json:"lang"`
		// CurrentPassword confirms a change of the e-mail, which is what
		// the account signs in with: a session alone may not move it.
		CurrentPassword string `json:"current_password"`
	}
	if !web.DecodeJSON(w, r, 64<<10, &req) {
		return
	}
	for _, f := range []struct {
		src *string
		dst *string
	}{{req.Name, &p.Name}, {req.Email, &p.Email}, {req.Phone, &p.Phone}, {req.Company, &p.Company},
		{req.Department, &p.Department}, {req.Position, &p.Position}, {req.Manager, &p.Manager},
		{req.Office, &p.Office}, {req.ADLogin, &p.ADLogin}, {req.ADDomain, &p.ADDomain}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if req.Tags != nil {
		p.Tags = *req.Tags
	}
	if req.Lang != nil && *req.Lang != "" && !web.SupportedLang(*req.Lang) {
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "lang", Error: "lang: must be ru, en or empty"})
		return
	}
	if req.Email != nil && !sameEmail(*req.Email, u.Profile.Email) && !h.confirmPassword(w, r, u, req.CurrentPassword) {
		return
	}
	updated, err := h.svc.UpdateProfile(r.Context(), u.ID, p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if req.Lang != nil {
		if err := h.svc.SetLang(r.Context(), u.ID, *req.Lang); err != nil {
			h.writeError(w, r, err)
			return
		}
		updated.Lang = *req.Lang
	}
	web.JSON(w, http.StatusOK, updated.ToJSON())
}

func sameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// confirmPassword checks the caller's current password for a change that
// needs it, waiting for a turn to hash; it answers the request itself and
// says false when the change must not go on.
func (h *Handler) confirmPassword(w http.ResponseWriter, r *http.Request, u User, pw string) bool {
	if pw == "" {
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "current_password_required", Field: "current_password",
			Error: "current_password: changing the e-mail you sign in with needs your current password"})
		return false
	}
	release, err := h.svc.hasher.Admit(r.Context())
	if err != nil {
		h.writeBusy(w, r, err)
		return false
	}
	defer release()
	switch err := h.svc.CheckOwnPassword(r.Context(), u, pw); {
	case err == nil:
		return true
	case errors.Is(err, ErrWrongPassword):
		web.JSON(w, http.StatusForbidden, web.Error{Code: "wrong_password", Field: "current_password",
			Error: "current_password: is not your current password"})
	default:
		h.writeError(w, r, err)
	}
	return false
}
