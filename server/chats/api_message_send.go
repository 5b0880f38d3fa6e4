package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APISend answers POST /api/v1/chats/{id}/messages: 201 with the new
// message, or 200 with the first one when the sync_id was used already.
func (h *Handler) APISend(w http.ResponseWriter, r *http.Request) {
	var d Draft
	if !web.DecodeJSON(w, r, maxSendBody, &d) {
		return
	}
	m, created, err := h.svc.Send(r.Context(), ActorOf(r), chi.URLParam(r, "id"), d)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.JSON(w, status, m)
}
