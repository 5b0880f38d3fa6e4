// Package jira links Parley's support desks to the organisation's Jira.
//
// Every call to Jira is first a row in the jira_ops table (the outbox),
// committed in the same transaction as the ticket or reply that caused it.
// A small pool of workers drains the outbox: the ops of one ticket run in
// order, different tickets run side by side. Failures are retried with
// exponential backoff and jitter; a Jira that stops answering opens a
// circuit so that only one probe at a time goes out until it is back.
// Nothing is lost or duplicated when an answer goes missing: before
// creating again, a retry looks the issue up by a label that names the
// ticket, and a comment by a marker line in its text.
//
// Status comes back through a signed webhook and, for what a missed webhook
// would lose, a periodic re-read of every open linked issue.
//
// The package knows tickets only through Issue values and ticket ids; it
// reports back through Options.OnLinked, OnStatus and OnFailed.
package jira

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"parley/server/store"
)

// Kind is a ticket kind: one of Kinds.
type Kind = string

// The ticket kinds, each with its own Jira settings.
const (
	KindClient    Kind = "client"
	KindTechnical Kind = "technical"
	KindFeature   Kind = "feature"
)

// Kinds lists the ticket kinds in the order pages show them.
var Kinds = []Kind{KindClient, KindTechnical, KindFeature}

// Status is what a requester sees of a linked issue.
type Status string

// The statuses a linked issue maps to.
const (
	StatusPlanned  Status = "planned"   // accepted, not started, in no active sprint
	StatusInSprint Status = "in_sprint" // in an active sprint or being worked on
	StatusRejected Status = "rejected"  // closed as won't do, duplicate, …
	StatusDone     Status = "done"      // closed otherwise
)

// Options configures the service. Zero values take the documented defaults.
type Options struct {
	Log *slog.Logger
	// PublicURL is Parley's base URL (no trailing slash): the settings page
	// shows the webhook address built from it, and remote links carry its icon.
	PublicURL string
	// Getenv reads the PARLEY_JIRA_* variables; os.Getenv by default.
	Getenv func(string) string
	// HTTPTimeout bounds one call to Jira (default 20 s), and so how long
	// Close waits for the answers of calls in flight.
	HTTPTimeout time.Duration
	// BackoffBase and BackoffMax shape the retries of transient failures
	// (defaults 1 s and 30 s): the first twenty attempts of an op stop growing
	// at a tenth of BackoffMax, later ones at BackoffMax. The circuit's
	// probes use the same curve up to half of BackoffMax.
	BackoffBase, BackoffMax time.Duration
	// ConfigBackoffMax caps retries after Jira refused a call (400/401/403),
	// which usually needs an administrator (default 15 min).
	ConfigBackoffMax time.Duration
	// Workers is how many tickets are served at once (default 4).
	Workers int
	// CircuitAfter is how many transient failures in a row, with at least
	// 80 % of the last 20 calls failed, open the circuit of a Jira
	// (default 5). A 429 is no failure: it paces the sender instead.
	CircuitAfter int
	// LookupSettle is the least wait before retrying an issue creation whose
	// answer was lost (default 5 s): Jira may have created it, and Cloud's
	// search index, which the retry's lookup by marker reads, lags behind.
	// A create that Jira refused before doing anything (429, 503) and the
	// other calls of the op retry on the backoff alone.
	LookupSettle time.Duration
	// RefreshEvery is how often open linked issues are re-read (default
	// 10 min; negative turns it off).
	RefreshEvery time.Duration
	Now          func() time.Time

	// OnLinked is called once the Jira issue of a ticket exists and its key
	// is stored: the support desk stores the key on the ticket and posts the
	// link to the organisation's support channel here once the messenger can.
	// It runs on an outbox worker; a crash between the call and its record
	// may repeat it, so it must be idempotent.
	OnLinked func(ctx context.Context, ticketID int64, key, browseURL string)
	// OnStatus is called when the Parley status or the Jira status of a
	// linked issue changes (webhook or re-read).
	OnStatus func(ctx context.Context, ticketID int64, st Status, jiraStatus string)
	// OnFailed is called when a ticket's Jira issue turns out to be deleted
	// (or Jira stops knowing it); the ticket stays in Parley and may be
	// escalated again. Optional.
	OnFailed func(ctx context.Context, ticketID int64, key, message string)
}

