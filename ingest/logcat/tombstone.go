package logcat

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"parley/ingest"
)

// tombBanner starts every tombstone (a line of 16 "***").
const tombBanner = "*** *** *** *** *** ***"

// tombState gathers what a tombstone's header and crashing thread say. It
// reads the lines of a tombstone file and the DEBUG lines of a tombstone
// printed into logcat alike.
type tombState struct {
	banner      bool
	fingerprint string
	revision    string
	abi         string
	timestamp   string
	cmdline     string
	pidLine     string
	pid, tid    string
	thread      string
	process     string
	uid         string
	signalLine  string
	sig         signalInfo
	cause       string
	abort       string
	frames      []string
	inBT        bool // inside the crashing thread's "backtrace:"
	other       bool // past "--- --- ---": other threads
}

// has reports whether anything of a crash was seen.
func (t *tombState) has() bool {
	return t.banner || t.signalLine != "" || t.pidLine != ""
}

// feedLines feeds each line of s.
func (t *tombState) feedLines(s string) {
	for s != "" {
		var l string
		l, s, _ = strings.Cut(s, "\n")
		t.feed(l)
	}
}

// feed reads one tombstone line.
func (t *tombState) feed(s string) {
	s = strings.TrimRight(s, "\r")
	ts := strings.TrimLeft(s, " \t")
	if ts == "" {
		t.inBT = false
		return
	}
	if t.inBT {
		if ts[0] == '#' {
			if len(t.frames) < maxFrames {
				t.frames = append(t.frames, ts)
			}
			return
		}
		t.inBT = false
	}
	if len(ts) != len(s) && ts != "backtrace:" {
		return // registers, stack and memory dumps
	}
	switch {
	case strings.HasPrefix(ts, tombBanner):
		t.banner = true
	case strings.HasPrefix(ts, "--- --- ---"):
		t.other = true
	case strings.HasPrefix(ts, "Build fingerprint: "):
		t.fingerprint = strings.Trim(ts[len("Build fingerprint: "):], "' ")
	case strings.HasPrefix(ts, "Revision: "):
		t.revision = strings.Trim(ts[len("Revision: "):], "' ")
	case strings.HasPrefix(ts, "ABI: "):
		t.abi = strings.Trim(ts[len("ABI: "):], "' ")
	case strings.HasPrefix(ts, "Timestamp: "):
		t.timestamp = strings.TrimSpace(ts[len("Timestamp: "):])
	case strings.HasPrefix(ts, "Cmdline: "):
		t.cmdline = strings.TrimSpace(ts[len("Cmdline: "):])
	case strings.HasPrefix(ts, "pid: "):
		if t.pidLine == "" && !t.other {
			t.pidLine = ts
			t.readPid(ts)
		}
	case strings.HasPrefix(ts, "uid: "):
		if t.uid == "" {
			t.uid = strings.TrimSpace(ts[len("uid: "):])
		}
	case strings.HasPrefix(ts, "signal "):
		if t.signalLine == "" && !t.other {
			t.signalLine = ts
			t.sig = parseSignal(ts[len("signal "):])
		}
	case strings.HasPrefix(ts, "Cause: "):
		if t.cause == "" && !t.other {
			t.cause = strings.TrimSpace(ts[len("Cause: "):])
		}
	case strings.HasPrefix(ts, "Abort message: "):
		if t.abort == "" {
			t.abort = strings.Trim(ts[len("Abort message: "):], "' ")
		}
	case ts == "backtrace:":
		t.inBT = !t.other && len(t.frames) == 0
	}
}

// readPid reads "pid: 22334, tid: 22349, name: UnityMain  >>> io.sentry.sample <<<".
func (t *tombState) readPid(s string) {
	for _, part := range strings.Split(s, ", ") {
		k, v, _ := strings.Cut(part, ": ")
		switch k {
		case "pid":
			t.pid = strings.TrimSpace(v)
		case "tid":
			t.tid = strings.TrimSpace(v)
		case "name":
			name, proc, found := strings.Cut(v, ">>>")
			t.thread = strings.TrimSpace(name)
			if found {
				proc, _, _ = strings.Cut(proc, "<<<")
				t.process = strings.TrimSpace(proc)
			}
		}
	}
}

// processName is the crashing process: ">>> pkg <<<", else the command line.
func (t *tombState) processName() string {
	if t.process != "" {
		return t.process
	}
	return t.cmdline
}

// crash is the native crash the tombstone describes.
func (t *tombState) crash() *ingest.Crash {
	c := &ingest.Crash{Kind: "native", Type: t.sig.name, Reason: t.sig.reason(), Frames: t.frames}
	if t.abort != "" {
		c.Reason = t.abort
	}
	return c
}

