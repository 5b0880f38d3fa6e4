// Package formats tells the kinds of diagnostics file apart and hands each
// to the parser of its format family (ingest/logcat, ingest/bugreport,
// ingest/apple, ingest/har, ingest/webrtc, ingest/state; any other text to
// ingest/plaintext). Callers parse through it and
// need not know which package reads what.
package formats

import (
	"fmt"
	"io"

	"parley/ingest"
	"parley/ingest/apple"
	"parley/ingest/bugreport"
	"parley/ingest/har"
	"parley/ingest/logcat"
	"parley/ingest/plaintext"
	"parley/ingest/state"
	"parley/ingest/webrtc"
)

// parser is one format's recogniser and reader.
type parser struct {
	format ingest.Format
	looks  func(head []byte) bool
	parse  func(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error)
}

// parsers in the order detection tries them: the most specific first, so a
// JSON dump is not mistaken for a log line and a tombstone not for logcat.
var parsers = []parser{
	{ingest.FormatClientState, state.LooksLike, state.Parse},
	{ingest.FormatHAR, har.LooksLike, har.Parse},
	{ingest.FormatWebRTCInternals, webrtc.LooksLikeInternals, webrtc.ParseInternals},
	{ingest.FormatRTCStats, webrtc.LooksLikeRTCStats, webrtc.ParseRTCStats},
	{ingest.FormatIPS, apple.LooksLikeIPS, apple.ParseIPS},
	{ingest.FormatAppleCrash, apple.LooksLikeCrash, apple.ParseCrash},
	// Android bug reports before tombstones and logcat, whose lines a bug
	// report contains.
	{ingest.FormatBugreport, bugreport.Detect, bugreport.Parse},
	{ingest.FormatTombstone, logcat.LooksLikeTombstone, logcat.ParseTombstone},
	{ingest.FormatIOSAppLog, apple.LooksLikeAppLog, apple.ParseAppLog},
	{ingest.FormatSysdiagnose, apple.LooksLikeSysdiagnose, apple.ParseSysdiagnose},
	{ingest.FormatAppleLog, apple.LooksLikeLog, apple.ParseLog},
	{ingest.FormatLogcat, logcat.LooksLike, logcat.Parse},
	// Last: any other text is kept line by line, with a note; only binary
	// data is refused.
	{ingest.FormatPlainText, plaintext.LooksLike, plaintext.Parse},
}

// Detect names the format of a file from its first bytes (up to 64 KiB),
// never from its name.
func Detect(head []byte) ingest.Format {
	for _, p := range parsers {
		if p.looks(head) {
			return p.format
		}
	}
	return ingest.FormatUnknown
}

// ParseFile detects the format of one file and parses it. A gzip-compressed
// file is decompressed first, within DefaultLimits: at most MaxFileBytes of
// output, and no more than MaxRatio times the compressed bytes read once
// past 1 MiB; beyond either it stops with ErrBomb (the events already passed
// to sink stand). Archives are not opened here: see Expand.
func ParseFile(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	return parseFile(name, r, sink, ingest.DefaultLimits, 0)
}

// parseFile is ParseFile within limits; year, when not 0, is the year of
// the file's siblings, for a log that prints none (logcat.Options.YearHint).
func parseFile(name string, r io.Reader, sink ingest.Sink, limits ingest.Limits, year int) (ingest.Result, error) {
	s, err := ingest.OpenStream(name, r, limits)
	if err != nil {
		return ingest.Result{File: name}, err
	}
	for _, p := range parsers {
		if p.looks(s.Head) {
			parse := p.parse
			if p.format == ingest.FormatLogcat && year > 0 {
				parse = func(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
					return logcat.ParseWith(name, r, sink, logcat.Options{YearHint: year})
				}
			}
			res, err := parse(name, s.R, sink)
			res.File, res.Format = name, p.format
			return s.Finish(res, err)
		}
	}
	return ingest.Result{File: name}, fmt.Errorf("%s: %w", name, ingest.ErrUnknownFormat)
}
