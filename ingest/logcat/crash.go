package logcat

import (
	"strconv"
	"strings"

	"parley/ingest"
)

// This file recognises what logcat events mean: crashes, kills of app
// processes, and facts about the device.

const maxLine = 1 << 20 // the longest line the Android parsers read whole

const maxFrames = 64

// javaCrash turns an AndroidRuntime "FATAL EXCEPTION" event (with its
// joined stack trace) into a crash.
func (p *logcatParser) javaCrash(ev *ingest.Event) {
	c, proc, thread, cause := parseJavaCrash(ev.Message)
	ev.Level, ev.Crash = ingest.LevelFatal, c
	a := p.ownAttrs(ev)
	if proc != "" {
		a[ingest.AttrProcess] = proc
		p.crashApp(proc)
	}
	if thread != "" {
		a[ingest.AttrThread] = thread
	}
	if cause != "" {
		a[ingest.AttrCause] = cause
	}
}

// parseJavaCrash reads
//
//	FATAL EXCEPTION: main
//	Process: com.app, PID: 1234
//	java.lang.RuntimeException: Unable to start activity …
//		at android.app.ActivityThread.performLaunchActivity(ActivityThread.java:2298)
//		…
//	Caused by: java.lang.NullPointerException: …
//
// Type and Reason come from the first exception line, Frames from its "at"
// lines; cause is the last top-level "Caused by:".
func parseJavaCrash(msg string) (c *ingest.Crash, proc, thread, cause string) {
	c = &ingest.Crash{Kind: "java"}
	first, rest, _ := strings.Cut(msg, "\n")
	if _, t, ok := strings.Cut(first, ":"); ok {
		thread = strings.TrimSpace(t)
	}
	header, nested := false, false
	for rest != "" {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case strings.HasPrefix(t, "Process: ") && proc == "":
			proc = t[len("Process: "):]
			if i := strings.IndexByte(proc, ','); i >= 0 {
				proc = proc[:i]
			}
			proc = strings.TrimSpace(proc)
		case strings.HasPrefix(t, "at "):
			if header && !nested && len(c.Frames) < maxFrames {
				c.Frames = append(c.Frames, t[3:])
			}
		case strings.HasPrefix(t, "Caused by: "):
			nested = true
			if l == t { // top level, not inside a Suppressed block
				cause = t[len("Caused by: "):]
			}
		case strings.HasPrefix(t, "Suppressed: "), strings.HasPrefix(t, "... "):
			nested = nested || strings.HasPrefix(t, "Suppressed: ")
		case !header:
			header = true
			c.Type, c.Reason = exceptionHeader(t)
		}
	}
	return c, proc, thread, cause
}

// exceptionHeader splits "java.lang.IllegalStateException: message".
func exceptionHeader(t string) (typ, reason string) {
	cand, msg, found := strings.Cut(t, ": ")
	if !found {
		cand = strings.TrimSuffix(t, ":")
	}
	if looksLikeClass(cand) {
		return cand, strings.TrimSpace(msg)
	}
	return "", t
}

// looksLikeClass accepts Java/Kotlin class names: java.lang.Error,
// Foo$Bar, MyException.
func looksLikeClass(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			dot = true
		case c == '_' || c == '$' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		default:
			return false
		}
	}
	return dot || strings.HasSuffix(s, "Exception") || strings.HasSuffix(s, "Error") || s == "Throwable"
}

// anrCrash turns "ANR in com.app (com.app/.Main)" with its following lines
// ("PID:", "Reason:", "Load:", CPU usage) into a crash.
func (p *logcatParser) anrCrash(ev *ingest.Event) {
	first, rest, _ := strings.Cut(ev.Message, "\n")
	proc := strings.TrimPrefix(first, "ANR in ")
	if i := strings.IndexAny(proc, " ("); i >= 0 {
		proc = proc[:i]
	}
	c := &ingest.Crash{Kind: "anr", Type: "ANR"}
	for rest != "" {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		l = strings.TrimSpace(l)
		if r, ok := strings.CutPrefix(l, "Reason: "); ok {
			c.Reason = r
			break
		}
	}
	ev.Level, ev.Crash = ingest.LevelFatal, c
	if proc != "" {
		p.ownAttrs(ev)[ingest.AttrProcess] = proc
		p.crashApp(proc)
	}
}

