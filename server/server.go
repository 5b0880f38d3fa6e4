// Package server assembles Parley's messenger server: it opens the data
// directory, builds the domain services and serves them over HTTP.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"parley/server/accounts"
	"parley/server/admin"
	"parley/server/chats"
	"parley/server/contacts"
	"parley/server/files"
	"parley/server/mail"
	"parley/server/realtime"
	"parley/server/store"
	"parley/server/web"
	"parley/templates"
)

// Config is what a server needs to start.
type Config struct {
	Addr    string // HTTP listen address, e.g. ":8080"
	DataDir string
	BaseURL string // public URL, e.g. https://parley.example.org; empty: http://Addr
	Lang    string // default language of pages: ru or en
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	Log            *slog.Logger
	// Accounts lets tests use cheaper password hashing or a clock.
	Accounts accounts.Options
	// SMTPURL is where outgoing mail goes (smtp://user:pass@host:587 or
	// smtps://…:465); empty keeps mail on the admin outbox page only.
	SMTPURL string
	// MailFrom is the sender of outgoing mail; default parley@HOST of BaseURL.
	MailFrom string
}

// Mount adds the routes of another component (the portal) to the router,
// inside the group that knows the signed-in user. It may open resources and
// register their release with OnClose.
type Mount func(r chi.Router, s *Server) error

// Server is one running Parley instance.
type Server struct {
	cfg      Config
	lock     *store.DirLock
	DB       *store.DB
	Accounts *accounts.Service
	Mail     *mail.Service
	Files    *files.Store // the one file store (DATA/files/store)
	Site     *web.Site
	Metrics  *prometheus.Registry
	Log      *slog.Logger
	// Chats is the messenger; Hub delivers its events over WebSockets.
	Chats *chats.Service
	Hub   *realtime.Hub

	// AdminHome lists every administrator page; mounts add theirs.
	AdminHome *admin.Home

	accountsHTTP *accounts.Handler
	invitations  *accounts.InvitationPages
	resets       *accounts.ResetPages
	mailHTTP     *mail.Handler
	chatsHTTP    *chats.Handler
	contactsHTTP *contacts.Handler
	socketHTTP   *realtime.Handler
	handler      http.Handler
	closers      []func() error

	closing      chan struct{} // closed when shutdown begins (web.Closing)
	shutdownOnce sync.Once
	shutdownMu   sync.Mutex
	onShutdown   []func()
}

// DBFile is the database's name inside the data directory.
const DBFile = "parley.db"

