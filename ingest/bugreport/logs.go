package bugreport

import (
	"io"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
	"parley/ingest/logcat"
)

// This file hands the log sections and the tombstones to the parsers of
// those formats and reads what their events mean in a bug report.

// logSection reads one logcat section (SYSTEM LOG, EVENT LOG, RADIO LOG,
// LAST LOGCAT) with the logcat parser, in whatever layout the version used
// (-v time on old versions, threadtime with uid columns on new ones).
func (p *parser) logSection(file string, lr *lineReader, s section) {
	boot := 0
	if s.title == "LAST LOGCAT" {
		boot = 1 // the boot before this one
	}
	sr := &sectionReader{lr: lr}
	res, err := logcat.ParseWith(file, sr, func(ev *ingest.Event) error {
		ev.Source = file
		ev.Line += s.line
		p.logEvent(ev, boot)
		return p.err
	}, logcat.Options{Year: p.year})
	sr.drain()
	p.res.Env.Merge(res.Env)
	if res.Events == 0 {
		return // an empty log, or dumpstate's note that it could not run logcat
	}
	for _, e := range res.Errors {
		if e.Line > 0 {
			e.Line += s.line
		}
		p.addError(file, e.Line, s.title+": "+e.Msg)
	}
	_ = err // a sink error is in p.err; a read error shows again to the outer reader
}

// tombstone reads one tombstone: a TOMBSTONE section of the text or a zip's
// FS/data/tombstones/tombstone_NN.
func (p *parser) tombstone(file string, r io.Reader, offset int) {
	res, _ := logcat.ParseTombstone(file, r, func(ev *ingest.Event) error {
		ev.Source = file
		ev.Line += offset
		if p.zoned && !ev.Time.IsZero() {
			// Tombstones' times are exact; the logs' and dumps' are the
			// device's wall clock: move them onto the same clock.
			ev.Time = ev.Time.Add(p.offset)
		}
		if ev.Crash != nil {
			if ev.PID != "" && len(p.tombPIDs) < 10000 {
				p.tombPIDs[strings.Clone(ev.PID)] = true
			}
			proc := ""
			if len(ev.Attrs) > 0 {
				proc = ev.Attrs[ingest.AttrProcess]
			}
			if proc == "" {
				proc = p.tombApp
			}
			p.tally(pkgOf(proc), 2, ev.Time, ev.Crash.Type+" "+ev.Crash.Reason)
		}
		p.emit(ev)
		return p.err
	})
	if p.tombApp == "" {
		p.tombApp = res.Env.App
	}
	for _, e := range res.Errors {
		if e.Line > 0 {
			e.Line += offset
		}
		p.addError(file, e.Line, e.Msg)
	}
}

// logEvent reads what a log event means in a bug report, then passes it on.
func (p *parser) logEvent(ev *ingest.Event, boot int) {
	switch ev.Tag {
	case "am_anr", "am_crash", "am_proc_died", "am_low_memory", "am_kill", "am_proc_start", "killinfo":
		p.eventLog(ev, boot)
	case "lowmemorykiller", "lmkd":
		if len(ev.Attrs) > 0 && ev.Attrs[ingest.AttrKilled] != "" {
			a := own(ev)
			a[ingest.AttrBugreportLMK] = ev.Attrs[ingest.AttrKilled]
		}
	}
	if c := ev.Crash; c != nil {
		proc := ""
		if len(ev.Attrs) > 0 {
			proc = ev.Attrs[ingest.AttrProcess]
		}
		switch c.Kind {
		case "anr":
			pid := ""
			if _, after, ok := strings.Cut(ev.Message, "\nPID: "); ok {
				pid, _, _ = strings.Cut(after, "\n")
			}
			p.anr(proc, strings.TrimSpace(pid), c.Reason, ev.Time, true, "")
		default:
			p.tally(pkgOf(proc), boot*3, ev.Time, c.Type+": "+c.Reason)
			if c.Kind == "native" && len(p.held) < maxHeld {
				// Its tombstone may follow (a TOMBSTONE section, the zip's
				// FS/data/tombstones): the crash is counted once, from the
				// tombstone, which has the frames.
				p.held = append(p.held, ev.Clone())
				return
			}
		}
	}
	p.emit(ev)
}

// maxHeld bounds the native crashes of the logs held back until the end.
const maxHeld = 256

