package jira_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/portal/jira"
	"parley/portal/jira/jiratest"
	"parley/portal/schema"
	"parley/server/store"
)

const (
	testUser   = "bot@example.com"
	testToken  = "right-token"
	testSecret = "webhook-secret-of-parley"
)

// harness is one Parley (a SQLite file and the jira service) against one
// fake Jira, recording what the service reports back.
type harness struct {
	t     testing.TB
	db    *store.DB
	fake  *jiratest.Server
	svc   *jira.Service
	opt   jira.Options
	hook  *httptest.Server // serves svc.Webhook
	cloud bool

	mu       sync.Mutex
	linked   map[int64][]string      // ticket → keys OnLinked reported
	statuses map[int64][]jira.Status // ticket → statuses OnStatus reported
	failed   map[int64]string
}

type setup struct {
	fake     jiratest.Options
	opt      jira.Options
	token    string // default testToken
	noConfig bool
}

func newHarness(t testing.TB, s setup) *harness {
	t.Helper()
	if s.fake.User == "" && s.fake.Cloud {
		s.fake.User = testUser
	}
	if s.fake.Token == "" {
		s.fake.Token = testToken
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, fake: jiratest.New(t, s.fake), cloud: s.fake.Cloud,
		linked: map[int64][]string{}, statuses: map[int64][]jira.Status{}, failed: map[int64]string{}}
	opt := s.opt
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		if testing.Verbose() {
			opt.Log = slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}
	}
	if opt.Getenv == nil {
		opt.Getenv = func(string) string { return "" }
	}
	if opt.BackoffBase == 0 {
		opt.BackoffBase = 5 * time.Millisecond
	}
	if opt.LookupSettle == 0 {
		opt.LookupSettle = time.Millisecond
	}
	if opt.BackoffMax == 0 {
		opt.BackoffMax = 200 * time.Millisecond
	}
	if opt.ConfigBackoffMax == 0 {
		opt.ConfigBackoffMax = time.Hour // only a settings change or "retry now" may bring a refused op back in a test
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
	opt.OnLinked = func(ctx context.Context, id int64, key, url string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.linked[id] = append(h.linked[id], key)
		if want := h.fake.URL + "/browse/" + key; url != want {
			t.Errorf("OnLinked(%d) url %q, want %q", id, url, want)
		}
	}
	opt.OnStatus = func(ctx context.Context, id int64, st jira.Status, jiraStatus string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.statuses[id] = append(h.statuses[id], st)
	}
	opt.OnFailed = func(ctx context.Context, id int64, key, msg string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.failed[id] = msg
	}
	h.opt = opt
	h.start()
	if !s.noConfig {
		token := s.token
		if token == "" {
			token = testToken
		}
		h.configure(token)
	}
	return h
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (h *harness) start() {
	h.t.Helper()
	svc, err := jira.New(h.db, h.opt)
	if err != nil {
		h.t.Fatal(err)
	}
	h.svc = svc
	h.t.Cleanup(func() { svc.Close() })
	if h.hook != nil {
		h.hook.Close()
	}
	h.hook = httptest.NewServer(http.HandlerFunc(svc.Webhook))
	h.t.Cleanup(h.hook.Close)
}

// restart closes the service and opens a new one on the same database, as
// a restart of Parley would.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.svc.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.start()
}

func (h *harness) configure(token string) {
	h.t.Helper()
	user := ""
	if h.cloud {
		user = testUser
	}
	ks := func(project, issueType, createOn string) jira.KindSettings {
		return jira.KindSettings{BaseURL: h.fake.URL, User: user, Token: token, Project: project, IssueType: issueType,
			CreateOn: createOn, WebhookSecret: testSecret}
	}
	feature := ks("FEAT", "Story", jira.CreateOnEscalate)
	feature.Fields = map[string]string{"what": "customfield_10050", "where": "customfield_10051", "platform": "customfield_10052",
		"frequency": "customfield_10053", "priority": "customfield_10054"}
	err := h.svc.SaveSettings(context.Background(), jira.Settings{Kinds: map[jira.Kind]jira.KindSettings{
		jira.KindClient:    ks("SUP", "Task", jira.CreateOnEscalate),
		jira.KindTechnical: ks("TECH", "Bug", jira.CreateOnSubmit),
		jira.KindFeature:   feature,
	}})
	if err != nil {
		h.t.Fatal(err)
	}
}

// file queues the Jira issue of ticket id as the support desk does: in a
// transaction, then Kick.
func (h *harness) file(id int64, kind jira.Kind) jira.Issue {
	h.t.Helper()
	is := jira.Issue{TicketID: id, Kind: kind, Subject: fmt.Sprintf("Ticket %d: calls drop", id),
		Body: fmt.Sprintf("Body of ticket %d.\nSecond line.", id), URL: fmt.Sprintf("https://parley.example.org/support/tickets/%d", id),
		Requester: "Anna Petrova", Priority: "normal"}
	if kind == jira.KindFeature {
		is.Fields = map[string]string{"what": "Dark mode", "where": "Chat list, at night", "platform": "android,ios",
			"frequency": "often", "priority": "high"}
	}
	h.tx(func(tx *sql.Tx) error { return h.svc.EnqueueCreate(context.Background(), tx, is) })
	return is
}

func (h *harness) reply(ticketID, postID int64, body string) {
	h.t.Helper()
	h.tx(func(tx *sql.Tx) error {
		return h.svc.EnqueueComment(context.Background(), tx, ticketID, postID, "Support Sam", body)
	})
}

func (h *harness) tx(fn func(*sql.Tx) error) {
	h.t.Helper()
	if err := h.db.InTx(context.Background(), fn); err != nil {
		h.t.Fatal(err)
	}
	h.svc.Kick()
}

func (h *harness) state(id int64) jira.LinkState {
	h.t.Helper()
	st, err := h.svc.State(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// waitKey waits until the ticket's issue exists and nothing is waiting.
func (h *harness) waitKey(id int64) string {
	h.t.Helper()
	var st jira.LinkState
	eventually(h.t, 10*time.Second, fmt.Sprintf("ticket %d linked to a Jira issue", id), func() bool {
		st = h.state(id)
		return st.Key != "" && st.Waiting == 0
	})
	return st.Key
}

func (h *harness) waitIdle(id int64) jira.LinkState {
	h.t.Helper()
	var st jira.LinkState
	eventually(h.t, 10*time.Second, fmt.Sprintf("ticket %d has nothing waiting", id), func() bool {
		st = h.state(id)
		return st.Waiting == 0
	})
	return st
}

func (h *harness) linkedCalls(id int64) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.linked[id]...)
}

func (h *harness) statusCalls(id int64) []jira.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]jira.Status(nil), h.statuses[id]...)
}

func (h *harness) lastStatus(id int64) jira.Status {
	s := h.statusCalls(id)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// issuesOf returns the Jira issues carrying the ticket's label.
func (h *harness) issuesOf(id int64) []jiratest.Issue {
	return h.fake.IssuesWithLabel(h.svc.Marker(id))
}

// commentsFor counts the issue's comments that mirror post.
func commentsFor(is jiratest.Issue, postID int64) int {
	n := 0
	marker := fmt.Sprintf("Parley reply #%d", postID)
	for _, c := range is.Comments {
		if strings.HasSuffix(strings.TrimSpace(c.Body), marker) {
			n++
		}
	}
	return n
}

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
