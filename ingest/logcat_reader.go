package ingest

import (
	"bytes"
	"errors"
	"io"
)

// lcMaxLine is the longest line the Android parsers read whole; the rest
// of a longer line is skipped and reported.
const lcMaxLine = 1 << 20

// lcReadSize is how much is asked of the underlying reader at a time.
const lcReadSize = 256 << 10

// lcLineReader hands out the lines of a stream as slices of its buffer
// (valid until the next call), without their line endings ("\n" or
// "\r\n") and without a leading UTF-8 BOM. Memory stays at one buffer of
// at most lcMaxLine+lcReadSize bytes whatever the size of the input.
type lcLineReader struct {
	r          io.Reader
	buf        []byte
	start, end int  // buf[start:end] is read but not yet handed out
	eof        bool // r has nothing more
	n          int  // number of the line last returned, 1-based
	skipRest   bool // the last line was cut short: drop the rest of it first
	long       int  // how many lines were cut short
	firstCut   int  // the first of them
	err        error
}

func newLCLineReader(r io.Reader) *lcLineReader {
	return &lcLineReader{r: r, buf: make([]byte, lcStartBuf)}
}

// lcStartBuf is the buffer a reader starts with; it grows (up to
// lcMaxLine+lcReadSize) only for long lines.
const lcStartBuf = 64 << 10

// fill reads more input after what is buffered; it reports false when
// nothing more can come.
func (lr *lcLineReader) fill() bool {
	if lr.eof {
		return false
	}
	if lr.start > 0 && (lr.start == lr.end || len(lr.buf)-lr.end < len(lr.buf)/4) {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if len(lr.buf)-lr.end < len(lr.buf)/4 && len(lr.buf) < lcMaxLine+lcReadSize {
		nb := make([]byte, min(2*len(lr.buf), lcMaxLine+lcReadSize))
		lr.end = copy(nb, lr.buf[lr.start:lr.end])
		lr.start, lr.buf = 0, nb
	}
	for tries := 0; tries < 100; tries++ {
		m, err := lr.r.Read(lr.buf[lr.end:min(len(lr.buf), lr.end+lcReadSize)])
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
func (lr *lcLineReader) peek(n int) []byte {
	for lr.end-lr.start < n && lr.fill() {
	}
	if lr.end-lr.start < n {
		n = lr.end - lr.start
	}
	return lr.buf[lr.start : lr.start+n]
}

// next returns the next line, or false at the end of the input or on a
// read error (kept in lr.err).
func (lr *lcLineReader) next() ([]byte, bool) {
	for {
		w := lr.buf[lr.start:lr.end]
		if i := bytes.IndexByte(w, '\n'); i >= 0 {
			lr.start += i + 1
			if lr.skipRest {
				lr.skipRest = false
				continue
			}
			return lr.line(w[:i]), true
		}
		if len(w) >= lcMaxLine {
			// A line longer than lcMaxLine: hand out its start, drop the rest.
			lr.start = lr.end
			if lr.skipRest {
				continue
			}
			lr.skipRest = true
			lr.long++
			if lr.firstCut == 0 {
				lr.firstCut = lr.n + 1
			}
			return lr.line(w[:lcMaxLine]), true
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
			return lr.line(w), true
		}
	}
}

func (lr *lcLineReader) line(l []byte) []byte {
	lr.n++
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	if lr.n == 1 && len(l) >= 3 && l[0] == 0xEF && l[1] == 0xBB && l[2] == 0xBF {
		l = l[3:]
	}
	return l
}

// lcFatal records pe in res and returns it as the error that stops a parse.
func lcFatal(res *Result, pe ParseError) error {
	if len(res.Errors) < maxErrors {
		res.Errors = append(res.Errors, pe)
	}
	return pe
}
