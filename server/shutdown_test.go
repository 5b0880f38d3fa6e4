package server_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
	"parley/server/web"
)

// On SIGTERM a long-lived connection hears the shutdown and ends at once,
// instead of holding the server for the whole grace period, while an
// ordinary request in flight still finishes normally.
func TestShutdownEndsLongLivedConnectionsPromptly(t *testing.T) {
	t.Parallel()
	release, arrived := make(chan struct{}), make(chan struct{})
	var hookRan atomic.Bool
	mount := func(r chi.Router, s *server.Server) error {
		s.OnShutdown(func() { hookRan.Store(true) })
		r.Get("/test/stream", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("hello\n"))
			http.NewResponseController(w).Flush()
			select {
			case <-web.Closing(r.Context()):
				w.Write([]byte("bye\n"))
			case <-time.After(time.Minute):
			}
		})
		r.Get("/test/slow", func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			<-release // still running when shutdown begins
			if r.Context().Err() != nil {
				http.Error(w, "cancelled", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("done"))
		})
		return nil
	}
	srv, err := server.Open(context.Background(), server.Config{DataDir: t.TempDir(),
		Log: slog.New(slog.DiscardHandler), Accounts: accounts.Options{Hasher: accounts.NewHasher(servertest.CheapArgon2)}}, mount)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	const grace = 60 * time.Second
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, grace) }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Get(base + "/test/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewReader(resp.Body)
	if first, err := lines.ReadString('\n'); err != nil || first != "hello\n" {
		t.Fatalf("stream start: %q %v", first, err)
	}
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/test/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		slow <- string(body)
	}()
	<-arrived

	began := time.Now()
	stop() // as SIGTERM does
	rest, err := io.ReadAll(lines)
	if err != nil || string(rest) != "bye\n" {
		t.Fatalf("the stream did not hear the shutdown: %q %v", rest, err)
	}
	if !hookRan.Load() {
		t.Error("the OnShutdown hook did not run")
	}
	close(release)
	if got := <-slow; got != "done" {
		t.Errorf("an ordinary request in flight was cut short: %q", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if took := time.Since(began); took > grace/2 {
		t.Errorf("shutdown took %s with a grace of %s: something waited for the grace period", took, grace)
	}
}
