// Package diagnostics takes uploads of the files clients export from their
// engineering menus, parses and redacts them in the background with the
// ingest library, and serves the triage pages support staff work from.
package diagnostics

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"parley/server/store"
)

// MaxUploadBytes bounds one upload (all its files together).
const MaxUploadBytes = 1 << 30

// Service stores uploads and processes them one at a time in the
// background: parsing is CPU-bound, and one worker keeps the server
// responsive for everyone else.
type Service struct {
	db    *store.DB
	dir   string // DATA/files/diagnostics
	log   *slog.Logger
	now   func() time.Time
	queue chan int64
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// New opens the diagnostics store under dataDir and starts the worker,
// which first resumes uploads a restart interrupted.
func New(db *store.DB, dataDir string, log *slog.Logger) (*Service, error) {
	dir := filepath.Join(dataDir, "files", "diagnostics")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{db: db, dir: dir, log: log, now: time.Now, queue: make(chan int64, 1024), stop: cancel}
	pending, err := s.pending(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	s.wg.Add(2)
	go s.work(ctx, pending)
	go s.janitor(ctx)
	return s, nil
}

// Close stops the worker after the upload it is processing.
func (s *Service) Close() error {
	s.stop()
	s.wg.Wait()
	return nil
}

func (s *Service) work(ctx context.Context, pending []int64) {
	defer s.wg.Done()
	for _, id := range pending {
		s.processLogged(ctx, id)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-s.queue:
			s.processLogged(ctx, id)
		}
	}
}

func (s *Service) processLogged(ctx context.Context, id int64) {
	start := time.Now()
	if err := s.process(ctx, id); err != nil {
		if ctx.Err() != nil {
			return // stopping: the upload stays "processing" and resumes on the next start
		}
		s.log.Warn("diagnostics upload failed", "upload", id, "err", err)
		if ferr := s.markFailed(context.WithoutCancel(ctx), id, err.Error()); ferr != nil {
			s.log.Error("mark upload failed", "upload", id, "err", ferr)
		}
		return
	}
	s.log.Info("diagnostics upload processed", "upload", id, "took", time.Since(start))
}

// uploadDir is where one upload's files live.
func (s *Service) uploadDir(id int64) string { return filepath.Join(s.dir, strconv.FormatInt(id, 10)) }

func (s *Service) originalPath(id int64, n int) string {
	return filepath.Join(s.uploadDir(id), "original", strconv.Itoa(n))
}

func (s *Service) eventsPath(id int64) string { return filepath.Join(s.uploadDir(id), "events.jsonl") }
