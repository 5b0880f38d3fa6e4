package har

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"parley/ingest"
)

// scan is the streaming JSON tokenizer of the HAR parser. Unlike
// encoding/json's Decoder, which holds a whole value (and, through Token,
// a whole string) in memory, it never holds more than its 64 KiB window of
// the input: a string is captured only up to the limit the caller gives
// (its full length is still counted), and a skipped string, however long,
// is only scanned. Separators are checked as json.Decoder.Token checks
// them, with the same error messages; offsets are absolute (BOM included),
// so positions come from the ingest.PosReader beneath.
type scan struct {
	j     *ingest.JSONInput // file name, BOM and line tracking; j.dec is not used
	src   io.Reader
	buf   []byte
	r, w  int   // the unread input is buf[r:w]
	off   int64 // absolute offset of buf[0]
	rerr  error // the error (io.EOF at the end) that stopped reading
	state int
	stack []int

	// The last token: its absolute offset, and for a string (or key) the
	// captured prefix of its decoded value, its full decoded length and
	// whether it had escapes; for a number its text.
	tokOff int64
	str    []byte
	n      int
	esc    bool
	full   bool // str has reached its limit
}

// Token states, as in encoding/json's stream.go.
const (
	hsTopValue = iota
	hsArrayStart
	hsArrayValue
	hsArrayComma
	hsObjectStart
	hsObjectKey
	hsObjectColon
	hsObjectValue
	hsObjectComma
)

const scanWindow = 64 << 10

// hsMaxDepth bounds the nesting of arrays and objects, as encoding/json does.
const hsMaxDepth = 10000

// syntaxError is invalid JSON at absolute offset off.
type syntaxError struct {
	off int64
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func newHARScan(file string, r io.Reader) (*scan, error) {
	src, err := ingest.MaybeGunzip(r)
	if err != nil {
		return nil, err
	}
	pos := &ingest.PosReader{R: src}
	s := &scan{j: &ingest.JSONInput{Pos: pos, File: file}, src: pos, buf: make([]byte, scanWindow), tokOff: -1}
	if s.ensure(3) && string(s.buf[:3]) == string(ingest.BOM) {
		s.r, s.j.Base = 3, 3
	}
	return s, nil
}

// cur is the absolute offset of the next unread byte.
func (s *scan) cur() int64 { return s.off + int64(s.r) }

// ensure tries to have at least k (at most a few) unread bytes in the
// window, reading more as needed; false means the input ended (or failed)
// before.
func (s *scan) ensure(k int) bool {
	for s.w-s.r < k {
		if s.rerr != nil {
			return false
		}
		if s.r > 0 {
			s.off += int64(s.r)
			s.w = copy(s.buf, s.buf[s.r:s.w])
			s.r = 0
		}
		s.rerr = io.ErrNoProgress
		for range 100 {
			n, err := s.src.Read(s.buf[s.w:])
			s.w += n
			if err != nil || n > 0 {
				s.rerr = err
				break
			}
		}
	}
	return true
}

// readErr is the error to return when the input stops: io.EOF at its end.
func (s *scan) readErr() error {
	if s.rerr == nil {
		return io.ErrNoProgress // not reached: ensure failed
	}
	return s.rerr
}

// unexpectedEOF is readErr inside a token, where the end is premature.
func (s *scan) unexpectedEOF() error {
	if err := s.readErr(); err != io.EOF {
		return err
	}
	return io.ErrUnexpectedEOF
}

func hsIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// peek skips white space and returns the next byte without consuming it.
func (s *scan) peek() (byte, error) {
	for {
		for s.r < s.w {
			c := s.buf[s.r]
			if !hsIsSpace(c) {
				return c, nil
			}
			s.r++
		}
		if !s.ensure(1) {
			return 0, s.readErr()
		}
	}
}

// more reports whether the current array or object has another element,
// as json.Decoder.More does.
func (s *scan) more() bool {
	c, err := s.peek()
	return err == nil && c != ']' && c != '}'
}

func (s *scan) valueAllowed() bool {
	switch s.state {
	case hsTopValue, hsArrayStart, hsArrayValue, hsObjectValue:
		return true
	}
	return false
}

func (s *scan) valueEnd() {
	switch s.state {
	case hsArrayStart, hsArrayValue:
		s.state = hsArrayComma
	case hsObjectValue:
		s.state = hsObjectComma
	}
}

func (s *scan) pop() {
	s.state = s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.valueEnd()
}

// hsQuoteChar is encoding/json's quoteChar.
func hsQuoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}

