package diagnostics

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parley/ingest"
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

// Create stores the files of a new upload on disk, records it and queues
// it for processing. The whole upload may hold at most MaxUploadBytes.
func (s *Service) Create(ctx context.Context, uploaderID int64, next func() (*IncomingFile, error)) (int64, error) {
	var id int64
	err := s.db.Write.QueryRowContext(ctx, `INSERT INTO diag_uploads (uploader_id, name, size, status, created_at)
		VALUES (?, '', 0, 'processing', ?) RETURNING id`, uploaderID, store.FormatTime(s.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create upload: %w", err)
	}
	cleanup := func() {
		os.RemoveAll(s.uploadDir(id))
		s.db.Write.ExecContext(context.WithoutCancel(ctx), "DELETE FROM diag_uploads WHERE id = ?", id)
	}
	if err := os.MkdirAll(filepath.Join(s.uploadDir(id), "original"), 0o750); err != nil {
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
		size, err := s.saveOriginal(id, n, f.Body, MaxUploadBytes-total)
		if err != nil {
			cleanup()
			return 0, err
		}
		total += size
		name := cleanName(f.Name, n)
		names = append(names, name)
		if _, err := s.db.Write.ExecContext(ctx, "INSERT INTO diag_originals (upload_id, n, name, size) VALUES (?, ?, ?, ?)",
			id, n, name, size); err != nil {
			cleanup()
			return 0, fmt.Errorf("record file: %w", err)
		}
	}
	if len(names) == 0 {
		cleanup()
		return 0, ErrNoFiles
	}
	label := names[0]
	if len(names) > 1 {
		label = fmt.Sprintf("%s (+%d)", names[0], len(names)-1)
	}
	if _, err := s.db.Write.ExecContext(ctx, "UPDATE diag_uploads SET name = ?, size = ? WHERE id = ?", label, total, id); err != nil {
		cleanup()
		return 0, fmt.Errorf("record upload: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default: // the worker is already due to look
	}
	return id, nil
}

// Upload errors a person can act on.
var (
	ErrNoFiles  = web.Errorf(http.StatusBadRequest, "invalid", "diag.err.no_files", "the upload holds no files")
	ErrTooLarge = &web.HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Key: "diag.err.too_large",
		Args: []any{MaxUploadBytes >> 20}, Message: fmt.Sprintf("the upload is larger than %d MB", MaxUploadBytes>>20)}
	ErrEmpty = web.Errorf(http.StatusBadRequest, "invalid", "diag.err.empty", "a file of the upload is empty")
)

func (s *Service) saveOriginal(id int64, n int, body io.Reader, room int64) (int64, error) {
	f, err := os.OpenFile(s.originalPath(id, n), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return 0, fmt.Errorf("store file: %w", err)
	}
	size, err := io.Copy(f, io.LimitReader(body, room+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return 0, ErrTooLarge
	case err != nil:
		return 0, fmt.Errorf("store file: %w", err)
	case size > room:
		return 0, ErrTooLarge
	case size == 0:
		return 0, ErrEmpty
	}
	return size, nil
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
	N    int
	Name string
	Size int64
}

// Originals lists an upload's files as they arrived.
func (s *Service) Originals(ctx context.Context, id int64) ([]Original, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT n, name, size FROM diag_originals WHERE upload_id = ? ORDER BY n", id)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	defer rows.Close()
	var out []Original
	for rows.Next() {
		var o Original
		if err := rows.Scan(&o.N, &o.Name, &o.Size); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OpenOriginal opens a stored file for download.
func (s *Service) OpenOriginal(id int64, n int) (*os.File, error) {
	return os.Open(s.originalPath(id, n))
}
