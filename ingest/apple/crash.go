package apple

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"time"

	"parley/ingest"
)

// Legacy Apple crash reports (.crash): the text layout written by iOS's
// ReportCrash before iOS 15, by Xcode when it symbolicates, and by crash
// reporters such as KSCrash and PLCrashReporter:
//
//	Incident Identifier: 1DFC2552-…
//	Hardware Model:      iPhone3,1
//	Process:         Crash-Tester [1055]
//	Identifier:      org.stenerud.Crash-Tester
//	Version:         1.0 (1.0)
//	Date/Time:       1970-01-18 04:18:32.000 +0900
//	OS Version:      iPhone OS 4.3.3 (8J2)
//	Exception Type:  EXC_CRASH (SIGABRT)
//	Crashed Thread:  0
//
//	Application Specific Information:
//	*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '…'
//
//	Thread 0 Crashed:
//	0   CoreFoundation   0x3157e63d 0x314e0000 + 648765 (__exceptionPreprocess + 97)

// appleCrashText gathers what one text report says.
type appleCrashText struct {
	header      map[string]string // "Exception Type" → "EXC_CRASH (SIGABRT)"
	headerLine  map[string]int
	asi         []string // Application Specific Information
	crashedTID  string   // from "Crashed Thread:" / "Triggered by Thread:"
	threads     map[string][]string
	crashedSeen string // thread marked "Thread N Crashed:"
	firstThread string // the first thread whose backtrace the report holds
	lastExc     []string
	firstLine   int
	firstText   string // the first non-blank line, for a report pasted from its middle
	model       string // "Model:" of a macOS report's System Profile
	// Where the report ends, to tell a cut report from a whole one.
	binaryImages bool   // the Binary Images section, the last of a whole report, was reached
	lastLine     int    // the last non-blank line
	lastSection  string // the section that line was in
	lastThread   string // the thread whose backtrace was being read there
	cutFrame     bool   // that line is a frame cut short
}

var (
	appleHeaderRE = regexp.MustCompile(`^([A-Z][A-Za-z /]*[A-Za-z]):\s*(.*)$`)
	// "Thread 0:", "Thread 3 Crashed:", and macOS's "Thread 0 Crashed:: Dispatch
	// queue: com.apple.main-thread" and "Thread 1:: com.apple.NSEventThread".
	appleThreadRE   = regexp.MustCompile(`^Thread (\d+)( Crashed)?:(?::.*)?$`)
	appleCutFrameRE = regexp.MustCompile(`^\d+\s+\S+`)
	appleFrameRE    = regexp.MustCompile(`^(\d+)\s+(.+?)\s+(0x[0-9A-Fa-f]+)\s+(.*)$`)
	appleKSSymRE    = regexp.MustCompile(`^0x[0-9A-Fa-f]+ \+ \d+ \((.+)\)$`)
	appleNSExcRE    = regexp.MustCompile(`Terminating app due to uncaught exception '([^']+)', reason: '(.*)'`)
	appleProcessRE  = regexp.MustCompile(`^(.*?)\s*\[(\d+)\]$`)
	appleSectionEnd = map[string]bool{"Binary Images": true, "Extra Information": true}
)