// libcCrash handles libc's "Fatal signal 11 (SIGSEGV), code 1 (SEGV_MAPERR),
// fault addr 0x0 in tid 1250 (RenderThread), pid 1234 (com.app)": the crash
// is held back for a little while so that the DEBUG tombstone lines that
// usually follow can complete it (frames, abort message, process).
func (p *logcatParser) libcCrash(ev ingest.Event) {
	p.releaseHold()
	sig := parseSignal(ev.Message[len("Fatal signal "):])
	ev.Level = ingest.LevelFatal
	ev.Crash = &ingest.Crash{Kind: "native", Type: sig.name, Reason: sig.reason()}
	if sig.thread != "" {
		p.ownAttrs(&ev)[ingest.AttrThread] = sig.thread
	}
	if sig.process != "" {
		p.ownAttrs(&ev)[ingest.AttrProcess] = sig.process
		p.crashApp(sig.process)
	}
	p.hold, p.holdLibc = &ev, true
}

// debugCrash handles a tombstone that debuggerd/crash_dump printed to logcat
// (tag DEBUG, starting with the "*** *** ***" banner).
func (p *logcatParser) debugCrash(ev ingest.Event, tomb *tombState) {
	if p.hold != nil && p.holdLibc && p.holdTomb == nil {
		// The details of the crash libc just reported.
		p.holdTomb, p.holdTPID = tomb, ev.PID
		p.ownAttrs(&ev)[ingest.AttrTombstoneOf] = strconv.Itoa(p.hold.Line)
		p.holdQueue = append(p.holdQueue, ev)
		return
	}
	p.releaseHold()
	ev.Level, ev.Crash = ingest.LevelFatal, tomb.crash()
	p.hold, p.holdLibc, p.holdTomb, p.holdTPID = &ev, false, tomb, ev.PID
}

// crashApp records the package of the first crashing process as the app.
func (p *logcatParser) crashApp(proc string) {
	if p.env.App != "" || proc == "" {
		return
	}
	if i := strings.IndexByte(proc, ':'); i > 0 {
		proc = proc[:i]
	}
	if strings.IndexByte(proc, '/') >= 0 || strings.IndexByte(proc, ' ') >= 0 {
		return // a command line such as /system/bin/surfaceflinger, not a package
	}
	p.env.App = strings.Clone(proc) // proc lies in the event's transient text
}

// signalInfo is what a "signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr
// 0x1c" line says.
type signalInfo struct {
	name, code, fault string
	thread, process   string
}

func (s signalInfo) reason() string {
	r := s.code
	if s.fault != "" && strings.Trim(s.fault, "-") != "" {
		if r != "" {
			r += " "
		}
		r += "fault addr " + s.fault
	}
	return r
}

// parseSignal reads what follows "Fatal signal " or "signal ":
//
//	11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0 in tid 1250 (RenderThread), pid 1234 (com.app)
//	6 (SIGABRT), code -6 in tid 4850 (main)
//	11 (SIGSEGV) at 0x00000000 (code=1), thread 1234 (Thread-5)
func parseSignal(s string) signalInfo {
	var sig signalInfo
	if i := strings.IndexByte(s, '('); i >= 0 {
		if j := strings.IndexByte(s[i:], ')'); j > 0 {
			sig.name = s[i+1 : i+j]
		}
	}
	if i := strings.Index(s, "code "); i >= 0 {
		r := s[i+len("code "):]
		n := 0
		for n < len(r) && (r[n] == '-' || isDigit(r[n])) {
			n++
		}
		sig.code = "code " + r[:n]
		if rest := r[n:]; strings.HasPrefix(rest, " (") {
			if j := strings.IndexByte(rest, ')'); j > 2 {
				sig.code = rest[2:j]
			}
		}
	} else if i := strings.Index(s, "(code="); i >= 0 {
		if j := strings.IndexByte(s[i:], ')'); j > 0 {
			sig.code = "code " + s[i+len("(code="):i+j]
		}
	}
	if i := strings.Index(s, "fault addr "); i >= 0 {
		sig.fault = token(s[i+len("fault addr "):])
	} else if i := strings.Index(s, ") at 0x"); i >= 0 {
		sig.fault = token(s[i+len(") at "):])
	}
	sig.thread = parenAfter(s, "in tid ")
	if sig.thread == "" {
		sig.thread = parenAfter(s, "thread ")
	}
	sig.process = parenAfter(s, ", pid ")
	return sig
}

// token is s up to the first space or comma.
func token(s string) string {
	if i := strings.IndexAny(s, " ,"); i >= 0 {
		return s[:i]
	}
	return s
}

