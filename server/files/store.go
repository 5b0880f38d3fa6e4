package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/server/store"
	"parley/server/web"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Component names the file store's migrations in the record.
const Component = "files"

// sniffBytes is how much of a file is read before anything is written: the
// type is decided on it, so a refused file never touches the disk.
const sniffBytes = 3072

// maxNameBytes bounds the original name kept for Content-Disposition.
const maxNameBytes = 255

// Errors a person may see; Site.Fail answers them.
var (
	ErrNotFound    = web.Errorf(http.StatusNotFound, "not_found", "files.err.not_found", "no such file")
	ErrUnavailable = web.Errorf(http.StatusGone, "file_unavailable", "files.err.unavailable", "this file is unavailable")
)

// File is what the store knows of one object.
type File struct {
	ID        string
	Owner     string // who sent it; callers decide who may fetch it
	Name      string // the original name, cleaned
	MIME      string // sniffed from the content, never taken from the name
	Size      int64
	SHA256    string // lower-case hex
	CreatedAt time.Time
	RemovedAt *time.Time // set once the bytes are gone (retention, deletion)
}

// Removed reports whether the file's content is gone.
func (f File) Removed() bool { return f.RemovedAt != nil }

// Store keeps files under one directory, their metadata in SQLite.
type Store struct {
	db  *store.DB
	dir string
}

// New applies the store's migrations to db and prepares dir (for example
// DATA/files/store) to hold the content.
func New(ctx context.Context, db *store.DB, dir string) (*Store, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("file store migrations: %w", err)
	}
	if err := db.Migrate(ctx, Component, sub); err != nil {
		return nil, fmt.Errorf("file store schema: %w", err)
	}
	// Temporary files sit beside the content so the final rename never
	// crosses a filesystem.
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("create file store directory: %w", err)
	}
	// What is still there was being written when the server stopped:
	// never recorded, so nobody can reach it.
	if left, err := filepath.Glob(filepath.Join(dir, "tmp", "put-*")); err == nil {
		for _, p := range left {
			os.Remove(p)
		}
	}
	s := &Store{db: db, dir: dir}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// sweep deletes content nobody can reach: bytes put in place whose row never
