// Package bugreport reads Android bug reports: the dumpstate text of every
// Android version (2.3 to 15) that "Take bug report" in the developer
// options, `adb bugreport` and phone makers' support apps produce, and the
// zip that Android 7 and later wrap it in (see ParseZip).
//
// A bug report is one text of sections ("------ SYSTEM LOG (logcat …) ------").
// The parser reads the header and SYSTEM PROPERTIES into the environment,
// the SYSTEM, EVENT and RADIO logs and LAST LOGCAT into the timeline (with
// the logcat parser, in whatever layout the version used), VM TRACES and ANR
// files as one thread-dump event per process, tombstones as native crashes,
// the kernel log's low-memory-killer lines, and BINDER TRANSACTIONS to tell
// which thread a blocked binder call waits for. The rest (dumpsys and the
// like) is skipped line by line, unread.
//
// At the end it looks at all of it together and emits the events that the
// bug-report rules of parley/ingest turn into findings: an ANR with its main
// thread, a deadlock (a cycle of threads waiting for each other's monitors,
// across processes through binder calls too), a binder call stuck on a
// blocked thread of another process, the low-memory killer killing an app,
// and an app crashing again and again.
package bugreport

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// Attributes this parser sets. The ones the rules look for
// (ingest.AttrBugreport…) are declared in parley/ingest beside the rules.
const (
	attrAM      = "android.am"         // an ActivityManager event-log line: anr, crash, proc_died, low_memory, kill, proc_start
	attrPID     = "android.pid"        // the process an event-log line is about
	attrReason  = "android.reason"     // its reason or exception
	attrDump    = "android.dump"       // a thread dump's kind: just now, last anr, anr file, slow, historical anr
	attrState   = "android.main_state" // the main thread's state in a thread dump
	attrThreads = "android.threads"    // how many threads a thread dump holds
	attrSection = "bugreport.section"  // the dumpstate section a thread dump or kernel line came from
	tagTraces   = "traces"             // the tag of thread-dump events
	tagAnalysis = "bugreport"          // the tag of the findings' events
)

