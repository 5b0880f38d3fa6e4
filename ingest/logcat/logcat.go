// Package logcat reads Android's own text logs: logcat in every layout
// (threadtime, time, brief, long, Android Studio, with -v uid, zone, epoch
// and the like), native crash tombstones, and the Parley Android app's log
// with its header. Crashes (Java, ANR, native) become crash events. Pick a
// parser with ingest/formats; ingest/bugreport reads the logs of a bug
// report through ParseWith.
package logcat

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"parley/ingest"
)

// Options tunes ParseWith.
type Options struct {
	// Year is assumed for timestamps that carry no year (threadtime, time)
	// until the file itself shows one: a line with a full date (Android
	// Studio, -v year) sets the year for the lines after it, and one within
	// the first 64 KiB sets it for the whole file. A year-less timestamp that
	// goes from December to January moves to the next year. 0 means the
	// current year in UTC.
	Year int
	// YearHint, when Year is 0, is the year of the files this one came with
	// (its siblings in an upload): weaker than a full date the log's own
	// messages quote, stronger than a guess from today's date.
	YearHint int
	// Location is the device's time zone, when known. Logcat prints the
	// device's local wall-clock time; with a Location those times are
	// converted to UTC, without one they are kept as they are and labelled
	// UTC (so "12:34" in the file is 12:34Z in the event). Lines printed with
	// an explicit offset (-v zone) or as epoch seconds (-v epoch) are always
	// exact.
	Location *time.Location
}

const (
	maxMessage   = 64 << 10  // bytes of one event's message (with its continuation lines)
	maxHold      = 256       // events queued while a native crash waits for its tombstone
	sniffLines   = 100       // lines without any logcat line before the file is refused
	sniffBytes   = 256 << 10 // bytes of such lines before the file is refused
	lineErrors   = 10        // unreadable lines reported one by one
	yearPeekSize = 64 << 10
	yearScanSize = 1 << 20 // searched for a full date in messages (yearFromMessages)
)

// Parse reads Android logcat output with the default options (the
// current year for year-less timestamps, device times kept as UTC wall
// clock); see ParseWith.
func Parse(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	return ParseWith(name, r, sink, Options{})
}

