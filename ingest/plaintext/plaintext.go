// Package plaintext keeps a text file in no layout Parley knows as plain
// lines, rather than refusing it whole: a support engineer can still read
// and search what the person sent. Binary data is not text and is refused.
package plaintext

import (
	"bytes"
	"io"
	"regexp"
	"time"
	"unicode/utf8"

	"parley/ingest"
)

// Note is the parse note every plain-text file carries, so that its upload
// says "partly read" and the page explains why.
const Note = "not in a layout Parley knows: kept as plain text lines"

// LooksLike reports whether head is text: valid UTF-8 (a character cut by
// the end of head aside), no NUL, and hardly any other control characters.
func LooksLike(head []byte) bool {
	head = ingest.TrimBOM(head)
	if len(head) == 0 {
		return false
	}
	controls := 0
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				i = len(head) // a character cut by the end of head
				continue
			}
			return false
		case r == 0:
			return false
		case r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f':
			controls++
		}
		i += size
	}
	return controls*100 <= len(head) // at most 1 %
}

// leadingTime finds a date and time at the start of a line in the common
// shapes: 2026-05-01T10:00:00Z, 2026-05-01 10:00:00.123 (UTC when no zone).
var leadingTime = regexp.MustCompile(`^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)`)

var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
}

// Parse emits each non-empty line as an event of unknown level, with the
// time it starts with, if any, and notes that the file was kept as text. A
// property list's <key>…</key> line and the value on the line after it are
// one event, so that redaction sees a secret's name beside its value.
func Parse(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatPlainText}
	res.AddError(0, "%s", Note)
	lines := ingest.NewLineReader(r, 0)
	var key []byte // a pending <key>…</key> line
	keyLine := 0
	emit := func(msg []byte, line int) error {
		ev := ingest.Event{Line: line, Message: string(msg)}
		if m := leadingTime.FindSubmatch(msg); m != nil {
			s := string(m[1])
			if len(s) > 19 && s[10] == ' ' && s[19] == ',' {
				s = s[:19] + "." + s[20:]
			}
			if t, ok := ingest.ParseTime(s, timeLayouts...); ok {
				ev.Time = t.UTC()
			}
		}
		return res.Emit(sink, ev)
	}
	for {
		l, ok := lines.Next()
		if !ok {
			break
		}
		if key != nil {
			msg, line := key, keyLine
			key = nil
			if t := bytes.TrimSpace(l); bytes.HasPrefix(t, []byte("<string>")) || bytes.HasPrefix(t, []byte("<data>")) {
				msg = append(append(msg, '\n'), l...)
				if err := emit(msg, line); err != nil {
					return res, err
				}
				continue
			}
			if err := emit(msg, line); err != nil {
				return res, err
			}
		}
		if len(l) == 0 {
			continue
		}
		if t := bytes.TrimSpace(l); bytes.HasPrefix(t, []byte("<key>")) && bytes.HasSuffix(t, []byte("</key>")) {
			key, keyLine = append([]byte(nil), l...), lines.Line()
			continue
		}
		if err := emit(l, lines.Line()); err != nil {
			return res, err
		}
	}
	if key != nil {
		if err := emit(key, keyLine); err != nil {
			return res, err
		}
	}
	if n := lines.Long(); n > 0 {
		res.AddError(lines.FirstCut(), "%d lines longer than %d bytes were cut", n, lines.Max())
	}
	return res, lines.Err()
}
