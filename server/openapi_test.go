package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestOpenAPICoversRoutes keeps /api/v1/openapi.json true for the server's
// own routes: each is documented with its method. (The portal's test checks
// the other direction on the whole router.)
func TestOpenAPICoversRoutes(t *testing.T) {
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	err = chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/") {
			served[method+" "+strings.TrimSuffix(route, "/")] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
}

// TestOpenAPIMessengerIsServed checks the messenger's part of the document
// the other way round: each documented operation is one the router serves,
// is usable by a client (summary, bearer, its path parameters, a success
// and a 401 answer), and every $ref in the document leads somewhere.
func TestOpenAPIMessengerIsServed(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	served := map[string]bool{}
	err = chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	paths, _ := doc["paths"].(map[string]any)
	// The messenger's areas; TestOpenAPICoversRoutes checks that each
	// served route is documented, so an empty area here is a loss.
	messenger := []string{"/api/v1/chats", "/api/v1/search", "/api/v1/threads", "/api/v1/catalog", "/api/v1/join", "/api/v1/ws",
		"/api/v1/admin/messenger", "/api/v1/admin/chats", "/api/v1/admin/sessions", "/api/v1/users", "/api/v1/contacts",
		"/api/v1/reminders", "/api/v1/me/labels"}
	for _, prefix := range messenger {
		t.Run(strings.TrimPrefix(prefix, "/api/v1/"), func(t *testing.T) {
			ops := 0
			for path, item := range paths {
				if path != prefix && !strings.HasPrefix(path, prefix+"/") {
					continue
				}
				for method, v := range item.(map[string]any) {
					ops++
					name := strings.ToUpper(method) + " " + path
					if !served[name] {
						t.Errorf("%s is documented but not served", name)
					}
					checkOperation(t, name, path, v.(map[string]any))
				}
			}
			if ops == 0 {
				t.Errorf("nothing under %s is documented", prefix)
			}
		})
	}

	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					target, _ := x.(string)
					if _, ok := resolvePointer(doc, target); !ok {
						t.Errorf("%s: $ref %q leads nowhere", at, target)
					}
					continue
				}
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
}

// checkOperation asks of one documented operation what a client developer
// needs to call it.
func checkOperation(t *testing.T, name, path string, op map[string]any) {
	t.Helper()
	if s, _ := op["summary"].(string); strings.TrimSpace(s) == "" {
		t.Errorf("%s has no summary", name)
	}
	bearer := false
	sec, _ := op["security"].([]any)
	for _, req := range sec {
		if _, ok := req.(map[string]any)["bearer"]; ok {
			bearer = true
		}
	}
	if !bearer {
		t.Errorf("%s does not say it takes the bearer token", name)
	}
	declared := map[string]bool{}
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		p := p.(map[string]any)
		if p["in"] == "path" {
			declared[p["name"].(string)] = true
		}
	}
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
			t.Errorf("%s does not declare its path parameter %s", name, seg)
		}
	}
	responses, _ := op["responses"].(map[string]any)
	success := false
	for code := range responses {
		if code == "101" || strings.HasPrefix(code, "2") {
			success = true
		}
	}
	if !success {
		t.Errorf("%s documents no success answer", name)
	}
	if _, ok := responses["401"]; !ok {
		t.Errorf("%s does not document 401 for a request without a session", name)
	}
	switch strings.SplitN(name, " ", 2)[0] {
	case "POST", "PATCH":
		if _, ok := op["requestBody"]; !ok && !strings.HasSuffix(path, "/join") && !strings.HasPrefix(path, "/api/v1/join/") &&
			!strings.HasSuffix(path, "/discussion") {
			t.Errorf("%s documents no request body", name)
		}
	}
}

// resolvePointer follows a local JSON pointer ("#/components/schemas/X").
func resolvePointer(doc any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	at := doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := at.(map[string]any)
		if !ok {
			return nil, false
		}
		if at, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return at, true
}
