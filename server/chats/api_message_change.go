package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIEdit answers PATCH /api/v1/chats/{id}/messages/{mid} {"body"}.
func (h *Handler) APIEdit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if !web.DecodeJSON(w, r, maxSendBody, &in) {
		return
	}
	h.answerMessage(w, r, func(a Actor, chat string, mid int64) (MessageJSON, error) {
		return h.svc.Edit(r.Context(), a, chat, mid, in.Body)
	})
}

// APIDelete answers DELETE /api/v1/chats/{id}/messages/{mid}.
func (h *Handler) APIDelete(w http.ResponseWriter, r *http.Request) {
	mid, err := messageID(r)
	if err == nil {
		err = h.svc.Delete(r.Context(), ActorOf(r), chi.URLParam(r, "id"), mid)
	}
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIReact answers POST (add) and DELETE (take back)
// /api/v1/chats/{id}/messages/{mid}/reactions {"emoji"}.
func (h *Handler) APIReact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Emoji string `json:"emoji"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	h.answerMessage(w, r, func(a Actor, chat string, mid int64) (MessageJSON, error) {
		return h.svc.React(r.Context(), a, chat, mid, in.Emoji, r.Method == http.MethodPost)
	})
}

// APIPin answers PUT (pin) and DELETE (unpin) /api/v1/chats/{id}/pins/{mid}.
func (h *Handler) APIPin(w http.ResponseWriter, r *http.Request) {
	h.answerMessage(w, r, func(a Actor, chat string, mid int64) (MessageJSON, error) {
		return h.svc.Pin(r.Context(), a, chat, mid, r.Method == http.MethodPut)
	})
}

// APIPins answers GET /api/v1/chats/{id}/pins.
func (h *Handler) APIPins(w http.ResponseWriter, r *http.Request) {
	ms, err := h.svc.Pins(r.Context(), ActorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"messages": ms})
}

// APIForward answers POST /api/v1/chats/{id}/messages/{mid}/forward
// {"to","sync_id"}; to "saved" saves it to the actor's Saved Messages.
func (h *Handler) APIForward(w http.ResponseWriter, r *http.Request) {
	var in struct {
		To     string `json:"to"`
		SyncID string `json:"sync_id"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	a := ActorOf(r)
	if in.To == "saved" {
		saved, err := h.svc.SavedMessages(r.Context(), a)
		if err != nil {
			h.site.Fail(w, r, err)
			return
		}
		in.To = saved.ID
	}
	m, created, err := h.svc.Forward(r.Context(), a, chi.URLParam(r, "id"), mid, in.To, in.SyncID)
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

// APIInfo answers GET /api/v1/chats/{id}/messages/{mid}/info: who received
// and read the message.
func (h *Handler) APIInfo(w http.ResponseWriter, r *http.Request) {
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	info, err := h.svc.Info(r.Context(), ActorOf(r), chi.URLParam(r, "id"), mid)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, info)
}

// APIRead answers POST /api/v1/chats/{id}/read {"message_id","kind"}.
func (h *Handler) APIRead(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageID int64  `json:"message_id"`
		Kind      string `json:"kind"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	if err := h.svc.MarkRead(r.Context(), ActorOf(r), chi.URLParam(r, "id"), in.MessageID, in.Kind); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) answerMessage(w http.ResponseWriter, r *http.Request, fn func(a Actor, chat string, mid int64) (MessageJSON, error)) {
	mid, err := messageID(r)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	m, err := fn(ActorOf(r), chi.URLParam(r, "id"), mid)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, m)
}
