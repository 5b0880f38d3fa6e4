package diagnostics

import (
	"context"
	"database/sql"
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

	"parley/ingest"
	"parley/server/files"
	"parley/server/store"
	"parley/server/web"
)

// Upload is one upload as lists and the triage page show it.
type Upload struct {
	ID         int64
	UploaderID int64
	Uploader   string
	Name       string
	Size       int64
	Status     string // processing, ready, partial (ready, some files unread) or failed
	Error      string
	Env        ingest.Environment
	// OtherEnvs are the environments of files from other platforms than
	// Env's (an Android log and an iOS crash in one upload), one per platform.
	OtherEnvs []ingest.Environment
	// EnvFiles are the files each environment is from: Env's, then each
	// of OtherEnvs' (empty for uploads processed before this was kept).
	EnvFiles   [][]string
	Redactions []ingest.Redaction
	Events     int
	Levels     map[string]int
	Crashes    int
	Findings   int
	First      time.Time
	Last       time.Time
	CreatedAt  time.Time
	Network    NetworkView
	Calls      CallView
}

// ErrNotFound means no upload with that id, or none this person may see.
var ErrNotFound = errors.New("no such upload")

// IncomingFile is one file of a new upload, read as a stream.
type IncomingFile struct {
	Name string
	Body io.Reader
}

