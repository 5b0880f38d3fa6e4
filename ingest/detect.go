package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
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
// file is decompressed first (within limits). Archives are not opened here:
// see Expand.
func ParseFile(name string, r io.Reader, sink Sink) (Result, error) {
	br := bufio.NewReaderSize(r, headSize)
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Result{File: name}, fmt.Errorf("%s: read: %w", name, err)
	}
	if bytes.HasPrefix(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Result{File: name}, fmt.Errorf("%s: broken gzip data: %w", name, err)
		}
		defer zr.Close()
		lr := &limitedReader{r: zr, left: DefaultLimits.MaxFileBytes, name: name}
		br = bufio.NewReaderSize(lr, headSize)
		head, err = br.Peek(headSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return Result{File: name}, fmt.Errorf("%s: decompress: %w", name, err)
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
			return res, err
		}
	}
	return Result{File: name}, fmt.Errorf("%s: %w", name, ErrUnknownFormat)
}
