package diagnostics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"parley/server/store"
)

// Retention of uploads, in days, as an administrator sets it.
const (
	retentionKey     = "diagnostics.retention_days"
	DefaultRetention = 90
	MaxRetention     = 3650
)

// RetentionDays returns the current retention period.
func (s *Service) RetentionDays(ctx context.Context) (int, error) {
	var v string
	err := s.db.Read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", retentionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRetention, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read retention: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return DefaultRetention, nil
	}
	return n, nil
}

// SetRetentionDays changes the retention period (1 to MaxRetention days).
func (s *Service) SetRetentionDays(ctx context.Context, days int) error {
	if days < 1 || days > MaxRetention {
		return fmt.Errorf("retention must be from 1 to %d days", MaxRetention)
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		retentionKey, strconv.Itoa(days), store.FormatTime(s.now()))
	if err != nil {
		return fmt.Errorf("save retention: %w", err)
	}
	return nil
}

// DeleteExpired removes uploads older than the retention period, files
// first (originals from the file store, working files from the folder), then their rows (which cascade to everything derived from them).
func (s *Service) DeleteExpired(ctx context.Context) (int, error) {
	days, err := s.RetentionDays(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := store.FormatTime(s.now().Add(-time.Duration(days) * 24 * time.Hour))
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id FROM diag_uploads WHERE created_at < ? AND status <> 'processing'", cutoff)
	if err != nil {
		return 0, fmt.Errorf("find expired uploads: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		// The originals' metadata stays in the file store, so a link to
		// one answers "this file is unavailable".
		originals, err := s.Originals(ctx, id)
		if err != nil {
			return 0, err
		}
		for _, o := range originals {
			if o.FileID == "" {
				continue // still in the upload's folder, deleted with it
			}
			if err := s.files.Remove(ctx, o.FileID); err != nil {
				return 0, fmt.Errorf("delete files of upload %d: %w", id, err)
			}
		}
		if err := os.RemoveAll(s.uploadDir(id)); err != nil {
			return 0, fmt.Errorf("delete files of upload %d: %w", id, err)
		}
		if _, err := s.db.Write.ExecContext(ctx, "DELETE FROM diag_uploads WHERE id = ?", id); err != nil {
			return 0, fmt.Errorf("delete upload %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// janitorEvery is how often expired uploads are looked for.
const janitorEvery = time.Hour

func (s *Service) janitor(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		if n, err := s.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("delete expired diagnostics", "err", err)
		} else if n > 0 {
			s.log.Info("deleted expired diagnostics uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
