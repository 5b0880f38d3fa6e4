package accounts

import (
	"encoding/json"
	"net/http"

	"parley/server/web"
)

// APIUpdateDevice answers PATCH /api/v1/me/sessions/current
// {"meta":{…},"timezone"}: the device reports its permissions as they change.
func (h *Handler) APIUpdateDevice(w http.ResponseWriter, r *http.Request) {
	sess, _ := CurrentSession(r.Context())
	var in struct {
		Meta     json.RawMessage `json:"meta"`
		Timezone string          `json:"timezone"`
	}
	if !web.DecodeJSON(w, r, 16<<10, &in) {
		return
	}
	updated, err := h.svc.UpdateDevice(r.Context(), sess.ID, in.Meta, in.Timezone)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, updated.ToJSON(true))
}