// message is the crash event's text: the tombstone's key lines.
func (t *tombState) message() string {
	var b strings.Builder
	for _, l := range []string{t.pidLine, t.signalLine, pfx("Cause: ", t.cause), pfx("Abort message: ", t.abort)} {
		if l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

func pfx(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// env is what the tombstone says about the device and the app.
func (t *tombState) env() ingest.Environment {
	env := envFromFingerprint(t.fingerprint)
	env.Platform = "android"
	if p := t.processName(); p != "" && !strings.ContainsAny(p, "/ ") {
		if i := strings.IndexByte(p, ':'); i > 0 {
			p = p[:i]
		}
		env.App = p
	}
	for k, v := range map[string]string{"abi": t.abi, "hardware.revision": t.revision} {
		if v != "" {
			if env.Extra == nil {
				env.Extra = map[string]string{}
			}
			env.Extra[k] = v
		}
	}
	return env
}

// time reads "Timestamp: 2020-07-24 16:23:56-0400" (also with fractions of
// a second); ok is false when there is none.
func (t *tombState) time() (time.Time, bool) {
	if t.timestamp == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-0700", "2006-01-02 15:04:05.999999999 -0700", "2006-01-02 15:04:05.999999999"} {
		if tm, err := time.Parse(layout, t.timestamp); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

const tombSniffLines = 100

// ParseTombstone reads an Android native crash tombstone (the text files
// of /data/tombstones that a bug report bundles) and passes sink one crash
// event (level F, kind native, Type the signal, Reason the signal code and
// fault address or the abort message, Frames the crashing thread's
// backtrace, time from "Timestamp:"), an event with the abort message when
// there is one, and an event per line of the logs a tombstone ends with
// ("--------- tail end of log main"). Register, stack and memory dumps and
// the other threads are skipped. Result.Env gets the device and Android
// version (from "Build fingerprint:") and the app (">>> pkg <<<" or
// "Cmdline:"). Several tombstones in one file give several crashes.
//
// The "Timestamp:" line carries the device's UTC offset, so the times of a
// tombstone, its logs included, are exact. A file that shows no tombstone
// header in its first 100 lines is refused with a ParseError.
func ParseTombstone(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatTombstone}
	lr := ingest.NewLineReader(r, maxLine)
	tp := &tombParser{res: &res, sink: sink, t: &tombState{}}
	for tp.err == nil {
		line, ok := lr.Next()
		if !ok {
			break
		}
		tp.line(lr.Line(), line)
	}
	if tp.err == nil {
		tp.finish()
	} else if tp.log != nil {
		tp.log.commit()
	}
	if lr.Long() > 0 {
		res.AddError(lr.FirstCut(), "%d line(s) longer than %d bytes were cut short", lr.Long(), maxLine)
	}
	if tp.err != nil {
		if se, ok := tp.err.(sinkErr); ok {
			return res, se.err
		}
		if pe, ok := tp.err.(ingest.ParseError); ok {
			return res, ingest.Fatal(&res, pe)
		}
		return res, tp.err
	}
	if lr.Err() != nil {
		return res, ingest.Fatal(&res, ingest.ParseError{File: name, Line: lr.Line(), Msg: "read error: " + lr.Err().Error()})
	}
	return res, nil
}

type tombParser struct {
	res       *ingest.Result
	sink      ingest.Sink
	t         *tombState
	crashLine int // first line of the current tombstone
	abortLine int
	seen      int // non-empty lines read before any tombstone header
	crashes   int
	log       *logcatParser // the logs at the end of a tombstone
	err       error
}

func (tp *tombParser) line(n int, b []byte) {
	if tp.log != nil {
		if bytes.HasPrefix(b, []byte(tombBanner)) {
			tp.endLog()
		} else {
			if name, ok := tombLogSection(b); ok {
				tp.log.flush()
				tp.log.setBuffer(name)
				return
			}
			tp.log.line(n, b)
			if tp.log.err != nil {
				tp.err = tp.log.err
			}
			return
		}
	}
	if len(b) == 0 {
		tp.t.inBT = false
		return
	}
	if b[0] == ' ' || b[0] == '\t' {
		if tp.t.inBT {
			tp.t.feed(string(b))
		}
		return // registers, stack, memory near registers, memory map
	}
	if name, ok := tombLogSection(b); ok {
		tp.emitCrash()
		tp.startLog(name)
		return
	}
	if tp.t.has() && bytes.HasPrefix(b, []byte(tombBanner)) {
		tp.emitCrash() // a second tombstone in the same file
		tp.t, tp.abortLine = &tombState{}, 0
	}
	if !tp.t.has() {
		tp.seen++
		if tp.crashes == 0 && tp.seen > tombSniffLines {
			tp.err = ingest.ParseError{File: tp.res.File, Msg: fmt.Sprintf(
				"not a tombstone: no crash header (a \"*** *** ***\" banner, \"pid:\" or \"signal\" line) in the first %d lines", tombSniffLines)}
			return
		}
	}
	had := tp.t.has()
	hadAbort := tp.t.abort != ""
	tp.t.feed(string(b))
	if !had && tp.t.has() {
		tp.crashLine = n
	}
	if !hadAbort && tp.t.abort != "" {
		tp.abortLine = n
	}
}

// tombLogSection recognises "--------- tail end of log main" and
// "--------- log main".
func tombLogSection(b []byte) ([]byte, bool) {
	for _, p := range []string{"--------- tail end of log ", "--------- log "} {
		if bytes.HasPrefix(b, []byte(p)) {
			return bytes.TrimSpace(b[len(p):]), true
		}
	}
	return nil, false
}

func (tp *tombParser) startLog(buffer []byte) {
	t := tp.t
	opts := Options{}
	tm, hasTime := t.time()
	if hasTime {
		opts.Year = tm.Year()
	}
	lp := newLogcatParser(tp.res, tp.sink, opts)
	if hasTime {
		_, off := tm.Zone()
		lp.fixedZone, lp.zoneOff = true, off
	}
	lp.embedded, lp.noCrash, lp.sawLogcat = true, true, true
	lp.setBuffer(buffer)
	tp.log = lp
}

func (tp *tombParser) endLog() {
	if tp.log == nil {
		return
	}
	tp.log.flush()
	tp.log.commit()
	tp.res.Env.Merge(tp.log.env)
	if tp.log.unmatched > lineErrors {
		tp.res.AddError(tp.log.firstBad, "%d log lines in all matched no logcat format; they were kept as events of level ?", tp.log.unmatched)
	}
	if tp.log.err != nil && tp.err == nil {
		tp.err = tp.log.err
	}
	tp.log = nil
}

// emitCrash passes on the crash of the current tombstone, once.
func (tp *tombParser) emitCrash() {
	t := tp.t
	if !t.has() || tp.err != nil || tp.crashLine < 0 {
		return
	}
	tm, _ := t.time()
	line := tp.crashLine
	if tp.abortLine > 0 && tp.abortLine < line {
		line = tp.abortLine // an abort message before the header
	}
	ev := ingest.Event{
		Time:    tm.UTC(),
		Level:   ingest.LevelFatal,
		Line:    line,
		Tag:     "tombstone",
		PID:     t.pid,
		TID:     t.tid,
		Message: t.message(),
		Crash:   t.crash(),
		Attrs:   map[string]string{},
	}
	if tm.IsZero() {
		ev.Time = time.Time{}
	}
	if p := t.processName(); p != "" {
		ev.Attrs[ingest.AttrProcess] = p
	}
	if t.thread != "" {
		ev.Attrs[ingest.AttrThread] = t.thread
	}
	if t.cause != "" {
		ev.Attrs[ingest.AttrNativeCause] = t.cause
	}
	tp.crashes++
	tp.crashLine = -1 // emitted
	tp.res.Env.Merge(t.env())
	if err := tp.res.Emit(tp.sink, ev); err != nil {
		tp.err = sinkErr{err}
		return
	}
	if t.abort != "" {
		ab := ingest.Event{Time: ev.Time, Level: ingest.LevelError, Line: tp.abortLine, Tag: "abort", PID: t.pid, TID: t.tid,
			Message: "Abort message: " + t.abort}
		if err := tp.res.Emit(tp.sink, ab); err != nil {
			tp.err = sinkErr{err}
		}
	}
}

func (tp *tombParser) finish() {
	tp.endLog()
	if tp.err != nil {
		return
	}
	if tp.crashes == 0 && !tp.t.has() {
		tp.err = ingest.ParseError{File: tp.res.File, Msg: "not a tombstone: no crash header (a \"*** *** ***\" banner, \"pid:\" or \"signal\" line) found"}
		return
	}
	tp.emitCrash()
}

// LooksLikeTombstone reports whether head (the first bytes of a file, about
// 64 KiB) is a tombstone: a "*** *** ***" banner at the start of a line with
// a "pid:" or "signal" line, or a "Build fingerprint:" with both.
func LooksLikeTombstone(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	var banner, pid, signal, fp bool
	for n := 0; len(head) > 0 && n < 200; n++ {
		var line []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			line, head = head, nil
		}
		switch {
		case bytes.HasPrefix(line, []byte(tombBanner)):
			banner = true
		case bytes.HasPrefix(line, []byte("pid: ")) && bytes.Contains(line, []byte(", tid: ")):
			pid = true
		case bytes.HasPrefix(line, []byte("signal ")) && len(line) > 7 && isDigit(line[7]):
			signal = true
		case bytes.HasPrefix(line, []byte("Build fingerprint: ")):
			fp = true
		}
		if (banner && (pid || signal)) || (fp && pid && signal) {
			return true
		}
	}
	return false
}
