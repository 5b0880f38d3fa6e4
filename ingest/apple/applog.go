package apple

import (
	"io"
	"regexp"
	"strings"

	"parley/ingest"
)

// The Parley iOS app's own logs, shared from its engineering menu: Main app
// logs, Push extension logs, Share extension logs and VOEX (call and
// conference) session logs. The format is Parley's own; docs/formats.md
// defines it. In short:
//
//	# parley-ios-log 1
//	# log: voex
//	# app: org.parley.messenger
//	# version: 3.4.0 (5123)
//	# device: iPhone13,4
//	# os: iOS 17.1.2
//	2026-11-20 14:03:11.512 +0300 [E] [VOEX] ICE connection failed for call 42
//
// Header lines ("# key: value") come before the first entry. An entry line
// is a timestamp with milliseconds and zone, a level letter in brackets, a
// module in brackets and the message; lines that do not start an entry
// continue the one before. An uncaught exception or signal is written as a
// level F entry of module Crash, its stack frames on the following lines.

var (
	iosLineRE      = regexp.MustCompile(`^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?)(?: ?(Z|[+-]\d\d:?\d\d))? \[([A-Za-z]+)\] \[([^\]]*)\] ?(.*)$`)
	iosHeaderRE    = regexp.MustCompile(`^#\s*([A-Za-z][A-Za-z0-9_.\-]*)\s*:\s?(.*)$`)
	iosMagicRE     = regexp.MustCompile(`^#\s*parley-ios-log\b`)
	iosFrameNumRE  = regexp.MustCompile(`^\d+\s+`)
	iosCrashExcRE  = regexp.MustCompile(`^(?:Uncaught exception|Exception)\s+([^:\s]+):\s*(.*)$`)
	iosCrashSigRE  = regexp.MustCompile(`^Signal\s+([A-Z0-9_]+)(?::\s*(.*))?$`)
	iosTimeLayouts = []string{"2006-01-02 15:04:05.999999999 -0700", "2006-01-02 15:04:05.999999999 -07:00",
		"2006-01-02 15:04:05.999999999 Z07:00", "2006-01-02 15:04:05.999999999"}
)

// iosLevel reads a level letter or word.
func iosLevel(s string) ingest.Level {
	if len(s) == 1 {
		return ingest.LevelFromLetter(strings.ToUpper(s)[0])
	}
	switch strings.ToLower(s) {
	case "verbose", "trace":
		return ingest.LevelVerbose
	case "debug":
		return ingest.LevelDebug
	case "info", "notice":
		return ingest.LevelInfo
	case "warn", "warning":
		return ingest.LevelWarn
	case "error":
		return ingest.LevelError
	case "fatal", "fault", "critical":
		return ingest.LevelFatal
	}
	return ingest.LevelUnknown
}

// iosKindFromName guesses the log kind from a file name.
func iosKindFromName(name string) string {
	n := strings.ToLower(ingest.BaseName(strings.ReplaceAll(name, "\\", "/")))
	switch {
	case strings.Contains(n, "voex"), strings.Contains(n, "call"):
		return "voex"
	case strings.Contains(n, "push"), strings.Contains(n, "notification"), strings.Contains(n, "nse"):
		return "push"
	case strings.Contains(n, "share"):
		return "share"
	case strings.Contains(n, "main"):
		return "main"
	}
	return ""
}

// iosKindFromModule guesses the log kind from the module of an entry.
func iosKindFromModule(m string) string {
	switch strings.ToLower(m) {
	case "voex", "call", "calls", "conference", "webrtc":
		return "voex"
	case "push", "nse", "notification", "notifications", "notificationservice":
		return "push"
	case "share", "shareextension", "share-extension":
		return "share"
	}
	return ""
}

// iosKindNormal maps spellings of a log kind in the header to its name.
func iosKindNormal(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "voex"), strings.HasPrefix(s, "call"):
		return "voex"
	case strings.HasPrefix(s, "push"), strings.HasPrefix(s, "notification"):
		return "push"
	case strings.HasPrefix(s, "share"):
		return "share"
	case strings.HasPrefix(s, "main"), s == "app":
		return "main"
	}
	return s
}

