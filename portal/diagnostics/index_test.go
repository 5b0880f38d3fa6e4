package diagnostics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"parley/ingest"
)

// The hand-written encoder writes what encoding/json writes, for every
// kind of text an event can hold: stores written before it and after it
// read the same, and peekEvent's fixed shape holds.
func TestAppendStoredEventMatchesEncodingJSON(t *testing.T) {
	texts := []string{"", "plain", `quo"te`, `back\slash`, "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f", "<html>&amp;",
		"Ёлка ёж", "bad \xff\xfe utf8 \xc3", "line\u2028sep\u2029", "emoji 😀", `{"t":"x","m":"y"}`}
	var events []storedEvent
	for i, s := range texts {
		events = append(events,
			storedEvent{Time: "2026-05-01T10:00:00.000000000Z", Level: "E", File: s, Line: i, Tag: s, PID: s, TID: s, Message: s, Crash: s},
			storedEvent{Level: "?", File: "f", Message: s, Attrs: map[string]string{s: s, "b": "x", "a" + s: "y"}},
			storedEvent{Level: "I", File: "f", Line: -3, Message: s})
	}
	var all bytes.Buffer
	dir := t.TempDir()
	sp, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sp.next()
	if err != nil {
		t.Fatal(err)
	}
	for _, se := range events {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(se); err != nil {
			t.Fatal(err)
		}
		if got := appendStoredEvent(nil, &se, nil); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("event %+v\n got %s\nwant %s", se, got, want.Bytes())
		}
		all.Write(want.Bytes())
		w.add(&se, parseStoredTime(se.Time))
	}
	// The spool's writer goroutine writes the same bytes.
	path := filepath.Join(dir, "events.jsonl")
	if err := sp.mergeInto(path); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, all.Bytes()) {
		t.Errorf("event store (%v)\n got %s\nwant %s", err, got, all.Bytes())
	}
	var tf timeFormatter
	base := time.Date(2026, 5, 1, 10, 29, 59, 0, time.UTC)
	for _, d := range []time.Duration{0, 1, 999_999_999, time.Second, time.Second + 5, time.Minute, -time.Hour} {
		for _, tm := range []time.Time{base.Add(d), base.Add(d).In(time.FixedZone("x", 3*3600)), time.Date(12000, 1, 1, 0, 0, 0, 7, time.UTC)} {
			if got, want := string(tf.format(tm)), tm.UTC().Format(storedTimeLayout); got != want {
				t.Errorf("time %v: got %s, want %s", tm, got, want)
			}
		}
	}
}

