package diagnostics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// peekEvent reads from a stored line exactly what decoding it would give,
// or says it cannot; whatever the event holds.
func TestPeekEventAgreesWithDecoding(t *testing.T) {
	events := []storedEvent{
		{Time: "2026-05-01T10:00:00.000000000Z", Level: "E", File: "a.log", Line: 3, Tag: "OkHttp", Message: "x"},
		{Level: "?", File: "a.log", Message: "no time, no tag"},
		{Time: "2026-05-01T10:00:00.000000000Z", Level: "I", File: `we"ird,"g":"file`, Tag: "Real", Message: `m ,"g":"Fake" "m":"`},
		{Time: "2026-05-01T10:00:00.000000000Z", Level: "W", File: "f", Tag: `Ta"g`, Message: "quoted tag"},
		{Time: "2026-05-01T10:00:00.000000000Z", Level: "D", File: "f", Tag: `Back\slash`, Message: "m"},
		{Level: "F", File: "f", Tag: "Tombstone", Message: `,"g":"x"`, Attrs: map[string]string{"g": `"g":"y"`}, Crash: "abc"},
	}
	for _, se := range events {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // as the spool writes
		if err := enc.Encode(se); err != nil {
			t.Fatal(err)
		}
		line := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		q, ok := peekEvent(line)
		if !ok {
			t.Errorf("%s: not read", line)
			continue
		}
		if q.time != se.Time || q.level != se.Level[0] {
			t.Errorf("%s: time %q level %c", line, q.time, q.level)
		}
		if q.tagEscaped {
			if !strings.ContainsAny(se.Tag, `"\`) {
				t.Errorf("%s: tag %q reported as escaped", line, se.Tag)
			}
		} else if q.tag != se.Tag {
			t.Errorf("%s: tag %q, want %q", line, q.tag, se.Tag)
		}
	}
	for _, bad := range []string{`{}`, `{"t":"2026"}`, `{"l":"E"}`, `not json`, ``} {
		if q, ok := peekEvent([]byte(bad)); ok {
			t.Errorf("%q read as %+v", bad, q)
		}
	}
}

// containsFold finds what a lower-cased search finds, in any case.
func TestContainsFold(t *testing.T) {
	hay := []string{"Connection TIMEOUT after 30 s", "timeout", "TimeOut", "no match here", "ttimeout", "Ёлка и ёж", "", "t"}
	for _, h := range hay {
		for _, needle := range []string{"timeout", "t", "ёж", "ёлка", "out after", "zzz", "timeoutx"} {
			want := strings.Contains(strings.ToLower(h), needle)
			if got := containsFold([]byte(h), needle); got != want {
				t.Errorf("containsFold(%q, %q) = %v, want %v", h, needle, got, want)
			}
		}
	}
}
