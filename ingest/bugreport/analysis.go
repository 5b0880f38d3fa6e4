package bugreport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// This file looks at a whole bug report once it is read, and emits the
// events that the bug-report rules of parley/ingest turn into findings.

// crashLoopMin is how many crashes of one app make a crash loop.
const crashLoopMin = 3

// anrRecord is one ANR, as the logs and the dumps show it.
type anrRecord struct {
	proc, pid, reason string
	time              time.Time
	logged            bool   // the log holds its "ANR in" crash event already
	file              string // where its dump is, when one is
}

// anr records an ANR; the same one seen twice (am_anr and "ANR in", or a
// dump) is merged: same pid, or same app within a minute when a pid is
// missing.
func (p *parser) anr(proc, pid, reason string, t time.Time, logged bool, file string) {
	proc, pid, reason = strings.Clone(proc), strings.Clone(pid), strings.Clone(reason)
	for _, a := range p.anrs {
		samePID := pid != "" && a.pid != "" && a.pid == pid
		near := (t.IsZero() || a.time.IsZero() || absDuration(t.Sub(a.time)) < time.Minute)
		if samePID && near || (pid == "" || a.pid == "") && pkgOf(a.proc) == pkgOf(proc) && near {
			if a.reason == "" {
				a.reason = reason
			}
			if a.pid == "" {
				a.pid = pid
			}
			if a.time.IsZero() {
				a.time = t
			}
			a.logged = a.logged || logged
			if a.file == "" {
				a.file = file
			}
			return
		}
	}
	if len(p.anrs) < 1000 {
		p.anrs = append(p.anrs, &anrRecord{proc: proc, pid: pid, reason: reason, time: t, logged: logged, file: file})
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// edge is what a blocked thread waits for.
type edge struct {
	to     *thread // nil when not known
	toPID  int     // the process a binder call went to, when only that is known
	binder bool    // a binder call (else a monitor)
	iface  string  // the binder interface and method
	method string
}

// finish looks at everything read and emits the findings' events.
func (p *parser) finish() error {
	p.releaseHeld()
	for _, d := range p.dumps {
		if anrDump(d.kind) && len(d.procs) > 0 {
			first := d.procs[0]
			p.anr(first.name, strconv.Itoa(first.pid), d.subject, first.time, false, d.file)
		}
	}
	for _, d := range p.dumps {
		p.analyse(d)
	}
	p.anrEvents()
	p.crashLoops()
	return p.err
}

// analyse finds the deadlocks and the stuck binder calls of one dump.
func (p *parser) analyse(d *dump) {
	edges := map[*thread]edge{}
	bySys := map[[2]int]*thread{}
	for _, pr := range d.procs {
		for _, th := range pr.threads {
			if th.sysTid > 0 {
				bySys[[2]int{pr.pid, th.sysTid}] = th
			}
		}
	}
	// Servers of binder calls, by interface and method, for calls the
	// kernel's table does not place.
	type key struct{ iface, method string }
	serving := map[key][]*thread{}
	for _, pr := range d.procs {
		for _, th := range pr.threads {
			if i, m := th.serving(); m != "" {
				serving[key{i, m}] = append(serving[key{i, m}], th)
			}
		}
	}
	for _, pr := range d.procs {
		for _, th := range pr.threads {
			switch {
			case th.lock != "":
				if o := pr.byTID[th.owner]; o != nil && o != th {
					edges[th] = edge{to: o}
				}
			case th.inBinder():
				e := edge{binder: true}
				e.iface, e.method = th.call()
				// The kernel's table is of the moment the report was made:
				// it places the calls of the dump taken then.
				if to, ok := p.binder[[2]int{pr.pid, th.sysTid}]; ok && d.kind == dumpJustNow {
					e.toPID = to[0]
					e.to = bySys[to]
				}
				if e.to == nil && e.method != "" {
					var found *thread
					n := 0
					for _, s := range serving[key{e.iface, e.method}] {
						if s.proc != pr && (e.toPID == 0 || s.proc.pid == e.toPID) {
							found = s
							n++
						}
					}
					if n == 1 {
						e.to = found
					}
				}
				edges[th] = e
			}
		}
	}
	p.deadlocks(d, edges)
	p.stuckCalls(d, edges)
}

// deadlocks finds the cycles of waiting threads that hold at least one
// monitor: each thread waits for one other, so following the waits from
// any thread either ends or comes round.
func (p *parser) deadlocks(d *dump, edges map[*thread]edge) {
	walk := map[*thread]int{}
	order := threadsInOrder(d)
	n := 0
	for _, start := range order {
		if _, ok := edges[start]; !ok || walk[start] != 0 {
			continue
		}
		n++
		th := start
		for th != nil && walk[th] == 0 {
			walk[th] = n
			th = edges[th].to
		}
		if th == nil || walk[th] != n {
			continue
		}
		// th is on a cycle found in this walk.
		cycle := []*thread{th}
		for t := edges[th].to; t != th; t = edges[t].to {
			cycle = append(cycle, t)
		}
		monitors := 0
		for _, t := range cycle {
			if !edges[t].binder {
				monitors++
			}
		}
		if monitors == 0 {
			continue
		}
		p.deadlockEvent(d, cycle, edges)
	}
}

// threadsInOrder lists a dump's threads as the dump does.
func threadsInOrder(d *dump) []*thread {
	var out []*thread
	for _, pr := range d.procs {
		out = append(out, pr.threads...)
	}
	return out
}

func (p *parser) deadlockEvent(d *dump, cycle []*thread, edges map[*thread]edge) {
	// Start with the first thread in the dump's order, so the text is stable.
	first := 0
	for i, t := range cycle {
		if t.proc.line < cycle[first].proc.line || t.proc == cycle[first].proc && t.line < cycle[first].line {
			first = i
		}
	}
	cycle = append(cycle[first:], cycle[:first]...)
	procs := map[*proc]bool{}
	for _, t := range cycle {
		procs[t.proc] = true
	}
	across := len(procs) > 1
	var b strings.Builder
	if across {
		b.WriteString("Deadlock across processes: ")
	} else {
		b.WriteString("Deadlock in " + cycle[0].proc.label() + ": ")
	}
	var locks, names []string
	for i, t := range cycle {
		e := edges[t]
		if i == 0 {
			b.WriteString(t.label(across))
		}
		if e.binder {
			b.WriteString(" waits in a binder call")
			if e.method != "" {
				b.WriteString(" (" + shortClass(e.iface) + "." + e.method + ")")
			}
			b.WriteString(" on ")
		} else {
			b.WriteString(" waits to lock <" + t.lock + ">")
			if t.lockClass != "" {
				b.WriteString(" (a " + t.lockClass + ")")
			}
			b.WriteString(" held by ")
			locks = append(locks, "<"+t.lock+">")
		}
		names = append(names, t.label(across))
		if i == len(cycle)-1 {
			b.WriteString(cycle[0].label(across && e.to.proc != t.proc))
			b.WriteString(": the threads wait for each other for ever")
		} else {
			b.WriteString(e.to.label(across && e.to.proc != t.proc))
			b.WriteString(", which")
		}
	}
	for i, t := range cycle {
		b.WriteString(fmt.Sprintf("\n%d. %s: %s", i+1, t.label(true), t.describe()))
	}
	head := cycle[0]
	p.emit(&ingest.Event{Time: head.proc.time, Level: ingest.LevelError, Source: d.file, Line: head.line, Tag: tagAnalysis,
		PID: strconv.Itoa(head.proc.pid), TID: sysTid(head), Message: b.String(),
		Attrs: map[string]string{ingest.AttrBugreportDeadlock: strings.Join(names, " → "), "android.locks": strings.Join(locks, " "),
			attrDump: d.kind, attrSection: d.title}})
}

func sysTid(t *thread) string {
	if t.sysTid > 0 {
		return strconv.Itoa(t.sysTid)
	}
	return ""
}

// stuckCalls finds binder calls that cannot return: the thread serving the
// call is itself blocked (on a monitor or on a call of its own), or the
// caller is the main thread of an app in an ANR's dump.
func (p *parser) stuckCalls(d *dump, edges map[*thread]edge) {
	for _, th := range threadsInOrder(d) {
		e, ok := edges[th]
		if !ok || !e.binder {
			continue
		}
		_, serverWaits := edges[e.to]
		anrMain := anrDump(d.kind) && len(d.procs) > 0 && th.proc == d.procs[0] && th == th.proc.main()
		if !(e.to != nil && (serverWaits || e.to.blocked())) && !anrMain {
			continue
		}
		var b strings.Builder
		b.WriteString(th.label(true) + " is stuck in a binder call")
		if e.method != "" {
			b.WriteString(" " + shortClass(e.iface) + "." + e.method)
		}
		switch {
		case e.to != nil:
			b.WriteString(" to " + e.to.label(true) + ", which is " + e.to.describe())
			if next, ok := edges[e.to]; ok && next.to != nil && next.to != th {
				b.WriteString("; it waits for " + next.to.label(next.to.proc != e.to.proc) + ", which is " + next.to.describe())
			}
		case e.toPID != 0:
			b.WriteString(" to pid " + strconv.Itoa(e.toPID))
		default:
			b.WriteString(", and the dump does not show which process serves it")
		}
		if anrMain {
			b.WriteString(" (the app's main thread, in the dump of its ANR)")
		}
		p.emit(&ingest.Event{Time: th.proc.time, Level: ingest.LevelError, Source: d.file, Line: th.line, Tag: tagAnalysis,
			PID: strconv.Itoa(th.proc.pid), TID: sysTid(th), Message: b.String(),
			Attrs: map[string]string{ingest.AttrBugreportBinder: th.proc.nameOrPID(), attrDump: d.kind, attrSection: d.title}})
	}
}

func (pr *proc) nameOrPID() string {
	if pr.name != "" {
		return pr.name
	}
	return "pid " + strconv.Itoa(pr.pid)
}

// anrEvents emits one event per ANR: which app, why, and what its main
// thread did when it was dumped. The ANR is a crash of kind anr unless the
// log already held it as one ("ANR in …"), so it is counted once.
func (p *parser) anrEvents() {
	for _, a := range p.anrs {
		var main *thread
		var d *dump
		for _, dd := range p.dumps {
			if !anrDump(dd.kind) {
				continue
			}
			for _, pr := range dd.procs {
				if strconv.Itoa(pr.pid) == a.pid && (a.proc == "" || pr.name == "" || pkgOf(pr.name) == pkgOf(a.proc)) {
					main, d = pr.main(), dd
				}
			}
		}
		name := a.proc
		if name == "" {
			name = "pid " + a.pid
		}
		var b strings.Builder
		b.WriteString("ANR in " + name)
		if a.pid != "" && a.proc != "" {
			b.WriteString(" (pid " + a.pid + ")")
		}
		if a.reason != "" {
			b.WriteString(": " + a.reason)
		}
		var frames []string
		if main != nil {
			b.WriteString("; main thread " + main.describe())
			frames = main.frames
			for i, f := range frames {
				if i == 8 {
					break
				}
				b.WriteString("\n  at " + f)
			}
		} else {
			b.WriteString("; the bug report holds no dump of its threads")
		}
		ev := &ingest.Event{Time: a.time, Level: ingest.LevelError, Tag: tagAnalysis, PID: a.pid, Message: b.String(),
			Attrs: map[string]string{ingest.AttrBugreportANR: pkgOf(name)}}
		if a.proc != "" {
			ev.Attrs[ingest.AttrProcess] = a.proc
		}
		if d != nil {
			ev.Source, ev.Line = d.file, main.line
			ev.Attrs[attrDump] = d.kind
			if main.sysTid > 0 {
				ev.TID = strconv.Itoa(main.sysTid)
			}
		} else if a.file != "" {
			ev.Source = a.file
		}
		if ev.Time.IsZero() && d != nil {
			ev.Time = main.proc.time
		}
		if !a.logged {
			c := &ingest.Crash{Kind: "anr", Type: "ANR", Reason: a.reason}
			if len(frames) > 0 {
				c.Frames = frames[:min(len(frames), 64)]
			}
			ev.Crash = c
			ev.Level = ingest.LevelFatal
		}
		p.emit(ev)
	}
}

// crashLoops emits an event for every app that crashed crashLoopMin times
// or more.
func (p *parser) crashLoops() {
	pkgs := make([]string, 0, len(p.crashes))
	for pkg, c := range p.crashes {
		if c.total() >= crashLoopMin {
			pkgs = append(pkgs, pkg)
		}
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		c := p.crashes[pkg]
		n := c.total()
		msg := fmt.Sprintf("%s crashed %d times", pkg, n)
		if !c.first.IsZero() {
			msg += fmt.Sprintf(" between %s and %s", c.first.Format("2006-01-02 15:04:05"), c.last.Format("2006-01-02 15:04:05"))
		}
		if c.what != "" {
			msg += "; the last time: " + c.what
		}
		p.emit(&ingest.Event{Time: c.last, Level: ingest.LevelError, Tag: tagAnalysis, Message: msg,
			Attrs: map[string]string{ingest.AttrBugreportCrashLoop: pkg, "android.crash_count": strconv.Itoa(n)}})
	}
}

// binderTxState is where BINDER TRANSACTIONS parsing is: the process and
// thread whose transactions follow, and whether the first (the top of the
// thread's transaction stack) has been read.
type binderTxState struct {
	pid, tid int
	top      bool
}

// binderLine reads the kernel's binder transaction table:
//
//	proc 808
//	  thread 815: l 11
//	    outgoing transaction 12909: d63b4ee0 from 808:815 to 800:800 code 3 …
//	    incoming transaction 12901: d56ca760 from 800:800 to 808:815 code 2 …
//
// A thread's transactions are listed from the top of its stack: when the
// first is outgoing, the thread waits for the thread it names.
func (p *parser) binderLine(line []byte) {
	s := strings.TrimSpace(string(line))
	switch {
	case strings.HasPrefix(s, "proc "):
		p.tx = binderTxState{}
		p.tx.pid, _ = strconv.Atoi(strings.TrimSpace(s[5:]))
	case strings.HasPrefix(s, "thread "):
		v, _, _ := strings.Cut(s[7:], ":")
		p.tx.tid, _ = strconv.Atoi(v)
		p.tx.top = true
	case p.tx.top && (strings.HasPrefix(s, "outgoing transaction") || strings.HasPrefix(s, "incoming transaction") ||
		strings.HasPrefix(s, "pending transaction")):
		p.tx.top = false
		if !strings.HasPrefix(s, "outgoing") {
			return
		}
		_, r, ok := strings.Cut(s, " from ")
		if !ok {
			return
		}
		from, r, _ := strings.Cut(r, " to ")
		to, _, _ := strings.Cut(r, " ")
		fp, ft, ok1 := pidTid(from)
		tp, tt, ok2 := pidTid(to)
		if ok1 && ok2 && fp == p.tx.pid && ft == p.tx.tid && len(p.binder) < 100000 {
			p.binder[[2]int{fp, ft}] = [2]int{tp, tt}
		}
	}
}

func pidTid(s string) (int, int, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(a)
	tid, err2 := strconv.Atoi(b)
	return pid, tid, err1 == nil && err2 == nil
}
