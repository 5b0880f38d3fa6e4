package ingest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Helpers the format parsers (the subpackages of ingest) share: text
// shapes, environment facts and the way a parse reports what stopped it.

// BOM is the UTF-8 byte order mark some tools write at the start of a file.
var BOM = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM drops a UTF-8 byte order mark from the start of head.
func TrimBOM(head []byte) []byte { return bytes.TrimPrefix(head, BOM) }

// HeadLines splits the first bytes of a file into at most n lines, dropping
// the last one when it may have been cut by the end of head.
func HeadLines(head []byte, n int) []string {
	head = TrimBOM(head)
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

// ParseTime tries each layout in turn.
func ParseTime(s string, layouts ...string) (time.Time, bool) {
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

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// AddExtra sets e.Extra[k] = v when v is not empty.
func AddExtra(e *Environment, k, v string) {
	if v == "" {
		return
	}
	if e.Extra == nil {
		e.Extra = map[string]string{}
	}
	e.Extra[k] = v
}

// BaseName is the last element of a slash-separated path.
func BaseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// maxFrames is how many stack frames a Crash keeps.
const MaxFrames = 64

// ReadError records a read error at line and returns it as a ParseError
// naming the file.
func ReadError(res *Result, line int, err error) error {
	return Fatal(res, ParseError{File: res.File, Line: line, Msg: "read error: " + err.Error()})
}

// SplitVersion splits "1.0 (4)" into the short version and the build.
func SplitVersion(s string) (version, build string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s, ""
}

// AppHeaderField applies a header field that the Parley apps' own logs
// (iOS, Android; docs/formats.md) write alike.
func AppHeaderField(env *Environment, key, val string) {
	switch strings.ToLower(key) {
	case "app", "bundle", "bundle_id", "package":
		env.App = val
	case "version":
		v, b := SplitVersion(val) // "3.4.0 (5123)"
		env.AppVersion = v
		AddExtra(env, "app.build", b)
	case "build":
		AddExtra(env, "app.build", val)
	case "device", "model":
		env.Device = val
	case "huid":
		env.HUID = val
	case "udid":
		env.UDID = val
	case "server_version", "server":
		env.ServerVersion = val
	default:
		// Push tokens, Device Meta and anything else keep the name the app
		// writes; an empty push token is worth keeping, it is what breaks
		// pushes.
		if env.Extra == nil {
			env.Extra = map[string]string{}
		}
		env.Extra[key] = val
	}
}

// Fatal records pe in res and returns it as the error.
func Fatal(res *Result, pe ParseError) error {
	if len(res.Errors) < MaxErrors {
		res.Errors = append(res.Errors, pe)
	}
	return pe
}

// Finish turns the error that stopped a parse into the parser's returned
// error: the sink's own error as it is; a ParseError recorded in res too.
func Finish(res *Result, err error) error {
	var se SinkError
	if errors.As(err, &se) {
		return se.Err
	}
	var pe ParseError
	if errors.As(err, &pe) {
		return Fatal(res, pe)
	}
	return err
}

// SinkError marks an error returned by the sink, which is passed up as it is.
type SinkError struct{ Err error }

func (e SinkError) Error() string { return e.Err.Error() }
func (e SinkError) Unwrap() error { return e.Err }

// GunzipHead returns head itself, or as much of its gunzipped content as
// the (possibly cut) gzip head yields.
func GunzipHead(head []byte) []byte {
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return head
	}
	zr, err := gzipReader(bytes.NewReader(head))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, 256<<10))
	return out
}
