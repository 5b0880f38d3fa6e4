package files_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"parley/server/files"
	"parley/server/store"
	"parley/server/web"
)

type fixture struct {
	db    *store.DB
	dir   string
	files *files.Store
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	tmp := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(tmp, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dir := filepath.Join(tmp, "files", "store")
	s, err := files.New(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, dir: dir, files: s}
}

// storedObjects counts the files on disk under the store, temporary ones
// included, and the rows recorded.
func (f fixture) storedObjects(t *testing.T) (onDisk, rows int) {
	t.Helper()
	err := filepath.WalkDir(f.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			onDisk++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Read.QueryRow("SELECT count(*) FROM files").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return onDisk, rows
}

// body is a generated file: a real header followed by n-len(header) bytes
// of a pattern, produced without ever holding it whole.
type body struct {
	header []byte
	n, off int64
	onRead func(off int64)
}

func newBody(header string, n int64) *body { return &body{header: []byte(header), n: n} }

func (b *body) Read(p []byte) (int, error) {
	if b.off >= b.n {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n-b.off {
		p = p[:b.n-b.off]
	}
	for i := range p {
		at := b.off + int64(i)
		if at < int64(len(b.header)) {
			p[i] = b.header[at]
		} else {
			p[i] = byte('a' + at%23)
		}
	}
	b.off += int64(len(p))
	if b.onRead != nil {
		b.onRead(b.off)
	}
	return len(p), nil
}

func (b *body) bytes(t *testing.T) []byte {
	t.Helper()
	all, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

const pdfHeader = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
const pngHeader = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

// Not parallel: it reads the process's memory statistics.
func TestPutStreamsALargeFileWithoutHoldingIt(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200 MB")
	}
	f := newFixture(t)
	const size = 200 << 20
	b := newBody(pdfHeader, size)
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peakInUse := before.HeapInuse
	next := int64(0)
	b.onRead = func(off int64) {
		if off >= next {
			next += 16 << 20
			runtime.ReadMemStats(&peak)
			peakInUse = max(peakInUse, peak.HeapInuse)
		}
	}
	got, err := f.files.Put(context.Background(), "alice", "big.pdf", b, files.MaxFileBytes)
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got.Size != size || got.MIME != "application/pdf" {
		t.Errorf("stored %d bytes as %q, want %d as application/pdf", got.Size, got.MIME, size)
	}
	// Holding the body would allocate 200 MB; streaming allocates buffers.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 16<<20 {
		t.Errorf("storing 200 MB allocated %d MB", allocated>>20)
	}
	if grew := int64(peakInUse) - int64(before.HeapInuse); grew > 16<<20 {
		t.Errorf("the heap grew by %d MB while storing 200 MB", grew>>20)
	}
	_, content, err := f.files.Open(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer content.Close()
	info, err := content.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != size {
		t.Errorf("on disk %d bytes, want %d", info.Size(), size)
	}
}

func TestPutRefusesAndLeavesNothing(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 8192)
	for i := range binary {
		binary[i] = byte(i * 7 % 256)
	}
	cases := []struct {
		name    string
		content io.Reader
		limit   int64
		status  int    // for HTTPError
		code    string // for ValidationError
		words   string
	}{
		{"limit exceeded mid-stream", newBody(pdfHeader, 5<<20), 1 << 20, http.StatusRequestEntityTooLarge, "", "larger than 1 MB"},
		{"limit exceeded within the first bytes", newBody(pdfHeader, 2000), 1000, http.StatusRequestEntityTooLarge, "", "larger than 1000 bytes"},
		{"windows program", bytes.NewReader(append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 5000)...)), 1 << 20, 0, "forbidden_type", "programs, installers and scripts"},
		{"shell script named as text", strings.NewReader("#!/bin/sh\nrm -rf ~\n"), 1 << 20, 0, "forbidden_type", "application/x-sh"},
		{"type cannot be determined", bytes.NewReader(binary), 1 << 20, 0, "unknown_type", "could not be determined"},
		{"empty", strings.NewReader(""), 1 << 20, 0, "empty", "is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			_, err := f.files.Put(context.Background(), "alice", "upload.txt", c.content, c.limit)
			if err == nil {
				t.Fatal("the file was stored")
			}
			var he *web.HTTPError
			var ve *web.ValidationError
			switch {
			case c.status != 0:
				if !errors.As(err, &he) || he.Status != c.status {
					t.Fatalf("err = %v, want status %d", err, c.status)
				}
			default:
				if !errors.As(err, &ve) || ve.Code != c.code {
					t.Fatalf("err = %v, want code %q", err, c.code)
				}
			}
			if !strings.Contains(err.Error(), c.words) || !strings.Contains(err.Error(), "upload.txt") {
				t.Errorf("err = %q, want it to name the file and say %q", err, c.words)
			}
			if onDisk, rows := f.storedObjects(t); onDisk != 0 || rows != 0 {
				t.Errorf("left %d files on disk and %d rows", onDisk, rows)
			}
		})
	}
}

