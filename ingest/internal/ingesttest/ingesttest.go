// Package ingesttest holds what the tests of ingest's parser packages
// share: the field samples, running a parser over bytes or a file, heap and
// resident-memory probes for the memory tests and benchmarks, and small
// example files that several packages' detection tests use.
package ingesttest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
)

// Helpers shared by the tests of the Apple, iOS, HAR, WebRTC and client
// state parsers. The real samples live outside the repository, in
// ../shared/samples beside the repository (see its SOURCES.md); they are
// read, never copied. The paths are relative to the test packages of
// ingest/*, where go test runs.

const SamplesDir = "../../../shared/samples"

// Sample reads a sample file. Without the samples folder the test is
// skipped, except under CI, where the folder must be present.
func Sample(t testing.TB, rel string) []byte {
	t.Helper()
	if _, err := os.Stat(SamplesDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples folder %s is missing (CI is set): %v", SamplesDir, err)
		}
		t.Skipf("samples folder %s not found; skipping the real-sample test", SamplesDir)
	}
	b, err := os.ReadFile(filepath.Join(SamplesDir, rel))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return b
}

type Parser func(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error)

// Run parses data and returns the result, the events and the error.
func Run(t testing.TB, p Parser, name string, data []byte) (ingest.Result, []ingest.Event, error) {
	t.Helper()
	var evs []ingest.Event
	res, err := p(name, bytes.NewReader(data), func(ev *ingest.Event) error {
		evs = append(evs, ev.Clone())
		return nil
	})
	if res.Events != len(evs) {
		t.Errorf("Result.Events = %d, but %d events reached the sink", res.Events, len(evs))
	}
	for _, ev := range evs {
		if ev.Source != name {
			t.Errorf("event Source = %q, want %q", ev.Source, name)
			break
		}
	}
	return res, evs, err
}

// MustRun is Run that fails the test on an error.
func MustRun(t testing.TB, p Parser, name string, data []byte) (ingest.Result, []ingest.Event) {
	t.Helper()
	res, evs, err := Run(t, p, name, data)
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", name, err)
	}
	return res, evs
}

func Time(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// Where selects the events for which keep is true.
func Where(evs []ingest.Event, keep func(ingest.Event) bool) []ingest.Event {
	var out []ingest.Event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func Attr(k, v string) func(ingest.Event) bool {
	return func(e ingest.Event) bool { return e.Attrs[k] == v }
}

// ErrorsMention reports whether some error message contains s.
func ErrorsMention(res ingest.Result, s string) bool {
	for _, e := range res.Errors {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

// FuzzCheck runs a parser on arbitrary input and checks invariants that
// hold whatever the input: no panic, counts match, errors name the file.
func FuzzCheck(t *testing.T, p Parser, data []byte) {
	n := 0
	res, err := p("fuzz.in", bytes.NewReader(data), func(ev *ingest.Event) error {
		n++
		if ev.Crash != nil && len(ev.Crash.Frames) > ingest.MaxFrames {
			t.Fatalf("%d frames, more than %d", len(ev.Crash.Frames), ingest.MaxFrames)
		}
		return nil
	})
	if res.Events != n {
		t.Fatalf("Result.Events = %d, sink saw %d", res.Events, n)
	}
	if len(res.Errors) > ingest.MaxErrors+1 {
		t.Fatalf("%d errors, more than the bound", len(res.Errors))
	}
	for _, e := range res.Errors {
		if e.File != "fuzz.in" {
			t.Fatalf("error without the file name: %+v", e)
		}
	}
	if err != nil && !strings.Contains(err.Error(), "fuzz.in") {
		t.Fatalf("returned error does not name the file: %v", err)
	}
}
