package realtime

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeClientFrame(t *testing.T) {
	cases := []struct {
		in, err string
	}{
		{`{"type":"ping"}`, ""},
		{`{"type":"typing","chat_id":"c"}`, ""},
		{`{"type":"typing"}`, "typing needs chat_id"},
		{`{"type":"presence.subscribe","users":["a","b"]}`, ""},
		{`{"type":"presence.subscribe","users":[` + strings.Repeat(`"u",`, maxWatched) + `"u"]}`, "at most 500 users"},
		{`{"type":"launch"}`, `unknown frame type "launch"`},
		{`{}`, "must be a JSON object with a type"},
		{`[1,2]`, "must be a JSON object with a type"},
		{`not json`, "must be a JSON object with a type"},
		{`{"type":"typing","chat_id":5}`, "must be a JSON object with a type"},
	}
	for _, c := range cases {
		_, err := DecodeClientFrame([]byte(c.in))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.in, err, c.err)
		}
	}
}

// FuzzDecodeClientFrame: whatever a client sends, decoding neither panics
// nor accepts a frame the read loop cannot act on, and its error is short,
// valid text fit to echo back.
func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{`{"type":"ping"}`, `{"type":"typing","chat_id":"x"}`, `{"type":"presence.subscribe","users":["a"]}`,
		`{"type":"\u0000"}`, `{"type":"` + strings.Repeat("x", 100) + `"}`, `{"users":null}`, "\xff\xfe", `{"type":"typing","chat_id":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeClientFrame(data)
		if err != nil {
			if len(err.Error()) > 200 || !utf8.ValidString(err.Error()) {
				t.Fatalf("error unfit to send back: %q", err)
			}
			return
		}
		switch fr.Type {
		case "ping":
		case "typing":
			if fr.ChatID == "" {
				t.Fatal("typing accepted without a chat")
			}
		case "presence.subscribe":
			if len(fr.Users) > maxWatched {
				t.Fatal("oversized subscription accepted")
			}
		default:
			t.Fatalf("accepted frame type %q", fr.Type)
		}
	})
}
