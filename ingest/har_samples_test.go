package ingest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Helpers shared by the tests of the Apple, iOS, HAR, WebRTC and client
// state parsers. The real samples live outside the repository, in
// ../../shared/samples (see its SOURCES.md); they are read, never copied.

const iwSamplesDir = "../../shared/samples"

// iwSample reads a sample file. Without the samples folder the test is
// skipped, except under CI, where the folder must be present.
func iwSample(t testing.TB, rel string) []byte {
	t.Helper()
	if _, err := os.Stat(iwSamplesDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples folder %s is missing (CI is set): %v", iwSamplesDir, err)
		}
		t.Skipf("samples folder %s not found; skipping the real-sample test", iwSamplesDir)
	}
	b, err := os.ReadFile(filepath.Join(iwSamplesDir, rel))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return b
}

type iwParser func(name string, r io.Reader, sink Sink) (Result, error)

// iwRun parses data and returns the result, the events and the error.
func iwRun(t testing.TB, p iwParser, name string, data []byte) (Result, []Event, error) {
	t.Helper()
	var evs []Event
	res, err := p(name, bytes.NewReader(data), func(ev *Event) error {
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

// iwMustRun is iwRun that fails the test on an error.
func iwMustRun(t testing.TB, p iwParser, name string, data []byte) (Result, []Event) {
	t.Helper()
	res, evs, err := iwRun(t, p, name, data)
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", name, err)
	}
	return res, evs
}

func iwTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// iwWhere selects the events for which keep is true.
func iwWhere(evs []Event, keep func(Event) bool) []Event {
	var out []Event
	for _, e := range evs {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func iwAttr(k, v string) func(Event) bool {
	return func(e Event) bool { return e.Attrs[k] == v }
}

// iwErrorsMention reports whether some error message contains s.
func iwErrorsMention(res Result, s string) bool {
	for _, e := range res.Errors {
		if strings.Contains(e.Error(), s) {
			return true
		}
	}
	return false
}

// iwFuzzCheck runs a parser on arbitrary input and checks invariants that
// hold whatever the input: no panic, counts match, errors name the file.
func iwFuzzCheck(t *testing.T, p iwParser, data []byte) {
	n := 0
	res, err := p("fuzz.in", bytes.NewReader(data), func(ev *Event) error {
		n++
		if ev.Crash != nil && len(ev.Crash.Frames) > iwMaxFrames {
			t.Fatalf("%d frames, more than %d", len(ev.Crash.Frames), iwMaxFrames)
		}
		return nil
	})
	if res.Events != n {
		t.Fatalf("Result.Events = %d, sink saw %d", res.Events, n)
	}
	if len(res.Errors) > maxErrors+1 {
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