// committed (the process died between Record and the commit), and bytes of
// files marked removed whose deletion failed. It runs before the store is
// used, so no upload is between its rename and its commit.
func (s *Store) sweep(ctx context.Context) error {
	shards, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("file store sweep: %w", err)
	}
	for _, shard := range shards {
		if !shard.IsDir() || len(shard.Name()) != 2 {
			continue // tmp, and anything that is not ours
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, shard.Name()))
		if err != nil {
			return fmt.Errorf("file store sweep: %w", err)
		}
		var ids []string
		for _, e := range entries {
			if id := e.Name(); e.Type().IsRegular() && len(id) == 32 && strings.HasPrefix(id, shard.Name()) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		list, _ := json.Marshal(ids)
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM files WHERE removed_at IS NULL AND id IN (SELECT value FROM json_each(?))`, string(list))
		if err != nil {
			return fmt.Errorf("file store sweep: %w", err)
		}
		live := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("file store sweep: %w", err)
			}
			live[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("file store sweep: %w", err)
		}
		for _, id := range ids {
			if !live[id] {
				os.Remove(s.path(id))
			}
		}
	}
	return nil
}

// path is where an object's bytes live: sharded by the id's first two
// characters so no directory grows huge.
func (s *Store) path(id string) string {
	return filepath.Join(s.dir, id[:2], id)
}

// Option changes what Put and Stage accept.
type Option func(*putOptions)

type putOptions struct{ trusted bool }

// Trusted is for internal callers that keep what people hand to support
// as it came: diagnostics originals (binary logs, system archives whose type
// no sniffer knows) and files moved from the stores that came before this
// one. The type is still sniffed and recorded, but a forbidden or
// undeterminable type is accepted. Files people send each other never get it:
// the policy exists for them.
func Trusted() Option { return func(o *putOptions) { o.trusted = true } }

// Put streams r to disk as a new file of owner's named name. The content
// never sits whole in memory: it goes through a temporary file, renamed into
// place once complete, with its size and SHA-256 computed on the way. Files
// whose content is a forbidden type, whose type cannot be told (unless
// Trusted), which are empty or larger than limit bytes are refused and leave
// nothing on disk.
func (s *Store) Put(ctx context.Context, owner, name string, r io.Reader, limit int64, opts ...Option) (File, error) {
	p, err := s.Stage(ctx, owner, name, r, limit, opts...)
	if err != nil {
		return File{}, err
	}
	tx, err := s.db.Write.BeginTx(ctx, nil)
	if err != nil {
		p.Discard()
		return File{}, fmt.Errorf("record %q: %w", p.Name, err)
	}
	defer tx.Rollback()
	if err := p.Record(ctx, tx); err != nil {
		p.Discard()
		return File{}, err
	}
	if err := tx.Commit(); err != nil {
		p.Discard()
		return File{}, fmt.Errorf("record %q: %w", p.Name, err)
	}
	return p.File, nil
}

// Pending is a file checked and written to disk but not yet recorded: the
// caller records it in the transaction that also links it to what it
// belongs to (a reply, an upload), so a file is never recorded without its
// link, nor a link without its file.
type Pending struct {
	File
	s      *Store
	tmp    string // the content until Record moves it into place
	placed string // where Record moved it
}

// Stage checks and streams r to a temporary file as Put does; nothing is
// recorded until Record. The caller calls Discard unless the transaction
// that recorded it committed.
func (s *Store) Stage(ctx context.Context, owner, name string, r io.Reader, limit int64, opts ...Option) (p *Pending, err error) {
	if limit <= 0 {
		return nil, fmt.Errorf("put file: limit must be positive, got %d", limit)
	}
	var o putOptions
	for _, opt := range opts {
		opt(&o)
	}
	name = cleanName(name)

	// Decide the type on the first bytes, before writing anything.
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	case err != nil:
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	head = head[:n]
	if len(head) == 0 {
		return nil, web.Invalid("file", "empty", fmt.Sprintf("%s is empty", name))
	}
	mime, err := Sniff(bytes.NewReader(head))
	if err != nil {
		return nil, err
	}
	switch {
	case o.trusted:
	case Blocked(mime):
		return nil, web.Invalid("file", "forbidden_type", fmt.Sprintf(
			"%s is refused: its content is %s, and programs, installers and scripts may not be sent", name, mime))
	case mime == Unknown:
		return nil, web.Invalid("file", "unknown_type", fmt.Sprintf(
			"%s is refused: its type could not be determined; pack it into a zip archive", name))
	}
	if int64(len(head)) > limit {
		return nil, tooLarge(name, limit)
	}

	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	sum := sha256.New()
	w := io.MultiWriter(tmp, sum)
	if _, err := w.Write(head); err != nil {
		return nil, fmt.Errorf("store %q: %w", name, err)
	}
	// One byte past the limit is enough to know it was exceeded.
	rest, err := io.Copy(w, io.LimitReader(ctxReader{ctx, r}, limit-int64(len(head))+1))
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", name, err)
	}
	size := int64(len(head)) + rest
	if size > limit {
		return nil, tooLarge(name, limit)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("store %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("store %q: %w", name, err)
	}

	id, err := newID()
	if err != nil {
		return nil, err
	}
	created := time.Now().UTC()
	// The stored time has microseconds; give back what Get will.
	created, _ = store.ParseTime(store.FormatTime(created))
	return &Pending{s: s, tmp: tmp.Name(), File: File{
		ID: id, Owner: owner, Name: name, MIME: mime, Size: size,
		SHA256: hex.EncodeToString(sum.Sum(nil)), CreatedAt: created,
	}}, nil
}

// Record moves the content into place and records the file in tx. The
// bytes are in place before the row can commit: a crash in between leaves
// unreachable bytes, never a row without its content.
func (p *Pending) Record(ctx context.Context, tx *sql.Tx) error {
	final := p.s.path(p.ID)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("store %q: %w", p.Name, err)
	}
	if err := os.Rename(p.tmp, final); err != nil {
		return fmt.Errorf("store %q: %w", p.Name, err)
	}
	p.placed = final
	_, err := tx.ExecContext(ctx,
		`INSERT INTO files (id, owner, name, mime, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Owner, p.Name, p.MIME, p.Size, p.SHA256, store.FormatTime(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("record %q: %w", p.Name, err)
	}
	return nil
}

// Discard removes the content of a file whose recording did not commit.
// Never call it after the commit: the row would lose its bytes.
func (p *Pending) Discard() {
	os.Remove(p.tmp)
	if p.placed != "" {
		os.Remove(p.placed)
	}
}

func tooLarge(name string, limit int64) error {
	return &web.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Key: "files.err.too_large",
		Args:    []any{name, limit >> 20},
		Message: fmt.Sprintf("%s is larger than %s, the most this upload accepts", name, humanBytes(limit))}
}

