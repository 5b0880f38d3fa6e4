package support

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"parley/server/files"
	"parley/server/store"
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
}

// stagedFile is an incoming file checked and written to a temporary place,
// waiting for its database row.
type stagedFile struct {
	name, mime, tmp string
	size            int64
}

type staging []stagedFile

// stage checks every incoming file and writes it aside. Nothing is stored
// unless all of them pass, so a refused file never leaves half a reply.
func (s *Service) stage(in []IncomingFile) (staging, error) {
	if len(in) > MaxAttachments {
		return nil, invalid("files", "too_many", fmt.Sprintf("attach at most %d files to one reply", MaxAttachments))
	}
	var out staging
	for _, f := range in {
		sf, err := s.stageOne(f)
		if err != nil {
			out.discard()
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

func (s *Service) stageOne(f IncomingFile) (stagedFile, error) {
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
	tmp, err := os.CreateTemp(s.files, ".incoming-*")
	if err != nil {
		return stagedFile{}, fmt.Errorf("store %s: %w", name, err)
	}
	size, err := io.Copy(tmp, io.LimitReader(io.MultiReader(bytes.NewReader(head), f.Body), MaxAttachmentBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && size > MaxAttachmentBytes {
		err = invalid("files", "too_large", fmt.Sprintf("%s is larger than %d MB; send logs as a diagnostics upload instead", name, MaxAttachmentBytes>>20))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return stagedFile{}, err
	}
	return stagedFile{name: name, mime: mime, tmp: tmp.Name(), size: size}, nil
}

// commit records the staged files in tx; done then moves them into place.
func (st staging) commit(ctx context.Context, tx *sql.Tx, dir string, ticketID, postID, uploaderID int64, internal bool, now time.Time) error {
	for i, f := range st {
		res, err := tx.ExecContext(ctx, `INSERT INTO ticket_attachments (ticket_id, post_id, uploader_id, name, mime, size, internal, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ticketID, postID, uploaderID, f.name, f.mime, f.size, internal, store.FormatTime(now))
		if err != nil {
			return fmt.Errorf("record attachment %s: %w", f.name, err)
		}
		id, _ := res.LastInsertId()
		final := attachmentPath(dir, ticketID, id)
		if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
			return fmt.Errorf("store attachment %s: %w", f.name, err)
		}
		// Moved before the transaction commits: a file without a row is
		// harmless, a row without its file is a broken download.
		if err := os.Rename(f.tmp, final); err != nil {
			return fmt.Errorf("store attachment %s: %w", f.name, err)
		}
		st[i].tmp = final
	}
	return nil
}

// done forgets the files after a successful commit, so discard keeps them.
func (st *staging) done() { *st = nil }

// discard removes the files of a reply that did not happen.
func (st staging) discard() {
	for _, f := range st {
		os.Remove(f.tmp)
	}
}

func (st staging) names() []string {
	out := make([]string, len(st))
	for i, f := range st {
		out[i] = f.name
	}
	return out
}

func attachmentPath(dir string, ticketID, id int64) string {
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
	q := "SELECT id, ticket_id, coalesce(post_id, 0), name, mime, size, internal FROM ticket_attachments WHERE ticket_id = ?"
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
		if err := rows.Scan(&a.ID, &a.TicketID, &a.PostID, &a.Name, &a.MIME, &a.Size, &a.Internal); err != nil {
			return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAttachment opens a file of a ticket the viewer may see. Followers of a
// feature request read its thread but not the requester's files.
func (s *Service) OpenAttachment(ctx context.Context, v Viewer, ticketID, id int64) (Attachment, *os.File, error) {
	_, access, err := s.Get(ctx, v, ticketID)
	if err != nil {
		return Attachment{}, nil, err
	}
	if access < AccessOwner {
		return Attachment{}, nil, ErrNotFound
	}
	list, err := s.Attachments(ctx, access, ticketID)
	if err != nil {
		return Attachment{}, nil, err
	}
	for _, a := range list {
		if a.ID == id {
			f, err := os.Open(attachmentPath(s.files, ticketID, id))
			if err != nil {
				return Attachment{}, nil, fmt.Errorf("open attachment %d: %w", id, err)
			}
			return a, f, nil
		}
	}
	return Attachment{}, nil, ErrNotFound
}
