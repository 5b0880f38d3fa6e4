package diagnostics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"parley/server/files"
)

// moveOldOriginals takes the originals kept under
// DATA/files/diagnostics/<upload>/original/<n> before the file store into
// it. Each goes in three steps: copied into the store, its row pointed at
// the copy (with whether the upload's marker said it was redacted; these
// two in one transaction), then the old file deleted. A restart at any
// point loses nothing and stores nothing twice: before the commit the copy
// is recorded nowhere and the row still names the old file, which is moved
// again; after it, the row points into the store and the tidying below only
// deletes the old file. Until an original has moved, it is read and
// downloaded where it is.
func (s *Service) moveOldOriginals(ctx context.Context) error {
	type old struct {
		upload      int64
		n           int
		name, owner string
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT o.upload_id, o.n, o.name, coalesce(us.huid, '')
		FROM diag_originals o JOIN diag_uploads u ON u.id = o.upload_id LEFT JOIN users us ON us.id = u.uploader_id
		WHERE o.file_id IS NULL AND o.size > 0 ORDER BY o.upload_id, o.n`)
	if err != nil {
		return fmt.Errorf("list originals to move: %w", err)
	}
	var todo []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.upload, &o.n, &o.name, &o.owner); err != nil {
			rows.Close()
			return fmt.Errorf("list originals to move: %w", err)
		}
		todo = append(todo, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list originals to move: %w", err)
	}
	var errs []error
	moved := 0
	for _, o := range todo {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.moveOldOriginal(ctx, o.upload, o.n, o.name, o.owner); err != nil {
			errs = append(errs, err)
			continue
		}
		moved++
	}
	if moved > 0 {
		s.log.Info("moved diagnostics originals into the file store", "files", moved)
	}
	return errors.Join(append(errs, s.tidyOldOriginals(ctx))...)
}

func (s *Service) moveOldOriginal(ctx context.Context, upload int64, n int, name, owner string) error {
	path := s.oldOriginalPath(upload, n)
	_, err := os.Stat(filepath.Join(filepath.Dir(path), redactedMarker))
	redacted := err == nil
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Gone before this version could move it: nothing is kept raw and
		// nothing can be downloaded, as for an original that could not
		// be redacted.
		_, err := s.db.Write.ExecContext(ctx, `UPDATE diag_originals SET size = 0, redacted = 1
			WHERE upload_id = ? AND n = ? AND file_id IS NULL`, upload, n)
		if err != nil {
			return fmt.Errorf("record missing original %d/%d: %w", upload, n, err)
		}
		s.log.Warn("an original of an earlier upload is missing from disk", "upload", upload, "file", n)
		return nil
	}
	if err != nil {
		return fmt.Errorf("move original %d/%d: %w", upload, n, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("move original %d/%d: %w", upload, n, err)
	}
	p, err := s.files.Stage(ctx, owner, name, f, max(st.Size(), 1), files.Trusted())
	if err != nil {
		return fmt.Errorf("move original %d/%d: %w", upload, n, err)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := p.Record(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE diag_originals SET file_id = ?, size = ?, redacted = ?
			WHERE upload_id = ? AND n = ? AND file_id IS NULL`, p.ID, p.Size, redacted, upload, n)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return fmt.Errorf("the original changed while moving (%d rows, %v)", k, err)
		}
		return nil
	})
	if err != nil {
		p.Discard()
		return fmt.Errorf("move original %d/%d: %w", upload, n, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete moved original %d/%d: %w", upload, n, err)
	}
	return nil
}

// tidyOldOriginals deletes what is left of the old original folders: files
// already in the store (a restart came between the commit and the delete),
// and, once none waits to be moved, the marker and the folder. An upload
// whose files all moved has no such folder, so a start after the move looks
// at nothing but the top folder.
func (s *Service) tidyOldOriginals(ctx context.Context) error {
	dirs, err := filepath.Glob(filepath.Join(s.dir, "*", "original"))
	if err != nil {
		return err
	}
	var errs []error
	for _, dir := range dirs {
		upload, err := strconv.ParseInt(filepath.Base(filepath.Dir(dir)), 10, 64)
		if err != nil {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		waiting := false
		for _, e := range entries {
			n, err := strconv.Atoi(e.Name())
			if err != nil {
				continue // the marker, redaction's temporary files: below
			}
			var fileID sql.NullString
			var size int64
			err = s.db.Read.QueryRowContext(ctx, "SELECT file_id, size FROM diag_originals WHERE upload_id = ? AND n = ?",
				upload, n).Scan(&fileID, &size)
			switch {
			case errors.Is(err, sql.ErrNoRows), err == nil && (fileID.Valid || size == 0):
				// Moved, gone, or of an upload deleted: nothing links here.
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			case err != nil:
				errs = append(errs, fmt.Errorf("tidy %s: %w", dir, err))
				waiting = true
			default:
				waiting = true
			}
		}
		if !waiting {
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