// humanBytes says a limit the way people set it: 25 MB, 1 GB, 300 bytes.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ctxReader stops a long upload once its request is gone.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("file id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// cleanName keeps the last element of a path a client sent (browsers on
// Windows may send C:\…), without control characters, within maxNameBytes.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// Get returns a file's metadata, removed or not.
func (s *Store) Get(ctx context.Context, id string) (File, error) {
	var f File
	var created string
	var removed sql.NullString
	err := s.db.Read.QueryRowContext(ctx,
		`SELECT id, owner, name, mime, size, sha256, created_at, removed_at FROM files WHERE id = ?`, id).
		Scan(&f.ID, &f.Owner, &f.Name, &f.MIME, &f.Size, &f.SHA256, &created, &removed)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, ErrNotFound
	}
	if err != nil {
		return File{}, fmt.Errorf("read file %s: %w", id, err)
	}
	if f.CreatedAt, err = store.ParseTime(created); err != nil {
		return File{}, fmt.Errorf("read file %s: %w", id, err)
	}
	if f.RemovedAt, err = store.NullTime(removed); err != nil {
		return File{}, fmt.Errorf("read file %s: %w", id, err)
	}
	return f, nil
}

// Open returns a file and its content; the caller closes the content.
// A removed file answers ErrUnavailable.
func (s *Store) Open(ctx context.Context, id string) (File, *os.File, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return File{}, nil, err
	}
	if f.Removed() {
		return f, nil, ErrUnavailable
	}
	content, err := os.Open(s.path(f.ID))
	if err != nil {
		return File{}, nil, fmt.Errorf("open file %s: %w", id, err)
	}
	return f, content, nil
}

// RemoveTx records in tx that a file is gone, for a caller that drops or
// replaces a file together with its own rows; Remove after the commit
// deletes the bytes.
func (s *Store) RemoveTx(ctx context.Context, tx *sql.Tx, id string) error {
	res, err := tx.ExecContext(ctx, `UPDATE files SET removed_at = coalesce(removed_at, ?) WHERE id = ?`,
		store.FormatTime(time.Now()), id)
	if err != nil {
		return fmt.Errorf("remove file %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove file %s: %w", id, err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Remove deletes a file's content and keeps its metadata, so links to it
// answer "this file is unavailable". Removing it again does nothing.
func (s *Store) Remove(ctx context.Context, id string) error {
	res, err := s.db.Write.ExecContext(ctx,
		`UPDATE files SET removed_at = coalesce(removed_at, ?) WHERE id = ?`,
		store.FormatTime(time.Now()), id)
	if err != nil {
		return fmt.Errorf("remove file %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove file %s: %w", id, err)
	} else if n == 0 {
		return ErrNotFound
	}
	// The row already says the file is gone, so a failure here leaves
	// only unreachable bytes, never a link to half a file.
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove file %s: %w", id, err)
	}
	return nil
}
