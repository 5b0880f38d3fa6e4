package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Streaming JSON helpers shared by the HAR, WebRTC and client-state parsers:
// transparent gunzip, BOM skipping, token-level skipping of values, and
// turning a byte offset reported by encoding/json into a line and column.
// (The HAR parser reads with its own tokenizer, ingest/har's scan, and uses
// only the position tracking here.)

// posTail is how much of the most recently read input is kept to turn a
// byte offset into a line and column.
const posTail = 256 << 10

// PosReader counts the lines of what passes through it and keeps the tail
// of it in a ring, so that an offset near the read position can be located.
type PosReader struct {
	R        io.Reader
	Consumed int64 // bytes read so far
	lines    int   // newlines read so far
	ring     []byte
	// a cursor: the line of offset curOff, from the last query
	curOff  int64
	curLine int
	curOK   bool
}

func (p *PosReader) Read(b []byte) (int, error) {
	n, err := p.R.Read(b)
	if n > 0 {
		data := b[:n]
		p.lines += bytes.Count(data, []byte{'\n'})
		if need := p.Consumed + int64(n); len(p.ring) < posTail && need > int64(len(p.ring)) {
			// Grow while the ring still holds everything read (no wrap yet),
			// so small files do not pay for the whole tail.
			size := max(2*len(p.ring), 4096)
			for int64(size) < need && size < posTail {
				size *= 2
			}
			size = min(size, posTail)
			ring := make([]byte, size)
			copy(ring, p.ring[:p.Consumed])
			p.ring = ring
		}
		if len(data) > len(p.ring) {
			data = data[len(data)-len(p.ring):]
		}
		start := int((p.Consumed + int64(n) - int64(len(data))) % int64(len(p.ring)))
		c := copy(p.ring[start:], data)
		copy(p.ring, data[c:])
		p.Consumed += int64(n)
	}
	return n, err
}

// at returns the byte at absolute offset off, which must be in the ring.
func (p *PosReader) at(off int64) byte { return p.ring[off%int64(len(p.ring))] }

// inRing reports whether absolute offset off is still held by the ring.
func (p *PosReader) inRing(off int64) bool {
	return p.ring != nil && off >= 0 && off < p.Consumed && p.Consumed-off <= int64(len(p.ring))
}

// count is the number of newlines in [a, b), both held by the ring.
func (p *PosReader) count(a, b int64) int {
	n := 0
	size := int64(len(p.ring))
	for a < b {
		i := a % size
		l := min(b-a, size-i)
		n += bytes.Count(p.ring[i:i+l], []byte{'\n'})
		a += l
	}
	return n
}

// line returns the 1-based line of absolute offset off; ok is false when
// the offset has already left the ring. Queries at growing offsets cost
// only the bytes between them.
func (p *PosReader) Line(off int64) (int, bool) {
	off = min(off, p.Consumed)
	if p.ring == nil {
		return 1, off >= 0
	}
	size := int64(len(p.ring))
	if off < 0 || p.Consumed-off > size {
		return 0, false
	}
	var line int
	if p.curOK && p.curOff <= off && p.Consumed-p.curOff <= size {
		line = p.curLine + p.count(p.curOff, off)
	} else {
		line = p.lines - p.count(off, p.Consumed) + 1
	}
	p.curOff, p.curLine, p.curOK = off, line, true
	return line, true
}

// col returns the 1-based column of absolute offset off, or 0 when the
// start of its line has left the ring.
func (p *PosReader) col(off int64) int {
	off = min(off, p.Consumed)
	if p.ring == nil {
		return int(off) + 1
	}
	lo := max(p.Consumed-int64(len(p.ring)), 0)
	for o := off - 1; o >= lo; o-- {
		if p.at(o) == '\n' {
			return int(off - o)
		}
	}
	if lo == 0 {
		return int(off) + 1
	}
	return 0
}

// JSONInput is a streaming JSON input: a decoder over the (possibly gunzipped)
// input without its BOM, and the position tracker beneath it.
type JSONInput struct {
	Pos  *PosReader
	Dec  *json.Decoder
	Base int64 // bytes skipped before the decoder's first byte (BOM)
	File string
}

// MaybeGunzip returns a reader of the plain bytes of r: r itself, or a
// gzip reader when r starts with the gzip magic.
func MaybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		zr.Multistream(true)
		return zr, nil
	}
	return br, nil
}

func gzipReader(r io.Reader) (*gzip.Reader, error) { return gzip.NewReader(r) }

func NewJSONInput(file string, r io.Reader) (*JSONInput, error) {
	src, err := MaybeGunzip(r)
	if err != nil {
		return nil, err
	}
	pos := &PosReader{R: src}
	br := bufio.NewReader(pos)
	var base int64
	if b, _ := br.Peek(3); bytes.Equal(b, BOM) {
		br.Discard(3)
		base = 3
	}
	return &JSONInput{Pos: pos, Dec: json.NewDecoder(br), Base: base, File: file}, nil
}

