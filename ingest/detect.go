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

// parser is one format's recogniser and reader.
type parser struct {
	format Format
	looks  func(head []byte) bool
	parse  func(name string, r io.Reader, sink Sink) (Result, error)
}

// parsers in the order detection tries them: the most specific first, so a
// JSON dump is not mistaken for a log line and a tombstone not for logcat.
var parsers = []parser{
	{FormatClientState, looksLikeClientState, ParseClientState},
	{FormatHAR, looksLikeHAR, ParseHAR},
	{FormatWebRTCInternals, looksLikeWebRTCInternals, ParseWebRTCInternals},
	{FormatRTCStats, looksLikeRTCStats, ParseRTCStats},
	{FormatIPS, looksLikeIPS, ParseIPS},
	{FormatAppleCrash, looksLikeAppleCrash, ParseAppleCrash},
	{FormatTombstone, looksLikeTombstone, ParseTombstone},
	{FormatIOSAppLog, looksLikeIOSAppLog, ParseIOSAppLog},
	{FormatSysdiagnose, looksLikeSysdiagnose, ParseSysdiagnose},
	{FormatAppleLog, looksLikeAppleLog, ParseAppleLog},
	{FormatLogcat, looksLikeLogcat, ParseLogcat},
}

// headSize is how much of a file detection looks at.
const headSize = 64 << 10

// Detect names the format of a file from its first bytes (up to 64 KiB),
// never from its name.
func Detect(head []byte) Format {
	for _, p := range parsers {
		if p.looks(head) {
			return p.format
		}
	}
	return FormatUnknown
}

var gzipMagic = []byte{0x1f, 0x8b}

// isZip reports the local-file-header magic of a zip archive.
func isZip(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// ErrUnknownFormat means no parser recognised the file.
var ErrUnknownFormat = errors.New("not a diagnostics file Parley knows (logcat, tombstone, Apple crash or log, client state, HAR, WebRTC dump)")

// ParseFile detects the format of one file and parses it. A gzip-compressed
// file is decompressed first, within DefaultLimits: at most MaxFileBytes of
// output, and no more than MaxRatio times the compressed bytes read once
// past 1 MiB; beyond either it stops with ErrBomb (the events already passed
// to sink stand). Archives are not opened here: see Expand.
func ParseFile(name string, r io.Reader, sink Sink) (Result, error) {
	return parseFile(name, r, sink, DefaultLimits)
}

// errTap passes a stream on and keeps its first error other than io.EOF,
// so that ParseFile can say why a file stopped whatever its parser makes
// of the error.
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

func parseFile(name string, r io.Reader, sink Sink, limits Limits) (Result, error) {
	packed := &countingReader{r: r}
	src := &errTap{r: packed}
	br := bufio.NewReaderSize(src, headSize)
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Result{File: name}, readFailure(name, fmt.Errorf("%s: read: %w", name, err), err)
	}
	if bytes.HasPrefix(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Result{File: name}, fmt.Errorf("%s: broken gzip data: %w", name, err)
		}
		defer zr.Close()
		compressed := br
		rr := &ratioReader{r: zr, in: func() int64 { return packed.n - int64(compressed.Buffered()) }, ratio: limits.MaxRatio, name: name}
		lr := &limitedReader{r: rr, left: limits.MaxFileBytes, name: name, why: "expands to more than " + sizeText(limits.MaxFileBytes)}
		src = &errTap{r: lr}
		br = bufio.NewReaderSize(src, headSize)
		head, err = br.Peek(headSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return Result{File: name}, readFailure(name, fmt.Errorf("%s: decompress: %w", name, err), err)
		}
		if bytes.HasPrefix(head, gzipMagic) || isZip(head) {
			return Result{File: name}, fmt.Errorf("%s: %w", name, ErrNestedArchive)
		}
	}
	if isZip(head) {
		return Result{File: name}, fmt.Errorf("%s: is a zip archive; open it with Expand", name)
	}
	if len(head) == 0 {
		return Result{File: name}, fmt.Errorf("%s: the file is empty", name)
	}
	for _, p := range parsers {
		if p.looks(head) {
			res, err := p.parse(name, br, sink)
			res.File, res.Format = name, p.format
			err = readFailure(name, err, src.err)
			var bomb *bombError
			if n := len(res.Errors); n > 0 && errors.As(err, &bomb) && strings.HasSuffix(res.Errors[n-1].Msg, bomb.Error()) {
				res.Errors = res.Errors[:n-1] // the parser's "read error: …" says it again
			}
			return res, err
		}
	}
	return Result{File: name}, fmt.Errorf("%s: %w", name, ErrUnknownFormat)
}

// readFailure is the error ParseFile returns when reading failed with
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
