package chats

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIHistory answers GET /api/v1/chats/{id}/messages?before=CURSOR&limit=N
// (older) or ?after=CURSOR (newer, from a permalink's page).
func (h *Handler) APIHistory(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := h.svc.History(r.Context(), ActorOf(r), chi.URLParam(r, "id"), q.Get("before"), q.Get("after"), limit)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, page)
}

// APIAround answers GET /api/v1/chats/{id}/messages/{mid}/around: the page
// a permalink opens.
func (h *Handler) APIAround(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	page, err := h.svc.Around(r.Context(), ActorOf(r), chi.URLParam(r, "id"), mid, limit)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, page)
}

func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return HistoryPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPage {
		return 0, web.Invalid("limit", "bad_limit", "limit must be a number from 1 to "+strconv.Itoa(MaxPage))
	}
	return n, nil
}
