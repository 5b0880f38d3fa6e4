package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/server/store"
)

func openDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// syncBuffer is a log destination the worker goroutine may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newService(t *testing.T, db *store.DB, opt Options) (*Service, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opt.Log = slog.New(slog.NewTextHandler(logs, nil))
	if opt.From == "" {
		opt.From = "Parley <parley@example.org>"
	}
	s, err := New(db, opt)
	if err != nil {
		t.Fatalf("mail.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, logs
}

// waitFor polls the outbox until message id reaches state, or fails.
func waitFor(t *testing.T, s *Service, id int64, state State) Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if e.State == state {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d is %s (attempts %d, error %q), want %s", id, e.State, e.Attempts, e.Error, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func lastID(t *testing.T, s *Service) int64 {
	t.Helper()
	list, _, err := s.List(context.Background(), 0, 1)
	if err != nil || len(list) == 0 {
		t.Fatalf("outbox empty: %v", err)
	}
	return list[0].ID
}

func TestMailGoesOutAndIsRetriedAfterATemporaryFailure(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "pw"})
	srv.failNext("451 4.7.1 greylisted, please try again later")
	s, logs := newService(t, openDB(t, t.TempDir()), Options{SMTPURL: "smtp://parley:pw@127.0.0.1:" + srv.port(),
		RetryDelays: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond}})
	if !s.Configured() {
		t.Fatal("an SMTP URL was given but the service says mail is not configured")
	}
	link := "http://parley.example.org/invite/secret-token-1"
	if err := s.Send(context.Background(), Message{To: "anna@example.org", Subject: "Приглашение", Text: "Ссылка: " + link}); err != nil {
		t.Fatal(err)
	}
	e := waitFor(t, s, lastID(t, s), StateSent)
	if e.Attempts != 2 || e.Error != "" || e.SentAt == nil {
		t.Fatalf("sent message: attempts=%d error=%q sent_at=%v, want 2 attempts and no error", e.Attempts, e.Error, e.SentAt)
	}
	tries := srv.dataAttempts()
	if len(tries) != 2 {
		t.Fatalf("the server saw %d DATA commands, want 2", len(tries))
	}
	first, second := parseReceived(t, tries[0].data), parseReceived(t, tries[1].data)
	if first.messageID != second.messageID {
		t.Errorf("the retry changed the Message-ID from %s to %s", first.messageID, second.messageID)
	}
	if second.subject != "Приглашение" || !strings.Contains(second.text, link) {
		t.Errorf("delivered subject %q text %q", second.subject, second.text)
	}
	if strings.Contains(logs.String(), link) {
		t.Errorf("the log shows the body's link:\n%s", logs)
	}
}

func TestMailRefusedByTheServerIsNotRetried(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{})
	srv.failNext("550 5.1.1 <nobody@example.org>: no such user")
	s, _ := newService(t, openDB(t, t.TempDir()), Options{SMTPURL: "smtp://127.0.0.1:" + srv.port(),
		RetryDelays: []time.Duration{time.Millisecond, time.Millisecond}})
	if err := s.Send(context.Background(), Message{To: "nobody@example.org", Subject: "x", Text: "y"}); err != nil {
		t.Fatal(err)
	}
	e := waitFor(t, s, lastID(t, s), StateFailed)
	if e.Attempts != 1 || !strings.Contains(e.Error, "no such user") {
		t.Fatalf("failed message: attempts=%d error=%q", e.Attempts, e.Error)
	}
}

func TestMailGivesUpAfterTheLastRetry(t *testing.T) {
	s, _ := newService(t, openDB(t, t.TempDir()), Options{
		Sender:      senderFunc(func(context.Context, string, Message) error { return errors.New("connection refused") }),
		RetryDelays: []time.Duration{time.Millisecond, time.Millisecond}})
	if err := s.Send(context.Background(), Message{To: "a@example.org", Subject: "x", Text: "y"}); err != nil {
		t.Fatal(err)
	}
	e := waitFor(t, s, lastID(t, s), StateFailed)
	if e.Attempts != 3 || e.Error != "connection refused" {
		t.Fatalf("attempts=%d error=%q, want 3 attempts (one and two retries)", e.Attempts, e.Error)
	}
}

type senderFunc func(ctx context.Context, from string, m Message) error

func (f senderFunc) Send(ctx context.Context, from string, m Message) error { return f(ctx, from, m) }

