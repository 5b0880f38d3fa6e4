package server

import (
	_ "embed"
	"net/http"

	"parley/server/web"
)

// openAPI describes /api/v1; TestOpenAPICoversRoutes keeps it in step with routes.go.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPIDocument is the served /api/v1/openapi.json.
func OpenAPIDocument() []byte { return openAPI }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}

func apiNotFound(w http.ResponseWriter, r *http.Request) {
	web.JSONError(w, http.StatusNotFound, "not_found", "no such API endpoint: "+r.Method+" "+r.URL.Path+"; see /api/v1/openapi.json")
}

func apiMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	web.JSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
}
