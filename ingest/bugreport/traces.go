package bugreport

import (
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// This file reads the Java thread dumps of VM TRACES sections and ANR files,
// Dalvik's and ART's alike:
//
//	----- pid 800 at 2019-05-01 10:00:00.123456789+0200 -----
//	Cmd line: com.app
//	"main" prio=5 tid=1 MONITOR            (ART: Blocked)
//	  | group="main" sCount=1 dsCount=0 obj=0x… self=0x…
//	  | sysTid=800 nice=0 …
//	  at com.app.Foo.bar(Foo.java:42)
//	  - waiting to lock <0x406baf80> (a java.lang.Object) held by threadid=8 (Binder Thread #2)
//	                                                       (ART: held by thread 8)
//	  - locked <0x406c6658> (a com.app.Baz)
//	----- end 800 -----

// Kinds of thread dump.
const (
	dumpJustNow = "just now"       // taken while making the bug report
	dumpLastANR = "last anr"       // VM TRACES AT LAST ANR: the dump of the last ANR
	dumpANRFile = "anr file"       // /data/anr/anr_*: the dump of one ANR (zip, Android 10+)
	dumpSlow    = "slow"           // VM TRACES WHEN SLOW
	dumpOld     = "traces"         // old "VM TRACES" and /data/anr/traces.txt
	dumpHistory = "historical anr" // HISTORICAL ANR: an older ANR's dump
)

func traceKind(title string) string {
	switch title {
	case "VM TRACES JUST NOW":
		return dumpJustNow
	case "VM TRACES AT LAST ANR":
		return dumpLastANR
	case "VM TRACES WHEN SLOW":
		return dumpSlow
	case "HISTORICAL ANR":
		return dumpHistory
	}
	return dumpOld
}

// anrDump tells the dumps that ActivityManager wrote for an ANR, whose first
// process is the app that did not respond.
func anrDump(kind string) bool {
	return kind == dumpLastANR || kind == dumpANRFile || kind == dumpHistory
}

// dump is one thread dump: every process it holds.
type dump struct {
	kind    string
	title   string // the section, or the file's name
	file    string
	subject string // an ANR file's "Subject:", the ANR's reason
	procs   []*proc
}

// proc is one process of a dump.
type proc struct {
	pid     int
	name    string
	time    time.Time
	line    int
	threads []*thread
	byTID   map[int]*thread
}

// thread is what a dump says of one thread: enough to tell what it waits for.
type thread struct {
	proc   *proc
	name   string
	tid    int // the VM's thread id (tid=N), which "held by" names
	sysTid int // the kernel's, which the binder table names
	state  string
	line   int
	frames []string // Java frames, most recent first, without "at "

	lock, lockClass string // "- waiting to lock <lock> (a lockClass)"
	owner           int    // held by this tid; -1 unknown
	waitOn          string // "- waiting on <…> (a …)": Object.wait, which no one holds
	topSet          bool   // a lock line was read for the top frame already
}

const maxFrames = 24

// traceReader reads one dump's lines.
type traceReader struct {
	p    *parser
	d    *dump
	proc *proc
	th   *thread
}

func (p *parser) newTraceReader(file, kind, title string) *traceReader {
	d := &dump{kind: kind, title: title, file: file}
	if len(p.dumps) < 1000 {
		p.dumps = append(p.dumps, d)
	}
	return &traceReader{p: p, d: d}
}

func (t *traceReader) line(n int, b []byte) {
	if len(b) == 0 {
		return
	}
	switch {
	case b[0] == '-' && len(b) > 12 && string(b[:10]) == "----- pid ":
		t.endProc()
		s := strings.TrimSuffix(strings.TrimSpace(string(b[10:])), "-----")
		pidText, when, _ := strings.Cut(strings.TrimSpace(s), " at ")
		pid, err := strconv.Atoi(pidText)
		if err != nil {
			return
		}
		at, offset, zoned := dumpTime(strings.TrimSpace(when))
		if zoned && !t.p.zoned {
			t.p.offset, t.p.zoned = time.Duration(offset)*time.Second, true
		}
		t.proc = &proc{pid: pid, line: n, byTID: map[int]*thread{}, time: at}
	case b[0] == '-' && len(b) > 12 && string(b[:10]) == "----- end ":
		t.endProc()
	case t.proc == nil:
		if s, ok := strings.CutPrefix(string(b), "Subject: "); ok && t.d.subject == "" {
			t.d.subject = clip(strings.TrimSpace(s), 500)
		}
	case b[0] == 'C' && t.proc.name == "" && strings.HasPrefix(string(b), "Cmd line: "):
		t.proc.name = strings.TrimSpace(string(b[len("Cmd line: "):]))
	case b[0] == '"':
		t.thread(n, string(b))
	case t.th == nil:
	case b[0] == ' ':
		t.detail(string(b))
	}
}

// dumpTime reads "2019-05-01 10:00:00", with ".nnnnnnnnn" and "+0200" on
// newer versions. The time is kept as the device's wall clock, labelled UTC,
// as the logcat parser keeps the logs' times, so that a dump and the log
// lines around it line up; the offset, when the line gives one, is
// returned for the times that come exact (tombstones).
func dumpTime(s string) (t time.Time, offset int, zoned bool) {
	for i, layout := range []string{"2006-01-02 15:04:05.999999999-0700", "2006-01-02 15:04:05-0700", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			_, offset = t.Zone()
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), offset, i < 2
		}
	}
	return time.Time{}, 0, false
}

