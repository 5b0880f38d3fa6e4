package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
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

func expandAll(t *testing.T, name string, data []byte, limits Limits) (map[string]string, []error) {
	t.Helper()
	members, skipped, err := Expand(name, bytes.NewReader(data), int64(len(data)), limits)
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
	got, skipped := expandAll(t, "upload.zip", upload, DefaultLimits)
	if got["upload.zip/app/logcat.txt"] != logcatSnippet {
		t.Errorf("plain member: %q", got["upload.zip/app/logcat.txt"])
	}
	if !strings.Contains(got["upload.zip/calls/internals.txt.gz"], "PeerConnections") {
		t.Errorf("gzipped member not decompressed: %q", got["upload.zip/calls/internals.txt.gz"])
	}
	var unsafe, nested int
	for _, e := range skipped {
		switch {
		case errors.Is(e, ErrUnsafePath):
			unsafe++
		case errors.Is(e, ErrNestedArchive):
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
	got, skipped := expandAll(t, "upload.zip", upload, DefaultLimits)
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrBomb) || !strings.Contains(skipped[0].Error(), "bomb.txt") {
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
	_, skipped = expandAll(t, "many.zip", zipOf(t, files), Limits{MaxFiles: 10, MaxFileBytes: 1 << 20, MaxTotal: 1 << 30, MaxRatio: 200})
	if len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "more than 10 files") {
		t.Fatalf("file count limit: %v", skipped)
	}
}

func TestGzipBombStopsWhileReading(t *testing.T) {
	// A gzip whose content is larger than allowed stops with ErrBomb
	// instead of being read to the end.
	data := gz(t, bytes.Repeat([]byte(logcatSnippet), 4000))
	old := DefaultLimits
	DefaultLimits.MaxFileBytes = 64 << 10
	defer func() { DefaultLimits = old }()
	_, err := ParseFile("big.log.gz", bytes.NewReader(data), nil)
	if err == nil || !strings.Contains(err.Error(), ErrBomb.Error()) {
		t.Fatalf("err = %v, want the zip-bomb refusal", err)
	}
}

func TestParseFileDetectsByContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want Format
	}{
		{"notes.pdf", []byte(logcatSnippet), FormatLogcat},
		{"logcat.txt.gz", gz(t, []byte(logcatSnippet)), FormatLogcat},
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