// parenAfter finds "<key>1234 (name)" and returns name.
func parenAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	r := s[i+len(key):]
	o := strings.IndexByte(r, '(')
	if o < 0 {
		return ""
	}
	c := strings.IndexByte(r[o:], ')')
	if c < 0 {
		return ""
	}
	return r[o+1 : o+c]
}

// lookAround checks an ordinary event for kills and device facts; kind is
// the tagKind of its tag.
func (p *logcatParser) lookAround(ev *ingest.Event, kind int) {
	switch kind {
	case tagActivityManager, tagKiller:
		if k, ok := kill(ev.Tag, ev.Message); ok {
			a := p.ownAttrs(ev)
			a[ingest.AttrKilled] = k.pkg
			if k.proc != k.pkg {
				a[ingest.AttrProcess] = k.proc
			}
			if k.pid != "" {
				a[ingest.AttrKilledPID] = k.pid
			}
			if k.reason != "" {
				a[ingest.AttrKillReason] = k.reason
			}
			if k.adj != "" {
				a[ingest.AttrKillAdj] = k.adj
			}
		}
	case tagCarrierConfig:
		// "Build fingerprint changed. old: … new: generic_x86/…:6.0/…"
		if _, fp, ok := strings.Cut(ev.Message, "Build fingerprint changed. old: "); ok {
			if _, nfp, ok := strings.Cut(fp, " new: "); ok {
				p.env.Merge(envFromFingerprint(strings.TrimSpace(nfp)).Clone())
			}
		}
	}
	m := ev.Message
	if m == "" || (m[0] != '[' && m[0] != 'r' && m[0] != 'B' && p.tally.events >= propEvents) {
		return // what follows cannot match: the common case
	}
	if len(m) > 2048 {
		m = m[:2048]
	}
	// System properties ("[ro.build.version.release]: [9]") are looked for
	// in the first propEvents events, where apps and bug reports print
	// them, and in lines that start with one; searching every line of a big
	// log would cost more than the rest of the parse.
	if (p.tally.events < propEvents || hasPrefix(m, "[ro.") || hasPrefix(m, "ro.")) && strings.Contains(m, "ro.") {
		p.props(m)
	}
	if fp, ok := strings.CutPrefix(m, "Build fingerprint: "); ok {
		fp, _, _ = strings.Cut(fp, "\n")
		p.env.Merge(envFromFingerprint(strings.Trim(fp, "' ")).Clone())
	}
}

const propEvents = 5000

type killInfo struct{ pkg, proc, pid, reason, adj string }

// numberAfter is the (possibly negative) number after key in s, or "".
func numberAfter(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	r := s[i+len(key):]
	n := 0
	for n < len(r) && (isDigit(r[n]) || n == 0 && r[n] == '-') {
		n++
	}
	if n == 0 || r[:n] == "-" {
		return ""
	}
	return r[:n]
}

