package chats

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIDiscussion answers POST /api/v1/chats/{id}/messages/{mid}/discussion:
// the message's discussion, started when it has none.
func (h *Handler) APIDiscussion(w http.ResponseWriter, r *http.Request) {
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	c, err := h.svc.Discussion(r.Context(), ActorOf(r), chi.URLParam(r, "id"), mid)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// APIFollow answers PUT (follow) and DELETE (stop) /api/v1/chats/{id}/follow.
func (h *Handler) APIFollow(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Follow(r.Context(), ActorOf(r), chi.URLParam(r, "id"), r.Method == http.MethodPut); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIThreads answers GET /api/v1/threads.
func (h *Handler) APIThreads(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Threads(r.Context(), ActorOf(r))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// APISearch answers GET /api/v1/search?q=&chat=&limit=.
func (h *Handler) APISearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	res, err := h.svc.Search(r.Context(), ActorOf(r), q.Get("q"), q.Get("chat"), limit)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, res)
}
