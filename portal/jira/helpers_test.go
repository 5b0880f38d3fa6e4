package jira

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"parley/portal/schema"
	"parley/server/store"
)

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// newService starts a service with test-sized timings unless opt says
// otherwise, and closes it when the test ends.
func newService(t testing.TB, db *store.DB, opt Options) *Service {
	t.Helper()
	if opt.Log == nil {
		opt.Log = testLog(t)
	}
	if opt.Getenv == nil {
		opt.Getenv = mapEnv(nil)
	}
	if opt.BackoffBase == 0 {
		opt.BackoffBase = 5 * time.Millisecond
	}
	if opt.BackoffMax == 0 {
		opt.BackoffMax = 200 * time.Millisecond
	}
	if opt.ConfigBackoffMax == 0 {
		opt.ConfigBackoffMax = time.Minute
	}
	if opt.HTTPTimeout == 0 {
		opt.HTTPTimeout = 2 * time.Second
	}
	if opt.RefreshEvery == 0 {
		opt.RefreshEvery = -1
	}
	if opt.PublicURL == "" {
		opt.PublicURL = "https://parley.example.org"
	}
	svc, err := New(db, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// eventually polls cond every few milliseconds until it holds or the
// deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
