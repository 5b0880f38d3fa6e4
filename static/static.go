// Package static embeds Parley's own CSS, JavaScript modules and images.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed css js img
var files embed.FS

// etags names each file's content, so that a browser keeps a file until a
// new binary changes it, and then notices at once.
var etags = func() map[string]string {
	out := map[string]string{}
	fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[path] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return out
}()

// Handler serves the embedded files under /static/.
func Handler() http.Handler {
	fileServer := http.StripPrefix("/static/", http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Browsers revalidate every time and get a 304 while the file is
		// unchanged: after an upgrade nobody runs yesterday's JavaScript.
		// Only files are served: a folder answers 404, not a listing of
		// what it holds.
		tag, ok := etags[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", tag)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fileServer.ServeHTTP(w, r)
	})
}
