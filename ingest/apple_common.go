package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds helpers shared by the line-based parsers of this group
// (Apple crash reports and logs, the iOS app's own logs, rtcstats dumps).
// Their names carry an "iw" prefix so they cannot clash with helpers of the
// Android parsers that live in the same package.

// iwMaxLine bounds one line of a text log; longer lines are cut and
// reported, so one runaway line cannot exhaust memory.
const iwMaxLine = 1 << 20

// iwLineReader reads a text file line by line: it drops a leading UTF-8
// byte order mark, the line ending (LF or CRLF) and cuts lines longer than
// max bytes.
type iwLineReader struct {
	br   *bufio.Reader
	line int // number of the line last returned, 1-based
	max  int
	buf  []byte
}

func newIWLineReader(r io.Reader, max int) *iwLineReader {
	if max <= 0 {
		max = iwMaxLine
	}
	return &iwLineReader{br: bufio.NewReaderSize(r, 16<<10), max: max}
}

// next returns the next line and whether it was cut at max bytes. At the end
// of input it returns io.EOF; other read errors are returned as they are.
func (l *iwLineReader) next() (string, bool, error) {
	l.buf = l.buf[:0]
	cut := false
	got := false
	for {
		chunk, err := l.br.ReadSlice('\n')
		if len(chunk) > 0 {
			got = true
		}
		if room := l.max - len(l.buf); room > 0 {
			if len(chunk) > room {
				l.buf = append(l.buf, chunk[:room]...)
				cut = true
			} else {
				l.buf = append(l.buf, chunk...)
			}
		} else if len(chunk) > 0 && !(len(chunk) == 1 && chunk[0] == '\n') {
			cut = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err != io.EOF {
				return "", false, err
			}
			if !got {
				return "", false, io.EOF
			}
		}
		break
	}
	l.line++
	b := l.buf
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if l.line == 1 {
		b = bytes.TrimPrefix(b, iwBOM)
	}
	return string(b), cut, nil
}

var iwBOM = []byte{0xEF, 0xBB, 0xBF}

// iwTrimBOM drops a UTF-8 byte order mark from the start of head.
func iwTrimBOM(head []byte) []byte { return bytes.TrimPrefix(head, iwBOM) }

// iwHeadLines splits the first bytes of a file into at most n lines, dropping
// the last one when it may have been cut by the end of head.
func iwHeadLines(head []byte, n int) []string {
	head = iwTrimBOM(head)
	var out []string
	for len(head) > 0 && len(out) < n {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			if len(head) < 64<<10 { // short file: the last line is whole
				out = append(out, strings.TrimRight(string(head), "\r"))
			}
			break
		}
		out = append(out, strings.TrimRight(string(head[:i]), "\r"))
		head = head[i+1:]
	}
	return out
}

// iwParseTime tries each layout in turn.
func iwParseTime(s string, layouts ...string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Layouts of Apple's report and log timestamps.
var appleTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999 -0700", // .ips captureTime, .crash Date/Time
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05.999999999-0700", // log show
	"2006-01-02 15:04:05-0700",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
}

// appleOS turns Apple's OS strings ("iPhone OS 15.2.1 (19C63)", "iOS 17.1",
// "macOS 12.1 (21C52)", "Mac OS X 10.15.7 (19H2)") into a short name and
// version ("iOS 15.2.1") plus the build, when given.
func appleOS(s string) (name, build string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		build = strings.TrimSpace(s[i+1 : len(s)-1])
		s = strings.TrimSpace(s[:i])
	}
	for _, p := range []struct{ from, to string }{
		{"iPhone OS ", "iOS "}, {"Mac OS X ", "macOS "}, {"OS X ", "macOS "},
	} {
		if strings.HasPrefix(s, p.from) {
			s = p.to + strings.TrimPrefix(s, p.from)
			break
		}
	}
	return s, build
}

// applePlatform guesses Parley's platform name from a device model or OS.
func applePlatform(device, os string) string {
	switch {
	case strings.HasPrefix(device, "iPhone"), strings.HasPrefix(device, "iPad"),
		strings.HasPrefix(device, "iPod"), strings.HasPrefix(os, "iOS"), strings.HasPrefix(os, "iPadOS"):
		return "ios"
	case strings.HasPrefix(os, "macOS"), strings.HasPrefix(device, "Mac"):
		return "macos"
	}
	return ""
}

// appleVersion splits "1.0 (4)" into the short version and the build.
func appleVersion(s string) (version, build string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s, ""
}

// appleLogLevel maps os_log message types ("Default", "Error", …) and
// syslog priorities ("notice", "err", …) to a Level. A Fault, the most severe
// os_log type, maps to F.
func appleLogLevel(s string) Level {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug", "trace":
		return LevelDebug
	case "info", "default", "notice", "activity", "signpost", "state", "timesync":
		return LevelInfo
	case "warning", "warn":
		return LevelWarn
	case "error", "err":
		return LevelError
	case "fault", "crit", "critical", "alert", "emerg", "emergency", "panic":
		return LevelFatal
	}
	return LevelUnknown
}

// iwTruncate cuts s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with an ellipsis.
func iwTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// iwAddExtra sets e.Extra[k] = v when v is not empty.
func iwAddExtra(e *Environment, k, v string) {
	if v == "" {
		return
	}
	if e.Extra == nil {
		e.Extra = map[string]string{}
	}
	e.Extra[k] = v
}

// iwBaseName is the last element of a slash-separated path.
func iwBaseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// maxFrames is how many stack frames a Crash keeps.
const iwMaxFrames = 64

// iwReadErr records a read error at line and returns it as a ParseError
// naming the file.
func iwReadErr(res *Result, line int, err error) error {
	return harFatal(res, ParseError{File: res.File, Line: line, Msg: "read error: " + err.Error()})
}
