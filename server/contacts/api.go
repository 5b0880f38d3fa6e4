package contacts

import (
	"net/http"
	"strconv"

	"parley/server/accounts"
	"parley/server/web"
)

// APISearch answers GET /api/v1/users?q=: the corporate directory.
func (h *Handler) APISearch(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	found, err := h.svc.Search(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"users": found})
}

// APIList answers GET /api/v1/contacts?offset=&limit=.
func (h *Handler) APIList(w http.ResponseWriter, r *http.Request) {
	me, _ := accounts.CurrentUser(r.Context())
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	list, err := h.svc.List(r.Context(), me, max(offset, 0), limit)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"contacts": list})
}
