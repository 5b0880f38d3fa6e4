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
	"path/filepath"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"parley/server/accounts"
	"parley/server/store"
	"parley/server/web"
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
	Site     *web.Site
	Metrics  *prometheus.Registry
	Log      *slog.Logger

	accountsHTTP *accounts.Handler
	handler      http.Handler
	closers      []func() error
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
	s := &Server{cfg: cfg, lock: lock, DB: db, Log: cfg.Log}
	s.Accounts = accounts.New(db, cfg.Accounts)
	s.Site = &web.Site{SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"), DefaultLang: cfg.Lang, Log: cfg.Log,
		TrustedProxies: cfg.TrustedProxies}
	s.Metrics = prometheus.NewRegistry()
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.accountsHTTP = accounts.NewHandler(s.Accounts, s.Site, cfg.Log)
	s.handler, err = s.routes(mounts)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// DataDir is the directory that holds all of this server's state.
func (s *Server) DataDir() string { return s.cfg.DataDir }

// OnClose registers fn to run when the server closes, before the database.
func (s *Server) OnClose(fn func() error) { s.closers = append(s.closers, fn) }

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the database and the data directory.
func (s *Server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	errs = append(errs, s.DB.Close(), s.lock.Release())
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
	}
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