// releaseHeld emits the native crashes of the logs, as plain fatal events
// when a tombstone of the same process was read.
func (p *parser) releaseHeld() {
	for i := range p.held {
		ev := &p.held[i]
		if p.tombPIDs[ev.PID] {
			ev.Crash = nil
			ev.Attrs = own(ev)
			ev.Attrs["android.tombstone_read"] = "true"
		}
		p.emit(ev)
	}
	p.held = nil
}

// own gives ev an Attrs map of its own (the parser's may be shared).
func own(ev *ingest.Event) map[string]string {
	a := make(map[string]string, len(ev.Attrs)+4)
	for k, v := range ev.Attrs {
		a[k] = v
	}
	ev.Attrs = a
	return a
}

// eventLog reads ActivityManager's and lmkd's event-log lines. Their fields
// changed over the years (a user id came first from Android 4.2 on; am_crash
// gained a "recoverable" field): the process name is the first field that is
// not a number, and the pid the one before it.
//
//	am_anr: [0,1234,com.app,952745541,Input dispatching timed out (…)]
//	am_crash: [0,1234,com.app,952745541,java.lang.IllegalStateException,boom,Main.java,42,0]
//	am_proc_died: [0,1234,com.app,900,17]    (2.3: [1234,com.app])
//	am_kill: [0,1234,com.app,900,empty #17]  (2.3: [1234,com.app,14,too many background])
//	am_low_memory: 5
//	am_proc_start: [0,1234,10123,com.app,activity,com.app/.Main]
//	killinfo: [1234,10123,900,800,51200,3,…]
func (p *parser) eventLog(ev *ingest.Event, boot int) {
	msg := strings.TrimSpace(ev.Message)
	if ev.Tag == "am_low_memory" {
		a := own(ev)
		a[attrAM] = "low_memory"
		if ev.Level < ingest.LevelWarn {
			ev.Level = ingest.LevelWarn
		}
		return
	}
	fields := strings.Split(strings.TrimSuffix(strings.TrimPrefix(msg, "["), "]"), ",")
	if ev.Tag == "killinfo" {
		if len(fields) < 3 {
			return
		}
		a := own(ev)
		a[attrAM] = "kill"
		pid := fields[0]
		a[attrPID] = pid
		a[ingest.AttrKillAdj] = fields[2]
		a[ingest.AttrKillReason] = "lmkd"
		if proc := p.started[pid]; proc != "" {
			a[ingest.AttrKilled] = pkgOf(proc)
			a[ingest.AttrBugreportLMK] = pkgOf(proc)
		}
		return
	}
	name := -1
	for i, f := range fields {
		if f != "" && !isNumber(f) {
			name = i
			break
		}
	}
	if name < 1 {
		return
	}
	pid, proc := fields[name-1], fields[name]
	rest := fields[name+1:]
	a := own(ev)
	a[attrPID] = pid
	a[ingest.AttrProcess] = proc
	switch ev.Tag {
	case "am_proc_start":
		// [user,pid,uid,name,…]: the name follows the uid, a number too.
		a[attrAM] = "proc_start"
		if name >= 2 {
			pid = fields[name-2]
			a[attrPID] = pid
		}
		if len(p.started) < 100000 {
			p.started[strings.Clone(pid)] = strings.Clone(proc)
		}
	case "am_anr":
		a[attrAM] = "anr"
		reason := ""
		if len(rest) > 1 {
			reason = strings.TrimSpace(strings.Join(rest[1:], ","))
		}
		a[attrReason] = reason
		ev.Level = max(ev.Level, ingest.LevelError)
		p.anr(proc, pid, reason, ev.Time, false, "")
	case "am_crash":
		a[attrAM] = "crash"
		exc, text := "", ""
		if len(rest) > 1 {
			exc = strings.TrimSpace(rest[1])
		}
		if len(rest) > 2 {
			tail := rest[2:]
			// …,message,file,line[,recoverable]
			switch n := len(tail); {
			case n >= 4 && isNumber(tail[n-1]) && isNumber(tail[n-2]):
				tail = tail[:n-3]
			case n >= 3 && isNumber(tail[n-1]):
				tail = tail[:n-2]
			}
			text = strings.TrimSpace(strings.Join(tail, ","))
		}
		a[attrReason] = exc
		ev.Level = max(ev.Level, ingest.LevelError)
		what := exc
		if text != "" {
			what += ": " + text
		}
		p.tally(pkgOf(proc), boot*3+1, ev.Time, what)
	case "am_proc_died":
		a[attrAM] = "proc_died"
		a[ingest.AttrKilled] = pkgOf(proc)
		a[ingest.AttrKilledPID] = pid
		a[ingest.AttrKillReason] = "died"
		if len(rest) > 0 && isNumber(rest[0]) {
			a[ingest.AttrKillAdj] = rest[0]
		} else {
			delete(a, ingest.AttrKillAdj)
		}
	case "am_kill":
		a[attrAM] = "kill"
		a[ingest.AttrKilled] = pkgOf(proc)
		a[ingest.AttrKilledPID] = pid
		delete(a, ingest.AttrKillAdj)
		if len(rest) > 0 && isNumber(rest[0]) {
			a[ingest.AttrKillAdj] = rest[0]
			rest = rest[1:]
		}
		if r := strings.TrimSpace(strings.Join(rest, ",")); r != "" {
			a[ingest.AttrKillReason] = r
			if strings.Contains(r, "lmk") || strings.Contains(r, "low memory") {
				a[ingest.AttrBugreportLMK] = pkgOf(proc)
			}
		}
	}
}

