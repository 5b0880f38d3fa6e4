package support

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// inlineTypes are shown in the browser rather than saved: pictures that
// cannot carry scripts (not SVG).
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// DownloadAttachment handles GET /support/tickets/{id}/files/{file}: the
// file store serves it (ranges, conditional requests, safe types) once the
// viewer is known to be allowed.
func (h *Handler) DownloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	fileID, err := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
	if !ok || err != nil || fileID <= 0 {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	a, err := h.svc.Attachment(r.Context(), viewer(r), id, fileID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if a.FileID == "" {
		h.downloadOld(w, r, a)
		return
	}
	f, err := h.svc.store.Get(r.Context(), a.FileID)
	if err == nil {
		err = h.svc.store.Serve(w, r, f)
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// downloadOld serves a file the move into the file store left in its old
// place, as downloads were served before.
func (h *Handler) downloadOld(w http.ResponseWriter, r *http.Request, a Attachment) {
	f, err := h.svc.openOldAttachment(a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	disposition := "attachment"
	if inlineTypes[a.MIME] {
		disposition = "inline"
	}
	hd := w.Header()
	hd.Set("Content-Type", a.MIME)
	hd.Set("Content-Disposition", contentDisposition(disposition, a.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	// A file is never a page of this site: no scripts, no plugins, even if
	// a browser were to render it.
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	hd.Set("Cache-Control", "private, no-cache")
	st, err := f.Stat()
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// contentDisposition names a file for the browser: a plain ASCII fallback
// and the exact name in UTF-8 as RFC 5987 and RFC 6266 describe.
func contentDisposition(kind, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r > 0x7e:
			ascii.WriteByte('_')
		case r == '"' || r == '\\':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(b)|0x100, 16)[1:]))
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar reports whether b may stand unescaped in an RFC 5987 value.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
