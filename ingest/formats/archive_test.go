package formats

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"parley/ingest"
)

const logcatSnippet = "05-01 10:00:00.000  1234  1250 I ActivityManager: Start proc 1234:ru.parley.app\n" +
	"05-01 10:00:01.000  1234  1250 E AndroidRuntime: FATAL EXCEPTION: main\n" +
	"05-01 10:00:01.000  1234  1250 E AndroidRuntime: java.lang.IllegalStateException: boom 42\n" +
	"05-01 10:00:01.000  1234  1250 E AndroidRuntime: \tat ru.parley.app.Main.onCreate(Main.java:10)\n"

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, data := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	w.Close()
	return b.Bytes()
}

func expandAll(t *testing.T, name string, data []byte, limits ingest.Limits) (map[string]string, []error) {
	t.Helper()
	members, skipped, err := ingest.Expand(name, bytes.NewReader(data), int64(len(data)), limits)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range members {
		rc, err := m.Open()
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		got[m.Name] = string(b)
	}
	return got, skipped
}

func TestExpandArchives(t *testing.T) {
	inner := zipOf(t, map[string][]byte{"deep.txt": []byte(logcatSnippet)})
	upload := zipOf(t, map[string][]byte{
		"app/logcat.txt":         []byte(logcatSnippet),
		"calls/internals.txt.gz": gz(t, []byte(`{"getUserMedia":[],"PeerConnections":{}}`)),
		"../../etc/passwd":       []byte("root:x:0:0"),
		"/abs/path.txt":          []byte("x"),
		`C:\windows\evil.txt`:    []byte("x"),
		"nested.zip":             inner,
		"doubly.gz":              gz(t, gz(t, []byte(logcatSnippet))),
	})
	got, skipped := expandAll(t, "upload.zip", upload, ingest.DefaultLimits)
	if got["upload.zip/app/logcat.txt"] != logcatSnippet {
		t.Errorf("plain member: %q", got["upload.zip/app/logcat.txt"])
	}
	if !strings.Contains(got["upload.zip/calls/internals.txt.gz"], "PeerConnections") {
		t.Errorf("gzipped member not decompressed: %q", got["upload.zip/calls/internals.txt.gz"])
	}
	var unsafe, nested int
	for _, e := range skipped {
		switch {
		case errors.Is(e, ingest.ErrUnsafePath):
			unsafe++
		case errors.Is(e, ingest.ErrNestedArchive):
			nested++
		default:
			t.Errorf("unexpected refusal: %v", e)
		}
	}
	if unsafe != 3 || nested != 2 {
		t.Errorf("refused %d unsafe paths (want 3) and %d nested archives (want 2): %v", unsafe, nested, skipped)
	}
	if len(got) != 2 {
		t.Errorf("members read: %v", got)
	}
}

func TestExpandRefusesBombs(t *testing.T) {
	big := bytes.Repeat([]byte{'A'}, 20<<20) // 20 MiB of one letter compresses ~1000×
	upload := zipOf(t, map[string][]byte{"bomb.txt": big, "ok.txt": []byte(logcatSnippet)})
	got, skipped := expandAll(t, "upload.zip", upload, ingest.DefaultLimits)
	if len(skipped) != 1 || !errors.Is(skipped[0], ingest.ErrBomb) || !strings.Contains(skipped[0].Error(), "bomb.txt") {
		t.Fatalf("bomb not refused by name: %v", skipped)
	}
	if got["upload.zip/ok.txt"] == "" {
		t.Error("the harmless member was lost with the bomb")
	}
	// Too many files: the rest are not read, and it is said.
	files := map[string][]byte{}
	for i := 0; i < 12; i++ {
		files[strings.Repeat("f", i+1)+".txt"] = []byte(logcatSnippet)
	}
	_, skipped = expandAll(t, "many.zip", zipOf(t, files), ingest.Limits{MaxFiles: 10, MaxFileBytes: 1 << 20, MaxTotal: 1 << 30, MaxRatio: 200})
	if len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "more than 10 files") {
		t.Fatalf("file count limit: %v", skipped)
	}
}

