// Package ingest turns the files that Parley clients export from their
// engineering menus (logs, crash reports, state dumps, HAR and WebRTC dumps)
// into events and an environment summary. It is a pure library: no HTTP, no
// SQL, and it reads its input as a stream so memory stays flat whatever the
// file size.
//
// This package holds the event model, archives (Expand) and the stream
// opener (OpenStream: gzip within Limits), redaction, the rules and
// fingerprints, and what the parsers share (LineReader, JSONInput and a
// few text helpers). The parsers live in one package per format family:
// ingest/logcat (logcat, tombstones, the Android app log), ingest/apple,
// ingest/har, ingest/webrtc, ingest/state and ingest/bugreport;
// ingest/formats tells the formats apart and is what callers parse with.
package ingest

import (
	"fmt"
	"strings"
	"time"
)

// Format names a kind of diagnostics file.
type Format string

// The formats Parley understands.
const (
	FormatUnknown         Format = ""
	FormatLogcat          Format = "logcat"           // Android logcat: threadtime, time, brief, Android Studio
	FormatTombstone       Format = "tombstone"        // Android native crash tombstone
	FormatIPS             Format = "ips"              // Apple .ips crash report (JSON header + JSON or legacy text body)
	FormatAppleCrash      Format = "apple-crash"      // legacy Apple .crash text report
	FormatAppleLog        Format = "apple-log"        // `log show` output: syslog, default and ndjson styles
	FormatSysdiagnose     Format = "sysdiagnose"      // sysdiagnose-style text logs ("Wed Aug 11 05:51:02 2021 [176] <err> …")
	FormatIOSAppLog       Format = "ios-app-log"      // the iOS app's own logs: main, push extension, share extension, VOEX calls
	FormatClientState     Format = "client-state"     // web/desktop "download state" JSON (docs/formats.md)
	FormatHAR             Format = "har"              // HAR 1.2 from Chrome, Firefox, Safari
	FormatWebRTCInternals Format = "webrtc-internals" // chrome://webrtc-internals dump
	FormatRTCStats        Format = "rtcstats"         // rtcstats line-JSON dump
	FormatPlainText       Format = "text"             // text in no layout Parley knows, kept line by line
)

// Level is an event's severity, ordered from least to most severe.
type Level uint8

// Levels, with logcat's letters.
const (
	LevelUnknown Level = iota
	LevelVerbose
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
	LevelFatal
)

// Letter is the one-letter name used in summaries: V D I W E F, or ? .
func (l Level) Letter() string {
	if int(l) < len(levelLetters) {
		return levelLetters[l : l+1]
	}
	return "?"
}

const levelLetters = "?VDIWEF"

// LevelFromLetter reads a logcat-style letter (A, assert, counts as F).
func LevelFromLetter(b byte) Level {
	switch b {
	case 'V':
		return LevelVerbose
	case 'D':
		return LevelDebug
	case 'I':
		return LevelInfo
	case 'W':
		return LevelWarn
	case 'E':
		return LevelError
	case 'F', 'A':
		return LevelFatal
	}
	return LevelUnknown
}

// Event is one entry of a diagnostics file: a log line with its
// continuation lines, a request, a state change, a crash.
type Event struct {
	Time    time.Time // zero when the source gives none
	Level   Level
	Source  string // file name within the upload
	Line    int    // first line of the event in its file, 1-based (0 when not line-based)
	Tag     string // logcat tag, subsystem, category, HTTP host…
	PID     string
	TID     string // thread
	Message string
	// Attrs carries format-specific fields (http.status, http.url, http.host,
	// http.duration_ms, ice.state, rtt_ms, loss_pct, …) for rules and views.
	Attrs map[string]string
	// Crash is set when the event is a crash: an uncaught exception, an ANR,
	// a native signal, an iOS crash report.
	Crash *Crash
}

// Crash describes a crash event.
type Crash struct {
	Kind   string   // java, anr, native, ios, js
	Type   string   // exception class or signal, e.g. java.lang.NullPointerException, SIGSEGV, EXC_CRASH
	Reason string   // exception message or termination reason
	Frames []string // top stack frames, most recent first, at most 64
}

// Environment is what a file says about where it came from.
type Environment struct {
	Platform      string // android, ios, web, desktop
	OS            string // e.g. "Android 9", "iOS 15.2.1"
	Device        string // model, e.g. "iPhone13,4", "motorola one"
	App           string // bundle or package id
	AppVersion    string
	HUID          string
	UDID          string
	ServerVersion string
	Browser       string
	// Extra holds further facts worth showing (push tokens, permissions, …),
	// keyed by the name the source uses (apnsPushToken, permissions.microphone…).
	Extra map[string]string
}

