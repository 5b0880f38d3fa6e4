package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestMigrationsFromEmptyAndAgain(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	migrations, err := ServerMigrations()
	if err != nil {
		t.Fatal(err)
	}
	want := migrations[len(migrations)-1].Version
	if v, err := db.SchemaVersion(ctx, ServerComponent); err != nil || v != want {
		t.Fatalf("fresh database at schema %d (%v), want %d", v, err, want)
	}
	count := func(db *DB) int {
		var n int
		if err := db.Read.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(db); n != len(migrations) {
		t.Fatalf("%d migrations recorded, want %d", n, len(migrations))
	}
	// Data written before a restart is still there and nothing is re-applied.
	if _, err := db.Write.Exec(`INSERT INTO users (huid, kind, role, email, created_at, updated_at)
		VALUES ('0f8fad5b-d9cb-469f-a165-70867728950e', 'cts_user', 'user', 'a@example.org', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db2.Close()
	if n := count(db2); n != len(migrations) {
		t.Fatalf("after reopen %d migrations recorded, want %d", n, len(migrations))
	}
	var email string
	if err := db2.Read.QueryRow("SELECT email FROM users").Scan(&email); err != nil || email != "a@example.org" {
		t.Fatalf("row lost across reopen: %q %v", email, err)
	}
}

func TestPragmasInForce(t *testing.T) {
	db, _ := openTemp(t)
	for _, tc := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "10000"},
		{"write", "wal_autocheckpoint", "0"},
		{"read", "foreign_keys", "1"},
		{"read", "query_only", "1"},
	} {
		p := db.Write
		if tc.pool == "read" {
			p = db.Read
		}
		var got string
		if err := p.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tc.pool, tc.pragma, got, tc.want)
		}
	}
	if _, err := db.Read.Exec("CREATE TABLE nope (x)"); err == nil {
		t.Error("the reader pool accepted a write")
	}
}

func TestCorruptFileIsReportedClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	junk := strings.Repeat("this is not a database at all. ", 200)
	if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "backup") {
		t.Errorf("message should name the file and the way out: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != junk {
		t.Error("opening a damaged file changed it")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	db, path := openTemp(t)
	if _, err := db.Write.Exec("INSERT INTO schema_migrations (name, component, version, applied_at) VALUES ('9999_future', 'server', 9999, 'x')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer Parley") {
		t.Fatalf("err = %v, want a refusal naming the newer schema", err)
	}
}

func TestSecondLockRefused(t *testing.T) {
	dir := t.TempDir()
	l1, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "pid") {
		t.Errorf("message should name the holder's pid: %v", err)
	}
	l1.Release()
	l2, err := LockDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
}

func TestEnsureDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o600)
	err := EnsureDir(filepath.Join(file, "data"))
	if err == nil || !strings.Contains(err.Error(), "cannot create data directory") {
		t.Fatalf("err = %v, want a clear message", err)
	}
	if strings.Contains(err.Error(), "mkdir ") {
		t.Errorf("message repeats syscall noise: %v", err)
	}
}

// A query cancelled mid-flight must not leave its pooled connection
// answering "interrupted" to the next, unrelated query (a known modernc trap).
func TestCancelledQueryDoesNotPoisonPool(t *testing.T) {
	db, _ := openTemp(t)
	slow := `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c`
	for _, pool := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"writer", func(ctx context.Context) error { _, err := db.Write.ExecContext(ctx, slow); return err }},
		{"reader", func(ctx context.Context) error { var n int; return db.Read.QueryRowContext(ctx, slow).Scan(&n) }},
	} {
		for i := 0; i < 3; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			err := pool.run(ctx)
			cancel()
			if err == nil {
				t.Fatalf("%s: slow query was not interrupted", pool.name)
			}
			// Every following query on the same pools works.
			var one int
			if err := db.Read.QueryRow("SELECT 1").Scan(&one); err != nil {
				t.Fatalf("%s: reader after cancel: %v", pool.name, err)
			}
			if _, err := db.Write.Exec("CREATE TABLE IF NOT EXISTS t (x)"); err != nil {
				t.Fatalf("%s: writer after cancel: %v", pool.name, err)
			}
		}
	}
}

// The writer never checkpoints (wal_autocheckpoint 0): the checkpointer
// does, beside it. Written page by page with a reader open meanwhile, the
// WAL must still be restarted rather than grow with everything written.
func TestCheckpointerKeepsTheWALSmall(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.Exec("CREATE TABLE blobs (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 4000)
	const rounds, perRound = 40, 64 // 40 rounds of ~256 KiB: 10 MiB in all
	for r := 0; r < rounds; r++ {
		for i := 0; i < perRound; i++ {
			if _, err := db.Write.Exec("INSERT INTO blobs (b) VALUES (?)", payload); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.Read.QueryRow("SELECT count(*) FROM blobs").Scan(&n); err != nil || n != (r+1)*perRound {
			t.Fatalf("a reader sees %d rows (%v), want %d", n, err, (r+1)*perRound)
		}
		if err := db.checkpoints.checkpoint(ctx); err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 2<<20 {
		t.Errorf("the WAL holds %d KiB after 10 MiB written with checkpoints between: it is not being restarted", st.Size()>>10)
	}
}

// Beside a writer that never pauses, a checkpoint never quite catches up
// and the WAL would grow with everything written; past restartFrames the
// checkpointer finishes one through the write connection, so the WAL
// starts over.
func TestCheckpointerRestartsTheWALBesideABusyWriter(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.Exec("CREATE TABLE blobs (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	// A low threshold keeps the test short; how far the WAL runs past it
	// while a checkpoint copies grows with it.
	const restartAt = 256
	db.checkpoints.restartAt.Store(restartAt)
	payload := make([]byte, 4000)
	const total = 16 * restartAt // rows of one page each: sixteen restarts' worth
	written := make(chan error, 1)
	go func() {
		for i := 0; i < total; i += 8 {
			err := db.InTx(ctx, func(tx *sql.Tx) error {
				for j := 0; j < 8; j++ {
					if _, err := tx.Exec("INSERT INTO blobs (b) VALUES (?)", payload); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				written <- err
				return
			}
		}
		written <- nil
	}()
	largest := int64(0)
	for done := false; !done; {
		select {
		case err := <-written:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		default:
		}
		if err := db.checkpoints.checkpoint(ctx); err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
		if st, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, st.Size())
		}
	}
	if limit := int64(8*restartAt) * 4120; largest > limit {
		t.Errorf("the WAL reached %d KiB beside a busy writer (%d KiB written): it is not being restarted", largest>>10, total*4096>>10)
	}
}
