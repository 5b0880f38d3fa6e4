package diagnostics

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"parley/ingest"
)

// An upload's files are kept only redacted (ingest.Redactor.Text and
// JSON): once an upload is processed, each original is replaced by a copy
// in the same format with its secrets replaced, and the raw file is gone.
// A zip becomes a zip of its redacted members (a member that is itself an
// archive is left out, as processing leaves it out); a .gz becomes the gzip
// of its redacted content. An original that cannot be redacted is deleted
// rather than kept raw. The marker file redactedMarker says an upload's
// originals are done, so that the start-up job redacts only the uploads
// stored before this existed.

const redactedMarker = ".redacted"

// sessionCookie is the name of this server's session cookie
// (accounts.SessionCookie), whose values in an upload are live sessions'
// credentials.
const sessionCookie = "parley_session"

// sessionsEndedKind is the line of an upload's redaction report that
// counts the live sessions ended because the upload held their tokens; the
// triage page says so at the top.
const sessionsEndedKind = "live session ended"

// redactOriginals replaces every original of an upload by its redacted
// copy and records the new sizes. It ends the live sessions of this server
// whose token or cookie an original holds (Options.EndSession) and
// returns how many it ended.
func (s *Service) redactOriginals(ctx context.Context, id int64) (int, error) {
	originals, err := s.Originals(ctx, id)
	if err != nil {
		return 0, err
	}
	var credentials []string
	for _, o := range originals {
		path := s.originalPath(id, o.N)
		size, found, err := redactFile(path, o.Name)
		credentials = append(credentials, found...)
		if err != nil {
			s.log.Warn("an original could not be redacted; deleted instead", "upload", id, "file", o.N, "err", err)
			if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				return 0, fmt.Errorf("delete unredactable original: %w", rerr)
			}
			size = 0
		}
		if _, err := s.db.Write.ExecContext(ctx, "UPDATE diag_originals SET size = ? WHERE upload_id = ? AND n = ?", size, id, o.N); err != nil {
			return 0, fmt.Errorf("record redacted size: %w", err)
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
	return ended, os.WriteFile(filepath.Join(s.uploadDir(id), "original", redactedMarker), nil, 0o640)
}

// redactFile replaces the file at path with its redacted copy and returns
// the new size and the session cookies and bearer tokens it held.
func redactFile(path, name string) (int64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	tmp, err := os.CreateTemp(filepath.Dir(path), ".redacting-*")
	if err != nil {
		return 0, nil, err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
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
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, red.Credentials(), fmt.Errorf("redact %s: %w", name, err)
	}
	tst, err := os.Stat(tmp.Name())
	if err != nil {
		return 0, red.Credentials(), err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, red.Credentials(), err
	}
	return tst.Size(), red.Credentials(), nil
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
// originals were redacted: each processed upload without the marker has
// its originals redacted now (or deleted where that fails).
func (s *Service) redactStoredOriginals(ctx context.Context) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id FROM diag_uploads WHERE status <> 'processing' ORDER BY id")
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
		if _, err := os.Stat(filepath.Join(s.uploadDir(id), "original", redactedMarker)); err == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(s.uploadDir(id), "original")); err != nil {
			continue // no files kept (retention)
		}
		if _, err := s.redactOriginals(ctx, id); err != nil {
			s.log.Error("redact the originals of an earlier upload", "upload", id, "err", err)
			continue
		}
		s.log.Info("redacted the originals of an earlier upload", "upload", id)
	}
}
