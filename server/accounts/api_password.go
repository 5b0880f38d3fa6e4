package accounts

import (
	"errors"
	"net/http"
	"strings"

	"parley/server/web"
)

// APIChangePassword handles POST /api/v1/me/password {"current","new"}: it
// replaces the caller's password and ends every other session of theirs. A
// session opened with a one-time password can do nothing else until it has
// called this (see PasswordChangeFirst).
func (h *Handler) APIChangePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	sess, _ := CurrentSession(r.Context())
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !web.DecodeJSON(w, r, 64<<10, &req) {
		return
	}
	err := h.svc.ChangeOwnPassword(r.Context(), u, sess.ID, req.Current, req.New)
	var ve *ValidationError
	switch {
	case err == nil:
		web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	case errors.As(err, &ve) && ve.Field == "current_password" && ve.Code == "required":
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "current",
			Error: "current: is required: send your current password"})
	case errors.As(err, &ve) && ve.Field == "current_password":
		web.JSON(w, http.StatusForbidden, web.Error{Code: "wrong_password", Field: "current",
			Error: "current: is not your current password"})
	case errors.As(err, &ve) && ve.Field == "new_password":
		web.JSON(w, http.StatusBadRequest, web.Error{Code: "invalid", Field: "new", Error: "new: " + ve.Message})
	default:
		h.writeError(w, r, err)
	}
}

// passwordChangeAllowed are the only API calls a session that must replace
// its one-time password may make.
var passwordChangeAllowed = map[string]bool{
	"POST /api/v1/me/password": true,
	"GET /api/v1/me":           true,
	"POST /api/v1/auth/logout": true,
}

// PasswordChangeFirst answers every other API call of a user who signed in
// with a one-time password 403 password_change_required, whatever package
// serves it (the portal's routes included): nothing may be done on a
// password someone else has seen. Pages send such a user to their account
// page instead (RequireUserPage).
func (h *Handler) PasswordChangeFirst(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := CurrentUser(r.Context())
		if ok && u.MustChangePassword && strings.HasPrefix(r.URL.Path, "/api/") &&
			!passwordChangeAllowed[r.Method+" "+strings.TrimSuffix(r.URL.Path, "/")] {
			web.JSONError(w, http.StatusForbidden, "password_change_required",
				"this account signed in with a one-time password: set your own with POST /api/v1/me/password "+
					`{"current","new"} first; until then only that, GET /api/v1/me and POST /api/v1/auth/logout work`)
			return
		}
		next.ServeHTTP(w, r)
	})
}
