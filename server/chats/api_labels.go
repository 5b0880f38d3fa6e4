package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APILabels answers GET /api/v1/me/labels.
func (h *Handler) APILabels(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Labels(r.Context(), ActorOf(r))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"labels": list})
}

// APISetLabel answers PUT /api/v1/me/labels/{label} {"notify"}.
func (h *Handler) APISetLabel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Notify *bool `json:"notify"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	if in.Notify == nil {
		h.site.Fail(w, r, web.Invalid("notify", "required", "notify is true or false"))
		return
	}
	if err := h.svc.SetLabelNotify(r.Context(), ActorOf(r), chi.URLParam(r, "label"), *in.Notify); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
