package accounts

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APISessions handles GET /api/v1/me/sessions.
func (h *Handler) APISessions(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	cur, _ := CurrentSession(r.Context())
	list, err := h.svc.Sessions(r.Context(), u.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]SessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, s.ToJSON(s.ID == cur.ID))
	}
	web.JSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// APIEndSession handles DELETE /api/v1/me/sessions/{id}: sign a device out remotely.
func (h *Handler) APIEndSession(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		web.JSONError(w, http.StatusBadRequest, "invalid", "session id must be a positive number")
		return
	}
	if err := h.svc.EndSession(r.Context(), u.ID, id); err != nil {
		h.writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}
