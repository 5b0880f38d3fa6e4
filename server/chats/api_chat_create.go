package chats

import (
	"net/http"

	"parley/server/web"
)

// APICreate answers POST /api/v1/chats.
func (h *Handler) APICreate(w http.ResponseWriter, r *http.Request) {
	var n NewChat
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &n) {
		return
	}
	c, created, err := h.svc.Create(r.Context(), ActorOf(r), n)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.JSON(w, status, c)
}