// readAppleCrashText reads a text report from lines, numbering from first.
func readAppleCrashText(lr *ingest.LineReader, res *ingest.Result, lineOffset int) (*appleCrashText, error) {
	c := &appleCrashText{header: map[string]string{}, headerLine: map[string]int{}, threads: map[string][]string{}}
	section := ""  // "asi", "thread", "lastexc", "skip", ""
	threadID := "" // thread whose frames are being read
	for {
		line, cut, err := lr.Text()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, err
		}
		n := lr.Line() + lineOffset
		if cut {
			res.AddError(n, "line longer than %d bytes was cut", lr.Max())
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			if section != "skip" { // Binary Images and later run to the end
				section = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") { // the fence of a report pasted as a code block
			continue
		}
		if c.firstLine == 0 {
			c.firstLine, c.firstText = n, ingest.Truncate(trimmed, 60)
		}
		c.lastLine, c.lastSection, c.lastThread, c.cutFrame = n, section, threadID, false
		if m := appleThreadRE.FindStringSubmatch(trimmed); m != nil {
			section, threadID = "thread", m[1]
			c.lastSection, c.lastThread = section, threadID
			if m[2] != "" {
				c.crashedSeen = m[1]
			}
			if c.firstThread == "" {
				c.firstThread = m[1]
			}
			continue
		}
		if strings.HasPrefix(trimmed, "Application Specific Backtrace ") && strings.HasSuffix(trimmed, ":") {
			// macOS's name for where an uncaught exception was thrown; the
			// first such backtrace is the exception's.
			section = "lastexc"
			if len(c.lastExc) > 0 {
				section = "skip-bt"
			}
			continue
		}
		if strings.HasPrefix(trimmed, "Binary Images:") { // may follow a register dump without a blank line
			section, c.binaryImages = "skip", true
			continue
		}
		switch section {
		case "asi":
			c.asi = append(c.asi, trimmed)
			continue
		case "thread", "lastexc":
			if fm := appleFrameRE.FindStringSubmatch(trimmed); fm != nil {
				f := appleFrame(fm)
				if section == "lastexc" {
					if len(c.lastExc) < ingest.MaxFrames {
						c.lastExc = append(c.lastExc, f)
					}
				} else if len(c.threads[threadID]) < ingest.MaxFrames {
					c.threads[threadID] = append(c.threads[threadID], f)
				}
				continue
			}
			if section == "lastexc" && strings.HasPrefix(trimmed, "(") { // "(0x1 0x2 …)" unsymbolicated
				continue
			}
			if appleCutFrameRE.MatchString(trimmed) { // a frame without its address: cut short
				c.cutFrame = true
				continue
			}
		case "skip-bt":
			if appleFrameRE.MatchString(trimmed) {
				continue
			}
		case "skip", "regs":
			if section == "skip" && c.model == "" && strings.HasPrefix(trimmed, "Model: ") {
				// macOS's System Profile, after the Binary Images:
				// "Model: MacBookPro11,5, BootROM …, 4 processors, …"
				c.model, _, _ = strings.Cut(strings.TrimPrefix(trimmed, "Model: "), ", ")
			}
			continue
		}
		if strings.HasPrefix(trimmed, "Thread ") && strings.Contains(trimmed, " name:") {
			continue
		}
		if strings.HasPrefix(trimmed, "Thread ") && strings.Contains(trimmed, "crashed with") {
			section = "regs" // register dump, up to the next blank line
			continue
		}
		m := appleHeaderRE.FindStringSubmatch(trimmed)
		if m == nil {
			continue
		}
		key, val := m[1], strings.TrimSpace(m[2])
		switch {
		case key == "Application Specific Information":
			section = "asi"
			if val != "" {
				c.asi = append(c.asi, val)
			}
		case key == "Last Exception Backtrace":
			section = "lastexc"
		case appleSectionEnd[key]:
			section = "skip"
		case key == "Crashed Thread" || key == "Triggered by Thread":
			if f := strings.Fields(val); len(f) > 0 {
				c.crashedTID = f[0]
			}
		default:
			if _, ok := c.header[key]; !ok && val != "" {
				c.header[key] = val
				c.headerLine[key] = n
			}
		}
	}
	return c, nil
}

// appleFrame renders a frame as "image symbol + offset".
func appleFrame(m []string) string {
	image, rest := strings.TrimSpace(m[2]), strings.TrimSpace(m[4])
	if km := appleKSSymRE.FindStringSubmatch(rest); km != nil {
		rest = km[1]
	}
	return image + " " + rest
}

// found reports whether anything of a crash report was read.
func (c *appleCrashText) found() bool {
	return c.header["Exception Type"] != "" || c.header["Incident Identifier"] != "" ||
		c.header["Hardware Model"] != "" || len(c.threads) > 0 || len(c.lastExc) > 0
}

// hasHeader reports whether the report's header (who crashed, where, when)
// is there: a report pasted from its middle starts after it.
func (c *appleCrashText) hasHeader() bool {
	for _, k := range []string{"Incident Identifier", "Process", "Identifier", "Hardware Model", "OS Version", "Date/Time"} {
		if c.header[k] != "" {
			return true
		}
	}
	return false
}

// env fills what the report says about its origin.
func (c *appleCrashText) env(env *ingest.Environment) {
	h := c.header
	env.Device = h["Hardware Model"]
	if env.Device == "" {
		env.Device = strings.TrimSpace(c.model)
	}
	if os, build := appleOS(h["OS Version"]); os != "" {
		env.OS = os
		ingest.AddExtra(env, "os.build", build)
	}
	env.App = h["Identifier"]
	v, b := ingest.SplitVersion(h["Version"])
	env.AppVersion = v
	ingest.AddExtra(env, "app.build", b)
	env.Platform = applePlatform(env.Device, env.OS)
	ingest.AddExtra(env, "incident", h["Incident Identifier"])
}