// ParseWith reads Android logcat output as a stream and hands sink one
// event per log entry.
//
// Shapes: threadtime ("MM-DD HH:MM:SS.mmm PID TID L Tag: msg", also with -v
// year, epoch, monotonic, usec/nsec, zone and uid), time ("MM-DD … L/Tag(PID):
// msg"), brief ("L/Tag( PID): msg"), long ("[ time PID:TID L/Tag ]" and message
// lines), and Android Studio's ("date time PID-TID Tag package L msg" and the
// older "date time PID-TID/package L/Tag: msg"). Shapes may be mixed; CRLF
// and a UTF-8 BOM are accepted.
//
// Buffer dividers ("--------- beginning of crash") are not events; the
// buffer's name is set as Attrs[AttrLogcatBuffer] on the events after it.
// Attrs maps may be shared by many events: treat them as read-only.
//
// Continuation lines of a Java stack trace (same PID, TID, tag and level;
// an indented "at …", "... N more", "Suppressed: …", or "Caused by: …") are
// joined to the event they continue, as are all lines of the same writer
// after "FATAL EXCEPTION" (AndroidRuntime), "ANR in" (ActivityManager) and a
// tombstone banner (DEBUG), and indented lines that carry no logcat prefix
// (how Android Studio prints multi-line messages). One message keeps at most
// 64 KiB; further lines are counted in Attrs[AttrDroppedLines].
//
// Crashes: an AndroidRuntime FATAL EXCEPTION (kind java), "ANR in <pkg>"
// (kind anr) and a native crash (libc "Fatal signal", DEBUG's tombstone
// banner; kind native, the two merged into one crash when both are present)
// become events of level F with Crash set. Kills of app processes
// (ActivityManager "Killing …" and "Process … has died", lmkd and
// lowmemorykiller, am_kill) are ordinary events with Attrs[AttrKilled] set to
// the package.
//
// Lines that match no logcat shape are kept as events of level "?" (and the
// first few are reported in Result.Errors, with a count of the rest); indented
// ones continue the event before them. If none of the first 100 non-empty
// lines is a logcat line, parsing stops with a ParseError saying the file is
// not logcat, and no event is passed to sink. An error from sink stops
// parsing and is returned as it is.
func ParseWith(name string, r io.Reader, sink ingest.Sink, opts Options) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatLogcat}
	lr := ingest.NewLineReader(r, maxLine)
	p := newLogcatParser(&res, sink, opts)
	if head := lr.Peek(yearPeekSize); len(head) > 0 {
		if y := yearInHead(head); y > 0 {
			p.year = y
		} else if opts.Year <= 0 {
			// A year-less log often quotes a full date of the same day
			// ("Rollover scheduled @ 2015-12-29 00:00:00"): that is its
			// year, rather than a guess that may be years off; failing
			// that, the year of the files it came with.
			switch y := yearFromMessages(lr.Peek(yearScanSize)); {
			case y > 0:
				p.year = y
			case opts.YearHint > 0:
				p.year = opts.YearHint
			default:
				p.year = guessYear(head, time.Now().UTC())
			}
		}
	}
	for p.err == nil {
		line, ok := lr.Next()
		if !ok {
			break
		}
		p.line(lr.Line(), line)
	}
	if p.err == nil {
		p.finish()
	}
	p.commit()
	if lr.Long() > 0 {
		res.AddError(lr.FirstCut(), "%d line(s) longer than %d bytes were cut short", lr.Long(), maxLine)
	}
	if p.err != nil {
		return res, p.fatal()
	}
	if lr.Err() != nil {
		pe := ingest.ParseError{File: name, Line: lr.Line(), Msg: "read error: " + lr.Err().Error()}
		return res, ingest.Fatal(&res, pe)
	}
	return res, nil
}

// guessYear picks the year for a log that never says it: the current one,
// unless the first "MM-DD" date would then lie in the future, which means the
// log was written last year (a December log read in January).
func guessYear(head []byte, now time.Time) int {
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if len(line) < 6 || line[2] != '-' || !isDigits(line[0:2]) || !isDigits(line[3:5]) || line[5] != ' ' {
			continue
		}
		month := int(line[0]-'0')*10 + int(line[1]-'0')
		day := int(line[3]-'0')*10 + int(line[4]-'0')
		if month < 1 || month > 12 || day < 1 || day > 31 {
			continue
		}
		if time.Date(now.Year(), time.Month(month), day, 0, 0, 0, 0, time.UTC).After(now.Add(24 * time.Hour)) {
			return now.Year() - 1
		}
		return now.Year()
	}
	return now.Year()
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// yearInHead finds the year of the first full-date logcat line in head.
func yearInHead(head []byte) int {
	var f lineFields
	for len(head) > 0 {
		nl := bytes.IndexByte(head, '\n')
		if nl < 0 {
			break // the last line may be cut short
		}
		line := head[:nl]
		head = head[nl+1:]
		if len(line) > 19 && line[4] == '-' && parseLine(bytes.TrimSuffix(line, []byte{'\r'}), &f) && f.tsKind == tsFull {
			return f.year
		}
	}
	return 0
}

// Join modes of a pending event.
const (
	modeNone  = iota
	modeFatal // AndroidRuntime "FATAL EXCEPTION": every line of the same writer
	modeANR   // ActivityManager "ANR in": every line of the same writer
	modeDebug // DEBUG tombstone banner: every line of the same writer
	modeLong  // -v long: every line up to an empty one
)

// sinkErr wraps an error returned by the sink.
type sinkErr struct{ err error }

func (e sinkErr) Error() string { return e.err.Error() }