// Create stores the files of a new upload in the file store, records it
// and queues it for processing. The whole upload may hold at most
// MaxUploadBytes. Its files are recorded together with the upload, in one
// transaction, so a refused or interrupted upload leaves nothing.
func (s *Service) Create(ctx context.Context, uploaderID int64, next func() (*IncomingFile, error)) (int64, error) {
	var id int64
	err := s.db.Write.QueryRowContext(ctx, `INSERT INTO diag_uploads (uploader_id, name, size, status, created_at)
		VALUES (?, '', 0, 'processing', ?) RETURNING id`, uploaderID, store.FormatTime(s.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create upload: %w", err)
	}
	var staged []*files.Pending
	cleanup := func() {
		for _, p := range staged {
			p.Discard()
		}
		os.RemoveAll(s.uploadDir(id))
		s.db.Write.ExecContext(context.WithoutCancel(ctx), "DELETE FROM diag_uploads WHERE id = ?", id)
	}
	owner, err := s.owner(ctx, uploaderID)
	if err != nil {
		cleanup()
		return 0, err
	}
	if err := os.MkdirAll(s.uploadDir(id), 0o750); err != nil {
		cleanup()
		return 0, fmt.Errorf("create upload directory: %w", err)
	}
	var total int64
	var names []string
	for n := 0; ; n++ {
		f, err := next()
		if err != nil {
			cleanup()
			return 0, err
		}
		if f == nil {
			break
		}
		name := cleanName(f.Name, n)
		p, err := s.stageOriginal(ctx, owner, name, f.Body, MaxUploadBytes-total)
		if err != nil {
			cleanup()
			return 0, err
		}
		staged = append(staged, p)
		total += p.Size
		names = append(names, name)
	}
	if len(names) == 0 {
		cleanup()
		return 0, ErrNoFiles
	}
	label := names[0]
	if len(names) > 1 {
		label = fmt.Sprintf("%s (+%d)", names[0], len(names)-1)
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		for n, p := range staged {
			if err := p.Record(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO diag_originals (upload_id, n, name, size, file_id) VALUES (?, ?, ?, ?, ?)",
				id, n, names[n], p.Size, p.ID); err != nil {
				return fmt.Errorf("record file: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE diag_uploads SET name = ?, size = ? WHERE id = ?", label, total, id)
		return err
	})
	if err != nil {
		cleanup()
		return 0, fmt.Errorf("record upload: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default: // the worker is already due to look
	}
	return id, nil
}

// owner is how the file store names a person: their HUID.
func (s *Service) owner(ctx context.Context, userID int64) (string, error) {
	var huid string
	err := s.db.Read.QueryRowContext(ctx, "SELECT huid FROM users WHERE id = ?", userID).Scan(&huid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil // the account is gone; the upload stays support's
	}
	if err != nil {
		return "", fmt.Errorf("find uploader %d: %w", userID, err)
	}
	return huid, nil
}

// Upload errors a person can act on.
var (
	ErrNoFiles  = web.Errorf(http.StatusBadRequest, "invalid", "diag.err.no_files", "the upload holds no files")
	ErrTooLarge = &web.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Key: "diag.err.too_large",
		Args: []any{MaxUploadBytes >> 20}, Message: fmt.Sprintf("the upload is larger than %d MB", MaxUploadBytes>>20)}
	ErrEmpty = web.Errorf(http.StatusBadRequest, "invalid", "diag.err.empty", "a file of the upload is empty")
)

// stageOriginal streams one file into the file store, unrecorded. Trusted:
// people send support whatever their apps and systems export (binary logs,
// archives no sniffer names), and support must be able to read it all.
func (s *Service) stageOriginal(ctx context.Context, owner, name string, body io.Reader, room int64) (*files.Pending, error) {
	p, err := s.files.Stage(ctx, owner, name, body, max(room, 1), files.Trusted())
	var tooBig *http.MaxBytesError
	var he *web.HTTPError
	var ve *web.ValidationError
	switch {
	case err == nil && p.Size > room:
		p.Discard()
		return nil, ErrTooLarge
	case err == nil:
		return p, nil
	case errors.As(err, &tooBig), errors.As(err, &he) && he.Status == http.StatusRequestEntityTooLarge:
		return nil, ErrTooLarge
	case errors.As(err, &ve) && ve.Code == "empty":
		return nil, ErrEmpty
	}
	return nil, fmt.Errorf("store file: %w", err)
}

// cleanName keeps a file name for display and download: base name only.
func cleanName(name string, n int) string {
	name = filepath.Base(filepath.Clean("/" + name))
	if name == "/" || name == "." || name == "" {
		return fmt.Sprintf("file-%d", n+1)
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

func (s *Service) pending(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id FROM diag_uploads WHERE status = 'processing' AND size > 0 ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list pending uploads: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Service) markFailed(ctx context.Context, id int64, msg string) error {
	_, err := s.db.Write.ExecContext(ctx, "UPDATE diag_uploads SET status = 'failed', error = ?, processed_at = ? WHERE id = ?",
		msg, store.FormatTime(s.now()), id)
	return err
}

const uploadColumns = `u.id, u.uploader_id, coalesce(nullif(us.name, ''), us.email, us.login, ''), u.name, u.size, u.status, u.error,
	u.env, u.redactions, u.events, u.levels, u.crashes, u.findings, u.first_at, u.last_at, u.created_at, u.network, u.calls`

func scanUpload(row interface{ Scan(...any) error }) (Upload, error) {
	var u Upload
	var env, red, levels, first, last, created, network, calls string
	err := row.Scan(&u.ID, &u.UploaderID, &u.Uploader, &u.Name, &u.Size, &u.Status, &u.Error, &env, &red, &u.Events,
		&levels, &u.Crashes, &u.Findings, &first, &last, &created, &network, &calls)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read upload: %w", err)
	}
	if u.Status == "ready" && u.Error == partlyRead {
		// The table's status allows processing, ready and failed; an
		// upload read in part is a ready one with this reason.
		u.Status = "partial"
	}
	var se storedEnv
	json.Unmarshal([]byte(env), &se)
	u.Env, u.OtherEnvs = se.Environment, se.Others
	u.EnvFiles = append([][]string{se.Files}, se.OtherFiles...)
	json.Unmarshal([]byte(red), &u.Redactions)
	json.Unmarshal([]byte(levels), &u.Levels)
	json.Unmarshal([]byte(network), &u.Network)
	json.Unmarshal([]byte(calls), &u.Calls)
	u.First, _ = store.ParseTime(first)
	u.Last, _ = store.ParseTime(last)
	u.CreatedAt, _ = store.ParseTime(created)
	return u, nil
}

// Viewer is who asks: staff see every upload, others their own.
type Viewer struct {
	UserID int64
	Staff  bool
}

// Get loads one upload the viewer may see.
func (s *Service) Get(ctx context.Context, v Viewer, id int64) (Upload, error) {
	u, err := scanUpload(s.db.Read.QueryRowContext(ctx, "SELECT "+uploadColumns+
		" FROM diag_uploads u JOIN users us ON us.id = u.uploader_id WHERE u.id = ? AND u.size > 0", id))
	if err != nil {
		return u, err
	}
	if !v.Staff && u.UploaderID != v.UserID {
		return Upload{}, ErrNotFound // never confirm that someone else's upload exists
	}
	return u, nil
}

// ListFilter narrows the list of uploads.
type ListFilter struct {
	Status string // processing, ready, partial or failed; "" for all
	Text   string // part of the upload's name or of its uploader's name or e-mail
	Offset int
	Limit  int
}

// List returns the newest uploads the viewer may see that match f, and how
// many match in all.
func (s *Service) List(ctx context.Context, v Viewer, f ListFilter) ([]Upload, int, error) {
	where := " FROM diag_uploads u JOIN users us ON us.id = u.uploader_id WHERE u.size > 0"
	args := []any{}
	if !v.Staff {
		where += " AND u.uploader_id = ?"
		args = append(args, v.UserID)
	}
	switch f.Status {
	case "":
	case "ready", "partial":
		where += " AND u.status = 'ready' AND (u.error = ?) = ?"
		args = append(args, partlyRead, f.Status == "partial")
	default:
		where += " AND u.status = ?"
		args = append(args, f.Status)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(t) + "%"
		where += ` AND (u.name LIKE ? ESCAPE '\' OR us.name LIKE ? ESCAPE '\' OR us.email LIKE ? ESCAPE '\')`
		args = append(args, like, like, like)
	}
	var total int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*)"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count uploads: %w", err)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+uploadColumns+where+" ORDER BY u.id DESC LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list uploads: %w", err)
	}
	defer rows.Close()
	var out []Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// Original is one stored file of an upload.
