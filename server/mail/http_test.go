package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
)

// outboxServer serves the outbox pages; the X-Test-Viewer header says who
// is looking (admin, staff, user or nobody), as the accounts middleware would.
// Who may open them at all is the /admin route group's business, tested
// with the whole router in package server.
func outboxServer(t *testing.T, s *Service) *httptest.Server {
	t.Helper()
	h := NewHandler(s, &web.Site{DefaultLang: "en", Log: slog.New(slog.DiscardHandler)})
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Header.Get("X-Test-Viewer") {
			case "admin":
				r = r.WithContext(web.WithViewer(r.Context(), &web.Viewer{Name: "Admin", IsAdmin: true, IsStaff: true}))
			case "staff":
				r = r.WithContext(web.WithViewer(r.Context(), &web.Viewer{Name: "Support", IsStaff: true}))
			case "user":
				r = r.WithContext(web.WithViewer(r.Context(), &web.Viewer{Name: "User"}))
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Get("/admin/mail", h.OutboxPage)
	r.Get("/admin/mail/{id}", h.MessagePage)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path, viewer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("X-Test-Viewer", viewer)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestOutboxPagesShowUnsentMail(t *testing.T) {
	s, _ := newService(t, openDB(t, t.TempDir()), Options{})
	text := "Hello,\n\nfollow http://parley.example.org/invite/tok_en-1 to join.\n"
	if err := s.Send(context.Background(), Message{To: "anna@example.org", Subject: "Your invitation <b>", Text: text}); err != nil {
		t.Fatal(err)
	}
	id := lastID(t, s)
	srv := outboxServer(t, s)

	status, html := get(t, srv, "/admin/mail", "admin")
	if status != 200 {
		t.Fatalf("outbox: %d", status)
	}
	for _, want := range []string{"anna@example.org", "Your invitation &lt;b&gt;", "Not sent", `id="mail-not-configured"`,
		fmt.Sprintf(`href="/admin/mail/%d"`, id)} {
		if !strings.Contains(html, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	if strings.Contains(html, "tok_en-1") {
		t.Error("the list shows message bodies; only the message page should")
	}

	status, html = get(t, srv, fmt.Sprintf("/admin/mail/%d", id), "admin")
	if status != 200 || !strings.Contains(html, "http://parley.example.org/invite/tok_en-1") || !strings.Contains(html, `id="mail-copy-hint"`) {
		t.Fatalf("message page: %d\n%s", status, html)
	}

	for _, path := range []string{"/admin/mail/999", "/admin/mail/x"} {
		if status, _ := get(t, srv, path, "admin"); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}
}

func TestOutboxIsPagedNewestFirst(t *testing.T) {
	s, _ := newService(t, openDB(t, t.TempDir()), Options{})
	for i := 1; i <= outboxPageSize+7; i++ {
		if err := s.Send(context.Background(), Message{To: "a@example.org", Subject: fmt.Sprintf("Message number %d.", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	srv := outboxServer(t, s)
	_, first := get(t, srv, "/admin/mail", "admin")
	if strings.Count(first, "<tr id=\"mail-") != outboxPageSize {
		t.Errorf("first page has %d rows", strings.Count(first, "<tr id=\"mail-"))
	}
	newest := fmt.Sprintf("Message number %d.", outboxPageSize+7)
	if !strings.Contains(first, newest) || strings.Contains(first, "Message number 1.") {
		t.Error("the first page should start with the newest message")
	}
	if !strings.Contains(first, `href="/admin/mail?page=2"`) || !strings.Contains(first, "Page 1 of 2") {
		t.Error("the first page has no link to the second")
	}
	_, second := get(t, srv, "/admin/mail?page=2", "admin")
	if strings.Count(second, "<tr id=\"mail-") != 7 || !strings.Contains(second, "Message number 1.") {
		t.Errorf("second page:\n%s", second)
	}
}
