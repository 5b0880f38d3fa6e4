package diagnostics

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"parley/ingest"
	"parley/ingest/formats"
	"parley/templates"
)

// ingestReasons runs an upload through ingest as processing does and
// returns the reasons it gives, as they are stored: the mapping is tested
// against ingest's real words, so a change of them fails here.
func ingestReasons(t *testing.T, name string, data []byte) []string {
	t.Helper()
	members, skipped, err := ingest.Expand(name, bytes.NewReader(data), int64(len(data)), ingest.DefaultLimits)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, sk := range skipped {
		out = append(out, sk.Error())
	}
	for _, m := range members {
		rc, err := m.Open()
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		res, perr := formats.ParseFile(m.Name, rc, func(*ingest.Event) error { return nil })
		rc.Close()
		for _, pe := range res.Errors {
			out = append(out, pe.Error())
		}
		if perr != nil && (len(res.Errors) == 0 || res.Errors[len(res.Errors)-1].Error() != perr.Error()) {
			out = append(out, perr.Error())
		}
	}
	return out
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFileReasonsAreTranslated(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "05-01 10:00:00.000  1  1 I Tag: hello\n")
	zw.Close()
	for _, tc := range []struct {
		name   string
		upload string
		data   []byte
		key    string
		args   []any
	}{
		{"zip bomb", "bomb.zip", zipOf(t, map[string][]byte{"logcat.txt": make([]byte, 8<<20)}), "diag.reason.bomb_ratio", []any{200}},
		{"nested archive", "outer.zip", zipOf(t, map[string][]byte{"inner.zip": zipOf(t, map[string][]byte{"a.txt": []byte("x")})}), "diag.reason.nested", nil},
		{"not a zip", "broken.zip", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xff}, 64)...), "diag.reason.bad_zip", nil},
		{"plain text", "notes.txt", []byte("Dear support, the app is slow.\nRegards\n"), "diag.reason.plain_text", nil},
		{"unknown format", "photo.jpg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"), "diag.reason.unknown_format", nil},
		{"empty", "empty.log", nil, "diag.reason.empty", nil},
		{"gzip cut short", "cut.log.gz", gz.Bytes()[:len(gz.Bytes())/2], "diag.reason.read", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ingestReasons(t, tc.upload, tc.data)
			if len(got) == 0 {
				t.Fatalf("ingest gave no reason for %s", tc.upload)
			}
			for _, lang := range []string{"ru", "en"} {
				want := templates.Tf(lang, tc.key, tc.args...)
				r := fileReason(lang, tc.upload, got[0])
				if !strings.Contains(r.Text, want) {
					t.Errorf("%s: %q reads %q, want %q", lang, got[0], r.Text, want)
				}
				if lang == "ru" && strings.Contains(r.Text, "refused") {
					t.Errorf("ru: %q still in English: %q", got[0], r.Text)
				}
			}
		})
	}
	// A reason nobody mapped is still said in the reader's language, with
	// ingest's words kept as the detail.
	r := fileReason("ru", "x.log", "x.log: something new went wrong")
	if r.Text != templates.T("ru", "diag.reason.other") || r.Detail != "x.log: something new went wrong" {
		t.Errorf("unknown reason: %+v", r)
	}
	if r := uploadReason("ru", noneReadable); r.Text != templates.T("ru", "diag.reason.none_readable") || r.Detail != "" {
		t.Errorf("upload reason: %+v", r)
	}
}