func (s *scan) syntax(off int64, c byte, context string) error {
	return &syntaxError{off: off, msg: "invalid character " + hsQuoteChar(c) + context}
}

// tokenError is json.Decoder's tokenError: c is not allowed here.
func (s *scan) tokenError(c byte) error {
	var context string
	switch s.state {
	case hsTopValue, hsArrayStart, hsArrayValue, hsObjectValue:
		context = " looking for beginning of value"
	case hsArrayComma:
		context = " after array element"
	case hsObjectKey:
		context = " looking for beginning of object key string"
	case hsObjectColon:
		context = " after object key"
	case hsObjectComma:
		context = " after object key:value pair"
	}
	return s.syntax(s.cur(), c, context)
}

// token reads the next token and returns its kind: { } [ ] for
// delimiters, 'k' for an object key, '"' for a string value, '0' for a
// number, 't', 'f' or 'n' for true, false and null. A string's decoded
// value is captured in s.str up to limit bytes (none when limit < 0, when
// its length is not counted either); a number's text likewise.
func (s *scan) token(limit int) (byte, error) {
	for {
		c, err := s.peek()
		if err != nil {
			return 0, err
		}
		s.tokOff = s.cur()
		switch c {
		case '[', '{':
			if !s.valueAllowed() {
				return 0, s.tokenError(c)
			}
			if len(s.stack) >= hsMaxDepth {
				return 0, s.syntax(s.cur(), c, " exceeded max depth")
			}
			s.r++
			s.stack = append(s.stack, s.state)
			s.state = hsArrayStart
			if c == '{' {
				s.state = hsObjectStart
			}
			return c, nil
		case ']':
			if s.state != hsArrayStart && s.state != hsArrayComma {
				return 0, s.tokenError(c)
			}
			s.r++
			s.pop()
			return c, nil
		case '}':
			if s.state != hsObjectStart && s.state != hsObjectComma {
				return 0, s.tokenError(c)
			}
			s.r++
			s.pop()
			return c, nil
		case ':':
			if s.state != hsObjectColon {
				return 0, s.tokenError(c)
			}
			s.r++
			s.state = hsObjectValue
			continue
		case ',':
			switch s.state {
			case hsArrayComma:
				s.r++
				s.state = hsArrayValue
				continue
			case hsObjectComma:
				s.r++
				s.state = hsObjectKey
				continue
			}
			return 0, s.tokenError(c)
		case '"':
			if s.state == hsObjectStart || s.state == hsObjectKey {
				if err := s.scanString(limit); err != nil {
					return 0, err
				}
				s.state = hsObjectColon
				return 'k', nil
			}
			if !s.valueAllowed() {
				return 0, s.tokenError(c)
			}
			if err := s.scanString(limit); err != nil {
				return 0, err
			}
			s.valueEnd()
			return '"', nil
		default:
			if !s.valueAllowed() {
				return 0, s.tokenError(c)
			}
			var k byte
			switch {
			case c == '-' || ('0' <= c && c <= '9'):
				k, err = '0', s.scanNumber(limit)
			case c == 't':
				k, err = 't', s.scanLiteral("true")
			case c == 'f':
				k, err = 'f', s.scanLiteral("false")
			case c == 'n':
				k, err = 'n', s.scanLiteral("null")
			default:
				return 0, s.syntax(s.cur(), c, " looking for beginning of value")
			}
			if err != nil {
				return 0, err
			}
			s.valueEnd()
			return k, nil
		}
	}
}