// where describes the decoder-relative offset off: "line 5, column 1 (byte 26)".
func (j *JSONInput) Where(off int64) (string, int) {
	abs := off + j.Base
	if line, ok := j.Pos.Line(abs); ok {
		if col := j.Pos.col(abs); col > 0 {
			return fmt.Sprintf("line %d, column %d (byte offset %d)", line, col, abs), line
		}
		return fmt.Sprintf("line %d (byte offset %d)", line, abs), line
	}
	return fmt.Sprintf("byte offset %d", abs), 0
}

// whereNext is where for the first byte of the value that follows decoder
// offset off (after white space, a colon or a comma).
func (j *JSONInput) WhereNext(off int64) (string, int) {
	abs := off + j.Base
	for j.Pos.inRing(abs) {
		switch j.Pos.at(abs) {
		case ' ', '\t', '\r', '\n', ',', ':':
			abs++
			continue
		}
		break
	}
	return j.Where(abs - j.Base)
}

// lineOfNext is the line of the first byte of the next value, skipping the
// white space and separators that follow decoder offset off (0 if unknown).
func (j *JSONInput) LineOfNext(off int64) int {
	abs := off + j.Base
	line, ok := j.Pos.Line(abs)
	if !ok {
		return 0
	}
	for o := abs; j.Pos.inRing(o); o++ {
		switch j.Pos.at(o) {
		case '\n':
			line++
		case ' ', '\t', '\r', ',', ':':
		default:
			return line
		}
	}
	return line
}

// fail turns a decoding error into a ParseError naming the file and position.
func (j *JSONInput) Fail(err error) ParseError {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		w, line := j.Where(syn.Offset)
		return ParseError{File: j.File, Line: line, Msg: fmt.Sprintf("invalid JSON at %s: %v", w, syn)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		w, line := j.Where(max(j.Dec.InputOffset(), j.Pos.Consumed-j.Base)) // the end of the input
		return ParseError{File: j.File, Line: line, Msg: fmt.Sprintf("unexpected end of input at %s: the file is truncated", w)}
	default:
		w, line := j.Where(j.Dec.InputOffset())
		return ParseError{File: j.File, Line: line, Msg: fmt.Sprintf("cannot read at %s: %v", w, err)}
	}
}

// SkipValue reads and drops the next JSON value token by token, so a huge
// value never sits in memory whole.
func SkipValue(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth <= 0 {
			return nil
		}
	}
}

// ExpectDelim reads the next token and reports whether it is d; when it is
// another value, that value has been consumed (skipped) and kind names it.
func ExpectDelim(dec *json.Decoder, d json.Delim) (ok bool, kind string, err error) {
	t, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return false, "", err
	}
	if t == d {
		return true, "", nil
	}
	switch v := t.(type) {
	case json.Delim:
		// An object or array of the wrong kind: skip its contents.
		depth := 1
		for depth > 0 {
			t, err := dec.Token()
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return false, "", err
			}
			switch t {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		if v == '[' {
			return false, "an array", nil
		}
		return false, "an object", nil
	case string:
		return false, "a string", nil
	case nil:
		return false, "null", nil
	case bool:
		return false, "a boolean", nil
	default:
		return false, "a number", nil
	}
}

// JSONNumber is a JSON number that also accepts a numeric string or null.
type JSONNumber struct {
	V     float64
	Valid bool
}

func (n *JSONNumber) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "" {
		*n = JSONNumber{}
		return nil
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		*n = JSONNumber{} // tolerate: treat as absent
		return nil
	}
	*n = JSONNumber{V: v, Valid: true}
	return nil
}

// JSONString is a JSON scalar read as a string: strings as they are, numbers and
// booleans in their JSON spelling, null and structures as "".
type JSONString string

func (s *JSONString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		*s = ""
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = JSONString(v)
	case '{', '[', 'n':
		*s = ""
	default:
		*s = JSONString(b)
	}
	return nil
}

// BrowserFromUA names the browser of a User-Agent string with its version,
// e.g. "Chrome 114.0.5735.198", "Firefox 111.0", "Safari 17.1", or "".
func BrowserFromUA(ua string) string {
	token := func(name string) string {
		i := strings.Index(ua, name+"/")
		if i < 0 {
			return ""
		}
		v := ua[i+len(name)+1:]
		if j := strings.IndexAny(v, " ;)"); j >= 0 {
			v = v[:j]
		}
		return v
	}
	for _, b := range []struct{ token, name string }{
		{"Edg", "Edge"}, {"EdgA", "Edge"}, {"OPR", "Opera"}, {"YaBrowser", "Yandex Browser"},
		{"Electron", "Electron"}, {"Firefox", "Firefox"}, {"Chromium", "Chromium"},
		{"CriOS", "Chrome"}, {"Chrome", "Chrome"},
	} {
		if v := token(b.token); v != "" {
			return b.name + " " + v
		}
	}
	if strings.Contains(ua, "Safari/") {
		if v := token("Version"); v != "" {
			return "Safari " + v
		}
		return "Safari"
	}
	return ""
}

// JSONText renders v compactly as JSON, cut to n bytes.
func JSONText(v any, n int) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return Truncate(string(b), n)
}