// Issue is what a ticket tells Jira when its issue is created.
type Issue struct {
	TicketID  int64
	Kind      Kind
	Subject   string
	Body      string
	URL       string // the ticket's page in Parley
	Requester string
	Priority  string
	Fields    map[string]string // a feature request's what, where, platform, frequency, priority
}

// Service is the link to Jira: settings, outbox and its workers, webhook.
type Service struct {
	db       *store.DB
	log      *slog.Logger
	opt      Options
	instance string

	mu       sync.RWMutex
	stored   map[Kind]KindSettings // as saved by administrators
	merged   Settings              // stored with the environment on top
	deploy   map[string]string     // base URL → deploymentType (Cloud, Server, DataCenter)
	sprintID map[string]string     // base URL → id of the sprint field, once learnt
	// absent holds the create ops whose every create call so far was
	// refused before Jira did anything (429, 503, a rejection), so their
	// retry need not look the issue up. Kept in memory only: after a
	// restart every retry looks.
	absent map[int64]bool

	transport *http.Transport
	circuits  *circuits

	kick chan struct{}
	// ctx ends when the service starts to close: no op starts and no op
	// sends a creating call after that. calls is what calls to Jira run
	// under; it ends only after a grace period, so that Close waits for
	// the answer of a call in flight instead of abandoning it: an abandoned
	// create can still land in Jira after the next start has looked for it
	// and created the issue again.
	ctx       context.Context
	stop      context.CancelFunc
	calls     context.Context
	abandon   context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	// statesBetweenReads, set only by tests, runs inside State's read
	// transaction between the reads of the links and of their ops.
	statesBetweenReads func()
	// rounds counts the dispatcher's wake-ups, for the test that an idle
	// outbox sleeps.
	rounds atomic.Int64
}

// New loads the settings, puts back ops a previous run left running, and
// starts the workers and the periodic re-read.
func New(db *store.DB, opt Options) (*Service, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	if opt.HTTPTimeout <= 0 {
		opt.HTTPTimeout = 20 * time.Second
	}
	if opt.BackoffBase <= 0 {
		opt.BackoffBase = time.Second
	}
	if opt.BackoffMax <= 0 {
		opt.BackoffMax = 30 * time.Second
	}
	if opt.BackoffMax < opt.BackoffBase {
		opt.BackoffMax = opt.BackoffBase
	}
	if opt.ConfigBackoffMax <= 0 {
		opt.ConfigBackoffMax = 15 * time.Minute
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.CircuitAfter <= 0 {
		opt.CircuitAfter = 5
	}
	if opt.LookupSettle <= 0 {
		opt.LookupSettle = 5 * time.Second
	}
	if opt.RefreshEvery == 0 {
		opt.RefreshEvery = 10 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := checkEnvSecret(opt.Getenv); err != nil {
		return nil, err
	}
	s := &Service{
		db:       db,
		log:      opt.Log,
		opt:      opt,
		deploy:   map[string]string{},
		absent:   map[int64]bool{},
		sprintID: map[string]string{},
		transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   opt.Workers * 2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: opt.HTTPTimeout,
			ForceAttemptHTTP2:     true,
		},
		circuits: newCircuits(opt.CircuitAfter, opt.BackoffBase, opt.BackoffMax),
		kick:     make(chan struct{}, 1),
	}
	ctx := context.Background()
	var err error
	if s.instance, err = instanceID(ctx, db, opt.Now()); err != nil {
		return nil, err
	}
	if err := s.loadSettings(ctx); err != nil {
		return nil, err
	}
	// Ops of a run that stopped mid-call (it crashed: Close waits for calls
	// in flight) go back to the queue; their attempt stays counted, so a
	// create looks for its issue before creating again, and a create or
	// comment waits for the lookup to settle first, as after a lost answer:
	// the call may still be on its way into Jira.
	now := opt.Now()
	if _, err := db.Write.ExecContext(ctx, `UPDATE jira_ops SET state = 'pending', updated_at = ?,
		next_try = CASE WHEN op IN ('create', 'comment') AND next_try < ? THEN ? ELSE next_try END WHERE state = 'running'`,
		store.FormatTime(now), store.FormatTime(now.Add(opt.LookupSettle)), store.FormatTime(now.Add(opt.LookupSettle))); err != nil {
		return nil, fmt.Errorf("resume jira outbox: %w", err)
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	s.calls, s.abandon = context.WithCancel(context.Background())
	s.wg.Add(2)
	go s.dispatch()
	go s.janitor()
	return s, nil
}

// Close stops the workers. No op starts any more, and none sends a call
// that creates something; calls in flight get their answer (each is bounded
// by HTTPTimeout), so that their outcome is recorded and the next start
// neither misses an issue still being created nor creates it a second
// time. Ops left unfinished stay queued for the next start.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		grace := time.AfterFunc(s.opt.HTTPTimeout+time.Second, s.abandon)
		s.wg.Wait()
		grace.Stop()
		s.abandon()
		s.transport.CloseIdleConnections()
	})
	return nil
}