// Merge fills empty fields of e from o.
func (e *Environment) Merge(o Environment) {
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&e.Platform, o.Platform}, {&e.OS, o.OS}, {&e.Device, o.Device}, {&e.App, o.App},
		{&e.AppVersion, o.AppVersion}, {&e.HUID, o.HUID}, {&e.UDID, o.UDID},
		{&e.ServerVersion, o.ServerVersion}, {&e.Browser, o.Browser},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	for k, v := range o.Extra {
		if e.Extra == nil {
			e.Extra = map[string]string{}
		}
		if _, ok := e.Extra[k]; !ok {
			e.Extra[k] = v
		}
	}
}

// ParseError is a problem in one place of one file. Parsers report what
// they cannot read and go on with the rest.
type ParseError struct {
	File string
	Line int // 0 when the problem is not tied to a line
	Msg  string
}

func (e ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Sink receives events as a parser produces them; an error stops parsing.
//
// The event, and its strings (its fields, the values of its Attrs and the
// fields of its Crash), may lie in the parser's own buffers, which it
// reuses for the next event: they are valid only until the sink returns.
// A sink that keeps any of them beyond its call keeps a copy
// (strings.Clone, or Event.Clone for the whole event). The sink may change
// the event's fields (the parser does not read them again) but not the
// contents of its Attrs map, which may be shared by many events. This
// spares the logcat parser an allocation per line and the garbage
// collector a byte of work per byte of input.
type Sink func(*Event) error

// Clone returns a copy of e whose strings, Attrs and Crash are its own, so
// that it stays valid after the sink that received e returns.
func (e Event) Clone() Event {
	e.Source = strings.Clone(e.Source)
	e.Tag = strings.Clone(e.Tag)
	e.PID = strings.Clone(e.PID)
	e.TID = strings.Clone(e.TID)
	e.Message = strings.Clone(e.Message)
	if e.Attrs != nil {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			a[strings.Clone(k)] = strings.Clone(v)
		}
		e.Attrs = a
	}
	if e.Crash != nil {
		c := *e.Crash
		c.Kind, c.Type, c.Reason = strings.Clone(c.Kind), strings.Clone(c.Type), strings.Clone(c.Reason)
		if c.Frames != nil {
			c.Frames = make([]string, len(e.Crash.Frames))
			for i, f := range e.Crash.Frames {
				c.Frames[i] = strings.Clone(f)
			}
		}
		e.Crash = &c
	}
	return e
}

// Clone returns a copy of e whose strings are its own.
func (e Environment) Clone() Environment {
	for _, f := range []*string{&e.Platform, &e.OS, &e.Device, &e.App, &e.AppVersion, &e.HUID, &e.UDID,
		&e.ServerVersion, &e.Browser} {
		*f = strings.Clone(*f)
	}
	if e.Extra != nil {
		x := make(map[string]string, len(e.Extra))
		for k, v := range e.Extra {
			x[strings.Clone(k)] = strings.Clone(v)
		}
		e.Extra = x
	}
	return e
}

// Result is what parsing one file found besides its events.
type Result struct {
	File    string
	Format  Format
	Events  int
	Levels  map[string]int // by Level.Letter()
	Crashes int
	First   time.Time
	Last    time.Time
	Env     Environment
	Errors  []ParseError // readable problems; the rest of the file was still read
}

// count updates the result's tallies for one event; parsers call it for
// every event they emit.
func (r *Result) Count(ev Event) {
	r.Events++
	if r.Levels == nil {
		r.Levels = map[string]int{}
	}
	r.Levels[ev.Level.Letter()]++
	if ev.Crash != nil {
		r.Crashes++
	}
	if !ev.Time.IsZero() {
		if r.First.IsZero() || ev.Time.Before(r.First) {
			r.First = ev.Time
		}
		if ev.Time.After(r.Last) {
			r.Last = ev.Time
		}
	}
}

// MaxErrors bounds how many parse errors one file reports; past that only
// the count matters.
const MaxErrors = 100

func (r *Result) AddError(line int, format string, args ...any) {
	if len(r.Errors) < MaxErrors {
		r.Errors = append(r.Errors, ParseError{File: r.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

// emit counts ev and hands it to sink.
func (r *Result) Emit(sink Sink, ev Event) error {
	ev.Source = r.File
	r.Count(ev)
	if sink == nil {
		return nil
	}
	return sink(&ev)
}
