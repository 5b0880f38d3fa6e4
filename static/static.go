// Package static embeds Parley's own CSS, JavaScript modules and images.
package static

import (
	"embed"
	"net/http"
)

//go:embed css js img
var files embed.FS

// Handler serves the embedded files under /static/.
func Handler() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files change only with a new binary; an hour keeps pages fast
		// without leaving browsers on old assets for long after an upgrade.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fs.ServeHTTP(w, r)
	})
}
