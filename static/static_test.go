package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAssetsRevalidateByContent(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	get := func(path, ifNoneMatch string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	css := get("/static/css/parley.css", "")
	tag := css.Header.Get("ETag")
	if css.StatusCode != http.StatusOK || tag == "" || css.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("first load: %d, ETag %q, Cache-Control %q", css.StatusCode, tag, css.Header.Get("Cache-Control"))
	}
	if again := get("/static/css/parley.css", tag); again.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged file sent again: %d", again.StatusCode)
	}
	js := get("/static/js/upload.js", "")
	if js.Header.Get("ETag") == tag || get("/static/js/upload.js", tag).StatusCode != http.StatusOK {
		t.Error("another file's tag matched")
	}
	if missing := get("/static/js/nope.js", ""); missing.StatusCode != http.StatusNotFound {
		t.Errorf("missing file: %d", missing.StatusCode)
	}
}

// A folder is no page: it answers 404 rather than listing its files.
func TestFoldersAreNotListed(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, path := range []string{"/static/", "/static/css/", "/static/js", "/static/img/", "/static/../", "/static/css/../js/"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), ".js") || strings.Contains(string(body), ".css") {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
}
