package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIList answers GET /api/v1/chats.
func (h *Handler) APIList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), ActorOf(r))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// APIGet answers GET /api/v1/chats/{id}.
func (h *Handler) APIGet(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Get(r.Context(), ActorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}