// Detect reports whether head, the first bytes of a file, is a dumpstate
// text: its "== dumpstate: <date>" banner among the first lines. It looks
// at no more than the first 4 KiB.
func Detect(head []byte) bool {
	if len(head) > 4096 {
		head = head[:4096]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	i := bytes.Index(head, []byte("== dumpstate: "))
	if i < 0 {
		return false
	}
	// The banner starts a line, under a line of "=" (or is the first line).
	if i > 0 && head[i-1] != '\n' {
		return false
	}
	return i == 0 || bytes.HasSuffix(bytes.TrimRight(head[:i], "\r\n"), []byte("=========="))
}

// Parse reads a plain dumpstate text (or a bug report zip's main entry) and
// hands sink its events; Result.Env gets the device and build. It stops only
// when sink returns an error or reading fails; unreadable parts are
// reported in Result.Errors and the rest is still read.
func Parse(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	p := newParser(name, sink)
	err := p.text(name, r)
	if err == nil {
		err = p.finish()
	}
	return p.res, err
}

// parser holds what a bug report has shown so far: its findings need the
// logs, the thread dumps and the binder table together.
type parser struct {
	res  ingest.Result
	sink ingest.Sink
	err  error // from sink: stops everything

	year   int       // from the banner, for year-less logcat times
	taken  time.Time // the banner's time
	header bool      // still in the header (before the first section)

	dumps    []*dump                // every thread dump read, in order
	binder   map[[2]int][2]int      // BINDER TRANSACTIONS: a thread's outgoing call, (pid, tid) → (pid, tid)
	tx       binderTxState          // where BINDER TRANSACTIONS parsing is
	anrs     []*anrRecord           // ANRs seen in the logs and the dumps
	crashes  map[string]*crashTally // by package
	started  map[string]string      // pid → process, from am_proc_start, to name killinfo's pids
	seen     map[string]bool        // device paths already read inside the text (tombstones, ANR files)
	tombApp  string                 // the app of the first tombstone, when its crash names none
	offset   time.Duration          // the device's UTC offset, from a thread dump's time
	zoned    bool                   // offset is known
	held     []ingest.Event         // the logs' native crashes, until the tombstones are read
	tombPIDs map[string]bool        // processes whose tombstone was read
}

func newParser(name string, sink ingest.Sink) *parser {
	return &parser{
		res:      ingest.Result{File: name, Format: ingest.FormatBugreport},
		sink:     sink,
		binder:   map[[2]int][2]int{},
		crashes:  map[string]*crashTally{},
		started:  map[string]string{},
		seen:     map[string]bool{},
		tombPIDs: map[string]bool{},
		header:   true,
	}
}

// emit counts ev in the result and passes it on; ev.Source is the file the
// event came from (a zip's member), the result's file when empty.
func (p *parser) emit(ev *ingest.Event) {
	if p.err != nil {
		return
	}
	if ev.Source == "" {
		ev.Source = p.res.File
	}
	p.res.Count(*ev)
	if p.sink != nil {
		if err := p.sink(ev); err != nil {
			p.err = err
		}
	}
}

// addError reports a problem of one member of the report (the result's
// AddError names the report itself).
func (p *parser) addError(file string, line int, msg string) {
	if len(p.res.Errors) < ingest.MaxErrors {
		p.res.Errors = append(p.res.Errors, ingest.ParseError{File: file, Line: line, Msg: msg})
	}
}

// Kinds of section.
const (
	secSkip = iota
	secLog
	secTraces
	secTombstone
	secProps
	secBinder
	secKernel
)

// section is one "------ TITLE (command or path) ------" block.
type section struct {
	kind  int
	title string
	arg   string // the command or the file, with ": <mtime>" cut off
	line  int
}

// sectionOf reads a section banner: "------ TITLE (arg) ------". The lines
// "------ 0.12s was the duration of 'TITLE' ------" that newer versions
// print after a section end it (a skipped section of their own).
func sectionOf(line []byte, n int) (section, bool) {
	if len(line) < 14 || !bytes.HasPrefix(line, []byte("------ ")) || !bytes.HasSuffix(line, []byte(" ------")) {
		return section{}, false
	}
	body := string(line[7 : len(line)-7])
	s := section{title: body, line: n}
	if i := strings.IndexByte(body, '('); i > 0 && strings.HasSuffix(body, ")") {
		s.title = strings.TrimSpace(body[:i])
		s.arg = body[i+1 : len(body)-1]
		// A file's banner ends with its time: "(/data/anr/traces.txt: 2019-05-01 10:00:00)".
		if j := strings.Index(s.arg, ": "); j > 0 && strings.HasPrefix(s.arg, "/") {
			s.arg = s.arg[:j]
		}
	}
	t := s.title
	switch {
	case t == "SYSTEM LOG" || t == "EVENT LOG" || t == "RADIO LOG" || t == "LAST LOGCAT":
		s.kind = secLog
	case strings.HasPrefix(t, "VM TRACES") || t == "HISTORICAL ANR":
		s.kind = secTraces
	case t == "TOMBSTONE":
		s.kind = secTombstone
	case t == "SYSTEM PROPERTIES":
		s.kind = secProps
	case t == "BINDER TRANSACTIONS":
		s.kind = secBinder
	case t == "KERNEL LOG" || t == "LAST KMSG":
		s.kind = secKernel
	}
	return s, true
}

// boundary reports a line that ends whatever section is being read: a
// section banner or the "=====" rule of a part's banner.
func boundary(line []byte) bool {
	if len(line) >= 8 && line[0] == '=' && bytes.HasPrefix(line, []byte("========")) {
		return true
	}
	_, ok := sectionOf(line, 0)
	return ok
}

// text reads one dumpstate text.
func (p *parser) text(file string, r io.Reader) error {
	lr := newLineReader(r)
	var sec section
	var td *traceReader
	endTraces := func() {
		if td != nil {
			td.finish()
			td = nil
		}
	}
	for p.err == nil {
		line, ok := lr.next()
		if !ok {
			break
		}
		if s, ok := sectionOf(line, lr.line()); ok {
			endTraces()
			p.header = false
			sec = s
			switch s.kind {
			case secLog:
				p.logSection(file, lr, s)
				sec = section{}
			case secTombstone:
				if s.arg != "" {
					p.seen[s.arg] = true
				}
				sr := &sectionReader{lr: lr}
				p.tombstone(file, sr, s.line)
				sr.drain()
				sec = section{}
			case secTraces:
				td = p.newTraceReader(file, traceKind(s.title), s.title)
				if s.arg != "" {
					p.seen[s.arg] = true
				}
			case secBinder:
				p.tx = binderTxState{}
			}
			continue
		}
		if p.header {
			p.headerLine(line)
			continue
		}
		switch sec.kind {
		case secTraces:
			td.line(lr.line(), line)
		case secProps:
			p.prop(line)
		case secBinder:
			p.binderLine(line)
		case secKernel:
			p.kernelLine(file, lr.line(), line, sec.title)
		}
		if len(line) > 0 && line[0] == '=' && boundary(line) {
			endTraces()
			sec = section{}
		}
	}
	endTraces()
	if n := lr.lr.Long(); n > 0 {
		p.addError(file, lr.lr.FirstCut(), strconv.Itoa(n)+" line(s) longer than 1 MiB were cut short")
	}
	if p.err != nil {
		return p.err
	}
	if err := lr.lr.Err(); err != nil {
		p.addError(file, lr.line(), "read error: "+err.Error())
		return err
	}
	return nil
}

// headerLine reads the facts before the first section.
func (p *parser) headerLine(line []byte) {
	s := strings.TrimSpace(string(line))
	if d, ok := strings.CutPrefix(s, "== dumpstate: "); ok {
		if t, err := time.Parse("2006-01-02 15:04:05", strings.TrimSpace(d)); err == nil {
			p.taken, p.year = t, t.Year()
			p.extra("bugreport.taken_at", t.Format("2006-01-02 15:04:05"))
		}
		return
	}
	key, val, ok := strings.Cut(s, ": ")
	if !ok {
		return
	}
	val = strings.TrimSpace(val)
	if val == "" || val == "(unknown)" {
		return
	}
	switch key {
	case "Build":
		p.extra("build.display", val)
	case "Build fingerprint":
		p.fingerprint(strings.Trim(val, "'"))
	case "Bootloader":
		p.extra("bootloader", val)
	case "Radio":
		p.extra("baseband", val)
	case "Network":
		p.extra("network.operator", val)
	case "Kernel":
		// "Linux version 5.10.157-android13-4-… (build-user@build-host) …": the version only.
		if v, ok := strings.CutPrefix(val, "Linux version "); ok {
			val, _, _ = strings.Cut(v, " ")
		}
		p.extra("kernel", val)
	case "Uptime":
		p.extra("uptime", val)
	case "Android SDK version":
		p.extra("ro.build.version.sdk", val)
	case "Bugreport format version":
		p.extra("bugreport.format_version", val)
	}
}

// extra sets a fact of the environment once.
func (p *parser) extra(key, val string) {
	if p.res.Env.Extra == nil {
		p.res.Env.Extra = map[string]string{}
	}
	if _, ok := p.res.Env.Extra[key]; !ok {
		p.res.Env.Extra[key] = val
	}
}

// fingerprint reads brand/product/device:release/id/incremental:type/tags.
func (p *parser) fingerprint(fp string) {
	env := &p.res.Env
	env.Platform = "android"
	p.extra("build.fingerprint", fp)
	head, tail, ok := strings.Cut(fp, ":")
	if !ok {
		return
	}
	rel, rest, _ := strings.Cut(tail, "/")
	if env.OS == "" && rel != "" {
		env.OS = "Android " + rel
	}
	if id, _, ok := strings.Cut(rest, "/"); ok && id != "" {
		p.extra("build.id", id)
	}
	if parts := strings.Split(head, "/"); len(parts) == 3 && env.Device == "" && parts[2] != "" {
		env.Device = parts[2] // the model from SYSTEM PROPERTIES replaces it
	}
}

// prop reads one "[key]: [value]" line of SYSTEM PROPERTIES.
func (p *parser) prop(line []byte) {
	if len(line) < 8 || line[0] != '[' {
		return
	}
	s := string(line)
	k, v, ok := strings.Cut(s[1:], "]: [")
	if !ok || !strings.HasSuffix(v, "]") {
		return
	}
	v = strings.TrimSpace(v[:len(v)-1])
	if v == "" {
		return
	}
	env := &p.res.Env
	switch k {
	case "ro.build.version.release":
		env.Platform = "android"
		env.OS = "Android " + v
	case "ro.product.model":
		env.Device = v
	case "ro.build.fingerprint":
		p.fingerprint(v)
	case "ro.product.manufacturer", "ro.build.version.sdk":
		p.extra(k, v)
	case "ro.product.cpu.abi":
		p.extra("abi", v)
	case "ro.build.type":
		p.extra("build.type", v)
	case "persist.sys.timezone":
		p.extra("timezone", v)
	}
}

// lineReader is the shared ingest.LineReader with one line of look-back:
// the banner that ends a section read by another parser is put back for
// the section loop.
type lineReader struct {
	lr      *ingest.LineReader
	back    []byte
	hasBack bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{lr: ingest.NewLineReader(r, 0)}
}

func (l *lineReader) unread(line []byte) {
	l.back = append(l.back[:0], line...)
	l.hasBack = true
}

func (l *lineReader) next() ([]byte, bool) {
	if l.hasBack {
		l.hasBack = false
		return l.back, true
	}
	return l.lr.Next()
}

// line is the number of the line last read (the one put back, if any).
func (l *lineReader) line() int { return l.lr.Line() }

// sectionReader gives the lines of the current section, up to the next
// banner (which it puts back), as a stream for another parser (logcat,
// tombstone). Every line is passed on, so that the other parser's line k is
// the section's line k; dumpstate's own footers ("[logcat: 0.1s elapsed]")
// are passed as empty lines.
type sectionReader struct {
	lr   *lineReader
	rest []byte
	done bool
}

func (s *sectionReader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(s.rest) > 0 {
			c := copy(b[n:], s.rest)
			s.rest = s.rest[c:]
			n += c
			continue
		}
		if s.done {
			break
		}
		line, ok := s.lr.next()
		if !ok {
			s.done = true
			break
		}
		if boundary(line) {
			s.lr.unread(line)
			s.done = true
			break
		}
		if len(line) > 0 && line[0] == '[' && (bytes.HasPrefix(line, []byte("[logcat:")) || bytes.HasPrefix(line, []byte("[dumpsys:"))) {
			line = line[:0]
		}
		if len(line)+1 <= len(b)-n {
			n += copy(b[n:], line)
			b[n] = '\n'
			n++
			continue
		}
		s.rest = append(append(s.rest[:0], line...), '\n')
	}
	if n == 0 && s.done {
		return 0, io.EOF
	}
	return n, nil
}

// drain reads what the other parser left of the section (it may stop
// early, on an error).
func (s *sectionReader) drain() {
	for !s.done {
		line, ok := s.lr.next()
		if !ok {
			s.done = true
			break
		}
		if boundary(line) {
			s.lr.unread(line)
			s.done = true
		}
	}
}
