package diagnostics

import "net/http"

// ReadUpload stores a new upload sent as a page's multipart form, exactly as
// the diagnostics page's form sends it (CSRF token first, then the files),
// for other pages that take uploads: a support ticket's. The caller
// authorises the request before calling.
func (h *Handler) ReadUpload(w http.ResponseWriter, r *http.Request) (int64, error) {
	return h.readUpload(w, r, true)
}
