package support

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

// moveOldAttachments takes the attachments kept in DATA/files/tickets
// before the file store into it. Each file goes in three steps: copied into
// the store, its row pointed at the copy (these two in one transaction),
// then the old file deleted. A restart at any point loses nothing and
// stores nothing twice: before the commit the copy is recorded nowhere and
// the row still names the old file, which is moved again; after it, the
// next start finds the row pointing into the store and only deletes the old
// file. The old folder is walked rather than the table, so once it is empty
// (and gone) a start costs nothing.
func (s *Service) moveOldAttachments(ctx context.Context) error {
	tickets, err := os.ReadDir(s.oldFiles)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", s.oldFiles, err)
	}
	var errs []error
	moved := 0
	for _, td := range tickets {
		ticketID, err := strconv.ParseInt(td.Name(), 10, 64)
		if err != nil || !td.IsDir() {
			continue // a temporary file of the old code, named .incoming-*: kept, no row names it
		}
		dir := filepath.Join(s.oldFiles, td.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", dir, err))
			continue
		}
		for _, e := range entries {
			id, err := strconv.ParseInt(e.Name(), 10, 64)
			if err != nil || e.IsDir() {
				continue
			}
			ok, err := s.moveOldAttachment(ctx, ticketID, id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ok {
				moved++
			}
		}
		os.Remove(dir) // once empty
	}
	os.Remove(s.oldFiles) // once empty
	if moved > 0 {
		s.log.Info("moved ticket attachments into the file store", "files", moved)
	}
	return errors.Join(errs...)
}

// moveOldAttachment moves one file and reports whether it copied it (rather
// than only finishing an interrupted move).
func (s *Service) moveOldAttachment(ctx context.Context, ticketID, id int64) (bool, error) {
	path := oldAttachmentPath(s.oldFiles, ticketID, id)
	var fileID sql.NullString
	var name string
	var uploader sql.NullInt64
	err := s.db.Read.QueryRowContext(ctx, "SELECT file_id, name, uploader_id FROM ticket_attachments WHERE id = ? AND ticket_id = ?",
		id, ticketID).Scan(&fileID, &name, &uploader)
	if errors.Is(err, sql.ErrNoRows) {
		// The old code moved a file in before its reply committed, and a
		// deleted ticket took its rows: nothing links to this file and
		// nothing ever could.
		s.log.Info("deleted an unlinked old ticket attachment", "path", path)
		return false, removeOld(path)
	}
	if err != nil {
		return false, fmt.Errorf("move attachment %d: %w", id, err)
	}
	if fileID.Valid {
		return false, removeOld(path) // copied and recorded before a restart
	}
	owner, err := s.owner(ctx, uploader.Int64)
	if err != nil {
		return false, err
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("move attachment %d: %w", id, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("move attachment %d: %w", id, err)
	}
	// Trusted: the file passed the policy of its day when it was attached;
	// a stricter one later must not lose it.
	p, err := s.store.Stage(ctx, owner, name, f, max(st.Size(), 1), files.Trusted())
	if err != nil {
		return false, fmt.Errorf("move attachment %d: %w", id, err)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := p.Record(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE ticket_attachments SET file_id = ?, size = ? WHERE id = ? AND file_id IS NULL",
			p.ID, p.Size, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("attachment %d changed while moving (%d rows, %v)", id, n, err)
		}
		return nil
	})
	if err != nil {
		p.Discard()
		return false, fmt.Errorf("move attachment %d: %w", id, err)
	}
	return true, removeOld(path)
}

func removeOld(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete moved file: %w", err)
	}
	return nil
}