// thread starts a thread: `"main" prio=5 tid=1 MONITOR`, `"GC" daemon prio=5
// tid=3 VMWAIT`, `"Binder:123_1" prio=5 (not attached)`, or a native
// process's `"surfaceflinger" sysTid=123`.
func (t *traceReader) thread(n int, s string) {
	end := strings.LastIndexByte(s, '"')
	if end <= 0 {
		return
	}
	th := &thread{proc: t.proc, name: s[1:end], line: n, owner: -1, tid: -1}
	rest := s[end+1:]
	if v := numberAfter(rest, "tid="); v != "" && !strings.Contains(rest, "sysTid="+v) {
		th.tid, _ = strconv.Atoi(v)
	}
	if v := numberAfter(rest, "sysTid="); v != "" {
		th.sysTid, _ = strconv.Atoi(v)
	}
	if f := strings.Fields(rest); len(f) > 0 && th.tid >= 0 {
		last := f[len(f)-1]
		if !strings.Contains(last, "=") {
			th.state = last
		}
	}
	if len(t.proc.threads) < 5000 {
		t.proc.threads = append(t.proc.threads, th)
		if th.tid >= 0 {
			t.proc.byTID[th.tid] = th
		}
	}
	t.th = th
}

// detail reads a thread's indented lines.
func (t *traceReader) detail(s string) {
	th := t.th
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "at "):
		if len(th.frames) < maxFrames {
			th.frames = append(th.frames, s[3:])
		}
	case strings.HasPrefix(s, "| ") && th.sysTid == 0 && strings.Contains(s, "sysTid="):
		th.sysTid, _ = strconv.Atoi(numberAfter(s, "sysTid="))
	case strings.HasPrefix(s, "- waiting to lock <") && len(th.frames) <= 1 && th.lock == "":
		r := s[len("- waiting to lock <"):]
		lock, r, _ := strings.Cut(r, ">")
		th.lock = lock
		if c, ok := strings.CutPrefix(strings.TrimSpace(r), "(a "); ok {
			th.lockClass, _, _ = strings.Cut(c, ")")
		}
		if v := numberAfter(r, "held by threadid="); v != "" {
			th.owner, _ = strconv.Atoi(v)
		} else if v := numberAfter(r, "held by thread "); v != "" {
			th.owner, _ = strconv.Atoi(v)
		}
	case strings.HasPrefix(s, "- waiting on <") && len(th.frames) <= 2 && th.waitOn == "":
		th.waitOn, _, _ = strings.Cut(s[len("- waiting on "):], ")")
		if th.waitOn != "" {
			th.waitOn += ")"
		}
	}
}

// endProc closes the process being read and emits its thread dump.
func (t *traceReader) endProc() {
	pr := t.proc
	t.proc, t.th = nil, nil
	if pr == nil {
		return
	}
	if len(t.d.procs) < 2000 {
		t.d.procs = append(t.d.procs, pr)
	}
	name := pr.name
	if name == "" {
		name = "pid " + strconv.Itoa(pr.pid)
	}
	main := pr.main()
	var b strings.Builder
	b.WriteString("Thread dump (")
	b.WriteString(t.d.kind)
	b.WriteString(") of ")
	b.WriteString(name)
	if pr.name != "" {
		b.WriteString(" (pid " + strconv.Itoa(pr.pid) + ")")
	}
	b.WriteString(", " + strconv.Itoa(len(pr.threads)) + " threads")
	level := ingest.LevelInfo
	attrs := map[string]string{attrDump: t.d.kind, attrThreads: strconv.Itoa(len(pr.threads)), attrSection: t.d.title}
	if pr.name != "" {
		attrs[ingest.AttrProcess] = pr.name
	}
	tid := ""
	if main != nil {
		b.WriteString(": main thread ")
		b.WriteString(main.waits())
		for i, f := range main.frames {
			if i == 8 {
				b.WriteString("\n  …")
				break
			}
			b.WriteString("\n  at ")
			b.WriteString(f)
		}
		attrs[attrState] = main.state
		if main.blocked() {
			level = ingest.LevelWarn
		}
		if main.sysTid > 0 {
			tid = strconv.Itoa(main.sysTid)
		}
	}
	t.p.emit(&ingest.Event{Time: pr.time, Level: level, Source: t.d.file, Line: pr.line, Tag: tagTraces,
		PID: strconv.Itoa(pr.pid), TID: tid, Message: b.String(), Attrs: attrs})
}