func TestMailWithoutSMTPIsKeptForTheOutboxPage(t *testing.T) {
	s, logs := newService(t, openDB(t, t.TempDir()), Options{})
	if s.Configured() {
		t.Fatal("no SMTP URL, yet the service says mail is configured")
	}
	text := "Перейдите по ссылке: http://parley.example.org/invite/very-secret-token"
	if err := s.Send(context.Background(), Message{To: "boris@example.org", Subject: "Приглашение\r\nBcc: x@evil.example", Text: text}); err != nil {
		t.Fatal(err)
	}
	id := lastID(t, s)
	e, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if e.State != StateNotSent || e.Text != text || e.To != "boris@example.org" {
		t.Fatalf("recorded %+v", e)
	}
	if e.Subject != "Приглашение Bcc: x@evil.example" {
		t.Errorf("subject %q should be one line", e.Subject)
	}
	log := logs.String()
	if !strings.Contains(log, "boris@example.org") || !strings.Contains(log, "/admin/mail/") {
		t.Errorf("the log line should name the recipient and the outbox page:\n%s", log)
	}
	if strings.Contains(log, "very-secret-token") {
		t.Errorf("the log shows the body:\n%s", log)
	}
	if n := strings.Count(log, "mail not sent"); n != 1 {
		t.Errorf("%d log lines about the unsent message, want 1:\n%s", n, log)
	}
}

func TestMailRefusesABadRecipient(t *testing.T) {
	s, _ := newService(t, openDB(t, t.TempDir()), Options{})
	for _, to := range []string{"", "not an address", "anna@", "a@b.org, c@d.org"} {
		if err := s.Send(context.Background(), Message{To: to, Subject: "x", Text: "y"}); err == nil {
			t.Errorf("sent to %q", to)
		}
	}
	if _, total, _ := s.List(context.Background(), 0, 10); total != 0 {
		t.Errorf("%d refused messages were recorded", total)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	db := openDB(t, t.TempDir())
	_, err := New(db, Options{SMTPURL: "smtp://parley:hunter2-secret@mail.example.org/x"})
	if err == nil || strings.Contains(err.Error(), "hunter2-secret") || !strings.Contains(err.Error(), "SMTP URL") {
		t.Errorf("bad SMTP URL: err = %v", err)
	}
	if _, err := New(db, Options{From: "not an address"}); err == nil {
		t.Error("a sender that is not an address was accepted")
	}
}

// Mail still queued when the server stops goes out after the next start.
func TestQueuedMailResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	failing := senderFunc(func(context.Context, string, Message) error {
		return &textproto.Error{Code: 421, Msg: "4.3.2 shutting down"}
	})
	s1, err := New(db, Options{From: "parley@example.org", Sender: failing, RetryDelays: []time.Duration{time.Hour},
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Send(context.Background(), Message{To: "anna@example.org", Subject: "Ticket 7", Text: "Reply"}); err != nil {
		t.Fatal(err)
	}
	id := lastID(t, s1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, _ := s1.Get(context.Background(), id)
		if e.Attempts == 1 {
			if e.State != StateQueued {
				t.Fatalf("after a 421 the message is %s, want queued", e.State)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first attempt never happened")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s1.Close()

	// Started again two hours later with a working server.
	srv := startSMTPServer(t, smtpServerOptions{})
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	s2, _ := newService(t, db, Options{SMTPURL: "smtp://127.0.0.1:" + srv.port(), Now: later})
	e := waitFor(t, s2, id, StateSent)
	if e.Attempts != 2 {
		t.Errorf("attempts %d, want 2", e.Attempts)
	}
	if got := srv.messages(); len(got) != 1 || got[0].to != "anna@example.org" {
		t.Fatalf("server received %+v", got)
	}

	s2.Close()

	// Started without SMTP, queued mail becomes readable on the outbox page.
	s3, _ := newService(t, db, Options{Sender: failing, RetryDelays: []time.Duration{time.Hour}})
	if err := s3.Send(context.Background(), Message{To: "b@example.org", Subject: "x", Text: "y"}); err != nil {
		t.Fatal(err)
	}
	queued := lastID(t, s3)
	waitFor(t, s3, queued, StateQueued)
	s3.Close()
	s4, _ := newService(t, db, Options{})
	if e := waitFor(t, s4, queued, StateNotSent); e.Error == "" {
		t.Error("a message turned not_sent should say why")
	}
}
