package accounts

import (
	"net/http"

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
