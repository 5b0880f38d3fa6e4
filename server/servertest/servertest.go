// Package servertest starts a real Parley server for tests: a SQLite file
// in a temporary data directory behind an httptest server on loopback.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley/server"
	"parley/server/accounts"
)

// CheapArgon2 keeps test sign-ins fast; production cost is measured in the
// accounts benchmarks instead.
var CheapArgon2 = accounts.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32}

// Env is one running server.
type Env struct {
	t       testing.TB
	opts    Options
	Server  *server.Server
	HTTP    *httptest.Server
	URL     string
	DataDir string
	stopped bool
}

// Options adjust the server a test starts.
type Options struct {
	Lang     string
	Accounts accounts.Options
	Mounts   []server.Mount
	DataDir  string // reuse a directory (restart scenarios); default a fresh temp dir
	// SMTPURL configures outgoing mail (server.Config.SMTPURL); without it
	// mail stays in the outbox, as on a server with no SMTP server.
	SMTPURL string
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.Accounts.Hasher == nil {
		// Cheap hashes need no queue: parallel tests on a busy machine must
		// never be turned away by the gate that protects production.
		o.Accounts.Hasher = accounts.NewHasherLimit(CheapArgon2, accounts.HashLimit{Slots: 64, Admitted: 64, Wait: time.Minute})
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// The listener comes first so that the server knows its public URL for
	// the links it writes in mail and Jira.
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.Open(context.Background(), server.Config{DataDir: o.DataDir, Lang: o.Lang, Log: log, SMTPURL: o.SMTPURL,
		BaseURL: "http://" + hs.Listener.Addr().String(), Accounts: o.Accounts}, o.Mounts...)
	if err != nil {
		hs.Close()
		t.Fatalf("start server: %v", err)
	}
	hs.Config.Handler = srv.Handler()
	hs.Config.BaseContext = srv.BaseContext
	hs.Start()
	e := &Env{t: t, opts: o, Server: srv, HTTP: hs, URL: hs.URL, DataDir: o.DataDir}
	t.Cleanup(e.stop)
	return e
}

func (e *Env) stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	e.Server.BeginShutdown()
	e.HTTP.Close()
	if err := e.Server.Close(); err != nil {
		e.t.Errorf("close server: %v", err)
	}
}

// Restart stops the server and starts a new one on the same data
// directory, as a process restart would.
func (e *Env) Restart() *Env {
	e.t.Helper()
	e.stop()
	return Start(e.t, e.opts)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// CreateUser adds a registered user with a password.
func (e *Env) CreateUser(email, password string, role accounts.Role) accounts.User {
	e.t.Helper()
	u, err := e.Server.Accounts.CreateUser(context.Background(), accounts.NewUser{
		Password: password, Role: role, Profile: accounts.Profile{Email: email, Name: strings.Split(email, "@")[0]}})
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Login signs in over the API and returns the bearer token.
func (e *Env) Login(login, password string, device map[string]any) string {
	e.t.Helper()
	body := map[string]any{"login": login, "password": password}
	if device != nil {
		body["device"] = device
	}
	resp, data := e.Do("POST", "/api/v1/auth/login", "", body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", login, resp.StatusCode, data)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Token == "" {
		e.t.Fatalf("login %s: no token in %s", login, data)
	}
	return out.Token
}

// Do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). It returns the response and its whole body.
func (e *Env) Do(method, path, token string, body any) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.HTTP.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp, data
}

// Browser returns an HTTP client with a cookie jar that does not follow
// redirects, to drive pages as a browser without JavaScript would.
func (e *Env) Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Page sends a page request with client c (see Browser): a GET when form is
// nil, else a form POST. Header holds name, value pairs. It returns the
// response and its body as text.
func (e *Env) Page(c *http.Client, method, path string, form url.Values, header ...string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp, string(data)
}

// Count runs a query that answers one integer (a count, an id) on the
// server's database and fails the test on any error, so that a broken
// query can never pass for a zero.
func (e *Env) Count(query string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.Server.DB.Read.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("query %q: %v", query, err)
	}
	return n
}