// skipRest skips the rest of an array or object whose opening delimiter
// has just been read.
func (s *scan) skipRest() error {
	for depth := 1; depth > 0; {
		k, err := s.token(-1)
		if err != nil {
			return err
		}
		switch k {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return nil
}

// skip skips the next value.
func (s *scan) skip() error {
	k, err := s.token(-1)
	if err == nil && (k == '{' || k == '[') {
		err = s.skipRest()
	}
	return err
}

// hsKindName names a value by its first token, as ingest.ExpectDelim does.
func hsKindName(k byte) string {
	switch k {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// expect reads the next value's first token and reports whether it is the
// delimiter d; another value is skipped whole and named by kind, and
// s.tokOff is left at its start.
func (s *scan) expect(d byte) (ok bool, kind string, err error) {
	k, err := s.token(-1)
	if err != nil {
		return false, "", err
	}
	if k == d {
		return true, "", nil
	}
	if k == '{' || k == '[' {
		start := s.tokOff
		if err := s.skipRest(); err != nil {
			return false, "", err
		}
		s.tokOff = start
	}
	return false, hsKindName(k), nil
}

// prepareDecode checks the separator before a value as json.Decoder's
// Decode does, with its messages: the parser reads entries and a few other
// values where the old code called Decode.
func (s *scan) prepareDecode() error {
	var sep byte
	var msg string
	switch s.state {
	case hsArrayComma:
		sep, msg, s.state = ',', "expected comma after array element", hsArrayValue
	case hsObjectColon:
		sep, msg, s.state = ':', "expected colon after object key", hsObjectValue
	default:
		return nil
	}
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != sep {
		return &syntaxError{off: s.cur(), msg: msg}
	}
	s.r++
	return nil
}

// hsPlain marks the bytes a string holds as they are: not a quote, a
// backslash, a control character or (when decoding) a non-ASCII byte.
var hsPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// capture appends b to s.str while it fits in limit.
func (s *scan) capture(b []byte, limit int) {
	if s.full {
		return
	}
	room := limit - len(s.str)
	if len(b) > room {
		b, s.full = b[:max(room, 0)], true
	}
	s.str = append(s.str, b...)
}

// scanString reads a string token, checking it as encoding/json does and
// decoding it as encoding/json does (invalid UTF-8 and lone surrogates
// become U+FFFD) when limit >= 0.
func (s *scan) scanString(limit int) error {
	s.r++ // the opening quote
	s.str, s.n, s.esc, s.full = s.str[:0], 0, false, false
	decode := limit >= 0
	for {
		// A run of plain bytes.
		i := s.r
		if decode {
			for i < s.w && hsPlain[s.buf[i]] {
				i++
			}
		} else {
			for i < s.w && (hsPlain[s.buf[i]] || s.buf[i] >= utf8.RuneSelf) {
				i++
			}
		}
		if decode && i > s.r {
			s.capture(s.buf[s.r:i], limit)
			s.n += i - s.r
		}
		s.r = i
		if s.r == s.w {
			if !s.ensure(1) {
				return s.unexpectedEOF()
			}
			continue
		}
		c := s.buf[s.r]
		switch {
		case c == '"':
			s.r++
			return nil
		case c == '\\':
			if err := s.scanEscape(limit); err != nil {
				return err
			}
		case c < 0x20:
			return s.syntax(s.cur(), c, " in string literal")
		default: // non-ASCII, decoding
			s.ensure(utf8.UTFMax) // or as much as the input has
			r, size := utf8.DecodeRune(s.buf[s.r:s.w])
			s.r += size
			s.addRune(r, limit)
		}
	}
}

// addRune appends r to the captured string, whole or not at all.
func (s *scan) addRune(r rune, limit int) {
	n := utf8.RuneLen(r)
	s.n += n
	if s.full || len(s.str)+n > limit {
		s.full = true
		return
	}
	s.str = utf8.AppendRune(s.str, r)
}

// scanEscape reads the escape at s.r (a backslash).
func (s *scan) scanEscape(limit int) error {
	s.esc = true
	if !s.ensure(2) {
		return s.unexpectedEOF()
	}
	c := s.buf[s.r+1]
	var b byte
	switch c {
	case '"', '\\', '/':
		b = c
	case 'b':
		b = '\b'
	case 'f':
		b = '\f'
	case 'n':
		b = '\n'
	case 'r':
		b = '\r'
	case 't':
		b = '\t'
	case 'u':
		rr, err := s.hex4()
		if err != nil {
			return err
		}
		s.r += 6
		if limit < 0 {
			return nil
		}
		if utf16.IsSurrogate(rr) {
			// A pair is decoded only when the next escape completes it.
			rr1 := rune(-1)
			if s.ensure(6) && s.buf[s.r] == '\\' && s.buf[s.r+1] == 'u' {
				rr1 = hsHex4(s.buf[s.r+2 : s.r+6])
			}
			if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
				s.r += 6
				s.addRune(dec, limit)
				return nil
			}
			rr = utf8.RuneError
		}
		s.addRune(rr, limit)
		return nil
	default:
		return s.syntax(s.cur()+1, c, " in string escape code")
	}
	s.r += 2
	if limit >= 0 {
		s.capture([]byte{b}, limit)
		s.n++
	}
	return nil
}

// hex4 checks and reads the \uXXXX escape at s.r.
func (s *scan) hex4() (rune, error) {
	s.ensure(6)
	for i := 2; i < 6; i++ {
		if s.r+i >= s.w {
			return 0, s.unexpectedEOF()
		}
		if c := s.buf[s.r+i]; !hsIsHex(c) {
			return 0, s.syntax(s.cur()+int64(i), c, " in \\u hexadecimal character escape")
		}
	}
	return hsHex4(s.buf[s.r+2 : s.r+6]), nil
}

func hsIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hsHex4 reads four hex digits, or returns -1.
func hsHex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// next returns the next byte of a number or literal, or ok false at the
// end of the input.
func (s *scan) next() (byte, bool) {
	if s.r == s.w && !s.ensure(1) {
		return 0, false
	}
	return s.buf[s.r], true
}

// scanNumber reads a number with encoding/json's grammar; the byte after
// it is left for the next token.
func (s *scan) scanNumber(limit int) error {
	s.str, s.n, s.esc, s.full = s.str[:0], 0, false, false
	take := func() {
		if limit >= 0 {
			s.capture(s.buf[s.r:s.r+1], limit)
		}
		s.n++
		s.r++
	}
	digits := func() {
		for c, ok := s.next(); ok && '0' <= c && c <= '9'; c, ok = s.next() {
			take()
		}
	}
	c, _ := s.next()
	if c == '-' {
		take()
		c2, ok := s.next()
		if !ok {
			return s.unexpectedEOF()
		}
		if c2 < '0' || c2 > '9' {
			return s.syntax(s.cur(), c2, " in numeric literal")
		}
		c = c2
	}
	take()
	if c != '0' {
		digits()
	}
	c, ok := s.next()
	if ok && c == '.' {
		take()
		c, ok = s.next()
		if !ok {
			return s.unexpectedEOF()
		}
		if c < '0' || c > '9' {
			return s.syntax(s.cur(), c, " after decimal point in numeric literal")
		}
		digits()
		c, ok = s.next()
	}
	if ok && (c == 'e' || c == 'E') {
		take()
		c, ok = s.next()
		if ok && (c == '+' || c == '-') {
			take()
			c, ok = s.next()
		}
		if !ok {
			return s.unexpectedEOF()
		}
		if c < '0' || c > '9' {
			return s.syntax(s.cur(), c, " in exponent of numeric literal")
		}
		digits()
	}
	if !ok && s.readErr() != io.EOF {
		return s.readErr()
	}
	return nil
}

// scanLiteral reads true, false or null.
func (s *scan) scanLiteral(lit string) error {
	for i := 0; i < len(lit); i++ {
		c, ok := s.next()
		if !ok {
			return s.unexpectedEOF()
		}
		if c != lit[i] {
			return s.syntax(s.cur(), c, fmt.Sprintf(" in literal %s (expecting %s)", lit, hsQuoteChar(lit[i])))
		}
		s.r++
	}
	return nil
}

// where describes absolute offset off: "line 5, column 1 (byte offset 26)".
func (s *scan) where(off int64) (string, int) { return s.j.Where(off - s.j.Base) }

// line is the line of absolute offset off (0 if unknown).
func (s *scan) line(off int64) int {
	l, _ := s.j.Pos.Line(off)
	return l
}

// isEOF reports whether err is the input's end, premature or not.
func hsIsEOF(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) }

// fail turns an error of the scanner into a ParseError naming the file
// and position, as ingest.JSONInput.fail does for encoding/json's.
func (s *scan) fail(err error) ingest.ParseError {
	var syn *syntaxError
	switch {
	case errors.As(err, &syn):
		w, line := s.where(syn.off)
		return ingest.ParseError{File: s.j.File, Line: line, Msg: fmt.Sprintf("invalid JSON at %s: %v", w, syn.msg)}
	case hsIsEOF(err):
		w, line := s.where(max(s.cur(), s.j.Pos.Consumed)) // the end of the input
		return ingest.ParseError{File: s.j.File, Line: line, Msg: fmt.Sprintf("unexpected end of input at %s: the file is truncated", w)}
	default:
		w, line := s.where(s.cur())
		return ingest.ParseError{File: s.j.File, Line: line, Msg: fmt.Sprintf("cannot read at %s: %v", w, err)}
	}
}
