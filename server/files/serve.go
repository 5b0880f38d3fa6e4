package files

import (
	"net/http"
	"strings"
)

// inlineTypes are shown by the browser in place; they cannot run script in
// Parley's origin. Everything else downloads as an attachment.
var inlineTypes = map[string]bool{
	"image/png":       true,
	"image/jpeg":      true,
	"image/gif":       true,
	"image/webp":      true,
	"image/avif":      true,
	"image/bmp":       true,
	"video/mp4":       true,
	"video/webm":      true,
	"video/ogg":       true,
	"audio/mpeg":      true,
	"audio/ogg":       true,
	"audio/wav":       true,
	"audio/mp4":       true,
	"application/pdf": true,
}

// activeTypes could run script if a browser rendered them from our origin,
// so they are sent as opaque bytes whatever the content said.
var activeTypes = map[string]bool{
	"text/html":              true,
	"application/xhtml+xml":  true,
	"image/svg+xml":          true,
	"text/xml":               true,
	"application/xml":        true,
	"text/javascript":        true,
	"application/javascript": true,
	"text/xsl":               true,
	"application/xslt+xml":   true,
}

func baseType(mime string) string {
	base, _, _ := strings.Cut(mime, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// Inline reports whether a file of this type is shown in place rather than
// downloaded.
func Inline(mime string) bool { return inlineTypes[baseType(mime)] }

// Serve answers a download of f, with ranges, conditional requests and the
// original name. Whether the requester may fetch f is the caller's check.
// A removed file answers ErrUnavailable (410) and writes nothing; pass the
// error to Site.Fail.
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, f File) error {
	if f.Removed() {
		return ErrUnavailable
	}
	_, content, err := s.Open(r.Context(), f.ID)
	if err != nil {
		return err
	}
	defer content.Close()

	h := w.Header()
	ctype := f.MIME
	if activeTypes[baseType(ctype)] {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	disposition := "attachment"
	if Inline(f.MIME) {
		disposition = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(disposition, f.Name))
	if baseType(f.MIME) != "application/pdf" {
		// Even a mislabelled file shown in place gets no script and no
		// access to the origin; Chromium's PDF viewer refuses a sandbox.
		h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; sandbox")
	}
	if h.Get("Cache-Control") == "" {
		// A file id names one content for good; a caller whose URL may
		// come to name another (a diagnostics original once redacted) sets
		// its own.
		h.Set("Cache-Control", "private, max-age=86400")
	}
	h.Set("ETag", `"`+f.SHA256+`"`)
	http.ServeContent(w, r, "", f.CreatedAt, content)
	return nil
}

// ContentDisposition names a download: a plain ASCII filename for old
// clients and, when the name is not ASCII, filename* in RFC 5987 encoding.
func ContentDisposition(disposition, name string) string {
	var fallback strings.Builder
	ascii := true
	for _, r := range name {
		switch {
		case r >= 0x80:
			ascii = false
			fallback.WriteByte('_')
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	v := disposition + `; filename="` + fallback.String() + `"`
	if ascii {
		return v
	}
	return v + "; filename*=UTF-8''" + rfc5987(name)
}

// rfc5987 percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
