package chats

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIRemind answers POST /api/v1/chats/{id}/messages/{mid}/reminder {"at"}.
func (h *Handler) APIRemind(w http.ResponseWriter, r *http.Request) {
	var in struct {
		At time.Time `json:"at"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	rem, err := h.svc.Remind(r.Context(), ActorOf(r), chi.URLParam(r, "id"), mid, in.At)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, rem)
}

// APIReminders answers GET /api/v1/reminders.
func (h *Handler) APIReminders(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Reminders(r.Context(), ActorOf(r))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"reminders": list})
}

// APICancelReminder answers DELETE /api/v1/reminders/{rid}.
func (h *Handler) APICancelReminder(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "rid"), 10, 64)
	if err != nil {
		h.site.Fail(w, r, errNoReminder)
		return
	}
	if err := h.svc.CancelReminder(r.Context(), ActorOf(r), id); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