type Original struct {
	N        int
	Name     string
	Size     int64  // 0 once its content is gone (it could not be redacted)
	FileID   string // in the file store; "" while still in its old place
	Redacted bool
}

// Originals lists an upload's files as they arrived.
func (s *Service) Originals(ctx context.Context, id int64) ([]Original, error) {
	rows, err := s.db.Read.QueryContext(ctx,
		"SELECT n, name, size, coalesce(file_id, ''), redacted FROM diag_originals WHERE upload_id = ? ORDER BY n", id)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	defer rows.Close()
	var out []Original
	for rows.Next() {
		var o Original
		if err := rows.Scan(&o.N, &o.Name, &o.Size, &o.FileID, &o.Redacted); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// openOriginal opens a stored file of an upload; the caller closes it. A
// file removed from the store answers files.ErrUnavailable.
func (s *Service) openOriginal(ctx context.Context, id int64, o Original) (*os.File, error) {
	if o.FileID == "" {
		f, err := os.Open(s.oldOriginalPath(id, o.N))
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		// Moved into the store since o was read (originals_move.go)?
		var fileID sql.NullString
		if err := s.db.Read.QueryRowContext(ctx, "SELECT file_id FROM diag_originals WHERE upload_id = ? AND n = ?",
			id, o.N).Scan(&fileID); err != nil || !fileID.Valid {
			return nil, files.ErrUnavailable
		}
		o.FileID = fileID.String
	}
	_, f, err := s.files.Open(ctx, o.FileID)
	return f, err
}