type logcatParser struct {
	res  *ingest.Result
	sink ingest.Sink
	env  ingest.Environment

	// time
	year       int
	lastMonth  int
	loc        *time.Location
	fixedZone  bool // zoneOff applies to every wall-clock time (tombstone logs)
	zoneOff    int
	cY, cM, cD int
	cDays      int64
	locKey     int64
	locOff     int
	tsCache    struct {
		year, month, day, hour, min, sec int
		unix                             int64
	}
	// tsFast says tsCache holds the second of the fast-read lines whose
	// lineFields.clockSeq is tsSeq: such a line's time needs no comparing.
	tsFast bool
	tsSeq  uint64

	// buffers and their shared attribute maps
	bufAttrs   map[string]string
	attrsByBuf map[string]map[string]string

	// the event being assembled
	havePend bool
	pend     pending
	msgBuf   []byte // its message with continuation lines, when joined
	joined   bool
	dropped  int

	// a native crash waiting for its tombstone lines, and the events after it
	hold      *ingest.Event
	holdLibc  bool
	holdTomb  *tombState
	holdTPID  string
	holdQueue []ingest.Event

	// recognition
	inHeader  bool // in the "# key: value" header of the Android app's log
	sawLogcat bool
	pre       []ingest.Event // unmatched lines before the first logcat line
	preBytes  int
	unmatched int
	firstBad  int
	noCrash   bool // tombstone's own log: its crash is already reported
	embedded  bool // lines come from inside another file: no sniffing

	text  []byte       // the pending event's line from its PID on; see field
	ev    ingest.Event // the event being passed on; see flush
	tally eventTally

	err error
	f   lineFields
}

// pending is the event being assembled. Its fields are kept as offsets
// into p.text and it becomes an Event only when it is finished (flush):
// storing an Event's strings in the parser, which lives on the heap, for
// every line would cost a write barrier per pointer.
type pending struct {
	line               int
	level              byte
	mode               int   // modeNone, modeFatal…
	kind               int   // tagKind of the tag
	tag, pid, tid, msg span  // in p.text
	sec                int64 // time, when timed
	nsec               int
	timed              bool
	attrs              map[string]string // nil: the buffer's shared map
	tomb               *tombState        // a tombstone banner's reading
}

// field is the text of a span of the pending event. It is no copy: it
// lies in p.text, which the next event overwrites, and that is all the
// Sink contract promises. Not allocating a string per field and line is
// what keeps the garbage collector idle during a parse (it cost a fifth
// of the time when events had strings of their own).
func (p *logcatParser) field(sp span) string {
	if sp.hi <= sp.lo {
		return ""
	}
	return unsafe.String(&p.text[sp.lo], sp.hi-sp.lo)
}