// stopping says the service is closing, before an op sends a call that
// creates something in Jira.
func (s *Service) stopping() error {
	if s.ctx.Err() != nil {
		return errStopping
	}
	return nil
}

// Kick wakes the workers, typically right after a transaction that queued
// ops has committed. They also look every second on their own.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Instance is this Parley's short random id, part of the labels and remote
// link ids it puts on Jira issues.
func (s *Service) Instance() string { return s.instance }

// Marker is the label that identifies a ticket's issue in Jira.
func (s *Service) Marker(ticketID int64) string {
	return fmt.Sprintf("parley-%s-%d", s.instance, ticketID)
}

const instanceKey = "instance.id"

// instanceID reads, or creates once, the id of this Parley installation.
func instanceID(ctx context.Context, db *store.DB, now time.Time) (string, error) {
	b := make([]byte, 4)
	rand.Read(b)
	if _, err := db.Write.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
		instanceKey, hex.EncodeToString(b), store.FormatTime(now)); err != nil {
		return "", fmt.Errorf("store instance id: %w", err)
	}
	var id string
	err := db.Write.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", instanceKey).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == "") {
		return "", errors.New("instance id missing from settings")
	}
	if err != nil {
		return "", fmt.Errorf("read instance id: %w", err)
	}
	return id, nil
}

// janitor queues the periodic re-reads and prunes old webhook deliveries
// and delivered ops.
func (s *Service) janitor() {
	defer s.wg.Done()
	s.pruneDeliveries()
	var refresh <-chan time.Time
	if s.opt.RefreshEvery > 0 {
		t := time.NewTicker(s.opt.RefreshEvery)
		defer t.Stop()
		refresh = t.C
	}
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-refresh:
			if n, err := s.Refresh(context.Background()); err != nil {
				s.log.Warn("queue jira re-reads", "err", err)
			} else if n > 0 {
				s.log.Debug("jira re-reads queued", "issues", n)
			}
		case <-prune.C:
			s.pruneDeliveries()
		}
	}
}

// How long webhook delivery ids, and ops that went through, are kept.
const (
	deliveryKeep = 30 * 24 * time.Hour
	doneOpKeep   = 90 * 24 * time.Hour
)

func (s *Service) pruneDeliveries() {
	now := s.opt.Now()
	if _, err := s.db.Write.Exec("DELETE FROM jira_webhook_deliveries WHERE received_at < ?",
		store.FormatTime(now.Add(-deliveryKeep))); err != nil {
		s.log.Warn("prune jira webhook deliveries", "err", err)
	}
	if _, err := s.db.Write.Exec("DELETE FROM jira_ops WHERE state = 'done' AND updated_at < ?",
		store.FormatTime(now.Add(-doneOpKeep))); err != nil {
		s.log.Warn("prune jira outbox", "err", err)
	}
}