// event builds the crash event of the report, and notes in res what a
// partial or cut report lacks, so no one takes it for the whole story.
func (c *appleCrashText) event(res *ingest.Result) ingest.Event {
	h := c.header
	ev := ingest.Event{Level: ingest.LevelFatal, Line: c.headerLine["Exception Type"], Attrs: map[string]string{}}
	if ev.Line == 0 {
		ev.Line = c.firstLine
	}
	if t, ok := ingest.ParseTime(h["Date/Time"], appleTimeLayouts...); ok {
		ev.Time = t
	} else if h["Date/Time"] != "" {
		res.AddError(c.headerLine["Date/Time"], "cannot read Date/Time %q", h["Date/Time"])
	}
	proc := h["Process"]
	if m := appleProcessRE.FindStringSubmatch(proc); m != nil {
		proc, ev.PID = m[1], m[2]
	}
	ev.Tag = proc
	if ev.Tag == "" {
		ev.Tag = h["Identifier"]
	}
	excType := h["Exception Type"]
	crash := &ingest.Crash{Kind: "ios", Type: excType}
	// The termination reason, unless it only restates the signal
	// ("Namespace SIGNAL, Code 11"): then the subtype says more.
	reason := h["Termination Reason"]
	signalNS := strings.HasPrefix(reason, "Namespace SIGNAL") || strings.HasPrefix(reason, "SIGNAL")
	if reason == "" || signalNS && h["Exception Subtype"] != "" {
		reason = h["Exception Subtype"]
	}
	if reason == "" {
		reason = h["Exception Message"]
	}
	asi := strings.Join(c.asi, "\n")
	if m := appleNSExcRE.FindStringSubmatch(asi); m != nil {
		crash.Type, reason = m[1], m[2]
	} else if (reason == "" || signalNS && h["Exception Subtype"] == "") && len(c.asi) > 0 {
		reason = c.asi[0]
	}
	crash.Reason = reason
	// The frames: where an uncaught exception was thrown (the Last
	// Exception Backtrace) says more than the crashed thread, which only
	// shows the abort that followed; else the crashed thread's.
	tid := c.crashedTID
	if tid == "" {
		tid = c.crashedSeen
	}
	switch {
	case len(c.lastExc) > 0:
		crash.Frames = c.lastExc
		ev.Attrs["crash.backtrace"] = "last exception"
		if crash.Type == "" {
			crash.Type = "uncaught exception" // only they leave a Last Exception Backtrace
		}
	case tid != "":
		crash.Frames = c.threads[tid]
		if len(crash.Frames) == 0 && c.crashedSeen != "" && c.crashedSeen != tid && len(c.threads[c.crashedSeen]) > 0 {
			crash.Frames, tid = c.threads[c.crashedSeen], c.crashedSeen
		}
		if len(crash.Frames) == 0 && len(c.threads) > 0 {
			res.AddError(c.lastLine, "the backtrace of the crashed thread %s is not in the report", tid)
		}
	case c.firstThread != "":
		crash.Frames = c.threads[c.firstThread]
		res.AddError(c.firstLine, "no thread is marked as crashed; the frames shown are thread %s's, the first in the report", c.firstThread)
		tid = c.firstThread
	}
	if crash.Type == "" {
		crash.Type = "crash"
	}
	c.noteCut(res)
	ev.Crash = crash
	ev.TID = tid
	if excType != "" {
		ev.Attrs["crash.exception_type"] = excType
		if i := strings.IndexByte(excType, '('); i > 0 {
			ev.Attrs["crash.signal"] = strings.Trim(excType[i:], "() ")
		} else if strings.HasPrefix(excType, "SIG") { // older macOS reports: "Exception Type: SIGSEGV"
			ev.Attrs["crash.signal"] = excType
		}
	}
	if v := h["Exception Codes"]; v != "" {
		ev.Attrs["crash.exception_codes"] = v
	}
	if tid != "" {
		ev.Attrs["crash.thread"] = tid
	}
	if v := h["Incident Identifier"]; v != "" {
		ev.Attrs["apple.incident"] = v
	}
	ev.Message = appleCrashMessage(crash)
	return ev
}

