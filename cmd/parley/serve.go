package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/mail"
	"parley/server/web"
)

type serveConfig struct {
	addr, data, baseURL, lang, logLevel, trustedProxies string
	smtpURL, mailFrom                                   string
}

func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveConfig) {
	c := &serveConfig{}
	fs := newFlagSet("serve", stderr)
	envFlag(fs, &c.addr, "addr", "PARLEY_ADDR", ":8080", "HTTP listen address HOST:PORT")
	envFlag(fs, &c.data, "data", "PARLEY_DATA", "./parley-data", "data directory: database, files and search index")
	envFlag(fs, &c.baseURL, "base-url", "PARLEY_BASE_URL", "", "public URL of this server, e.g. https://parley.example.org (default http://ADDR)")
	envFlag(fs, &c.lang, "lang", "PARLEY_LANG", "ru", "default language of pages: ru or en")
	envFlag(fs, &c.logLevel, "log-level", "PARLEY_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	envFlag(fs, &c.trustedProxies, "trusted-proxies", "PARLEY_TRUSTED_PROXIES", "", "reverse proxies whose X-Forwarded-For is believed: addresses or CIDR ranges, comma-separated")
	envFlag(fs, &c.smtpURL, "smtp-url", "PARLEY_SMTP_URL", "", "SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (default none: mail is kept on the admin page /admin/mail)")
	envFlag(fs, &c.mailFrom, "mail-from", "PARLEY_MAIL_FROM", "", "sender address of outgoing mail (default parley@HOST of --base-url)")
	return fs, c
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, &usageError{fmt.Sprintf("--log-level: unknown level %q (use debug, info, warn or error)", s)}
	}
	return l, nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs, c := serveFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	level, err := parseLevel(c.logLevel)
	if err != nil {
		return err
	}
	if c.lang != "ru" && c.lang != "en" {
		return &usageError{fmt.Sprintf("--lang: unknown language %q (use ru or en)", c.lang)}
	}
	if c.baseURL != "" && !strings.HasPrefix(c.baseURL, "http://") && !strings.HasPrefix(c.baseURL, "https://") {
		return &usageError{fmt.Sprintf("--base-url must start with http:// or https://, got %q", c.baseURL)}
	}
	if c.smtpURL != "" {
		// The error never repeats the URL: it may hold the password.
		if _, err := mail.NewSMTPSender(c.smtpURL); err != nil {
			return &usageError{"--smtp-url: " + err.Error()}
		}
	}
	proxies, err := web.ParseProxies(c.trustedProxies)
	if err != nil {
		return &usageError{"--trusted-proxies: " + err.Error()}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	startProfiling(log)

	// Listening first tells the real address (port 0 picks one), which links
	// in mail and Jira need when no --base-url is given.
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return listenError(c.addr, err)
	}
	defer ln.Close()
	url := c.baseURL
	if url == "" {
		url = "http://" + displayAddr(ln.Addr().String())
	}
	srv, err := server.Open(ctx, server.Config{Addr: c.addr, DataDir: c.data, BaseURL: url, Lang: c.lang, Log: log,
		TrustedProxies: proxies, SMTPURL: c.smtpURL, MailFrom: c.mailFrom},
		portal.Mount)
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Close(); err != nil {
			log.Error("close data directory", "err", err)
		}
	}()

	admin, password, err := srv.Accounts.EnsureFirstAdmin(ctx)
	if err != nil {
		return err
	}
	if password != "" {
		// Printed to the console once, never logged: it is a secret.
		fmt.Fprintf(stdout, "\nParley created the server administrator on this first start.\n")
		fmt.Fprintf(stdout, "  login:    %s\n  password: %s\n", admin.Login, password)
		fmt.Fprintf(stdout, "This one-time password is shown only now; you will be asked to change it after signing in.\n\n")
	}

	log.Info("Parley is ready", "url", url, "data", c.data, "version", version())
	if err := srv.Serve(ctx, ln, 15*time.Second); err != nil {
		return err
	}
	log.Info("Parley stopped")
	return nil
}

func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("cannot listen on %s: the port is already in use by another program; choose another with --addr", addr)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need extra rights); choose another with --addr", addr)
	}
	return fmt.Errorf("cannot listen on %s: %w", addr, err)
}

// displayAddr makes ":8080" or "[::]:8080" into something a browser opens.
func displayAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return a
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
