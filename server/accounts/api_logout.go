package accounts

import (
	"net/http"

	"parley/server/web"
)

// APILogout handles POST /api/v1/auth/logout: it ends the calling session.
func (h *Handler) APILogout(w http.ResponseWriter, r *http.Request) {
	sess, _ := CurrentSession(r.Context())
	if err := h.svc.SignOut(r.Context(), sess.ID); err != nil {
		h.writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}