// transient is the text of b, which the parser reuses, as a string that is
// valid as long as b is not written again.
func transient(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func newLogcatParser(res *ingest.Result, sink ingest.Sink, opts Options) *logcatParser {
	p := &logcatParser{res: res, sink: sink, year: opts.Year, loc: opts.Location, cM: -1, locKey: -1}
	if p.year <= 0 {
		p.year = time.Now().UTC().Year()
	}
	return p
}

// fatal turns p.err into the error to return.
func (p *logcatParser) fatal() error {
	if se, ok := p.err.(sinkErr); ok {
		return se.err
	}
	if pe, ok := p.err.(ingest.ParseError); ok {
		return ingest.Fatal(p.res, pe)
	}
	return p.err
}

// line handles one input line (without its line ending).
func (p *logcatParser) line(n int, b []byte) {
	if len(b) == 0 {
		if p.havePend && p.pend.mode == modeLong {
			p.flush()
		}
		return
	}
	if p.havePend && p.pend.mode == modeLong && !(b[0] == '[' && parseLine(b, &p.f)) {
		p.appendCont(b)
		return
	}
	if b[0] == '#' && !p.sawLogcat && p.androidHeader(b) {
		return
	}
	if b[0] == '-' {
		if buf, ok := divider(b); ok {
			p.flush()
			if len(p.pre) > 0 {
				p.flushPre()
			}
			p.setBuffer(buf)
			p.sawLogcat = true
			return
		}
	}
	f := &p.f
	if !parseLine(b, f) {
		p.unmatchedLine(n, b)
		return
	}
	if !p.sawLogcat {
		p.sawLogcat = true
	}
	if len(p.pre) > 0 {
		p.flushPre()
	}
	if p.havePend && p.continues(b, f) {
		msg := f.msg.of(b)
		p.appendCont(msg)
		if p.pend.tomb != nil {
			p.pend.tomb.feed(string(msg))
		}
		return
	}
	p.flush()
	p.start(n, b, f)
}

// androidMagic starts the Android app's own main log: a header of
// "# key: value" lines before logcat lines (docs/formats.md).
const androidMagic = "# parley-android-log"

// androidHeader reads a line of the Android app's log header into the
// environment; it reports false for a line that is no header line.
func (p *logcatParser) androidHeader(b []byte) bool {
	if !p.inHeader {
		if bytes.HasPrefix(b, []byte(androidMagic)) && p.tally.events == 0 && len(p.pre) == 0 {
			p.inHeader = true
			return true
		}
		return false
	}
	key, val, ok := strings.Cut(string(bytes.TrimPrefix(b, []byte("#"))), ":") // a copy: the env keeps it
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	if !ok || key == "" {
		return true // a comment
	}
	androidHeaderField(&p.env, key, val)
	return true
}

// androidHeaderField applies one header field of the Android app's log.
func androidHeaderField(env *ingest.Environment, key, val string) {
	if strings.EqualFold(key, "os") {
		if val != "" && val[0] >= '0' && val[0] <= '9' {
			val = "Android " + val
		}
		env.OS = val
		return
	}
	ingest.AppHeaderField(env, key, val)
}

// continues reports whether the parsed line b continues the pending event.
func (p *logcatParser) continues(b []byte, f *lineFields) bool {
	pd := &p.pend
	// The cheap tests first: most lines are neither part of a crash nor a
	// stack frame.
	if f.level != pd.level || pd.mode == modeNone && !stackContinuation(f.msg.of(b)) {
		return false
	}
	return string(f.tag.of(b)) == p.field(pd.tag) && string(f.pid.of(b)) == p.field(pd.pid) &&
		string(f.tid.of(b)) == p.field(pd.tid)
}

func levelOf(c byte) ingest.Level { return levelTable[c] }

// levelTable is LevelFromLetter as a table.
var levelTable = func() (t [256]ingest.Level) {
	for c := range t {
		t[c] = ingest.LevelFromLetter(byte(c))
	}
	return t
}()

// stackContinuation recognises the lines of a Java stack trace after its
// first: "\tat …", "Caused by: …", "\t... 7 more", "\tSuppressed: …".
func stackContinuation(m []byte) bool {
	i := 0
	for i < len(m) && (m[i] == ' ' || m[i] == '\t') {
		i++
	}
	r := m[i:]
	if len(r) < 3 {
		return false
	}
	switch r[0] {
	case 'a':
		return i > 0 && r[1] == 't' && r[2] == ' '
	case 'C':
		return bytes.HasPrefix(r, []byte("Caused by: "))
	case '.':
		return i > 0 && bytes.HasPrefix(r, []byte("... ")) && bytes.HasSuffix(r, []byte(" more"))
	case 'S':
		return i > 0 && bytes.HasPrefix(r, []byte("Suppressed: "))
	}
	return false
}

// start begins a new pending event from a parsed line.
func (p *logcatParser) start(n int, b []byte, f *lineFields) {
	from := f.body.lo
	p.text = append(p.text[:0], b[from:]...)
	within := func(sp span) span { // sp in the copy in p.text
		if sp.hi <= sp.lo {
			return span{}
		}
		return span{sp.lo - from, sp.hi - from}
	}
	pd := &p.pend
	pd.line, pd.level, pd.mode = n, f.level, modeNone
	pd.tag, pd.pid, pd.tid, pd.msg = within(f.tag), within(f.pid), within(f.tid), within(f.msg)
	pd.sec, pd.nsec, pd.timed = p.time(f)
	pd.kind = tagKind(p.field(pd.tag))
	if pd.attrs != nil { // the pointer writes are done only when needed
		pd.attrs = nil
	}
	if pd.tomb != nil {
		pd.tomb = nil
	}
	if f.uid.hi > f.uid.lo || f.pkg.hi > f.pkg.lo {
		a := make(map[string]string, len(p.bufAttrs)+4)
		for k, v := range p.bufAttrs {
			a[k] = v
		}
		if f.uid.hi > f.uid.lo {
			a[ingest.AttrLogcatUID] = p.field(within(f.uid))
		}
		if f.pkg.hi > f.pkg.lo {
			a[ingest.AttrLogcatPackage] = p.field(within(f.pkg))
		}
		pd.attrs = a
	}
	p.havePend, p.joined, p.dropped = true, false, 0
	if f.shape == shapeLong {
		pd.mode = modeLong
		return
	}
	switch pd.kind {
	case tagAndroidRuntime:
		if hasPrefix(p.field(pd.msg), "FATAL EXCEPTION") {
			pd.mode = modeFatal
		}
	case tagActivityManager:
		if hasPrefix(p.field(pd.msg), "ANR in ") {
			pd.mode = modeANR
		}
	case tagDebug:
		if msg := p.field(pd.msg); hasPrefix(msg, tombBanner) {
			pd.mode = modeDebug
			pd.tomb = &tombState{}
			pd.tomb.feed(strings.Clone(msg)) // the state outlives the event's text
		}
	}
}

// Tags whose events mean more than their text: the parser tells them
// apart once per event, when it starts.
const (
	tagOther           = iota
	tagAndroidRuntime  // Java crashes
	tagActivityManager // ANRs, kills
	tagDebug           // DEBUG, crash_dump32, crash_dump64: tombstones
	tagLibc            // native crash signals
	tagKiller          // lowmemorykiller, lmkd, am_kill, am_proc_died: kills
	tagCarrierConfig   // CarrierConfigLoader: build fingerprint changes
)

// tagKind is one table look-up and one comparison: a switch over the
// special tags would cost a row of branches that, tags being as varied as
// they are, the processor mostly mispredicts.
func tagKind(tag string) int {
	if tag == "" {
		return tagOther
	}
	if e := &tagKinds[tagSlot(tag)]; e.tag == tag {
		return e.kind
	}
	return tagOther
}

// tagSlot hashes a tag into tagKinds; the special tags all land in
// different slots (the table's initialisation checks it).
func tagSlot(tag string) int {
	return (len(tag)*9 + int(tag[0]) + int(tag[len(tag)-1])) & 31
}

var tagKinds = func() (t [32]struct {
	tag  string
	kind int
}) {
	for tag, kind := range map[string]int{
		"AndroidRuntime": tagAndroidRuntime, "ActivityManager": tagActivityManager,
		"DEBUG": tagDebug, "crash_dump32": tagDebug, "crash_dump64": tagDebug, "libc": tagLibc,
		"lowmemorykiller": tagKiller, "lmkd": tagKiller, "am_kill": tagKiller, "am_proc_died": tagKiller,
		"CarrierConfigLoader": tagCarrierConfig,
	} {
		e := &t[tagSlot(tag)]
		if e.tag != "" {
			panic("ingest: logcat tags " + e.tag + " and " + tag + " share a slot")
		}
		e.tag, e.kind = tag, kind
	}
	return t
}()

func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}

