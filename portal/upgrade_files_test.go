package portal_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/servertest"
)

// oldFile is a file an earlier Parley kept in its own folder, before the
// one file store: where it lay, where it is downloaded and by whom.
type oldFile struct {
	path    string // under the data directory
	url     string
	staff   bool // downloaded by staff@example.org, else by anna@example.org, its owner
	content []byte
}

// pattern is n bytes after head that no sniffer names.
func pattern(head string, n int, seed byte) []byte {
	b := []byte(head)
	for i := range n {
		b = append(b, byte(i*7)^seed)
	}
	return b
}

// oldDataDir is the before-split fixture with what that version kept on
// disk beside its database: ticket 1 (anna's) has a picture and an internal
// note from staff and a file of anna's whose type nobody can tell (the
// policy of its day let it through; a move must not lose it), and the
// processed diagnostics upload 1 has a log and a binary trace, already
// redacted (the marker file says so).
func oldDataDir(t *testing.T) (string, []oldFile) {
	t.Helper()
	dir := servertest.DataDirFixture(t, "before-split")
	olds := []oldFile{
		{path: "files/tickets/1/1", url: "/support/tickets/1/files/1", content: pattern("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 5000, 1)},
		{path: "files/tickets/1/2", url: "/support/tickets/1/files/2", staff: true, content: []byte("internal: the customer's server is 4.1, not 4.2\n")},
		{path: "files/tickets/1/3", url: "/support/tickets/1/files/3", content: pattern("\x00\x01\x02\x03", 3000, 2)},
		{path: "files/diagnostics/1/original/0", url: "/diagnostics/1/files/0", content: []byte("05-01 10:00:00.000  4242  4300 I Sync: fine happened\n05-01 10:00:01.000  4242  4300 E Parley: boom happened\n")},
		{path: "files/diagnostics/1/original/1", url: "/diagnostics/1/files/1", content: pattern("\xfe\xed", 4000, 3)},
	}
	for _, f := range olds {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.content, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "files/diagnostics/1/original/.redacted"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	// The rows that version wrote, in its schema (no file_id yet).
	db, err := sql.Open("sqlite", filepath.Join(dir, server.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const at = "2026-12-06T18:40:00.000000Z"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO ticket_attachments (id, ticket_id, post_id, uploader_id, name, mime, size, internal, created_at)
			VALUES (1, 1, 1, 2, 'скриншот 1.png', 'image/png', ?, 0, ?)`, []any{len(olds[0].content), at}},
		{`INSERT INTO ticket_attachments (id, ticket_id, post_id, uploader_id, name, mime, size, internal, created_at)
			VALUES (2, 1, 1, 2, 'notes.txt', 'text/plain; charset=utf-8', ?, 1, ?)`, []any{len(olds[1].content), at}},
		{`INSERT INTO ticket_attachments (id, ticket_id, post_id, uploader_id, name, mime, size, internal, created_at)
			VALUES (3, 1, NULL, 3, 'trace.bin', 'application/octet-stream', ?, 0, ?)`, []any{len(olds[2].content), at}},
		{`INSERT INTO diag_originals (upload_id, n, name, size) VALUES (1, 1, 'trace.bin', ?)`, []any{len(olds[4].content)}},
		{`UPDATE diag_originals SET size = ? WHERE upload_id = 1 AND n = 0`, []any{len(olds[3].content)}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return dir, olds
}

// copiesInStore counts the objects in the file store holding exactly content.
func copiesInStore(t *testing.T, env *servertest.Env, content []byte) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(env.DataDir, "files", "store"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Equal(b, content) {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// recorded counts the file store's rows of content, removed or not.
func recorded(t *testing.T, env *servertest.Env, content []byte) int64 {
	t.Helper()
	sum := sha256.Sum256(content)
	return env.Count("SELECT count(*) FROM files WHERE sha256 = ?", hex.EncodeToString(sum[:]))
}

// waitOriginalsMoved waits for the diagnostics worker's move at start: no
// original left to copy, no old folder left to tidy.
func waitOriginalsMoved(t *testing.T, env *servertest.Env) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(env.DataDir, "files", "diagnostics", "1", "original"))
		if env.Count("SELECT count(*) FROM diag_originals WHERE file_id IS NULL AND size > 0") == 0 && os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the diagnostics originals were not moved within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkDownloads fetches every old file at its old URL, as the person who
// may, and compares every byte.
func checkDownloads(t *testing.T, env *servertest.Env, olds []oldFile) {
	t.Helper()
	anna := signInBrowser(t, env, "anna@example.org", "anna-pass-1")
	staff := signInBrowser(t, env, "staff@example.org", "staff-pass-1")
	for _, f := range olds {
		c := anna
		if f.staff {
			c = staff
		}
		resp, body := env.Page(c, "GET", f.url, nil)
		if resp.StatusCode != http.StatusOK || body != string(f.content) {
			t.Errorf("%s: status %d, %d bytes, want the %d of %s", f.url, resp.StatusCode, len(body), len(f.content), f.path)
		}
		// Redaction changes what a diagnostics original's URL answers, so
		// no browser may keep an earlier answer without asking.
		if cc := resp.Header.Get("Cache-Control"); strings.HasPrefix(f.url, "/diagnostics/") && cc != "private, no-cache" {
			t.Errorf("%s: Cache-Control %q", f.url, cc)
		}
	}
	// The internal note stays staff's.
	if resp, _ := env.Page(anna, "GET", olds[1].url, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("anna downloads the internal note: %d", resp.StatusCode)
	}
}

// An old data directory's ticket attachments and diagnostics originals move
// into the file store at the first start: every byte answers at its old
// URL (a range too, over real HTTP), each file is stored once, the old
// folders are gone, and a second start changes nothing.
func TestOldTicketAndDiagnosticsFilesMoveIntoTheFileStore(t *testing.T) {
	t.Parallel()
	dir, olds := oldDataDir(t)
	env := servertest.Start(t, servertest.Options{DataDir: dir, Mounts: []server.Mount{portal.Mount}})
	waitOriginalsMoved(t, env)
	checkDownloads(t, env, olds)
	for _, f := range olds {
		if _, err := os.Stat(filepath.Join(dir, f.path)); !os.IsNotExist(err) {
			t.Errorf("%s is still in its old place: %v", f.path, err)
		}
		if n, rows := copiesInStore(t, env, f.content), recorded(t, env, f.content); n != 1 || rows != 1 {
			t.Errorf("%s: %d copies in the file store, %d rows; want 1 and 1", f.path, n, rows)
		}
	}
	for _, gone := range []string{"files/tickets", "files/diagnostics/1/original"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("the old folder %s is still there: %v", gone, err)
		}
	}
	if n := env.Count("SELECT count(*) FROM ticket_attachments WHERE file_id IS NULL"); n != 0 {
		t.Errorf("%d attachments not linked to the file store", n)
	}

	// A range of the picture, as a browser resuming a download asks.
	anna := signInBrowser(t, env, "anna@example.org", "anna-pass-1")
	picture := olds[0].content
	for _, tc := range []struct {
		rng, span string
		want      []byte
	}{
		{"bytes=100-199", "bytes 100-199/" + strconv.Itoa(len(picture)), picture[100:200]},
		{"bytes=-10", "bytes " + strconv.Itoa(len(picture)-10) + "-" + strconv.Itoa(len(picture)-1) + "/" + strconv.Itoa(len(picture)), picture[len(picture)-10:]},
	} {
		resp, body := env.Page(anna, "GET", olds[0].url, nil, "Range", tc.rng)
		if resp.StatusCode != http.StatusPartialContent || body != string(tc.want) || resp.Header.Get("Content-Range") != tc.span {
			t.Errorf("Range %s: status %d, Content-Range %q, %d bytes", tc.rng, resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
		}
	}
	if cd := func() string {
		resp, _ := env.Page(anna, "GET", olds[0].url, nil)
		return resp.Header.Get("Content-Disposition")
	}(); cd !=
		`inline; filename="________ 1.png"; filename*=UTF-8''%D1%81%D0%BA%D1%80%D0%B8%D0%BD%D1%88%D0%BE%D1%82%201.png` {
		t.Errorf("the picture downloads as %q", cd)
	}

	before := env.Count("SELECT count(*) FROM files")
	env = env.Restart()
	waitOriginalsMoved(t, env)
	if after := env.Count("SELECT count(*) FROM files"); after != before {
		t.Errorf("a second start changed the file store from %d to %d files", before, after)
	}
	checkDownloads(t, env, olds)
}

// A move cut short resumes without loss or duplicates. The first start
// fails the second step of every move (recording the copy), as a crash
// there would leave it; the files stay reachable where they were, and
// nothing is in the file store. The next start moves them; one after a
// crash between recording and deleting the old file only deletes it.
func TestInterruptedFileMoveResumesWithoutLossOrDuplicates(t *testing.T) {
	t.Parallel()
	dir, olds := oldDataDir(t)
	db, err := sql.Open("sqlite", filepath.Join(dir, server.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TRIGGER fail_ticket_move BEFORE UPDATE ON ticket_attachments WHEN OLD.ticket_id = 1
			BEGIN SELECT RAISE(ABORT, 'the server stopped before recording the move'); END`,
		`CREATE TRIGGER fail_original_move BEFORE UPDATE ON diag_originals WHEN OLD.upload_id = 1
			BEGIN SELECT RAISE(ABORT, 'the server stopped before recording the move'); END`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	env := servertest.Start(t, servertest.Options{DataDir: dir, Mounts: []server.Mount{portal.Mount}})
	// The worker moves originals before it processes new uploads: once
	// this one is processed, the move has been tried. A binary trace no
	// sniffer names is taken, as diagnostics take every file.
	probe := pattern("\x00\x00\xca\xfe", 2000, 9)
	anna := env.Login("anna@example.org", "anna-pass-1", nil)
	waitReady(t, env, anna, apiUpload(t, env, anna, "probe.trace", probe))
	for _, f := range olds {
		if _, err := os.Stat(filepath.Join(dir, f.path)); err != nil {
			t.Errorf("%s left its old place although its move failed: %v", f.path, err)
		}
		if n, rows := copiesInStore(t, env, f.content), recorded(t, env, f.content); n != 0 || rows != 0 {
			t.Errorf("%s: a failed move left %d copies and %d rows in the file store", f.path, n, rows)
		}
	}
	checkDownloads(t, env, olds) // served from where they are

	for _, trigger := range []string{"fail_ticket_move", "fail_original_move"} {
		if _, err := env.Server.DB.Write.Exec("DROP TRIGGER " + trigger); err != nil {
			t.Fatal(err)
		}
	}
	env = env.Restart()
	waitOriginalsMoved(t, env)
	check := func(when string) {
		t.Helper()
		for _, f := range olds {
			if _, err := os.Stat(filepath.Join(dir, f.path)); !os.IsNotExist(err) {
				t.Errorf("%s: %s is still in its old place: %v", when, f.path, err)
			}
			if n, rows := copiesInStore(t, env, f.content), recorded(t, env, f.content); n != 1 || rows != 1 {
				t.Errorf("%s: %s has %d copies in the file store and %d rows; want 1 and 1", when, f.path, n, rows)
			}
		}
		checkDownloads(t, env, olds)
	}
	check("resumed")

	// A crash after the copy was recorded but before the old file was
	// deleted: the old files are back where they were.
	for _, f := range olds {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.content, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	env = env.Restart()
	waitOriginalsMoved(t, env)
	check("after a crash between recording and deleting")
}
