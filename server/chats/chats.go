// Package chats holds the messenger's rules: chats of every kind, their
// members and properties, messages with reactions, pins and read state,
// search, and the numbered event log that realtime delivery replays.
package chats

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"parley/server/files"
	"parley/server/realtime"
	"parley/server/store"
	"parley/server/web"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Component names the chats' migrations in the schema record.
const Component = "chats"

// Chat kinds, as the seeds name them.
const (
	Personal   = "personal"
	Group      = "group"
	Channel    = "channel"
	Saved      = "saved"
	Discussion = "discussion"
	Global     = "global"
)

// Limits from the seeds.
const (
	MaxMembers    = 8000 // members of one chat
	MaxMembersE2E = 128  // while end-to-end encryption is on
	// Above this many members the member list shows the admins only, plus
	// a search.
	FullMemberList = 128
	MaxNameLen     = 128
	MaxDescLen     = 1000
	// MaxBodyLen bounds a message. Rendering Markdown costs more than
	// linear time on hostile input (see markdown's benchmarks); 16 KiB keeps
	// a render under ~70 ms, and a message is rendered once, at save.
	MaxBodyLen  = 16 << 10
	MaxSyncID   = 64
	HistoryPage = 50
	MaxPage     = 200
)

// Errors callers tell apart; each knows its HTTP answer (web.Site.Fail).
var (
	ErrNotFound     = web.Errorf(http.StatusNotFound, "chat_not_found", "", "no such chat, or you are not in it")
	ErrNoMessage    = web.Errorf(http.StatusNotFound, "message_not_found", "", "no such message in this chat")
	ErrNoUser       = web.Errorf(http.StatusNotFound, "user_not_found", "", "no such user")
	ErrCannotPost   = web.Errorf(http.StatusForbidden, "cannot_post", "", "you cannot post in this chat: only its admins post in a channel, and only the designated people in the global chat")
	ErrNotAdmin     = web.Errorf(http.StatusForbidden, "not_chat_admin", "", "only the chat's admins may do that")
	ErrNotAuthor    = web.Errorf(http.StatusForbidden, "not_author", "", "only the author may edit a message")
	ErrSubscriber   = web.Errorf(http.StatusForbidden, "admins_only", "", "in a channel only its admins see that")
	ErrFull         = web.Errorf(http.StatusConflict, "chat_full", "", "the chat has reached its member limit")
	ErrConfidential = web.Errorf(http.StatusForbidden, "confidential", "", "messages of a confidential chat cannot be forwarded or copied")
	ErrDeleted      = web.Errorf(http.StatusConflict, "message_deleted", "", "the message was deleted")
	ErrServerAdmin  = web.Errorf(http.StatusForbidden, "server_admin_only", "", "only a server administrator may open a chat to everyone")
	ErrClosed       = web.Errorf(http.StatusServiceUnavailable, "shutting_down", "", "the server is shutting down; try again in a moment")
	ErrE2ERequired  = web.Errorf(http.StatusBadRequest, "e2e_required", "", "this chat is end-to-end encrypted: the server takes only messages encrypted on the device, never plain text")
	ErrBadCursor    = web.Errorf(http.StatusBadRequest, "bad_cursor", "", "the cursor is not one this server gave out")
)

// Service is the messenger's chats.
type Service struct {
	db  *store.DB
	hub atomic.Pointer[realtime.Hub]
	log *slog.Logger
	now func() time.Time

	writes     chan writeRequest
	stopped    chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	loops      sync.WaitGroup // purgeLoop and reminderLoop
	// remindersWake: a reminder was set; the loop rechecks its next one.
	remindersWake chan struct{}
	stmts         *stmtCache // the writer's prepared statements
	readStmts     *stmtCache // the readers'

	globalID int64
	metrics  serviceMetrics
	cache    writerCache // the writer goroutine's own
	files    *files.Store
}

type serviceMetrics struct {
	batches prometheus.Histogram
	commit  prometheus.Histogram
}

func (m serviceMetrics) observeBatch(n int, d time.Duration) {
	if m.batches != nil {
		m.batches.Observe(float64(n))
		m.commit.Observe(d.Seconds())
	}
}

// Options are the service's knobs.
type Options struct {
	Log     *slog.Logger
	Metrics prometheus.Registerer
	Now     func() time.Time // tests
}

// New applies the chats' migrations and starts the writer. SetHub must be
// called before events are expected to reach sockets.
func New(ctx context.Context, db *store.DB, opt Options) (*Service, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("chats migrations: %w", err)
	}
	if err := db.Migrate(ctx, Component, sub); err != nil {
		return nil, fmt.Errorf("chats schema: %w", err)
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Service{db: db, log: opt.Log, now: func() time.Time { return opt.Now().UTC() },
		writes: make(chan writeRequest, 4*maxBatch), stopped: make(chan struct{}), writerDone: make(chan struct{}),
		remindersWake: make(chan struct{}, 1), stmts: newStmtCache(db.Write), readStmts: newStmtCache(db.Read)}
	s.cache.clear()
	if opt.Metrics != nil {
		s.metrics.batches = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "parley_chats_write_batch_size",
			Help: "Changes committed together.", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
		s.metrics.commit = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "parley_chats_write_batch_seconds",
			Help: "Time to apply and commit one batch.", Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)})
		opt.Metrics.MustRegister(s.metrics.batches, s.metrics.commit)
	}
	go s.runWriter()
	if s.globalID, err = s.ensureGlobal(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.loops.Add(2)
	go s.purgeLoop()
	go s.reminderLoop()
	return s, nil
}

// SetHub connects the service to realtime delivery.
func (s *Service) SetHub(h *realtime.Hub) { s.hub.Store(h) }

// Close stops the writer once the changes in progress are done.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopped)
		// The background loops read the database: they end before it closes.
		s.loops.Wait()
		<-s.writerDone
		s.stmts.close()
		s.readStmts.close()
	})
	return nil
}

// purgeLoop purges old events every hour (the first time an hour after
// start: a week's retention does not hinge on the first minutes).
func (s *Service) purgeLoop() {
	defer s.loops.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-s.stopped:
			return
		case <-t.C:
		}
		if err := s.purgeEvents(context.Background()); err != nil && !errors.Is(err, ErrClosed) {
			s.log.Error("purge old events", "err", err)
		}
	}
}

// ensureGlobal makes the server's global chat on first start.
func (s *Service) ensureGlobal(ctx context.Context) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
		err := tx.QueryRow("SELECT id FROM chats WHERE unique_key = 'global'").Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRow(`INSERT INTO chats (uid, kind, unique_key, created_at) VALUES (?, 'global', 'global', ?) RETURNING id`,
				newUID(), s.now().UnixMilli()).Scan(&id)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("global chat: %w", err)
	}
	return id, nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}