// Open prepares the data directory and the services; it does not listen yet.
func Open(ctx context.Context, cfg Config, mounts ...Mount) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Lang == "" {
		cfg.Lang = "ru"
	}
	if !web.SupportedLang(cfg.Lang) {
		return nil, fmt.Errorf("unknown language %q: use ru or en", cfg.Lang)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("no data directory given")
	}
	if err := store.EnsureDir(cfg.DataDir); err != nil {
		return nil, err
	}
	lock, err := store.LockDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, filepath.Join(cfg.DataDir, DBFile))
	if err != nil {
		lock.Release()
		return nil, err
	}
	s := &Server{cfg: cfg, lock: lock, DB: db, Log: cfg.Log, closing: make(chan struct{})}
	s.Accounts = accounts.New(db, cfg.Accounts)
	s.Mail, err = mail.New(db, mail.Options{SMTPURL: cfg.SMTPURL, From: cfg.mailFrom(), Log: cfg.Log})
	if err != nil {
		db.Close()
		lock.Release()
		return nil, err
	}
	s.Files, err = files.New(ctx, db, filepath.Join(cfg.DataDir, "files", "store"))
	if err != nil {
		s.Mail.Close()
		db.Close()
		lock.Release()
		return nil, err
	}
	s.Site = &web.Site{SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"), DefaultLang: cfg.Lang, Log: cfg.Log,
		TrustedProxies: cfg.TrustedProxies}
	s.Metrics = prometheus.NewRegistry()
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.accountsHTTP = accounts.NewHandler(s.Accounts, s.Site, cfg.Log)
	s.invitations = accounts.NewInvitationPages(s.accountsHTTP, s.Mail, s.BaseURL())
	s.resets = accounts.NewResetPages(s.accountsHTTP, s.Mail, s.BaseURL())
	s.mailHTTP = mail.NewHandler(s.Mail, s.Site)
	if err := s.openMessenger(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.AdminHome = admin.NewHome(s.Site)
	s.AdminHome.Add(templates.AdminSection{ID: "admin-invitations", URL: "/admin/invitations",
		TitleKey: "invite.admin.title", LeadKey: "admin.invitations.lead"})
	s.AdminHome.Add(templates.AdminSection{ID: "admin-mail", URL: "/admin/mail",
		TitleKey: "mail.outbox.title", LeadKey: "admin.mail.lead"})
	s.handler, err = s.routes(mounts)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openMessenger starts the chats and their realtime delivery.
func (s *Server) openMessenger(ctx context.Context) error {
	var err error
	s.Chats, err = chats.New(ctx, s.DB, chats.Options{Log: s.Log, Metrics: s.Metrics})
	if err != nil {
		return err
	}
	s.Hub = realtime.NewHub(realtime.Hooks{
		Replay:         s.Chats.Replay,
		TypingAudience: s.Chats.TypingAudience,
		Users:          s.Chats.UserIDs,
		LastSeen:       s.Accounts.LastSeen,
	}, s.Log, s.Metrics)
	s.Chats.SetHub(s.Hub)
	s.Chats.SetFiles(s.Files)
	s.Accounts.OnSessionsEnded(s.closeEndedSessions)
	// Sockets end as soon as shutdown begins; the writer stops at close,
	// after the requests in flight.
	s.OnShutdown(s.Hub.Close)
	s.OnClose(s.Chats.Close)
	s.chatsHTTP = chats.NewHandler(s.Chats, s.Site)
	s.contactsHTTP = contacts.NewHandler(contacts.New(s.DB, func(ctx context.Context) (bool, error) {
		set, err := s.Chats.Settings(ctx)
		return set.ShowAllContacts, err
	}), s.Site)
	s.socketHTTP = realtime.NewHandler(s.Hub, s.BaseURL())
	return nil
}

// closeEndedSessions tells the open sockets of a user's sessions that just
// ended so, and closes them: a signed-out or blocked device stops receiving
// at once, not when its socket next breaks.
func (s *Server) closeEndedSessions(userID int64) {
	ctx := context.Background()
	ended, err := s.Accounts.EndedAmong(ctx, s.Hub.SessionsOf(userID))
	if err != nil {
		s.Log.Error("find ended sessions", "user", userID, "err", err)
		return
	}
	for id, reason := range ended {
		if err := s.Chats.SessionEvent(ctx, userID, id, chats.SessionEnded, reason); err != nil {
			s.Log.Error("announce ended session", "user", userID, "session", id, "err", err)
		}
	}
}

// BaseURL is the public URL of the server without a trailing slash, as
// configured; "" when it was not, and links must come from the request.
func (s *Server) BaseURL() string { return strings.TrimRight(s.cfg.BaseURL, "/") }

// mailFrom is the configured sender, or parley@ the host of the base URL.
func (c Config) mailFrom() string {
	if c.MailFrom != "" {
		return c.MailFrom
	}
	host := "localhost"
	if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "parley@" + host
}

// DataDir is the directory that holds all of this server's state.
func (s *Server) DataDir() string { return s.cfg.DataDir }

// OnClose registers fn to run when the server closes, before the database.
func (s *Server) OnClose(fn func() error) { s.closers = append(s.closers, fn) }

// OnShutdown registers fn to run as soon as shutdown begins, before the
// requests in flight have finished: the place to tell long-lived
// connections (hijacked WebSockets, which http.Server does not track) to end.
func (s *Server) OnShutdown(fn func()) {
	s.shutdownMu.Lock()
	defer s.shutdownMu.Unlock()
	s.onShutdown = append(s.onShutdown, fn)
}

// BeginShutdown closes web.Closing for every request and runs the
// OnShutdown hooks, once. Serve calls it when its context ends; tests that
// serve the handler themselves call it before closing their listener.
func (s *Server) BeginShutdown() {
	s.shutdownOnce.Do(func() {
		close(s.closing)
		s.shutdownMu.Lock()
		hooks := append([]func(){}, s.onShutdown...)
		s.shutdownMu.Unlock()
		for _, fn := range hooks {
			fn()
		}
	})
}

// BaseContext is the context every request starts from: it carries the
// shutdown signal that web.Closing reads.
func (s *Server) BaseContext(net.Listener) context.Context {
	return web.WithClosing(context.Background(), s.closing)
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the database and the data directory.
func (s *Server) Close() error {
	s.BeginShutdown()
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	// Mail goes last before the database: closers may still send some.
	errs = append(errs, s.Mail.Close(), s.DB.Close(), s.lock.Release())
	return errors.Join(errs...)
}

// Serve accepts requests on ln until ctx is cancelled, then stops taking new
// requests, lets running ones finish (up to grace) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelDebug),
		BaseContext:       s.BaseContext,
	}
	srv.RegisterOnShutdown(s.BeginShutdown)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	s.Log.Info("shutting down: finishing requests in flight", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}