func (t *traceReader) finish() { t.endProc() }

// main is the process's main thread: "main", or its first thread.
func (pr *proc) main() *thread {
	for _, th := range pr.threads {
		if th.name == "main" {
			return th
		}
	}
	if len(pr.threads) > 0 && pr.threads[0].tid == 1 {
		return pr.threads[0]
	}
	return nil
}

// label names a thread for a person: `"main" (tid 1) of com.app (pid 800)`.
func (th *thread) label(withProc bool) string {
	s := strconv.Quote(th.name)
	if th.tid >= 0 {
		s += " (tid " + strconv.Itoa(th.tid) + ")"
	}
	if withProc {
		s += " of " + th.proc.label()
	}
	return s
}

func (pr *proc) label() string {
	if pr.name == "" {
		return "pid " + strconv.Itoa(pr.pid)
	}
	return pr.name + " (pid " + strconv.Itoa(pr.pid) + ")"
}

// blocked reports a thread waiting for a monitor (Dalvik MONITOR, ART Blocked).
func (th *thread) blocked() bool {
	return th.state == "MONITOR" || th.state == "Blocked" || th.lock != ""
}

// inBinder reports a thread blocked in an outgoing binder call: its
// most recent Java frame is BinderProxy.transact (Dalvik) or
// transactNative (ART).
func (th *thread) inBinder() bool {
	return len(th.frames) > 0 && strings.HasPrefix(th.frames[0], "android.os.BinderProxy.transact")
}

// call is the binder method a blocked call runs, from the generated
// proxy's frame: "com.app.IFoo$Stub$Proxy.bar(IFoo.java:1)" → ("com.app.IFoo", "bar").
func (th *thread) call() (iface, method string) {
	for _, f := range th.frames {
		fn, _, _ := strings.Cut(f, "(")
		if i := strings.Index(fn, "$Stub$Proxy."); i > 0 {
			return fn[:i], fn[i+len("$Stub$Proxy."):]
		}
		if !strings.HasPrefix(fn, "android.os.BinderProxy.") && !strings.HasPrefix(fn, "android.os.Binder") {
			return "", ""
		}
	}
	return "", ""
}

// serving is the binder method the thread is running for a caller, from
// its most recent onTransact frame and the frame above it.
func (th *thread) serving() (iface, method string) {
	for i, f := range th.frames {
		fn, _, _ := strings.Cut(f, "(")
		if j := strings.Index(fn, "$Stub.onTransact"); j > 0 {
			if i == 0 {
				return fn[:j], ""
			}
			callee, _, _ := strings.Cut(th.frames[i-1], "(")
			return fn[:j], callee[strings.LastIndexByte(callee, '.')+1:]
		}
		if strings.HasPrefix(fn, "android.os.BinderProxy.transact") {
			return "", "" // an outgoing call comes first: the thread waits, it does not serve
		}
	}
	return "", ""
}

// describe says a thread's state, what it waits for and where.
func (th *thread) describe() string {
	s := th.waits()
	if len(th.frames) > 0 {
		s += " in " + th.frames[0]
	}
	return s
}

// waits says a thread's state and what it waits for, as far as its own
// lines tell.
func (th *thread) waits() string {
	s := th.state
	if s == "" {
		s = "(no state)"
	}
	switch {
	case th.lock != "":
		s += ", waiting to lock <" + th.lock + ">"
		if th.lockClass != "" {
			s += " (a " + th.lockClass + ")"
		}
		if o := th.proc.byTID[th.owner]; o != nil {
			s += " held by " + o.label(false)
		} else if th.owner >= 0 {
			s += " held by tid " + strconv.Itoa(th.owner)
		}
	case th.inBinder():
		s += ", in a binder call"
		if iface, m := th.call(); m != "" {
			s += " " + shortClass(iface) + "." + m
		}
	case th.waitOn != "":
		s += ", waiting on " + th.waitOn
	}
	return s
}

// shortClass drops the package: "com.app.IFoo" → "IFoo".
func shortClass(c string) string {
	return c[strings.LastIndexByte(c, '.')+1:]
}
