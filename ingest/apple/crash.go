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
	lastExc     []string
	firstLine   int
}

var (
	appleHeaderRE   = regexp.MustCompile(`^([A-Z][A-Za-z /]*[A-Za-z]):\s*(.*)$`)
	appleThreadRE   = regexp.MustCompile(`^Thread (\d+)( Crashed)?:\s*$`)
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
		if c.firstLine == 0 {
			c.firstLine = n
		}
		if m := appleThreadRE.FindStringSubmatch(trimmed); m != nil {
			section, threadID = "thread", m[1]
			if m[2] != "" {
				c.crashedSeen = m[1]
			}
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
					c.lastExc = append(c.lastExc, f)
				} else if len(c.threads[threadID]) < ingest.MaxFrames {
					c.threads[threadID] = append(c.threads[threadID], f)
				}
				continue
			}
			if section == "lastexc" && strings.HasPrefix(trimmed, "(") { // "(0x1 0x2 …)" unsymbolicated
				continue
			}
		case "skip", "regs":
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
		c.header["Hardware Model"] != "" || len(c.threads) > 0
}

// env fills what the report says about its origin.
func (c *appleCrashText) env(env *ingest.Environment) {
	h := c.header
	env.Device = h["Hardware Model"]
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

// event builds the crash event of the report.
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
	reason := h["Termination Reason"]
	if reason == "" {
		reason = h["Exception Subtype"]
	}
	if reason == "" {
		reason = h["Exception Message"]
	}
	asi := strings.Join(c.asi, "\n")
	if m := appleNSExcRE.FindStringSubmatch(asi); m != nil {
		crash.Type, reason = m[1], m[2]
	} else if reason == "" && len(c.asi) > 0 {
		reason = c.asi[0]
	}
	crash.Reason = reason
	tid := c.crashedTID
	if tid == "" {
		tid = c.crashedSeen
	}
	crash.Frames = c.threads[tid]
	if len(crash.Frames) == 0 && c.crashedSeen != "" {
		crash.Frames = c.threads[c.crashedSeen]
	}
	if len(crash.Frames) == 0 && len(c.lastExc) > 0 {
		crash.Frames = c.lastExc[:min(len(c.lastExc), ingest.MaxFrames)]
	}
	if crash.Type == "" {
		crash.Type = "crash"
	}
	ev.Crash = crash
	ev.TID = tid
	if excType != "" {
		ev.Attrs["crash.exception_type"] = excType
		if i := strings.IndexByte(excType, '('); i > 0 {
			ev.Attrs["crash.signal"] = strings.Trim(excType[i:], "() ")
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
	return has("Exception Type:") && (has("Hardware Model:") || has("OS Version:")) && has("Process:")
}
