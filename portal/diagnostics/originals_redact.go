package diagnostics

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"parley/ingest"
	"parley/server/files"
)

// An upload's files are kept only redacted (ingest.Redactor.Text and
// JSON): once an upload is processed, each original is replaced by a copy
// in the same format with its secrets replaced, and the raw file is gone.
// A zip becomes a zip of its redacted members (a member that is itself an
// archive is left out, as processing leaves it out); a .gz becomes the gzip
// of its redacted content. An original that cannot be redacted is removed
// from the file store rather than kept raw (its link then answers "this
// file is unavailable"). diag_originals.redacted says which originals are
// done, so that the start-up job redacts only those stored before this
// existed; before the file store, the marker file redactedMarker in an
// upload's original folder said so for the whole upload.

const redactedMarker = ".redacted"

// sessionCookie is the name of this server's session cookie
// (accounts.SessionCookie), whose values in an upload are live sessions'
// credentials.
const sessionCookie = "parley_session"

// sessionsEndedKind is the line of an upload's redaction report that
// counts the live sessions ended because the upload held their tokens; the
// triage page says so at the top.
const sessionsEndedKind = "live session ended"

// redactOriginals replaces every original of an upload not yet redacted by
// its redacted copy. It ends the live sessions of this server whose token or
// cookie an original holds (Options.EndSession) and returns how many it
// ended.
func (s *Service) redactOriginals(ctx context.Context, id int64) (int, error) {
	originals, err := s.Originals(ctx, id)
	if err != nil {
		return 0, err
	}
	var uploader int64
	if err := s.db.Read.QueryRowContext(ctx, "SELECT uploader_id FROM diag_uploads WHERE id = ?", id).Scan(&uploader); err != nil {
		return 0, fmt.Errorf("find the upload's owner: %w", err)
	}
	owner, err := s.owner(ctx, uploader)
	if err != nil {
		return 0, err
	}
	// Redaction's temporary copies are working files of the upload.
	if err := os.MkdirAll(s.uploadDir(id), 0o750); err != nil {
		return 0, fmt.Errorf("redact originals: %w", err)
	}
	var credentials []string
	for _, o := range originals {
		if o.Redacted {
			continue
		}
		found, err := s.redactOriginal(ctx, id, owner, o)
		credentials = append(credentials, found...)
		if err != nil {
			return 0, err
		}
	}
	ended := 0
	if s.endSession != nil {
		for _, c := range credentials {
			ok, err := s.endSession(ctx, c)
			if err != nil {
				return ended, fmt.Errorf("end a session found in the upload: %w", err)
			}
			if ok {
				ended++
			}
		}
		if ended > 0 {
			s.log.Warn("ended live sessions whose tokens were in an upload", "upload", id, "sessions", ended)
		}
	}
	return ended, nil
}

// redactOriginal replaces one original by its redacted copy: a new file in
// the store, put in the raw one's place in one transaction that also marks
// the raw one removed; its bytes are deleted after the commit. A restart
// before the commit leaves the raw original in place, to be redacted again.
func (s *Service) redactOriginal(ctx context.Context, id int64, owner string, o Original) ([]string, error) {
	var found []string
	var p *files.Pending
	src, err := s.openOriginal(ctx, id, o)
	if err == nil {
		var tmp string
		tmp, found, err = redactFile(src, s.uploadDir(id), o.Name)
		src.Close()
		if err == nil {
			p, err = s.stageRedacted(ctx, owner, o.Name, tmp)
			os.Remove(tmp)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return found, ctx.Err() // stopping: left raw, redacted at the next start
		}
		s.log.Warn("an original could not be redacted; deleted instead", "upload", id, "file", o.N, "err", err)
	}
	var newID any
	var size int64
	if p != nil {
		newID, size = p.ID, p.Size
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if p != nil {
			if err := p.Record(ctx, tx); err != nil {
				return err
			}
		}
		if o.FileID != "" {
			if err := s.files.RemoveTx(ctx, tx, o.FileID); err != nil {
				return err
			}
		}
		// A removed original keeps its link, so its download says it is
		// unavailable rather than unknown.
		_, err := tx.ExecContext(ctx, `UPDATE diag_originals SET file_id = coalesce(?, file_id), size = ?, redacted = 1
			WHERE upload_id = ? AND n = ?`, newID, size, id, o.N)
		return err
	})
	if err != nil {
		if p != nil {
			p.Discard()
		}
		return found, fmt.Errorf("record redacted original: %w", err)
	}
	if o.FileID != "" {
		err = s.files.Remove(ctx, o.FileID)
	} else if rerr := os.Remove(s.oldOriginalPath(id, o.N)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		return found, fmt.Errorf("delete raw original: %w", err)
	}
	return found, nil
}

