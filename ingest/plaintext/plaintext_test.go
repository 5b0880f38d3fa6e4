package plaintext_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/formats"
)

// A text in no known layout is kept line by line with a note, through the
// dispatcher as an upload would go; binary data is still refused.
func TestTextInNoKnownLayoutIsKept(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		events      int
		first       time.Time
		refused     bool
	}{
		{name: "notes.txt", input: "The app froze when I opened the chat.\n\nIt happened twice today.\r\n", events: 2},
		{name: "server.log", input: "2026-05-01 10:00:00,250 INFO started\n2026-05-01T10:00:05Z boom\nno time here\n", events: 3,
			first: time.Date(2026, 5, 1, 10, 0, 0, 250e6, time.UTC)},
		{name: "заметка.txt", input: "\xEF\xBB\xBFПриложение закрывается при звонке\n", events: 1},
		{name: "photo.jpg", input: "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01", refused: true},
		{name: "blob.bin", input: strings.Repeat("\x01\x02\x03abc", 100), refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			res, err := formats.ParseFile(tc.name, strings.NewReader(tc.input), func(ev *ingest.Event) error {
				got = append(got, ev.Message)
				return nil
			})
			if tc.refused {
				if !errors.Is(err, ingest.ErrUnknownFormat) || res.Events != 0 {
					t.Fatalf("binary kept as text: %v, %d events", err, res.Events)
				}
				return
			}
			if err != nil || res.Format != ingest.FormatPlainText || res.Events != tc.events {
				t.Fatalf("format %q, %d events (%v), want text with %d: %q", res.Format, res.Events, err, tc.events, got)
			}
			if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Error(), "kept as plain text") {
				t.Errorf("no note that the file was kept as plain text: %v", res.Errors)
			}
			if !res.First.Equal(tc.first) {
				t.Errorf("first time %v, want %v", res.First, tc.first)
			}
			if strings.HasPrefix(got[0], "\uFEFF") {
				t.Error("the byte order mark reached the event")
			}
		})
	}
}

// A property list's key and value stay together in one event, so that the
// redactor sees the secret's name beside its value.
func TestPropertyListKeyAndValueAreOneEvent(t *testing.T) {
	plist := "<plist version=\"1.0\">\n<dict>\n  <key>refreshToken</key>\n  <string>PLIST-REFRESH-987654</string>\n  <key>title</key>\n  <key>last</key>\n</dict>\n"
	red := ingest.NewRedactor()
	var got []string
	res, err := formats.ParseFile("Settings.plist", strings.NewReader(plist), func(ev *ingest.Event) error {
		red.Event(ev)
		got = append(got, ev.Message)
		return nil
	})
	if err != nil || res.Format != ingest.FormatPlainText {
		t.Fatalf("%q %v", res.Format, err)
	}
	all := strings.Join(got, "|")
	if strings.Contains(all, "PLIST-REFRESH-987654") {
		t.Fatalf("the secret survived redaction: %q", got)
	}
	want := []string{`<plist version="1.0">`, "<dict>", "  <key>refreshToken</key>\n  <string>[redacted]</string>", "  <key>title</key>", "  <key>last</key>", "</dict>"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events:\n%q\nwant\n%q", got, want)
	}
}