// kill recognises the system killing or losing an app process:
//
//	ActivityManager: Killing 1234:com.app/u0a123 (adj 900): empty #17
//	ActivityManager: Process com.app (pid 1234) has died
//	lowmemorykiller: Killing 'com.app' (1234), adj 906, …
//	lmkd: Kill 'com.app' (1234), uid 10123, oom_score_adj 900 to free 50000kB rss; reason: low watermark is breached
//	am_kill: [0,1234,com.app,900,empty #17]
func kill(tag, msg string) (k killInfo, ok bool) {
	msg, _, _ = strings.Cut(msg, "\n")
	switch tag {
	case "ActivityManager":
		if r, found := strings.CutPrefix(msg, "Killing "); found {
			pid, r2, found := strings.Cut(r, ":")
			if !found || !allDigits([]byte(pid)) {
				return k, false
			}
			k.pid = pid
			proc, r3, _ := strings.Cut(r2, "/")
			k.proc = proc
			k.adj = numberAfter(r3, "(adj ")
			if _, reason, found := strings.Cut(r3, "): "); found {
				k.reason = strings.TrimSpace(reason)
			}
		} else if r, found := strings.CutPrefix(msg, "Process "); found && strings.Contains(r, ") has died") {
			proc, r2, found := strings.Cut(r, " (pid ")
			if !found {
				return k, false
			}
			k.proc = proc
			k.pid, _, _ = strings.Cut(r2, ")")
			k.reason = "died"
		} else {
			return k, false
		}
	case "lowmemorykiller", "lmkd":
		if !strings.HasPrefix(msg, "Kill") {
			return k, false
		}
		q1 := strings.IndexByte(msg, '\'')
		if q1 < 0 {
			return k, false
		}
		q2 := strings.IndexByte(msg[q1+1:], '\'')
		if q2 < 0 {
			return k, false
		}
		k.proc = msg[q1+1 : q1+1+q2]
		r := msg[q1+2+q2:]
		if o := strings.IndexByte(r, '('); o >= 0 {
			if c := strings.IndexByte(r[o:], ')'); c > 0 {
				k.pid = r[o+1 : o+c]
			}
		}
		if _, reason, found := strings.Cut(r, "reason: "); found {
			k.reason = reason
		} else {
			k.reason = tag
		}
		if k.adj = numberAfter(r, "oom_score_adj "); k.adj == "" {
			k.adj = numberAfter(r, "adj ")
		}
	case "am_kill", "am_proc_died":
		fields := strings.Split(strings.Trim(msg, "[] "), ",")
		if len(fields) < 3 {
			return k, false
		}
		k.pid, k.proc = fields[1], fields[2]
		if len(fields) >= 4 && allDigits([]byte(strings.TrimPrefix(fields[3], "-"))) && fields[3] != "" {
			k.adj = fields[3]
		}
		if tag == "am_kill" && len(fields) >= 5 {
			k.reason = strings.Join(fields[4:], ",")
		} else {
			k.reason = "died"
		}
	default:
		return k, false
	}
	k.proc = strings.TrimSpace(k.proc)
	if k.proc == "" {
		return k, false
	}
	k.pkg = k.proc
	if i := strings.IndexByte(k.pkg, ':'); i > 0 {
		k.pkg = k.pkg[:i]
	}
	return k, true
}

// props reads system properties that logs sometimes print:
// "[ro.build.version.release]: [9]", "ro.product.model=Pixel 7".
func (p *logcatParser) props(m string) {
	for _, key := range [...]string{"ro.build.version.release", "ro.product.model", "ro.product.manufacturer",
		"ro.build.version.sdk", "ro.build.fingerprint", "ro.product.brand"} {
		v, ok := propValue(m, key)
		if !ok {
			continue
		}
		switch key {
		case "ro.build.version.release":
			if p.env.OS == "" {
				p.env.OS = "Android " + v
			}
		case "ro.product.model":
			if p.env.Device == "" {
				p.env.Device = strings.Clone(v)
			}
		case "ro.build.fingerprint":
			p.env.Merge(envFromFingerprint(v).Clone())
		default:
			p.env.Merge(ingest.Environment{Extra: map[string]string{key: strings.Clone(v)}})
		}
	}
}

// propValue finds key in m and returns the value after it.
func propValue(m, key string) (string, bool) {
	i := strings.Index(m, key)
	if i < 0 {
		return "", false
	}
	r := m[i+len(key):]
	if r == "" || !strings.ContainsRune("]:= \t", rune(r[0])) {
		return "", false
	}
	r = strings.TrimLeft(r, "]:= \t")
	var v string
	if strings.HasPrefix(r, "[") {
		v, _, _ = strings.Cut(r[1:], "]")
	} else {
		v, _, _ = strings.Cut(r, "\n")
		if j := strings.IndexAny(v, ",;"); j >= 0 {
			v = v[:j]
		}
	}
	v = strings.Trim(strings.TrimSpace(v), "'\"")
	return v, v != ""
}

// envFromFingerprint reads a build fingerprint,
// brand/product/device:release/id/incremental:type/tags.
func envFromFingerprint(fp string) ingest.Environment {
	env := ingest.Environment{Platform: "android"}
	if fp == "" {
		return env
	}
	env.Extra = map[string]string{"build.fingerprint": fp}
	head, tail, ok := strings.Cut(fp, ":")
	if !ok {
		return env
	}
	parts := strings.Split(head, "/")
	if len(parts) == 3 {
		brand, device := parts[0], parts[2]
		switch {
		case device == "" || strings.HasPrefix(strings.ToLower(device), strings.ToLower(brand)):
			env.Device = strings.TrimSpace(device)
			if env.Device == "" {
				env.Device = brand
			}
		default:
			env.Device = strings.TrimSpace(brand + " " + device)
		}
	}
	rel, rest, _ := strings.Cut(tail, "/")
	if rel != "" {
		env.OS = "Android " + rel
	}
	if id, _, ok := strings.Cut(rest, "/"); ok && id != "" {
		env.Extra["build.id"] = id
	}
	return env
}