// appendCont adds a continuation line to the pending event's message.
func (p *logcatParser) appendCont(m []byte) {
	if !p.joined {
		p.msgBuf = append(p.msgBuf[:0], p.field(p.pend.msg)...)
		p.joined = true
	}
	if len(p.msgBuf)+1+len(m) > maxMessage {
		p.dropped++
		return
	}
	if len(p.msgBuf) > 0 {
		p.msgBuf = append(p.msgBuf, '\n')
	}
	p.msgBuf = append(p.msgBuf, m...)
}

// unmatchedLine handles a line that is no logcat line.
func (p *logcatParser) unmatchedLine(n int, b []byte) {
	if p.havePend && (b[0] == ' ' || b[0] == '\t') {
		// Android Studio prints a multi-line message's further lines
		// indented under the first, without a prefix.
		p.appendCont(bytes.TrimLeft(b, " "))
		if p.pend.tomb != nil {
			p.pend.tomb.feed(string(b))
		}
		return
	}
	p.flush()
	ev := &p.ev // see flush
	*ev = ingest.Event{Level: ingest.LevelUnknown, Line: n, Message: string(b), Attrs: p.bufAttrs}
	if !p.sawLogcat && !p.embedded {
		p.pre = append(p.pre, *ev)
		p.preBytes += len(b)
		if len(p.pre) >= sniffLines || p.preBytes >= sniffBytes {
			p.err = ingest.ParseError{File: p.res.File, Msg: fmt.Sprintf(
				"not a logcat file: no line matched a known logcat format in the first %d lines", len(p.pre))}
		}
		return
	}
	p.badLine(n, b)
	p.dispatch(ev)
}

