package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// APIUpdate answers PATCH /api/v1/chats/{id}: the chat's properties.
func (h *Handler) APIUpdate(w http.ResponseWriter, r *http.Request) {
	var patch ChatPatch
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &patch) {
		return
	}
	c, err := h.svc.Update(r.Context(), ActorOf(r), chi.URLParam(r, "id"), patch)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// APIMine answers PATCH /api/v1/chats/{id}/me: the user's own settings.
func (h *Handler) APIMine(w http.ResponseWriter, r *http.Request) {
	var m MySettings
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &m) {
		return
	}
	c, err := h.svc.SetMine(r.Context(), ActorOf(r), chi.URLParam(r, "id"), m)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// APIMembers answers GET /api/v1/chats/{id}/members?q=.
func (h *Handler) APIMembers(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Members(r.Context(), ActorOf(r), chi.URLParam(r, "id"), r.URL.Query().Get("q"))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// APIAddMembers answers POST /api/v1/chats/{id}/members {"members":[huid]}.
func (h *Handler) APIAddMembers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Members []string `json:"members"`
	}
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &in) {
		return
	}
	if err := h.svc.AddMembers(r.Context(), ActorOf(r), chi.URLParam(r, "id"), in.Members); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIRemoveMember answers DELETE /api/v1/chats/{id}/members/{huid}; a
// member's own HUID leaves the chat.
func (h *Handler) APIRemoveMember(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RemoveMember(r.Context(), ActorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "huid")); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APISetRole answers PUT /api/v1/chats/{id}/members/{huid} {"role"}.
func (h *Handler) APISetRole(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Role string `json:"role"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	if err := h.svc.SetRole(r.Context(), ActorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "huid"), in.Role); err != nil {
		h.site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIJoin answers POST /api/v1/chats/{id}/join (an open chat) and
// POST /api/v1/join/{code} (an invite link).
func (h *Handler) APIJoin(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Join(r.Context(), ActorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "code"))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// APICatalog answers GET /api/v1/catalog?q=: the open chats.
func (h *Handler) APICatalog(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Catalog(r.Context(), ActorOf(r), r.URL.Query().Get("q"))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"chats": list})
}

// APISaved answers GET /api/v1/chats/saved: Saved Messages, made on demand.
func (h *Handler) APISaved(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.SavedMessages(r.Context(), ActorOf(r))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}
