// Package diagnostics takes uploads of the files clients export from their
// engineering menus, parses and redacts them in the background with the
// ingest library, and serves the triage pages support staff work from.
package diagnostics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"parley/server/files"
	"parley/server/store"
)

// MaxUploadBytes bounds one upload (all its files together).
const MaxUploadBytes = 1 << 30

// Service stores uploads and processes them one at a time in the
// background: parsing is CPU-bound, and one worker keeps the server
// responsive for everyone else.
type Service struct {
	db *store.DB
	// files keeps the originals: what people sent, with its owner, name,
	// sniffed type, size and checksum, answering "unavailable" once removed.
	files *files.Store
	// dir (DATA/files/diagnostics) keeps what processing derives from the
	// originals: events.jsonl, the events index, the spool's parts and the
	// temporary copies of redaction. These are working files, rebuilt from
	// the originals, never downloaded as they are, owned by nobody and
	// deleted with their upload, so they stay beside the code that reads
	// them rather than in the file store. Originals kept here before the
	// file store are moved into it at start (originals_move.go).
	dir  string
	log  *slog.Logger
	now  func() time.Time
	wake chan struct{} // a new upload is waiting; the database is the queue
	stop context.CancelFunc
	wg   sync.WaitGroup

	endSession func(ctx context.Context, token string) (bool, error) // Options.EndSession
}

// Options are what the diagnostics service needs from the rest of the
// server.
type Options struct {
	// EndSession ends the live session of this server whose bearer token
	// or session cookie value is token, found in an upload, and reports
	// whether there was one (accounts.Service.EndLeakedSession). Without
	// it, found tokens are only redacted.
	EndSession func(ctx context.Context, token string) (bool, error)
}

// New opens the diagnostics store under dataDir, its originals kept in
// fileStore, and starts the worker, which first moves originals of earlier
// versions into fileStore and resumes uploads a restart interrupted.
func New(db *store.DB, fileStore *files.Store, dataDir string, log *slog.Logger, opts ...Options) (*Service, error) {
	if fileStore == nil {
		return nil, errors.New("diagnostics: no file store given")
	}
	dir := filepath.Join(dataDir, "files", "diagnostics")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{db: db, files: fileStore, dir: dir, log: log, now: time.Now, wake: make(chan struct{}, 1), stop: cancel}
	if len(opts) > 0 {
		s.endSession = opts[0].EndSession
	}
	if err := s.dropInterrupted(ctx); err != nil {
		cancel()
		return nil, err
	}
	s.wg.Add(2)
	go s.work(ctx)
	go s.janitor(ctx)
	return s, nil
}

// dropInterrupted deletes the uploads whose files were still arriving when
// the server stopped (the row exists, its size is not yet recorded): their
// originals are incomplete and the person was never told they arrived.
// Only at start, when no upload can be arriving.
func (s *Service) dropInterrupted(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id FROM diag_uploads WHERE status = 'processing' AND size = 0")
	if err != nil {
		return fmt.Errorf("find interrupted uploads: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := os.RemoveAll(s.uploadDir(id)); err != nil {
			return fmt.Errorf("delete files of interrupted upload %d: %w", id, err)
		}
		if _, err := s.db.Write.ExecContext(ctx, "DELETE FROM diag_uploads WHERE id = ?", id); err != nil {
			return fmt.Errorf("delete interrupted upload %d: %w", id, err)
		}
		s.log.Info("deleted an upload interrupted by a restart", "upload", id)
	}
	return nil
}

// Close stops the worker after the upload it is processing.
func (s *Service) Close() error {
	s.stop()
	s.wg.Wait()
	return nil
}

// work processes waiting uploads in the order they came, asking the
// database which they are each time it is woken: however many arrive at
// once, none is forgotten, and those a restart interrupted resume.
func (s *Service) work(ctx context.Context) {
	defer s.wg.Done()
	if err := s.moveOldOriginals(ctx); err != nil && ctx.Err() == nil {
		// What could not move is still read and downloaded where it is.
		s.log.Error("move diagnostics originals into the file store", "err", err)
	}
	s.redactStoredOriginals(ctx) // uploads kept raw before originals were redacted
	tried := map[int64]bool{}    // still "processing" after a try: not again until a restart
	for {
		ids, err := s.pending(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("list waiting diagnostics uploads", "err", err)
		}
		still := map[int64]bool{}
		for _, id := range ids {
			if tried[id] {
				still[id] = true
			}
		}
		tried = still
		for _, id := range ids {
			if tried[id] {
				continue
			}
			tried[id] = true
			s.processLogged(ctx, id)
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(time.Minute): // in case a wake-up was missed
		}
	}
}

func (s *Service) processLogged(ctx context.Context, id int64) {
	start := time.Now()
	err := s.process(ctx, id)
	if ctx.Err() != nil {
		return // stopping: the upload stays "processing" and resumes on the next start
	}
	if err != nil {
		// Read or not, no raw original is kept (originals_redact.go);
		// process redacts them itself before it says "ready".
		if _, rerr := s.redactOriginals(context.WithoutCancel(ctx), id); rerr != nil {
			s.log.Error("redact originals", "upload", id, "err", rerr)
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

// oldOriginalPath is where an original was kept before the file store.
func (s *Service) oldOriginalPath(id int64, n int) string {
	return filepath.Join(s.uploadDir(id), "original", strconv.Itoa(n))
}

func (s *Service) eventsPath(id int64) string { return filepath.Join(s.uploadDir(id), "events.jsonl") }
