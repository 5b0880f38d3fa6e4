package formats

// The golden test: what `parley ingest --json` prints for every field
// sample (and a zip of all of them), and a digest of every event and
// environment the parsers hand out for it, compared with files made by the
// code before ingest was split into packages (issue 11). A change that
// alters what a parser reads, or what the summary says, fails here; if the
// change is meant (a parser reads more, a rule finds more), regenerate and
// review the difference:
//
//	go test ./ingest/formats -run TestGolden -update
//	git diff ingest/formats/testdata/golden
//
// The samples are read from ../shared/samples beside the repository and
// never copied; the golden files hold only summaries and SHA-256 digests.

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"parley/ingest"
	"parley/ingest/internal/ingesttest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func goldenSamples(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func goldenZip(dir string, files []string) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	err := zw.Close()
	return b.Bytes(), err
}

// goldenDigest is the SHA-256 of every event and the environment each
// member of the upload yields, written field by field in a fixed order.
func goldenDigest(name string, data []byte) (string, error) {
	members, skipped, err := ingest.Expand(name, bytes.NewReader(data), int64(len(data)), ingest.DefaultLimits)
	if err != nil {
		return "expand: " + err.Error(), nil
	}
	h := sha256.New()
	for _, m := range members {
		rc, err := m.Open()
		if err != nil {
			fmt.Fprintf(h, "open %s: %v\n", m.Name, err)
			continue
		}
		res, perr := ParseFile(m.Name, rc, func(ev *ingest.Event) error {
			goldenEvent(h, ev)
			return nil
		})
		rc.Close()
		fmt.Fprintf(h, "result %q %q %d %v %d %s %s %v\n", res.File, res.Format, res.Events, sortedMap(res.Levels), res.Crashes,
			res.First.UTC().Format(time.RFC3339Nano), res.Last.UTC().Format(time.RFC3339Nano), res.Errors)
		e := res.Env
		fmt.Fprintf(h, "env %q %q %q %q %q %q %q %q %q %v\n", e.Platform, e.OS, e.Device, e.App, e.AppVersion, e.HUID, e.UDID,
			e.ServerVersion, e.Browser, sortedMap(e.Extra))
		fmt.Fprintf(h, "err %v\n", perr)
	}
	for _, s := range skipped {
		fmt.Fprintf(h, "skipped %v\n", s)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func goldenEvent(w io.Writer, ev *ingest.Event) {
	fmt.Fprintf(w, "ev %s %d %q %d %q %q %q %q %v\n", ev.Time.UTC().Format(time.RFC3339Nano), ev.Level, ev.Source, ev.Line,
		ev.Tag, ev.PID, ev.TID, ev.Message, sortedMap(ev.Attrs))
	if c := ev.Crash; c != nil {
		fmt.Fprintf(w, "crash %q %q %q %q\n", c.Kind, c.Type, c.Reason, c.Frames)
	}
}

func sortedMap[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%v;", k, m[k])
	}
	return b.String()
}

func goldenSummary(path string) ([]byte, error) {
	sums, err := SummarizeFile(path)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, s := range sums {
		if err := enc.Encode(s); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

var update = flag.Bool("update", false, "rewrite the golden files of TestGolden from the current code")

const goldenDir = "testdata/golden"

// TestGolden parses every sample and the zip of all of them and compares
// the summary and the digest of the events with testdata/golden.
func TestGolden(t *testing.T) {
	dir := ingesttest.SamplesDir
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples folder %s is missing, and CI always has it", dir)
		}
		t.Skipf("samples folder %s is absent (a clone elsewhere); skipping", dir)
	}
	files, err := goldenSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	zipData, err := goldenZip(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "all-samples.zip")
	if err := os.WriteFile(zipPath, zipData, 0o644); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range append(files, zipPath) {
		rel := "all-samples.zip"
		if f != zipPath {
			var err error
			if rel, err = filepath.Rel(dir, f); err != nil {
				t.Fatal(err)
			}
		}
		t.Run(rel, func(t *testing.T) {
			js, err := goldenSummary(f)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dg, err := goldenDigest(filepath.Base(f), data)
			if err != nil {
				t.Fatal(err)
			}
			g := filepath.Join(goldenDir, strings.ReplaceAll(rel, "/", "__"))
			seen[filepath.Base(g)+".json"], seen[filepath.Base(g)+".events.sha256"] = true, true
			for _, c := range []struct {
				path string
				got  []byte
			}{{g + ".json", js}, {g + ".events.sha256", []byte(dg + "\n")}} {
				if *update {
					if err := os.WriteFile(c.path, c.got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(c.path)
				if err != nil {
					t.Fatalf("%v (a new sample? run with -update and review)", err)
				}
				if !bytes.Equal(c.got, want) {
					t.Errorf("%s differs from the golden file:\ngot:  %s\nwant: %s", c.path, c.got, want)
				}
			}
		})
	}
	// A golden file whose sample is gone would hide a lost sample.
	ents, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !seen[e.Name()] {
			t.Errorf("golden file %s has no sample any more", e.Name())
		}
	}
}
