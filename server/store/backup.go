package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// BackupTo writes a consistent copy of the database to path with VACUUM INTO,
// which reads one snapshot and so is safe while the server writes.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup target %s already exists; choose a new file name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup target %s: %w", path, unwrapPath(err))
	}
	if _, err := db.Write.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
