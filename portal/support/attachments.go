package support

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"parley/server/files"
	"parley/server/store"
	"parley/server/web"
)

// Attachment limits. Logs and exports belong in a diagnostics upload, which
// takes up to a gigabyte; a ticket takes screenshots and documents.
const (
	MaxAttachmentBytes = 25 << 20
	MaxAttachments     = 10
)

// IncomingFile is a file a reply brings.
type IncomingFile struct {
	Name string
	Body io.Reader
}

// Attachment is a stored file of a ticket.
type Attachment struct {
	ID       int64
	TicketID int64
	PostID   int64
	Name     string
	MIME     string
	Size     int64
	Internal bool
	FileID   string // in the file store; "" while the file is still in its old place
}

// stagedFile is an incoming file checked and written to the file store,
// waiting to be recorded with its reply.
type stagedFile struct {
	name, mime string
	size       int64
	pending    *files.Pending
}

type staging []stagedFile

// stage checks every incoming file and streams it into the file store,
// unrecorded. Nothing is stored unless all of them pass, so a refused file
// never leaves half a reply.
func (s *Service) stage(ctx context.Context, uploaderID int64, in []IncomingFile) (staging, error) {
	if len(in) > MaxAttachments {
		return nil, invalid("files", "too_many", fmt.Sprintf("attach at most %d files to one reply", MaxAttachments))
	}
	var owner string
	if len(in) > 0 {
		var err error
		if owner, err = s.owner(ctx, uploaderID); err != nil {
			return nil, err
		}
	}
	var out staging
	for _, f := range in {
		sf, err := s.stageOne(ctx, owner, f)
		if err != nil {
			out.discard()
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

// owner is how the file store names a person: their HUID.
func (s *Service) owner(ctx context.Context, userID int64) (string, error) {
	var huid string
	err := s.db.Read.QueryRowContext(ctx, "SELECT huid FROM users WHERE id = ?", userID).Scan(&huid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil // the uploader's account is gone; the file stays the ticket's
	}
	if err != nil {
		return "", fmt.Errorf("find uploader %d: %w", userID, err)
	}
	return huid, nil
}

// stageOne checks a file with the desks' own words (a ticket points people
// with logs to a diagnostics upload), then lets the file store take it.
func (s *Service) stageOne(ctx context.Context, owner string, f IncomingFile) (stagedFile, error) {
	name := cleanFileName(f.Name)
	head := make([]byte, 3072)
	n, err := io.ReadFull(f.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return stagedFile{}, fmt.Errorf("read %s: %w", name, err)
	}
	head = head[:n]
	if n == 0 {
		return stagedFile{}, invalid("files", "empty", fmt.Sprintf("%s is empty", name))
	}
	mime, err := files.Sniff(bytes.NewReader(head))
	if err != nil {
		return stagedFile{}, err
	}
	switch {
	case files.Blocked(mime):
		return stagedFile{}, invalid("files", "forbidden_type",
			fmt.Sprintf("%s is refused: its content is %s, and programs, installers and scripts may not be attached", name, mime))
	case mime == files.Unknown:
		return stagedFile{}, invalid("files", "unknown_type",
			fmt.Sprintf("%s is refused: Parley cannot tell what kind of file it is; pack it into a zip archive", name))
	}
	p, err := s.store.Stage(ctx, owner, name, io.MultiReader(bytes.NewReader(head), f.Body), MaxAttachmentBytes)
	var he *web.HTTPError
	if errors.As(err, &he) && he.Status == http.StatusRequestEntityTooLarge {
		return stagedFile{}, invalid("files", "too_large", fmt.Sprintf("%s is larger than %d MB; send logs as a diagnostics upload instead", name, MaxAttachmentBytes>>20))
	}
	if err != nil {
		return stagedFile{}, err
	}
	return stagedFile{name: name, mime: mime, size: p.Size, pending: p}, nil
}

// commit records the staged files in the file store and as the reply's
// attachments, in tx.
func (st staging) commit(ctx context.Context, tx *sql.Tx, ticketID, postID, uploaderID int64, internal bool, now time.Time) error {
	for _, f := range st {
		if err := f.pending.Record(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ticket_attachments (ticket_id, post_id, uploader_id, name, mime, size, internal, created_at, file_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ticketID, postID, uploaderID, f.name, f.mime, f.size, internal, store.FormatTime(now), f.pending.ID)
		if err != nil {
			return fmt.Errorf("record attachment %s: %w", f.name, err)
		}
	}
	return nil
}

// done forgets the files after a successful commit, so discard keeps them.
func (st *staging) done() { *st = nil }

// discard removes the files of a reply that did not happen.
func (st staging) discard() {
	for _, f := range st {
		f.pending.Discard()
	}
}

func (st staging) names() []string {
	out := make([]string, len(st))
	for i, f := range st {
		out[i] = f.name
	}
	return out
}

// oldAttachmentPath is where attachments were kept before the file store
// (DATA/files/tickets/<ticket>/<id>); moveOldAttachments empties it.
func oldAttachmentPath(dir string, ticketID, id int64) string {
	return filepath.Join(dir, strconv.FormatInt(ticketID, 10), strconv.FormatInt(id, 10))
}

// cleanFileName keeps the last element of a name a browser sent, without
// control characters, so it is safe in pages and headers.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "file"
	}
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	return name
}

// Attachments lists the ticket's files the access may see.
func (s *Service) Attachments(ctx context.Context, access Access, ticketID int64) ([]Attachment, error) {
	q := "SELECT id, ticket_id, coalesce(post_id, 0), name, mime, size, internal, coalesce(file_id, '') FROM ticket_attachments WHERE ticket_id = ?"
	if access < AccessStaff {
		q += " AND internal = 0"
	}
	rows, err := s.db.Read.QueryContext(ctx, q+" ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.TicketID, &a.PostID, &a.Name, &a.MIME, &a.Size, &a.Internal, &a.FileID); err != nil {
			return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attachment finds a file of a ticket the viewer may see. Followers of a
// feature request read its thread but not the requester's files.
func (s *Service) Attachment(ctx context.Context, v Viewer, ticketID, id int64) (Attachment, error) {
	_, access, err := s.Get(ctx, v, ticketID)
	if err != nil {
		return Attachment{}, err
	}
	if access < AccessOwner {
		return Attachment{}, ErrNotFound
	}
	list, err := s.Attachments(ctx, access, ticketID)
	if err != nil {
		return Attachment{}, err
	}
	for _, a := range list {
		if a.ID == id {
			return a, nil
		}
	}
	return Attachment{}, ErrNotFound
}

// openOldAttachment opens a file the move at start could not take into the
// file store (it says why in the log): it is still served from where it was.
func (s *Service) openOldAttachment(a Attachment) (*os.File, error) {
	f, err := os.Open(oldAttachmentPath(s.oldFiles, a.TicketID, a.ID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, files.ErrUnavailable
	}
	if err != nil {
		return nil, fmt.Errorf("open attachment %d: %w", a.ID, err)
	}
	return f, nil
}