func TestGzipBombStopsWhileReading(t *testing.T) {
	// A gzip whose content is larger than allowed stops with ErrBomb
	// instead of being read to the end.
	data := gz(t, bytes.Repeat([]byte(logcatSnippet), 4000))
	old := ingest.DefaultLimits
	ingest.DefaultLimits.MaxFileBytes = 64 << 10
	defer func() { ingest.DefaultLimits = old }()
	_, err := ParseFile("big.log.gz", bytes.NewReader(data), nil)
	if !errors.Is(err, ingest.ErrBomb) || err.Error() != "big.log.gz: expands to more than 64 KiB; refused as a possible zip bomb" {
		t.Fatalf("err = %v, want the zip-bomb refusal", err)
	}
}

func TestParseFileDetectsByContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want ingest.Format
	}{
		{"notes.pdf", []byte(logcatSnippet), ingest.FormatLogcat},
		{"logcat.txt.gz", gz(t, []byte(logcatSnippet)), ingest.FormatLogcat},
	} {
		res, err := ParseFile(tc.name, bytes.NewReader(tc.data), nil)
		if err != nil || res.Format != tc.want || res.Events == 0 {
			t.Errorf("%s: format %q, %d events, err %v", tc.name, res.Format, res.Events, err)
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.log", nil, "empty"},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00garbage"), "not a diagnostics file"},
		{"upload.zip", zipOf(t, map[string][]byte{"a.txt": []byte("x")}), "Expand"},
	} {
		_, err := ParseFile(tc.name, bytes.NewReader(tc.data), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: err %v, want one naming the file and saying %q", tc.name, err, tc.want)
		}
	}
}

// entry is one member of a zip built in order by zipOrdered.
type entry struct {
	name string
	data []byte
}