// indexFixture stores generated events through the spool, as processing
// does, in parts (several files of one upload) or in one, and returns the
// event store's path.
func indexFixture(t *testing.T, parts int) string {
	t.Helper()
	dir := t.TempDir()
	sp, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(parts)))
	tags := []string{"OkHttp", "okhttp", "ActivityManager", `Ta"g`, `Back\slash`, "Журнал", "", "bad\xfftag", "chatty"}
	msgs := []string{"connection timeout after 30 s", "TimeOut in \"quoted\" text", `path C:\back\slash here`, "ёж и Ёлка",
		"line one\nline two", "nothing to see", "a", "CaSe MiXeD", "bad \xff utf8", "tab\there"}
	levels := []ingest.Level{ingest.LevelVerbose, ingest.LevelDebug, ingest.LevelInfo, ingest.LevelWarn, ingest.LevelError, ingest.LevelFatal}
	// Around 10:30: events every 0.25 s, so they cross minute boundaries,
	// with one at exactly 10:30:59.5.
	start := time.Date(2026, 5, 1, 10, 29, 50, 0, time.UTC)
	for p := 0; p < parts; p++ {
		w, err := sp.next()
		if err != nil {
			t.Fatal(err)
		}
		tm := start.Add(time.Duration(p) * 100 * time.Millisecond)
		for i := 0; i < 1500/parts+rng.IntN(50); i++ {
			tm = tm.Add(time.Duration(rng.IntN(500)) * time.Millisecond)
			se := storedEvent{Level: levels[rng.IntN(len(levels))].Letter(), File: fmt.Sprintf("f%d.log", p), Line: i + 1,
				Tag: tags[rng.IntN(len(tags))], Message: msgs[rng.IntN(len(msgs))] + fmt.Sprint(" #", i)}
			at := tm
			switch rng.IntN(20) {
			case 0:
				at = time.Time{} // no time
			case 1:
				at = time.Date(2026, 5, 1, 10, 30, 59, 500_000_000, time.UTC)
			case 2:
				at = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // past what the record holds
			}
			if rng.IntN(50) == 0 {
				se.Attrs = map[string]string{"http.url": "https://x/timeout"}
			}
			w.add(&se, at)
		}
	}
	path := filepath.Join(dir, "events.jsonl")
	if err := sp.mergeInto(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every filter the triage page can ask for gives from the index exactly
// what the scan of the store gives: the same events in the same order
// and the same count.
func TestEventIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	at := func(h, m, s, ns int) time.Time { return time.Date(2026, 5, 1, h, m, s, ns, time.UTC) }
	var filters []EventFilter
	for _, lv := range []ingest.Level{0, ingest.LevelWarn, ingest.LevelFatal} {
		for _, tag := range []string{"", "okhttp", `Ta"g`, `back\SLASH`, "bad\ufffdtag"} {
			for _, text := range []string{"", "TIMEOUT", `"quoted"`, `\back\`, "ЁЖ", "a", "\ufffd", "#1"} {
				for _, win := range [][2]time.Time{{}, {at(10, 30, 0, 0), {}}, {{}, at(10, 30, 59, 999_999_999)},
					{at(10, 30, 0, 0), at(10, 30, 59, 999_999_999)}, {at(10, 30, 59, 500_000_000), at(10, 30, 59, 500_000_000)}} {
					filters = append(filters, EventFilter{MinLevel: lv, Tag: tag, Text: text, From: win[0], To: win[1], Limit: 200})
				}
			}
		}
	}
	filters = append(filters, EventFilter{Limit: 7, Offset: 300}, EventFilter{Text: "e", Limit: 50, Offset: 1000},
		EventFilter{MinLevel: ingest.LevelError, Limit: 10, Offset: 5}, EventFilter{Text: "line\ntwo", Limit: 5}, EventFilter{Text: "line two"}, EventFilter{Tag: "журнал"}, EventFilter{Tag: "missing"},
		EventFilter{Text: "http"}, EventFilter{Text: "timeout", Limit: 3},
		EventFilter{Text: " #1234", Limit: 5}, EventFilter{Text: "#12", Limit: 5}, EventFilter{Text: "not there at all"},
		EventFilter{Limit: 20, Offset: 1_000_000})
	for _, parts := range []int{1, 3} {
		path := indexFixture(t, parts)
		ix, err := openEventIndex(path)
		if err != nil {
			t.Fatalf("%d parts: %v", parts, err)
		}
		// Two error groups' links (errors.go), alone and with other filters.
		rows, _, err := scanEvents(context.Background(), path, EventFilter{MinLevel: ingest.LevelError, Limit: 40}, "")
		if err != nil || len(rows) < 40 {
			t.Fatalf("errors of the fixture: %d, %v", len(rows), err)
		}
		var groups []EventFilter
		for _, r := range []EventRow{rows[3], rows[37]} {
			g := ingest.FingerprintText(errorGroupKey(r.Message, tagPattern(r.Tag)))
			groups = append(groups, EventFilter{Group: g, Limit: 200}, EventFilter{Group: g, Limit: 2, Offset: 1},
				EventFilter{Group: g, Text: "timeout", Tag: "okhttp", Limit: 200}, EventFilter{Group: g, From: at(10, 30, 0, 0), Limit: 200})
		}
		for _, g := range groups[:1] {
			rows, n, err := scanEvents(context.Background(), path, g, "")
			if err != nil || n < 2 || len(rows) != n {
				t.Fatalf("group %s: %d rows of %d matched, %v: the fixture's errors should repeat", g.Group, len(rows), n, err)
			}
		}
		nonEmpty := 0
		for _, f := range append(filters, groups...) {
			want, wantN, err := scanEvents(context.Background(), path, f, strings.ToLower(f.Text))
			if err != nil {
				t.Fatal(err)
			}
			got, gotN, err := ix.events(context.Background(), f, strings.ToLower(f.Text))
			if err == errNoIndex {
				continue // the scan answers it
			}
			if err != nil {
				t.Fatal(err)
			}
			if gotN != wantN || !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%d parts, filter %+v: index %d matched, %d rows; scan %d matched, %d rows", parts, f, gotN, len(got), wantN, len(want))
			}
			if wantN > 0 {
				nonEmpty++
			}
		}
		// Written by a build that grouped errors differently, the records'
		// group hashes are not trusted, and the answers stay the same.
		if !ix.groupsOK {
			t.Errorf("%d parts: the index's group hashes are not trusted by the build that wrote them", parts)
		}
		ix.groupsOK = false
		for _, f := range groups {
			want, wantN, err := scanEvents(context.Background(), path, f, strings.ToLower(f.Text))
			if err != nil {
				t.Fatal(err)
			}
			got, gotN, err := ix.events(context.Background(), f, strings.ToLower(f.Text))
			if err != nil || gotN != wantN || !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
				t.Errorf("%d parts, group %+v without hashes: %d matched (%v), want %d", parts, f, gotN, err, wantN)
			}
		}
		// A rare text reads only the blocks that may hold it.
		cand, err := ix.candidateBlocks(context.Background(), []byte(" #123\x00"))
		if err != nil {
			t.Fatal(err)
		}
		if blocks := len(ix.blk)/2 - 1; len(cand) == 0 || len(cand) >= blocks {
			t.Errorf("%d parts: %d of %d blocks to read for a text in one event per part", parts, len(cand), blocks)
		}
		ix.close()
		if nonEmpty < len(filters)/4 {
			t.Errorf("%d parts: only %d of %d filters match anything: the fixture tests too little", parts, nonEmpty, len(filters))
		}
	}
}

// An upload stored before the index existed, or whose index is not the
// one of its store, is scanned instead: openEventIndex says so rather
// than answer from the wrong files.
func TestEventIndexMissingOrStale(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		spoil func(p indexPaths) error
	}{
		{"no marker (an old upload)", func(p indexPaths) error { return os.Remove(p.marker) }},
		{"no text column", func(p indexPaths) error { return os.Remove(p.txt) }},
		{"store longer than indexed", func(p indexPaths) error {
			f, err := os.OpenFile(p.events, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString(`{"l":"E","f":"x","m":"late"}` + "\n")
			return err
		}},
		{"records cut short", func(p indexPaths) error { return os.Truncate(p.idx, 32) }},
		{"another format version", func(p indexPaths) error {
			return os.WriteFile(p.marker, []byte(`{"v":99,"events":1,"block":256,"tags":[]}`), 0o640)
		}},
	} {
		path := indexFixture(t, 1)
		if ix, err := openEventIndex(path); err != nil {
			t.Fatalf("%s: fresh index: %v", tc.name, err)
		} else {
			ix.close()
		}
		if err := tc.spoil(indexPathsOf(path)); err != nil {
			t.Fatal(err)
		}
		if _, err := openEventIndex(path); err != errNoIndex {
			t.Errorf("%s: %v, want errNoIndex", tc.name, err)
		}
	}
}
