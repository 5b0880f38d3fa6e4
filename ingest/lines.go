package ingest

import (
	"bytes"
	"errors"
	"io"
)

// MaxLine is the longest line a text parser reads whole unless it asks for
// another bound; the rest of a longer line is skipped and reported, so one
// runaway line cannot exhaust memory.
const MaxLine = 1 << 20

// lineReadSize is how much is asked of the underlying reader at a time.
const lineReadSize = 256 << 10

// LineReader is the line loop of every text parser: it hands out the
// lines of a stream as slices of its buffer (valid until the next call),
// without their line endings ("\n" or "\r\n") and without a leading UTF-8
// BOM, and cuts a line longer than its bound: the start of the line is
// handed out, the rest skipped, and the cut counted. Memory stays at one
// buffer of at most max+lineReadSize bytes whatever the size of the input.
type LineReader struct {
	r          io.Reader
	buf        []byte
	start, end int  // buf[start:end] is read but not yet handed out
	eof        bool // r has nothing more
	n          int  // number of the line last returned, 1-based
	skipRest   bool // the last line was cut short: drop the rest of it first
	long       int  // how many lines were cut short
	firstCut   int  // the first of them
	cut        bool // the line last returned was cut short
	max        int  // the longest line handed out whole
	err        error
}

// NewLineReader reads r line by line, cutting lines longer than max bytes
// (MaxLine when max is 0 or less).
func NewLineReader(r io.Reader, max int) *LineReader {
	if max <= 0 {
		max = MaxLine
	}
	return &LineReader{r: r, buf: make([]byte, lineStartBuf), max: max}
}

// lineStartBuf is the buffer a reader starts with; it grows (up to
// max+lineReadSize) only for long lines.
const lineStartBuf = 64 << 10

// fill reads more input after what is buffered; it reports false when
// nothing more can come.
func (lr *LineReader) fill() bool {
	if lr.eof {
		return false
	}
	if lr.start > 0 && (lr.start == lr.end || len(lr.buf)-lr.end < len(lr.buf)/4) {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if len(lr.buf)-lr.end < len(lr.buf)/4 && len(lr.buf) < lr.max+lineReadSize {
		nb := make([]byte, min(2*len(lr.buf), lr.max+lineReadSize))
		lr.end = copy(nb, lr.buf[lr.start:lr.end])
		lr.start, lr.buf = 0, nb
	}
	for tries := 0; tries < 100; tries++ {
		m, err := lr.r.Read(lr.buf[lr.end:min(len(lr.buf), lr.end+lineReadSize)])
		lr.end += m
		if err != nil {
			if !errors.Is(err, io.EOF) {
				lr.err = err
			}
			lr.eof = true
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
	lr.err, lr.eof = io.ErrNoProgress, true
	return false
}

// peek returns up to n buffered bytes from the current position, reading
// as needed; it does not consume them.
func (lr *LineReader) Peek(n int) []byte {
	for lr.end-lr.start < n && lr.fill() {
	}
	if lr.end-lr.start < n {
		n = lr.end - lr.start
	}
	return lr.buf[lr.start : lr.start+n]
}

// next returns the next line, or false at the end of the input or on a
// read error (kept in lr.err).
func (lr *LineReader) Next() ([]byte, bool) {
	lr.cut = false
	for {
		w := lr.buf[lr.start:lr.end]
		if i := bytes.IndexByte(w, '\n'); i >= 0 {
			lr.start += i + 1
			if lr.skipRest {
				lr.skipRest = false
				continue
			}
			return lr.trim(w[:i]), true
		}
		if len(w) > lr.max+1 || len(w) == lr.max+1 && w[lr.max] != '\r' {
			// A line longer than lr.max (no line end after max bytes, nor
			// the \r of one): hand out its start, drop the rest.
			lr.start = lr.end
			if lr.skipRest {
				continue
			}
			lr.skipRest = true
			lr.cut = true
			lr.long++
			if lr.firstCut == 0 {
				lr.firstCut = lr.n + 1
			}
			return lr.trim(w[:lr.max]), true
		}
		if !lr.fill() {
			if lr.start == lr.end {
				return nil, false
			}
			lr.start = lr.end
			if lr.skipRest {
				lr.skipRest = false
				return nil, false
			}
			return lr.trim(w), true
		}
	}
}

func (lr *LineReader) trim(l []byte) []byte {
	lr.n++
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	if lr.n == 1 && len(l) >= 3 && l[0] == 0xEF && l[1] == 0xBB && l[2] == 0xBF {
		l = l[3:]
	}
	return l
}

// text returns the next line as a string of its own and whether it was cut
// short; at the end of the input it returns io.EOF, and a read error as it
// is.
func (lr *LineReader) Text() (string, bool, error) {
	l, ok := lr.Next()
	if !ok {
		if lr.err != nil {
			return "", false, lr.err
		}
		return "", false, io.EOF
	}
	return string(l), lr.cut, nil
}

// number is the number of the line last returned, 1-based.
func (lr *LineReader) Line() int { return lr.n }

// limit is the longest line handed out whole.
func (lr *LineReader) Max() int { return lr.max }

// longLines is how many lines were cut short so far, and firstCutLine the
// number of the first.
func (lr *LineReader) Long() int     { return lr.long }
func (lr *LineReader) FirstCut() int { return lr.firstCut }

// readErr is the error, other than io.EOF, that ended the input.
func (lr *LineReader) Err() error { return lr.err }

// Read is the loop head of a text parser that takes lines as strings: the
// next line, with a cut one reported in res ("line longer than … was
// cut"); ok is false at the end of the input, and a read error comes back
// as the parse's fatal error (ReadError).
func (lr *LineReader) Read(res *Result) (line string, ok bool, err error) {
	line, cut, err := lr.Text()
	if err == io.EOF {
		return "", false, nil
	}
	if err != nil {
		return "", false, ReadError(res, lr.Line()+1, err)
	}
	if cut {
		res.AddError(lr.Line(), "line longer than %d bytes was cut", lr.Max())
	}
	return line, true, nil
}