// stageRedacted streams a redacted copy into the file store, unrecorded.
func (s *Service) stageRedacted(ctx context.Context, owner, name, path string) (*files.Pending, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return s.files.Stage(ctx, owner, name, f, max(st.Size(), 1), files.Trusted())
}

// redactFile writes the redacted copy of f to a new file in dir and returns
// its path and the session cookies and bearer tokens f held.
func redactFile(f *os.File, dir, name string) (string, []string, error) {
	st, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	tmp, err := os.CreateTemp(dir, ".redacting-*")
	if err != nil {
		return "", nil, err
	}
	red := ingest.NewRedactor()
	red.Watch(sessionCookie)
	switch {
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
		err = redactZip(tmp, f, st.Size(), red)
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		err = redactGzip(tmp, f, red)
	default:
		err = redactStream(tmp, func() (io.Reader, error) { _, err := f.Seek(0, io.SeekStart); return f, err }, red)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", red.Credentials(), fmt.Errorf("redact %s: %w", name, err)
	}
	return tmp.Name(), red.Credentials(), nil
}

// redactStream writes the redacted content of what open returns to dst:
// as JSON when it starts like JSON and reads as JSON to its end, else line
// by line. open is called again for the fallback.
func redactStream(dst *os.File, open func() (io.Reader, error), red *ingest.Redactor) error {
	src, err := open()
	if err != nil {
		return err
	}
	br := bufio.NewReader(src)
	head, _ := br.Peek(512)
	if t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		start, _ := dst.Seek(0, io.SeekCurrent)
		if err := red.JSON(dst, br); err == nil {
			return nil
		}
		// Not JSON to its end (a broken HAR): start again as text.
		if err := dst.Truncate(start); err != nil {
			return err
		}
		if _, err := dst.Seek(start, io.SeekStart); err != nil {
			return err
		}
		if src, err = open(); err != nil {
			return err
		}
		br = bufio.NewReader(src)
	}
	return red.Text(dst, br)
}

func redactGzip(dst *os.File, f *os.File, red *ingest.Redactor) error {
	body, err := os.CreateTemp(filepath.Dir(dst.Name()), ".redacting-*")
	if err != nil {
		return err
	}
	defer os.Remove(body.Name())
	defer body.Close()
	if err := redactStream(body, func() (io.Reader, error) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return gzip.NewReader(f)
	}, red); err != nil {
		return err
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	zw := gzip.NewWriter(dst)
	if _, err := io.Copy(zw, body); err != nil {
		return err
	}
	return zw.Close()
}

func redactZip(dst *os.File, f *os.File, size int64, red *ingest.Redactor) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(dst)
	for _, m := range zr.File {
		lower := strings.ToLower(m.Name)
		if m.FileInfo().IsDir() || strings.HasSuffix(lower, ".zip") || strings.HasSuffix(lower, ".gz") ||
			strings.HasPrefix(lower, "__macosx/") {
			continue // not read by processing either: not kept
		}
		body, err := os.CreateTemp(filepath.Dir(dst.Name()), ".redacting-*")
		if err != nil {
			return err
		}
		err = redactStream(body, func() (io.Reader, error) { return m.Open() }, red)
		if err == nil {
			_, err = body.Seek(0, io.SeekStart)
		}
		if err == nil {
			var w io.Writer
			w, err = zw.CreateHeader(&zip.FileHeader{Name: m.Name, Method: zip.Deflate, Modified: m.Modified})
			if err == nil {
				_, err = io.Copy(w, body)
			}
		}
		body.Close()
		os.Remove(body.Name())
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return zw.Close()
}

// redactStoredOriginals is the start-up job for uploads stored before
// originals were redacted: each processed upload with an original not yet
// redacted has it redacted now (or deleted where that fails).
func (s *Service) redactStoredOriginals(ctx context.Context) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT DISTINCT o.upload_id FROM diag_originals o
		JOIN diag_uploads u ON u.id = o.upload_id WHERE o.redacted = 0 AND u.status <> 'processing' ORDER BY 1`)
	if err != nil {
		s.log.Error("list uploads to redact", "err", err)
		return
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			s.log.Error("list uploads to redact", "err", err)
			break
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.redactOriginals(ctx, id); err != nil {
			s.log.Error("redact the originals of an earlier upload", "upload", id, "err", err)
			continue
		}
		s.log.Info("redacted the originals of an earlier upload", "upload", id)
	}
}