// ParseAppLog reads one of the iOS app's own logs. Every event's Tag is
// the log kind (main, push, share or voex), taken from the "# log:" header,
// else from the file name, else from the first entry's module (VOEX, Push,
// Share), else main; the module itself is in Attrs["ios.module"]. Header
// fields fill Env (app, version, device, os, huid, udid; push tokens and
// other keys go to Env.Extra under their own names).
func ParseAppLog(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatIOSAppLog}
	res.Env.Platform = "ios"
	lr := ingest.NewLineReader(r, ingest.MaxLine)
	kind := ""
	inHeader := true
	var pending *ingest.Event
	flush := func() error {
		if pending == nil {
			return nil
		}
		ev := *pending
		pending = nil
		ev.Message = strings.TrimRight(ev.Message, "\n")
		if ev.Crash != nil {
			ev.Crash.Frames = iosFrames(ev.Message)
		}
		return res.Emit(sink, ev)
	}
	for {
		line, ok, err := lr.Read(&res)
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		if inHeader && strings.HasPrefix(line, "#") {
			if iosMagicRE.MatchString(line) {
				continue
			}
			if m := iosHeaderRE.FindStringSubmatch(line); m != nil {
				if k := iosHeader(&res.Env, m[1], strings.TrimSpace(m[2])); k != "" {
					kind = k
				}
			}
			continue
		}
		m := iosLineRE.FindStringSubmatch(line)
		if m == nil {
			if pending != nil {
				pending.Message += "\n" + line
			} else if strings.TrimSpace(line) != "" {
				res.AddError(lr.Line(), "unrecognised line: %q", ingest.Truncate(strings.TrimSpace(line), 80))
			}
			continue
		}
		inHeader = false
		if err := flush(); err != nil {
			return res, err
		}
		if kind == "" {
			kind = iosKindFromName(name)
		}
		if kind == "" {
			kind = iosKindFromModule(m[4])
		}
		if kind == "" {
			kind = "main"
		}
		ev := ingest.Event{Line: lr.Line(), Tag: kind, Message: m[5], Attrs: map[string]string{}}
		if m[4] != "" {
			ev.Attrs["ios.module"] = m[4]
		}
		ts := strings.Replace(m[1], ",", ".", 1)
		ts = strings.Replace(ts, "T", " ", 1)
		if m[2] != "" {
			ts += " " + m[2]
		}
		if t, ok := ingest.ParseTime(ts, iosTimeLayouts...); ok {
			ev.Time = t
		} else {
			res.AddError(lr.Line(), "cannot read time %q", ts)
		}
		ev.Level = iosLevel(m[3])
		if ev.Level == ingest.LevelUnknown {
			res.AddError(lr.Line(), "unknown level %q", m[3])
		}
		if ev.Level == ingest.LevelFatal && strings.EqualFold(m[4], "crash") {
			ev.Crash = iosCrash(m[5])
		}
		pending = &ev
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
}

// iosHeader applies one header field to env and returns the log kind when
// the field names it.
func iosHeader(env *ingest.Environment, key, val string) string {
	switch strings.ToLower(key) {
	case "log", "kind":
		return iosKindNormal(val)
	case "os":
		os, build := appleOS(val)
		if os != "" && os[0] >= '0' && os[0] <= '9' {
			os = "iOS " + os
		}
		env.OS = os
		ingest.AddExtra(env, "os.build", build)
	default:
		ingest.AppHeaderField(env, key, val)
	}
	return ""
}

// iosCrash reads the first line of a Crash entry.
func iosCrash(msg string) *ingest.Crash {
	c := &ingest.Crash{Kind: "ios"}
	if m := iosCrashExcRE.FindStringSubmatch(msg); m != nil {
		c.Type, c.Reason = m[1], m[2]
	} else if m := iosCrashSigRE.FindStringSubmatch(msg); m != nil {
		c.Type, c.Reason = m[1], m[2]
	} else {
		c.Type, c.Reason = "crash", msg
	}
	return c
}

// iosFrames takes the stack frames from the continuation lines of a crash
// entry: "0 CoreFoundation __exceptionPreprocess + 164" → "CoreFoundation
// __exceptionPreprocess + 164".
func iosFrames(msg string) []string {
	lines := strings.Split(msg, "\n")
	var out []string
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		l = iosFrameNumRE.ReplaceAllString(l, "")
		out = append(out, strings.Join(strings.Fields(l), " "))
		if len(out) == ingest.MaxFrames {
			break
		}
	}
	return out
}

// LooksLikeAppLog reports whether head is an iOS app log: the magic
// header line, or entry lines in Parley's format.
func LooksLikeAppLog(head []byte) bool {
	lines := ingest.HeadLines(head, 40)
	seen, matched := 0, 0
	for _, l := range lines {
		if iosMagicRE.MatchString(l) {
			return true
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		seen++
		if iosLineRE.MatchString(l) {
			matched++
		}
		if seen >= 10 {
			break
		}
	}
	return matched > 0 && matched*2 >= seen
}

// iosTimeLayout is the time layout the iOS app writes (Go notation).
const iosTimeLayout = "2006-01-02 15:04:05.000 -0700"
