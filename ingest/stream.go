package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// HeadSize is how much of a file detection looks at.
const HeadSize = 64 << 10

var gzipMagic = []byte{0x1f, 0x8b}

// isZip reports the local-file-header magic of a zip archive.
func isZip(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// ErrUnknownFormat means no parser recognised the file.
var ErrUnknownFormat = errors.New("not a diagnostics file Parley knows (logcat, tombstone, Apple crash or log, client state, HAR, WebRTC dump)")

// errTap passes a stream on and keeps its first error other than io.EOF,
// so that a parse can say why a file stopped whatever its parser makes of
// the error.
type errTap struct {
	r   io.Reader
	err error
}

func (t *errTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// Stream is one file made ready for a parser: decompressed when it is
// gzip, within the limits, with its first bytes at hand for detection.
type Stream struct {
	Head []byte        // the first HeadSize bytes (fewer for a shorter file)
	R    *bufio.Reader // the whole content, Head included
	name string
	src  *errTap
}

// OpenStream prepares one file of an upload for parsing. A gzip-compressed
// file is decompressed, within limits: at most MaxFileBytes of output, and
// no more than MaxRatio times the compressed bytes read once past 1 MiB;
// beyond either reading stops with ErrBomb. An empty file, a zip archive
// (see Expand) and an archive inside the gzip are refused here.
func OpenStream(name string, r io.Reader, limits Limits) (*Stream, error) {
	packed := &countingReader{r: r}
	src := &errTap{r: packed}
	br := bufio.NewReaderSize(src, HeadSize)
	head, err := br.Peek(HeadSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, readFailure(name, fmt.Errorf("%s: read: %w", name, err), err)
	}
	if bytes.HasPrefix(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: broken gzip data: %w", name, err)
		}
		compressed := br
		rr := &ratioReader{r: zr, in: func() int64 { return packed.n - int64(compressed.Buffered()) }, ratio: limits.MaxRatio, name: name}
		lr := &limitedReader{r: rr, left: limits.MaxFileBytes, name: name, why: "expands to more than " + sizeText(limits.MaxFileBytes)}
		src = &errTap{r: lr}
		br = bufio.NewReaderSize(src, HeadSize)
		head, err = br.Peek(HeadSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, readFailure(name, fmt.Errorf("%s: decompress: %w", name, err), err)
		}
		if bytes.HasPrefix(head, gzipMagic) || isZip(head) {
			return nil, fmt.Errorf("%s: %w", name, ErrNestedArchive)
		}
	}
	if isZip(head) {
		return nil, fmt.Errorf("%s: is a zip archive; open it with Expand", name)
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", name)
	}
	return &Stream{Head: head, R: br, name: name, src: src}, nil
}

// Finish is what a parse of the stream reports, given what its parser
// returned: a refusal of the limits (ErrBomb, which names the file) as it
// is, whatever the parser made of it; any other read error the parser kept
// quiet about, named.
func (s *Stream) Finish(res Result, err error) (Result, error) {
	err = readFailure(s.name, err, s.src.err)
	var bomb *bombError
	if n := len(res.Errors); n > 0 && errors.As(err, &bomb) && strings.HasSuffix(res.Errors[n-1].Msg, bomb.Error()) {
		res.Errors = res.Errors[:n-1] // the parser's "read error: …" says it again
	}
	return res, err
}

// readFailure is the error a parse returns when reading failed with
// readErr and the parser returned err: a refusal of the limits (ErrBomb,
// which names the file) as it is, whatever the parser made of it; any other
// read error the parser kept quiet about, named.
func readFailure(name string, err, readErr error) error {
	var bomb *bombError
	switch {
	case errors.As(readErr, &bomb):
		return bomb
	case readErr == nil || errors.Is(err, readErr):
		return err
	case err == nil:
		return fmt.Errorf("%s: read: %w", name, readErr)
	}
	return err
}