func (p *logcatParser) badLine(n int, b []byte) {
	p.unmatched++
	if p.unmatched <= lineErrors {
		p.res.AddError(n, "not a logcat line (kept as an event of level ?): %q", clip(b, 80))
	}
	if p.firstBad == 0 {
		p.firstBad = n
	}
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// flushPre emits the unmatched lines met before the first logcat line.
func (p *logcatParser) flushPre() {
	pre := p.pre
	p.pre = nil
	for i := range pre {
		p.badLine(pre[i].Line, []byte(pre[i].Message))
		p.dispatch(&pre[i])
	}
}

// finish ends the parse: the pending event, a held crash, the summary.
func (p *logcatParser) finish() {
	if !p.sawLogcat && len(p.pre) > 0 && !p.embedded {
		p.err = ingest.ParseError{File: p.res.File, Msg: fmt.Sprintf(
			"not a logcat file: no line matched a known logcat format in the first %d lines", len(p.pre))}
		return
	}
	p.flush()
	p.releaseHold()
	if p.unmatched > lineErrors {
		p.res.AddError(p.firstBad, "%d lines in all matched no logcat format; they were kept as events of level ?", p.unmatched)
	}
	if p.tally.events > 0 || p.sawLogcat {
		p.env.Platform = "android"
	}
	p.res.Env.Merge(p.env)
}

func (p *logcatParser) setBuffer(name []byte) {
	if p.attrsByBuf == nil {
		p.attrsByBuf = map[string]map[string]string{}
	}
	a, ok := p.attrsByBuf[string(name)]
	if !ok {
		if len(p.attrsByBuf) > 64 { // a hostile file naming endless buffers
			p.bufAttrs = nil
			return
		}
		a = map[string]string{ingest.AttrLogcatBuffer: string(name)}
		p.attrsByBuf[string(name)] = a
	}
	p.bufAttrs = a
}

// ownAttrs gives ev an Attrs map of its own. The maps shared by the events
// of one buffer hold only AttrLogcatBuffer; a map with other keys already
// belongs to its event.
func (p *logcatParser) ownAttrs(ev *ingest.Event) map[string]string {
	if len(ev.Attrs) > 1 {
		return ev.Attrs
	}
	if _, shared := ev.Attrs[ingest.AttrLogcatBuffer]; !shared && ev.Attrs != nil {
		return ev.Attrs
	}
	a := make(map[string]string, len(ev.Attrs)+4)
	for k, v := range ev.Attrs {
		a[k] = v
	}
	ev.Attrs = a
	return a
}

// flush finishes the pending event: joins its message, recognises crashes,
// kills and environment facts, and passes it on.
func (p *logcatParser) flush() {
	if !p.havePend {
		return
	}
	p.havePend = false
	pd := &p.pend
	// The event is built in the parser, not on the stack: the sink gets a
	// pointer to it, and a pointer to a local would make it escape to the
	// heap, one allocation per line.
	ev := &p.ev
	*ev = ingest.Event{Level: levelOf(pd.level), Line: pd.line, Tag: p.field(pd.tag), PID: p.field(pd.pid),
		TID: p.field(pd.tid), Message: p.field(pd.msg), Attrs: p.bufAttrs}
	if pd.timed {
		ev.Time = time.Unix(pd.sec, int64(pd.nsec)).UTC()
	}
	if pd.attrs != nil {
		ev.Attrs = pd.attrs
	}
	if p.joined {
		ev.Message = transient(p.msgBuf)
		p.joined = false
	}
	if p.dropped > 0 {
		p.ownAttrs(ev)[ingest.AttrDroppedLines] = strconv.Itoa(p.dropped)
	}
	tomb := pd.tomb
	if !p.noCrash {
		switch pd.kind {
		case tagAndroidRuntime:
			if hasPrefix(ev.Message, "FATAL EXCEPTION") {
				p.javaCrash(ev)
			}
		case tagActivityManager:
			if hasPrefix(ev.Message, "ANR in ") {
				p.anrCrash(ev)
			}
		case tagLibc:
			if hasPrefix(ev.Message, "Fatal signal ") {
				p.libcCrash(ev.Clone()) // held back past the next events
				return
			}
		case tagDebug:
			if hasPrefix(ev.Message, tombBanner) {
				held := ev.Clone() // held back past the next events
				if tomb == nil {
					tomb = &tombState{}
					tomb.feedLines(held.Message)
				}
				p.debugCrash(held, tomb)
				return
			}
		}
	}
	p.lookAround(ev, pd.kind)
	p.dispatch(ev)
}

// dispatch passes a finished event on, or queues it behind a held crash.
func (p *logcatParser) dispatch(ev *ingest.Event) {
	if p.hold != nil {
		p.holdQueue = append(p.holdQueue, ev.Clone())
		if q := &p.holdQueue[len(p.holdQueue)-1]; p.holdTomb != nil && q.Tag == "DEBUG" && q.PID == p.holdTPID {
			p.holdTomb.feedLines(q.Message)
		}
		if len(p.holdQueue) >= maxHold {
			p.releaseHold()
		}
		return
	}
	p.emit(ev)
}

// emit hands ev to the sink and counts it. The counting is Result.count's,
// kept in an array and folded into the Result by commit: a map update per
// event would cost a sixth of the whole parse. TestLogcatTallyMatchesCount
// checks that both agree.
func (p *logcatParser) emit(ev *ingest.Event) {
	if p.err != nil {
		return
	}
	ev.Source = p.res.File
	t := &p.tally
	t.events++
	t.levels[ev.Level&7]++
	if ev.Crash != nil {
		t.crashes++
	}
	if !ev.Time.IsZero() {
		// As Result.count does, in integers: time.Time's Before and After
		// are calls, and storing a time.Time stores a pointer.
		at := instant{ev.Time.Unix(), ev.Time.Nanosecond(), true}
		if !t.first.set || at.before(t.first) {
			t.first = at
		}
		if t.last.set && t.last.before(at) || !t.last.set && ev.Time.After(time.Time{}) {
			t.last = at
		}
	}
	if p.sink != nil {
		if err := p.sink(ev); err != nil {
			p.err = sinkErr{err}
		}
	}
}

// eventTally is what Result.count tallies.
type eventTally struct {
	events, crashes int
	levels          [8]int
	first, last     instant
}

// instant is a time as parsers make them (time.Unix(sec, nsec).UTC()),
// without a pointer.
type instant struct {
	sec  int64
	nsec int
	set  bool
}

func (a instant) before(b instant) bool {
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

func (a instant) time() time.Time {
	if !a.set {
		return time.Time{}
	}
	return time.Unix(a.sec, int64(a.nsec)).UTC()
}

// commit folds the tally into the Result.
func (p *logcatParser) commit() {
	t := &p.tally
	r := p.res
	r.Events += t.events
	r.Crashes += t.crashes
	for l, n := range t.levels {
		if n > 0 {
			if r.Levels == nil {
				r.Levels = map[string]int{}
			}
			r.Levels[ingest.Level(l).Letter()] += n
		}
	}
	if first := t.first.time(); !first.IsZero() && (r.First.IsZero() || first.Before(r.First)) {
		r.First = first
	}
	if last := t.last.time(); last.After(r.Last) {
		r.Last = last
	}
	p.tally = eventTally{}
}

// releaseHold completes a held native crash with what its tombstone said
// and emits it with the events queued behind it.
func (p *logcatParser) releaseHold() {
	if p.hold == nil {
		return
	}
	ev := *p.hold
	if t := p.holdTomb; t != nil {
		tc := t.crash()
		c := ev.Crash
		if c == nil || !p.holdLibc {
			ev.Crash = tc
		} else {
			if c.Type == "" {
				c.Type = tc.Type
			}
			if t.abort != "" {
				c.Reason = t.abort
			} else if c.Reason == "" {
				c.Reason = tc.Reason
			}
			if len(c.Frames) == 0 {
				c.Frames = tc.Frames
			}
		}
		if t.cause != "" {
			p.ownAttrs(&ev)[ingest.AttrNativeCause] = t.cause
		}
		if proc := t.processName(); proc != "" {
			a := p.ownAttrs(&ev)
			if a[ingest.AttrProcess] == "" {
				a[ingest.AttrProcess] = proc
			}
			p.crashApp(proc)
		}
		p.env.Merge(t.env())
	}
	queue := p.holdQueue
	p.hold, p.holdTomb, p.holdTPID, p.holdQueue, p.holdLibc = nil, nil, "", nil, false
	p.emit(&ev)
	for i := range queue {
		p.emit(&queue[i])
	}
}

// time turns a parsed timestamp into seconds since 1970 UTC and
// nanoseconds (see Options); ok is false when the line has no time.
func (p *logcatParser) time(f *lineFields) (sec int64, nsec int, ok bool) {
	if f.fast && p.tsFast && f.clockSeq == p.tsSeq {
		return p.tsCache.unix, f.nsec, true // the same second as the line before
	}
	p.tsFast, p.tsSeq = f.fast, f.clockSeq
	switch f.tsKind {
	case tsNone, tsUptime:
		return 0, 0, false
	case tsEpoch:
		return f.epoch, f.nsec, true
	}
	y := f.year
	if f.tsKind == tsFull {
		p.year = y
	} else {
		if p.lastMonth == 12 && f.month == 1 {
			p.year++
		}
		y = p.year
	}
	p.lastMonth = f.month
	// Many lines share a second: keep the last one's seconds since 1970.
	c := &p.tsCache
	if f.hasZone || y != c.year || f.month != c.month || f.day != c.day || f.hour != c.hour || f.min != c.min || f.sec != c.sec {
		c.year, c.month, c.day, c.hour, c.min, c.sec = y, f.month, f.day, f.hour, f.min, f.sec
		c.unix = p.unixSeconds(y, f)
		if f.hasZone {
			c.year = 0 // not kept: the zone is not part of the key
		}
	}
	return c.unix, f.nsec, true
}

// unixSeconds turns the wall-clock time of f in year y into seconds since
// 1970 UTC.
func (p *logcatParser) unixSeconds(y int, f *lineFields) int64 {
	if y != p.cY || f.month != p.cM || f.day != p.cD {
		p.cY, p.cM, p.cD = y, f.month, f.day
		p.cDays = daysFromCivil(y, f.month, f.day)
	}
	sec := p.cDays*86400 + int64(f.hour*3600+f.min*60+f.sec)
	switch {
	case f.hasZone:
		sec -= int64(f.zone)
	case p.fixedZone:
		sec -= int64(p.zoneOff)
	case p.loc != nil:
		key := p.cDays*24 + int64(f.hour)
		if key != p.locKey {
			_, off := time.Date(y, time.Month(f.month), f.day, f.hour, 30, 0, 0, p.loc).Zone()
			p.locKey, p.locOff = key, off
		}
		sec -= int64(p.locOff)
	}
	return sec
}

// daysFromCivil counts days from 1970-01-01 to the given date
// (proleptic Gregorian; out-of-range days roll over as time.Date does).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