// serve mounts the store as a caller would, answering errors by status.
func serve(t *testing.T, s *files.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := s.Get(r.Context(), strings.TrimPrefix(r.URL.Path, "/"))
		if err == nil {
			err = s.Serve(w, r, f)
		}
		var he *web.HTTPError
		switch {
		case errors.As(err, &he):
			http.Error(w, he.Message, he.Status)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestServeRanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	content := newBody(pngHeader, 10000).bytes(t)
	stored, err := f.files.Put(context.Background(), "alice", "photo.png", bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, f.files)
	cases := []struct {
		name   string
		rng    string
		status int
		want   []byte
		span   string
	}{
		{"whole", "", http.StatusOK, content, ""},
		{"first 100 bytes", "bytes=0-99", http.StatusPartialContent, content[:100], "bytes 0-99/10000"},
		{"middle", "bytes=5000-5009", http.StatusPartialContent, content[5000:5010], "bytes 5000-5009/10000"},
		{"last 500 bytes", "bytes=-500", http.StatusPartialContent, content[9500:], "bytes 9500-9999/10000"},
		{"past the end", "bytes=20000-", http.StatusRequestedRangeNotSatisfiable, nil, "bytes */10000"},
		{"garbage", "bytes=z-1", http.StatusRequestedRangeNotSatisfiable, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{}
			if c.rng != "" {
				h["Range"] = c.rng
			}
			resp, b := get(t, srv.URL+"/"+stored.ID, h)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			if c.want != nil && !bytes.Equal(b, c.want) {
				t.Errorf("got %d bytes, not the %d asked for", len(b), len(c.want))
			}
			if got := resp.Header.Get("Content-Range"); got != c.span {
				t.Errorf("Content-Range = %q, want %q", got, c.span)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}
}

func TestServeNamesAndTypes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := serve(t, f.files)
	cases := []struct {
		name, content string
		wantType      string
		disposition   string
		asciiName     string
	}{
		{"Отчёт за май.pdf", pdfHeader + "body", "application/pdf", "inline", "_____ __ ___.pdf"},
		{"фото \"1\".png", pngHeader + "body", "image/png", "inline", "____ _1_.png"},
		{"notes.txt", "the app crashes when I open a chat\n", "text/plain; charset=utf-8", "attachment", "notes.txt"},
		{"page.html", "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "application/octet-stream", "attachment", "page.html"},
		{"icon.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "application/octet-stream", "attachment", "icon.svg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stored, err := f.files.Put(context.Background(), "alice", c.name, strings.NewReader(c.content), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			resp, b := get(t, srv.URL+"/"+stored.ID, nil)
			if resp.StatusCode != http.StatusOK || string(b) != c.content {
				t.Fatalf("status %d, body %q", resp.StatusCode, b)
			}
			if got := resp.Header.Get("Content-Type"); got != c.wantType {
				t.Errorf("Content-Type = %q, want %q", got, c.wantType)
			}
			cd := resp.Header.Get("Content-Disposition")
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil {
				t.Fatalf("Content-Disposition %q: %v", cd, err)
			}
			// ParseMediaType prefers filename*, so this is the name a
			// browser shows.
			if disp != c.disposition || params["filename"] != c.name {
				t.Errorf("Content-Disposition %q reads as %s, %q; want %s, %q", cd, disp, params["filename"], c.disposition, c.name)
			}
			if !strings.Contains(cd, `filename="`+c.asciiName+`"`) {
				t.Errorf("Content-Disposition %q lacks the ASCII fallback %q", cd, c.asciiName)
			}
		})
	}
}

func TestRemovedFileIsUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	stored, err := f.files.Put(ctx, "alice", "report.pdf", strings.NewReader(pdfHeader+"body"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, f.files)
	if resp, _ := get(t, srv.URL+"/"+stored.ID, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("before removal: status %d", resp.StatusCode)
	}
	if err := f.files.Remove(ctx, stored.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.files.Remove(ctx, stored.ID); err != nil {
		t.Errorf("removing again: %v", err)
	}
	resp, b := get(t, srv.URL+"/"+stored.ID, nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(b), "this file is unavailable") {
		t.Errorf("after removal: status %d, %q", resp.StatusCode, b)
	}
	meta, err := f.files.Get(ctx, stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !meta.Removed() || meta.Name != "report.pdf" || meta.SHA256 != stored.SHA256 {
		t.Errorf("metadata after removal: %+v", meta)
	}
	if _, _, err := f.files.Open(ctx, stored.ID); !errors.Is(err, files.ErrUnavailable) {
		t.Errorf("Open after removal: %v", err)
	}
	if onDisk, rows := f.storedObjects(t); onDisk != 0 || rows != 1 {
		t.Errorf("after removal: %d files on disk, %d rows; want 0 and 1", onDisk, rows)
	}
	if err := f.files.Remove(ctx, strings.Repeat("0", 32)); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("removing an unknown file: %v", err)
	}
	if resp, _ := get(t, srv.URL+"/"+strings.Repeat("0", 32), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown file: status %d", resp.StatusCode)
	}
}

func TestConcurrentPutsKeepEachFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const n = 16
	stored := make([]files.File, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			content := fmt.Sprintf("file %d\n%s", i, strings.Repeat(fmt.Sprint(i), 50000))
			stored[i], errs[i] = f.files.Put(ctx, fmt.Sprint("user", i), fmt.Sprintf("f%d.txt", i), strings.NewReader(content), 1<<20)
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("put %d: %v", i, errs[i])
		}
		ids[stored[i].ID] = true
		_, content, err := f.files.Open(ctx, stored[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(content)
		content.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("file %d\n", i); !strings.HasPrefix(string(b), want) || int64(len(b)) != stored[i].Size {
			t.Errorf("file %d reads back %d bytes starting %q", i, len(b), b[:min(len(b), 12)])
		}
	}
	if len(ids) != n {
		t.Errorf("%d puts gave %d distinct ids", n, len(ids))
	}
	if onDisk, rows := f.storedObjects(t); onDisk != n || rows != n {
		t.Errorf("%d files on disk and %d rows, want %d", onDisk, rows, n)
	}
}

// Trusted callers (diagnostics, moves from older stores) keep what the
// policy refuses for chats; everything else is still checked.
func TestTrustedPutKeepsWhatThePolicyRefuses(t *testing.T) {
	t.Parallel()
	binary := make([]byte, 8192)
	for i := range binary {
		binary[i] = byte(i * 7 % 256)
	}
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 200)...)
	cases := []struct {
		name    string
		content []byte
		mime    string
		refused string // the code an untrusted Put answers
	}{
		{"binary trace no sniffer names", binary, files.Unknown, "unknown_type"},
		{"a program sent to support", elf, "application/x-executable", "forbidden_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			_, err := f.files.Put(ctx, "alice", "trace.bin", bytes.NewReader(c.content), 1<<20)
			var ve *web.ValidationError
			if !errors.As(err, &ve) || ve.Code != c.refused {
				t.Fatalf("untrusted Put: %v, want %s", err, c.refused)
			}
			stored, err := f.files.Put(ctx, "alice", "trace.bin", bytes.NewReader(c.content), 1<<20, files.Trusted())
			if err != nil {
				t.Fatal(err)
			}
			if stored.MIME != c.mime || stored.Size != int64(len(c.content)) {
				t.Errorf("stored as %q, %d bytes", stored.MIME, stored.Size)
			}
			_, content, err := f.files.Open(ctx, stored.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer content.Close()
			got, err := io.ReadAll(content)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.content) {
				t.Error("the stored bytes differ")
			}
			// Size limits and emptiness hold for trusted callers too.
			if _, err := f.files.Put(ctx, "alice", "trace.bin", bytes.NewReader(c.content), 100, files.Trusted()); err == nil {
				t.Error("a trusted Put over the limit was stored")
			}
			if _, err := f.files.Put(ctx, "alice", "empty.bin", strings.NewReader(""), 100, files.Trusted()); !errors.As(err, &ve) || ve.Code != "empty" {
				t.Errorf("a trusted empty Put: %v", err)
			}
			if onDisk, rows := f.storedObjects(t); onDisk != 1 || rows != 1 {
				t.Errorf("%d files on disk, %d rows; want the one stored", onDisk, rows)
			}
		})
	}
}

// A staged file is recorded only with the transaction of its caller: one
// rolled back or never begun leaves nothing once discarded, one committed
// is a file like any other, and removing one in a transaction that rolls
// back keeps it.
func TestStagedFilesFollowTheCallersTransaction(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		record bool // Record in a transaction
		commit bool
		rows   int
	}{
		{"discarded before recording", false, false, 0},
		{"recorded, rolled back", true, false, 0},
		{"recorded, committed", true, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			p, err := f.files.Stage(ctx, "alice", "shot.png", strings.NewReader(pngHeader+"body"), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if c.record {
				tx, err := f.db.Write.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Record(ctx, tx); err != nil {
					t.Fatal(err)
				}
				if c.commit {
					err = tx.Commit()
				} else {
					err = tx.Rollback()
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !c.commit {
				p.Discard()
			}
			if onDisk, rows := f.storedObjects(t); onDisk != c.rows || rows != c.rows {
				t.Fatalf("%d files on disk and %d rows, want %d", onDisk, rows, c.rows)
			}
			if !c.commit {
				return
			}
			tx, err := f.db.Write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.files.RemoveTx(ctx, tx, p.ID); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if got, err := f.files.Get(ctx, p.ID); err != nil || got.Removed() || got.SHA256 != p.SHA256 {
				t.Errorf("after a rolled back removal: %+v, %v", got, err)
			}
		})
	}
}

// A file being written when the server stopped is never recorded; the next
// start clears it away.
func TestNewClearsUnfinishedWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.files.Stage(ctx, "alice", "notes.txt", strings.NewReader("half of a file\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_ = p // the process stops here: neither recorded nor discarded
	if onDisk, _ := f.storedObjects(t); onDisk != 1 {
		t.Fatalf("%d files on disk before the restart, want the staged one", onDisk)
	}
	if _, err := files.New(ctx, f.db, f.dir); err != nil {
		t.Fatal(err)
	}
	if onDisk, rows := f.storedObjects(t); onDisk != 0 || rows != 0 {
		t.Errorf("after the restart: %d files on disk, %d rows", onDisk, rows)
	}
}

// Bytes put in place whose row never committed (a crash between Record and
// the commit), and bytes of a removed file whose deletion failed, are gone
// after a restart; recorded files keep theirs.
func TestNewSweepsContentNobodyCanReach(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	kept, err := f.files.Put(ctx, "alice", "kept.txt", strings.NewReader("a file to keep\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := f.files.Put(ctx, "alice", "gone.txt", strings.NewReader("a file removed\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	// Removed in the database only, as when deleting its bytes failed.
	if _, err := f.db.Write.Exec("UPDATE files SET removed_at = '2026-01-01T00:00:00Z' WHERE id = ?", gone.ID); err != nil {
		t.Fatal(err)
	}
	// Placed by Record, then the process died before the commit.
	p, err := f.files.Stage(ctx, "alice", "orphan.txt", strings.NewReader("never recorded\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := f.db.Write.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Record(ctx, tx); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if onDisk, _ := f.storedObjects(t); onDisk != 3 {
		t.Fatalf("%d files on disk before the restart, want 3", onDisk)
	}
	if _, err := files.New(ctx, f.db, f.dir); err != nil {
		t.Fatal(err)
	}
	if onDisk, _ := f.storedObjects(t); onDisk != 1 {
		t.Errorf("%d files on disk after the restart, want only the recorded one", onDisk)
	}
	_, r, err := f.files.Open(ctx, kept.ID)
	if err != nil {
		t.Fatalf("the recorded file after the sweep: %v", err)
	}
	data, _ := io.ReadAll(r)
	r.Close()
	if string(data) != "a file to keep\n" {
		t.Errorf("the recorded file reads %q", data)
	}
}
