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
// (The HAR parser reads with its own tokenizer, harScan, and uses only the
// position tracking here.)

// iwPosTail is how much of the most recently read input is kept to turn a
// byte offset into a line and column.
const iwPosTail = 256 << 10

// iwPosReader counts the lines of what passes through it and keeps the tail
// of it in a ring, so that an offset near the read position can be located.
type iwPosReader struct {
	r     io.Reader
	read  int64 // bytes read so far
	lines int   // newlines read so far
	ring  []byte
	// a cursor: the line of offset curOff, from the last query
	curOff  int64
	curLine int
	curOK   bool
}

func (p *iwPosReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		data := b[:n]
		p.lines += bytes.Count(data, []byte{'\n'})
		if need := p.read + int64(n); len(p.ring) < iwPosTail && need > int64(len(p.ring)) {
			// Grow while the ring still holds everything read (no wrap yet),
			// so small files do not pay for the whole tail.
			size := max(2*len(p.ring), 4096)
			for int64(size) < need && size < iwPosTail {
				size *= 2
			}
			size = min(size, iwPosTail)
			ring := make([]byte, size)
			copy(ring, p.ring[:p.read])
			p.ring = ring
		}
		if len(data) > len(p.ring) {
			data = data[len(data)-len(p.ring):]
		}
		start := int((p.read + int64(n) - int64(len(data))) % int64(len(p.ring)))
		c := copy(p.ring[start:], data)
		copy(p.ring, data[c:])
		p.read += int64(n)
	}
	return n, err
}

// at returns the byte at absolute offset off, which must be in the ring.
func (p *iwPosReader) at(off int64) byte { return p.ring[off%int64(len(p.ring))] }

// inRing reports whether absolute offset off is still held by the ring.
func (p *iwPosReader) inRing(off int64) bool {
	return p.ring != nil && off >= 0 && off < p.read && p.read-off <= int64(len(p.ring))
}

// count is the number of newlines in [a, b), both held by the ring.
func (p *iwPosReader) count(a, b int64) int {
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
func (p *iwPosReader) line(off int64) (int, bool) {
	off = min(off, p.read)
	if p.ring == nil {
		return 1, off >= 0
	}
	size := int64(len(p.ring))
	if off < 0 || p.read-off > size {
		return 0, false
	}
	var line int
	if p.curOK && p.curOff <= off && p.read-p.curOff <= size {
		line = p.curLine + p.count(p.curOff, off)
	} else {
		line = p.lines - p.count(off, p.read) + 1
	}
	p.curOff, p.curLine, p.curOK = off, line, true
	return line, true
}

// col returns the 1-based column of absolute offset off, or 0 when the
// start of its line has left the ring.
func (p *iwPosReader) col(off int64) int {
	off = min(off, p.read)
	if p.ring == nil {
		return int(off) + 1
	}
	lo := max(p.read-int64(len(p.ring)), 0)
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

// iwJSON is a streaming JSON input: a decoder over the (possibly gunzipped)
// input without its BOM, and the position tracker beneath it.
type iwJSON struct {
	pos  *iwPosReader
	dec  *json.Decoder
	base int64 // bytes skipped before the decoder's first byte (BOM)
	file string
}

// iwMaybeGunzip returns a reader of the plain bytes of r: r itself, or a
// gzip reader when r starts with the gzip magic.
func iwMaybeGunzip(r io.Reader) (io.Reader, error) {
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

func iwGzipReader(r io.Reader) (*gzip.Reader, error) { return gzip.NewReader(r) }

func newIWJSON(file string, r io.Reader) (*iwJSON, error) {
	src, err := iwMaybeGunzip(r)
	if err != nil {
		return nil, err
	}
	pos := &iwPosReader{r: src}
	br := bufio.NewReader(pos)
	var base int64
	if b, _ := br.Peek(3); bytes.Equal(b, iwBOM) {
		br.Discard(3)
		base = 3
	}
	return &iwJSON{pos: pos, dec: json.NewDecoder(br), base: base, file: file}, nil
}

// where describes the decoder-relative offset off: "line 5, column 1 (byte 26)".
func (j *iwJSON) where(off int64) (string, int) {
	abs := off + j.base
	if line, ok := j.pos.line(abs); ok {
		if col := j.pos.col(abs); col > 0 {
			return fmt.Sprintf("line %d, column %d (byte offset %d)", line, col, abs), line
		}
		return fmt.Sprintf("line %d (byte offset %d)", line, abs), line
	}
	return fmt.Sprintf("byte offset %d", abs), 0
}

// whereNext is where for the first byte of the value that follows decoder
// offset off (after white space, a colon or a comma).
func (j *iwJSON) whereNext(off int64) (string, int) {
	abs := off + j.base
	for j.pos.inRing(abs) {
		switch j.pos.at(abs) {
		case ' ', '\t', '\r', '\n', ',', ':':
			abs++
			continue
		}
		break
	}
	return j.where(abs - j.base)
}

// lineOfNext is the line of the first byte of the next value, skipping the
// white space and separators that follow decoder offset off (0 if unknown).
func (j *iwJSON) lineOfNext(off int64) int {
	abs := off + j.base
	line, ok := j.pos.line(abs)
	if !ok {
		return 0
	}
	for o := abs; j.pos.inRing(o); o++ {
		switch j.pos.at(o) {
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
func (j *iwJSON) fail(err error) ParseError {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		w, line := j.where(syn.Offset)
		return ParseError{File: j.file, Line: line, Msg: fmt.Sprintf("invalid JSON at %s: %v", w, syn)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		w, line := j.where(max(j.dec.InputOffset(), j.pos.read-j.base)) // the end of the input
		return ParseError{File: j.file, Line: line, Msg: fmt.Sprintf("unexpected end of input at %s: the file is truncated", w)}
	default:
		w, line := j.where(j.dec.InputOffset())
		return ParseError{File: j.file, Line: line, Msg: fmt.Sprintf("cannot read at %s: %v", w, err)}
	}
}

// iwSkipValue reads and drops the next JSON value token by token, so a huge
// value never sits in memory whole.
func iwSkipValue(dec *json.Decoder) error {
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

// iwExpectDelim reads the next token and reports whether it is d; when it is
// another value, that value has been consumed (skipped) and kind names it.
func iwExpectDelim(dec *json.Decoder, d json.Delim) (ok bool, kind string, err error) {
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

// iwNum is a JSON number that also accepts a numeric string or null.
type iwNum struct {
	V     float64
	Valid bool
}

func (n *iwNum) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "" {
		*n = iwNum{}
		return nil
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		*n = iwNum{} // tolerate: treat as absent
		return nil
	}
	*n = iwNum{V: v, Valid: true}
	return nil
}

// iwStr is a JSON scalar read as a string: strings as they are, numbers and
// booleans in their JSON spelling, null and structures as "".
type iwStr string

func (s *iwStr) UnmarshalJSON(b []byte) error {
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
		*s = iwStr(v)
	case '{', '[', 'n':
		*s = ""
	default:
		*s = iwStr(b)
	}
	return nil
}

// iwBrowserFromUA names the browser of a User-Agent string with its version,
// e.g. "Chrome 114.0.5735.198", "Firefox 111.0", "Safari 17.1", or "".
func iwBrowserFromUA(ua string) string {
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

// iwJSONString renders v compactly as JSON, cut to n bytes.
func iwJSONString(v any, n int) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return iwTruncate(string(b), n)
}
