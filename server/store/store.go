// Package store opens Parley's SQLite database: one writer connection, a pool
// of readers, and the embedded schema migrations.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB holds the two pools of one SQLite file. SQLite allows a single writer at
// a time; giving writes their own one-connection pool serialises them in Go
// instead of making them fight over the file lock, while readers run in
// parallel thanks to WAL.
type DB struct {
	Write *sql.DB
	Read  *sql.DB
	Path  string

	checkpoints *checkpointer
}

// ErrCorrupt is returned when the database file exists but is not a usable
// SQLite database.
var ErrCorrupt = errors.New("the database file is damaged or is not a SQLite database")

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve database path: %w", err)
	}
	pragmas := []string{
		"journal_mode(WAL)",
		"foreign_keys(ON)",
		"busy_timeout(10000)",
		"synchronous(NORMAL)",
		"temp_store(MEMORY)",
		"cache_size(-16000)",
		"journal_size_limit(67108864)",
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	writeQ := cloneValues(q)
	writeQ.Set("_txlock", "immediate")
	writeQ.Add("_pragma", "wal_autocheckpoint(0)") // see checkpointer
	readQ := cloneValues(q)
	readQ.Add("_pragma", "query_only(ON)")

	write, err := sql.Open("sqlite", "file:"+abs+"?"+writeQ.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	read, err := sql.Open("sqlite", "file:"+abs+"?"+readQ.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	// Readers in WAL mode do not block each other; enough connections that
	// a burst of requests waits for CPU, not for a free connection.
	readers := max(8, runtime.NumCPU()*4)
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxIdleTime(5 * time.Minute)

	db := &DB{Write: write, Read: read, Path: abs}
	if err := db.check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.checkpoints, err = startCheckpointer("file:"+abs+"?"+q.Encode(), write); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	return db, nil
}

// check makes the first real contact with the file so that a damaged file is
// reported as such before anything else touches it.
func (db *DB) check(ctx context.Context) error {
	var mode string
	err := db.Write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if err == nil {
		var ok string
		err = db.Write.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&ok)
		if err == nil && ok != "ok" {
			return fmt.Errorf("%s: %w (integrity check says: %s); restore it from a backup", db.Path, ErrCorrupt, ok)
		}
	}
	if err != nil {
		if isCorruption(err) {
			return fmt.Errorf("%s: %w; restore it from a backup or move it away to start empty", db.Path, ErrCorrupt)
		}
		return fmt.Errorf("open database %s: %w", db.Path, err)
	}
	return nil
}

func isCorruption(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return true
		}
	}
	return strings.Contains(err.Error(), "file is not a database")
}

// Close closes both pools; the writer last so that its final checkpoint sees
// no open readers.
func (db *DB) Close() error {
	var cerr error
	if db.checkpoints != nil {
		cerr = db.checkpoints.close()
	}
	rerr := db.Read.Close()
	// A failed checkpoint loses nothing: the WAL is replayed on the next open.
	_, _ = db.Write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	werr := db.Write.Close()
	return errors.Join(cerr, rerr, werr)
}

// InTx runs fn inside a write transaction and commits it; fn's error rolls back.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// EnsureDir creates the data directory (and its parents) and checks that it
// is writable, so that a bad --data is reported once, clearly, at start.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create data directory %s: %w", dir, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, unwrapPath(err))
	}
	name := probe.Name()
	probe.Close()
	os.Remove(name)
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