// zipOrdered builds a zip with its members in the given order (zipOf
// follows a map's order).
func zipOrdered(t *testing.T, files ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range files {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombLog is n bytes of one short logcat line repeated: it parses, and
// compresses about 1000 times.
func bombLog(n int) []byte {
	line := "05-01 10:00:00.000  1  1 I A: x\n"
	return bytes.Repeat([]byte(line), n/len(line))
}

// variedLog is about n bytes of logcat lines that compress like real logs
// (a few times), the same for the same seed.
func variedLog(n int, seed int64) []byte {
	var b bytes.Buffer
	rnd := rand.New(rand.NewSource(seed))
	for b.Len() < n {
		fmt.Fprintf(&b, "05-01 10:%02d:%02d.%03d  %d  %d I Tag%d: message %d value=%x\n", rnd.Intn(60), rnd.Intn(60),
			rnd.Intn(1000), 1000+rnd.Intn(100), 1000+rnd.Intn(200), rnd.Intn(20), rnd.Intn(1e6), rnd.Int63())
	}
	return b.Bytes()
}

// countingSource counts the bytes read from it.
type countingSource struct {
	r io.Reader
	n int64
}

func (c *countingSource) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestParseFileRefusesGzipBombByRatio(t *testing.T) {
	// 64 MiB that compress ~1000×: under the 8 GiB cap, over the ratio.
	data := gz(t, bombLog(64<<20))
	src := &countingSource{r: bytes.NewReader(data)}
	events := 0
	res, err := ParseFile("bomb.log.gz", src, func(*ingest.Event) error { events++; return nil })
	if err == nil || !errors.Is(err, ingest.ErrBomb) || !strings.Contains(err.Error(), "bomb.log.gz") ||
		!strings.Contains(err.Error(), "200 times its compressed size") {
		t.Fatalf("err = %v, want the ratio refusal naming the file", err)
	}
	if len(res.Errors) != 0 {
		t.Errorf("the refusal is the error returned, not a parse error too: %v", res.Errors)
	}
	if res.Events != events || events == 0 || events > 4<<20/32 {
		t.Errorf("%d events (sink saw %d): the refusal should come after about 1 MiB of output", res.Events, events)
	}
	if src.n > int64(len(data))/2 {
		t.Errorf("read %d of %d compressed bytes before refusing", src.n, len(data))
	}

	// Real logs compress a few times and are read whole, however large.
	plain := variedLog(3<<20, 1)
	res, err = ParseFile("big.log.gz", bytes.NewReader(gz(t, plain)), nil)
	if err != nil || res.Events != bytes.Count(plain, []byte("\n")) {
		t.Fatalf("ordinary gzip: %d events, err %v", res.Events, err)
	}
}

func TestExpandTotalCountsUncompressedOutput(t *testing.T) {
	// Three gzipped members of 2 MiB each: their zip headers say ~0.7 MiB
	// each (the gzip size), the real output is 6 MiB, over a 5 MiB total.
	var files []entry
	sizes := map[string]int{}
	for i := 0; i < 3; i++ {
		log := variedLog(2<<20, int64(i))
		name := fmt.Sprintf("part%d.log.gz", i)
		files = append(files, entry{name, gz(t, log)})
		sizes["upload.zip/"+name] = len(log)
	}
	limits := ingest.Limits{MaxFiles: 10, MaxFileBytes: 1 << 30, MaxTotal: 5 << 20, MaxRatio: 200}
	got, skipped := expandAll(t, "upload.zip", zipOrdered(t, files...), limits)
	var total int
	for _, s := range got {
		total += len(s)
	}
	if len(got) != 2 || len(skipped) != 1 || !errors.Is(skipped[0], ingest.ErrBomb) ||
		!strings.Contains(skipped[0].Error(), "upload.zip/part2.log.gz") || !strings.Contains(skipped[0].Error(), "5 MiB") {
		t.Fatalf("read %d members (%d bytes), refusals %v; want the third refused for the 5 MiB total", len(got), total, skipped)
	}
	// A budget of exactly the real output is enough.
	limits.MaxTotal = int64(sizes["upload.zip/part0.log.gz"] + sizes["upload.zip/part1.log.gz"] + sizes["upload.zip/part2.log.gz"])
	got, skipped = expandAll(t, "upload.zip", zipOrdered(t, files...), limits)
	if len(got) != 3 || len(skipped) != 0 {
		t.Fatalf("exact budget: read %d members, refusals %v", len(got), skipped)
	}
	for name, s := range got {
		if len(s) != sizes[name] {
			t.Errorf("%s: %d bytes, want %d", name, len(s), sizes[name])
		}
	}
	// Once the budget is spent, ParseFile says so for the member it cut.
	limits.MaxTotal = 3 << 20
	members, _, err := ingest.Expand("upload.zip", bytes.NewReader(zipOrdered(t, files...)), int64(len(zipOrdered(t, files...))), limits)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for _, m := range members {
		rc, err := m.Open()
		if err == nil {
			_, err = ParseFile(m.Name, rc, nil)
			rc.Close()
		}
		errs = append(errs, err)
	}
	if len(errs) != 3 || errs[0] != nil || !errors.Is(errs[1], ingest.ErrBomb) || !errors.Is(errs[2], ingest.ErrBomb) ||
		!strings.HasPrefix(errs[1].Error(), "upload.zip/part1.log.gz:") {
		t.Fatalf("parse errors with a 3 MiB total: %v", errs)
	}
}

func TestExpandSkipsMacOSMetadata(t *testing.T) {
	upload := zipOrdered(t,
		entry{"logs/", nil},
		entry{"logs/logcat.txt", []byte(logcatSnippet)},
		entry{"logs/.DS_Store", []byte("Bud1\x00\x00\x10\x00")},
		entry{".DS_Store", []byte("Bud1\x00\x00\x10\x00")},
		entry{"logs/._logcat.txt", []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")},
		entry{"__MACOSX/", nil},
		entry{"__MACOSX/logs/", nil},
		entry{"__MACOSX/logs/._logcat.txt", []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")},
		entry{"__MACOSX/._logs", []byte("\x00\x05\x16\x07")},
		entry{"crash/tombstone_00", []byte(logcatSnippet)},
	)
	members, skipped, err := ingest.Expand("upload.zip", bytes.NewReader(upload), int64(len(upload)), ingest.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	if strings.Join(names, " ") != "upload.zip/logs/logcat.txt upload.zip/crash/tombstone_00" || len(skipped) != 0 {
		t.Fatalf("members %q, refusals %v; want the two logs and nothing said about macOS metadata", names, skipped)
	}
	// The metadata does not count toward the file limit either.
	_, skipped, _ = ingest.Expand("upload.zip", bytes.NewReader(upload), int64(len(upload)), ingest.Limits{MaxFiles: 2, MaxFileBytes: 1 << 20, MaxTotal: 1 << 20, MaxRatio: 200})
	if len(skipped) != 0 {
		t.Fatalf("file limit counted macOS metadata: %v", skipped)
	}
}

func TestNestedArchivesRefusedOthersIngested(t *testing.T) {
	innerZip := zipOf(t, map[string][]byte{"deep.txt": []byte(logcatSnippet)})
	upload := zipOrdered(t,
		entry{"a.txt", []byte(logcatSnippet)},
		entry{"inner.zip", innerZip},                        // zip in zip
		entry{"b.txt", []byte(logcatSnippet)},               //
		entry{"zip.gz", gz(t, innerZip)},                    // zip in gz in zip
		entry{"c.txt", []byte(logcatSnippet)},               //
		entry{"gz.gz", gz(t, gz(t, []byte(logcatSnippet)))}, // gz in gz in zip
		entry{"renamed.txt", innerZip},                      // found by content, not name
		entry{"d.log.gz", gz(t, []byte(logcatSnippet))},     // one level of gzip: read
		entry{"e.txt", []byte(logcatSnippet)},
	)
	members, skipped, err := ingest.Expand("upload.zip", bytes.NewReader(upload), int64(len(upload)), ingest.DefaultLimits)
	if err != nil || len(skipped) != 0 {
		t.Fatal(err, skipped)
	}
	want, _ := ParseFile("plain.txt", strings.NewReader(logcatSnippet), nil)
	parsed, refused := map[string]int{}, map[string]bool{}
	for _, m := range members {
		rc, err := m.Open()
		if err == nil {
			var res ingest.Result
			res, err = ParseFile(m.Name, rc, nil)
			rc.Close()
			if err == nil {
				parsed[strings.TrimPrefix(m.Name, "upload.zip/")] = res.Events
				continue
			}
		}
		if !errors.Is(err, ingest.ErrNestedArchive) || !strings.HasPrefix(err.Error(), m.Name+": ") {
			t.Errorf("%s: %v, want the nested-archive refusal naming it", m.Name, err)
		}
		refused[strings.TrimPrefix(m.Name, "upload.zip/")] = true
	}
	for _, n := range []string{"a.txt", "b.txt", "c.txt", "d.log.gz", "e.txt"} {
		if parsed[n] != want.Events || want.Events == 0 {
			t.Errorf("%s: %d events, want %d (parsed: %v)", n, parsed[n], want.Events, parsed)
		}
	}
	for _, n := range []string{"inner.zip", "zip.gz", "gz.gz", "renamed.txt"} {
		if !refused[n] {
			t.Errorf("%s not refused (refused: %v)", n, refused)
		}
	}

	// A gzip upload holding an archive: zip in gz, gz in gz.
	for name, data := range map[string][]byte{"zip.gz": gz(t, innerZip), "gz.gz": gz(t, gz(t, []byte(logcatSnippet)))} {
		members, skipped, err := ingest.Expand(name, bytes.NewReader(data), int64(len(data)), ingest.DefaultLimits)
		if err != nil || len(skipped) != 0 || len(members) != 1 {
			t.Fatalf("%s: %d members, %v, %v", name, len(members), skipped, err)
		}
		rc, _ := members[0].Open()
		_, err = ParseFile(members[0].Name, rc, nil)
		if !errors.Is(err, ingest.ErrNestedArchive) || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%s: %v, want the nested-archive refusal naming it", name, err)
		}
	}
}
