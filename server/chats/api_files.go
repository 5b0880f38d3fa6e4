package chats

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parley/server/accounts"
	"parley/server/web"
)

// APIUpload answers POST /api/v1/chats/{id}/files?name=NAME[&as=file]: the
// request body is the file itself, streamed to disk. Images are compressed
// unless as=file.
func (h *Handler) APIUpload(w http.ResponseWriter, r *http.Request) {
	u, _ := accounts.CurrentUser(r.Context())
	limit, err := h.svc.UserLimit(r.Context(), string(u.Kind))
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		h.site.Fail(w, r, web.Invalid("name", "required", "name the file: ?name=report.pdf"))
		return
	}
	asFile := r.URL.Query().Get("as") == "file"
	// The store counts bytes itself; this only stops a body that says up
	// front it is too large from being read at all.
	if r.ContentLength > limit {
		h.site.Fail(w, r, web.Errorf(http.StatusRequestEntityTooLarge, "file_too_large", "", "the file is larger than this server allows"))
		return
	}
	f, err := h.svc.Upload(r.Context(), ActorOf(r), chi.URLParam(r, "id"), name, r.Body, limit, asFile)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, f)
}

// APIDownload answers GET /api/v1/chats/{id}/files/{fid}, with ranges.
func (h *Handler) APIDownload(w http.ResponseWriter, r *http.Request) {
	f, err := h.svc.ChatFile(r.Context(), ActorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "fid"))
	if err == nil {
		err = h.svc.files.Serve(w, r, f)
	}
	if err != nil {
		h.site.Fail(w, r, err)
	}
}