// noteCut notes what a report pasted from its middle or cut short lacks.
func (c *appleCrashText) noteCut(res *ingest.Result) {
	backtraces := len(c.threads) > 0 || len(c.lastExc) > 0
	switch {
	case !c.hasHeader():
		res.AddError(c.firstLine, "a partial report: it starts at %q, without the report's header, so the app, device and OS are not known", c.firstText)
	case !backtraces && c.header["Exception Type"] == "":
		res.AddError(c.lastLine, "the report ends after its header, before the exception and the backtraces: it was cut short")
	case !backtraces:
		res.AddError(c.lastLine, "the report ends before the backtraces: it was cut short")
	case !c.binaryImages && c.lastSection == "thread":
		res.AddError(c.lastLine, "the report was cut short in the backtrace of thread %s", c.lastThread)
	case !c.binaryImages:
		res.AddError(c.lastLine, "the report ends before its Binary Images: it was cut short")
	}
	if c.cutFrame {
		res.AddError(c.lastLine, "the last frame is cut short")
	}
}

// appleCrashMessage is the one-line summary of a crash.
func appleCrashMessage(c *ingest.Crash) string {
	if c.Reason == "" {
		return "Crash: " + c.Type
	}
	return "Crash: " + c.Type + ": " + ingest.Truncate(c.Reason, 500)
}

// ParseCrash reads a legacy Apple .crash text report: one crash event
// (kind ios) with the crashed thread's frames, and the device, OS and app in
// Env. An uncaught Objective-C exception named in the Application Specific
// Information becomes the crash Type (e.g. NSInvalidArgumentException) with
// its reason; the Mach exception stays in Attrs["crash.exception_type"].
// A report pasted from its middle (from "Thread 0:" or "Last Exception
// Backtrace:") or cut short still gives its crash, and res.Errors say what
// the report lacks.
func ParseCrash(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatAppleCrash}
	lr := ingest.NewLineReader(r, ingest.MaxLine)
	c, err := readAppleCrashText(lr, &res, 0)
	if err != nil {
		return res, ingest.ReadError(&res, lr.Line()+1, err)
	}
	return appleCrashFinish(&res, c, sink)
}

func appleCrashFinish(res *ingest.Result, c *appleCrashText, sink ingest.Sink) (ingest.Result, error) {
	if !c.found() {
		res.AddError(0, "no Apple crash report found: none of Incident Identifier, Hardware Model, Exception Type or thread backtraces")
		return *res, nil
	}
	var env ingest.Environment
	c.env(&env)
	res.Env.Merge(env)
	ev := c.event(res)
	if err := res.Emit(sink, ev); err != nil {
		return *res, err
	}
	return *res, nil
}

// appleTimeOf reads a report time for the IPS header.
func appleTimeOf(s string) (time.Time, bool) { return ingest.ParseTime(s, appleTimeLayouts...) }

// LooksLikeCrash reports whether head is a legacy text crash report.
func LooksLikeCrash(head []byte) bool {
	head = ingest.TrimBOM(head)
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 || t[0] == '{' || t[0] == '[' {
		return false
	}
	has := func(s string) bool {
		return bytes.HasPrefix(t, []byte(s)) || bytes.Contains(head, []byte("\n"+s))
	}
	if has("Incident Identifier:") && (has("Exception Type:") || has("Hardware Model:") || has("OS Version:")) {
		return true
	}
	if has("Exception Type:") && (has("Hardware Model:") || has("OS Version:")) && has("Process:") {
		return true
	}
	return looksLikePartialCrash(t)
}

// applePartialStarts are the lines a report pasted from its middle starts
// with: a thread, the Last Exception Backtrace, the exception section.
var applePartialStarts = []string{"Last Exception Backtrace:", "Exception Type:", "Crashed Thread:", "Triggered by Thread:",
	"Application Specific Information:"}

// looksLikePartialCrash reports whether t is a crash report pasted from
// its middle: it starts at one of applePartialStarts or a "Thread N" line,
// and frames of a backtrace follow among its first lines.
func looksLikePartialCrash(t []byte) bool {
	lines := ingest.HeadLines(t, 40)
	if len(lines) > 1 && strings.HasPrefix(strings.TrimSpace(lines[0]), "```") {
		lines = lines[1:] // pasted into a ticket or chat as a code block
	}
	if len(lines) == 0 {
		return false
	}
	first := strings.TrimSpace(lines[0])
	start := appleThreadRE.MatchString(first) || strings.HasPrefix(first, "Thread ") && strings.Contains(first, " name:")
	for _, p := range applePartialStarts {
		start = start || strings.HasPrefix(first, p)
	}
	if !start {
		return false
	}
	frames := 0
	for _, l := range lines[1:] {
		if appleFrameRE.MatchString(strings.TrimSpace(l)) {
			frames++
		}
	}
	return frames >= 2
}