// kernelLine reads the in-kernel low-memory killer of old devices from the
// kernel log: "<6>[ 1234.5678] lowmemorykiller: Killing 'com.app' (1234), adj 9,".
func (p *parser) kernelLine(file string, n int, line []byte, title string) {
	s := string(line)
	i := strings.Index(s, "lowmemorykiller: Kill")
	if i < 0 {
		return
	}
	msg := s[i+len("lowmemorykiller: "):]
	q1 := strings.IndexByte(msg, '\'')
	if q1 < 0 {
		return
	}
	q2 := strings.IndexByte(msg[q1+1:], '\'')
	if q2 < 0 {
		return
	}
	proc := msg[q1+1 : q1+1+q2]
	a := map[string]string{
		ingest.AttrKilled: pkgOf(proc), ingest.AttrBugreportLMK: pkgOf(proc),
		ingest.AttrKillReason: "lowmemorykiller", attrSection: title,
	}
	if adj := numberAfter(msg, "adj "); adj != "" {
		a[ingest.AttrKillAdj] = adj
	}
	if o := strings.IndexByte(msg[q1+1+q2:], '('); o >= 0 {
		if pid := numberAfter(msg[q1+1+q2+o:], "("); pid != "" {
			a[ingest.AttrKilledPID] = pid
		}
	}
	p.emit(&ingest.Event{Level: ingest.LevelWarn, Source: file, Line: n, Tag: "lowmemorykiller", Message: msg, Attrs: a})
}

// pkgOf is the package of a process name: "com.app:remote" → "com.app".
func pkgOf(proc string) string {
	if i := strings.IndexByte(proc, ':'); i > 0 {
		return proc[:i]
	}
	return proc
}

func isNumber(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// numberAfter is the number right after key in s, or "".
func numberAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	r := s[i+len(key):]
	n := 0
	for n < len(r) && (r[n] >= '0' && r[n] <= '9' || n == 0 && r[n] == '-') {
		n++
	}
	if _, err := strconv.Atoi(r[:n]); err != nil {
		return ""
	}
	return r[:n]
}

// crashTally counts one package's crashes by source, so that a crash seen
// both as a FATAL EXCEPTION and as am_crash counts once: this boot's logcat
// crashes (0), this boot's am_crash (1), tombstones (2), and the boot
// before's logcat crashes (3) and am_crash (4).
type crashTally struct {
	n           [5]int
	first, last time.Time
	what        string // the last crash's exception
}

// total is the crashes the bug report shows of the package.
func (c *crashTally) total() int {
	return max(max(c.n[0], c.n[1])+max(c.n[3], c.n[4]), c.n[2])
}

func (p *parser) tally(pkg string, source int, t time.Time, what string) {
	if pkg == "" || strings.ContainsAny(pkg, "/ ") {
		return
	}
	c := p.crashes[pkg]
	if c == nil {
		if len(p.crashes) > 10000 {
			return
		}
		c = &crashTally{}
		p.crashes[strings.Clone(pkg)] = c
	}
	c.n[source]++
	if !t.IsZero() {
		if c.first.IsZero() || t.Before(c.first) {
			c.first = t
		}
		if t.After(c.last) {
			c.last = t
		}
	}
	if what = strings.TrimSpace(what); what != "" && what != ":" {
		c.what = strings.Clone(clip(what, 300))
	}
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
