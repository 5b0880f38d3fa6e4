package apple

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"parley/ingest"
)

// Output of Apple's `log show` (and `log stream`) in its text styles and its
// JSON styles:
//
// default:
//
//	Timestamp                       Thread     Type        Activity             PID    TTL
//	2021-08-11 05:51:02.123456+0300 0x1a2b     Error       0x0                  176    0    App: (Sub) [com.x:cat] msg
//
// syslog:
//
//	Timestamp                       (process)[PID]
//	2021-08-11 05:51:02.123456+0300  localhost App[176]: (Sub) [com.x:cat] <Error>: msg
//
// compact:
//
//	2021-08-11 05:51:02.123 E  App[176:1a2b] [com.x:cat] msg
//
// ndjson (`--style ndjson`, one object a line) and json (`--style json`, one
// array): objects with timestamp, messageType, eventMessage, subsystem,
// category, processImagePath, processID, threadID, senderImagePath.
//
// A line that does not start an entry continues the message of the one
// before it (messages may span lines).

var (
	appleLogDefaultRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d{4})\s+(0x[0-9A-Fa-f]+)\s+([A-Za-z]+)\s+(0x[0-9A-Fa-f]+)\s+(\d+)\s+(?:(\d+)\s+)?(.*)$`)
	appleLogSyslogRE  = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d{4})\s+(\S+)\s+([^\[\]]+?)\[(\d+)(?::([0-9A-Fa-fx]+))?\]:?\s?(.*)$`)
	appleLogCompactRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s+([A-Z][a-z]?)\s+([^\[\]]+?)\[(\d+):([0-9A-Fa-fx]+)\]\s?(.*)$`)
	appleLogLevelRE   = regexp.MustCompile(`^<([A-Za-z]+)>:\s?`)
	appleLogSummaryRE = regexp.MustCompile(`^(Log|Activity|Signpost|Loss|TTL|Ttl|Event|Boundary|Statedump|Timesync)\s+-\s`)
)

// appleLogJSON is one entry of the ndjson and json styles.
type appleLogJSON struct {
	Timestamp        string            `json:"timestamp"`
	MessageType      string            `json:"messageType"`
	EventType        string            `json:"eventType"`
	EventMessage     string            `json:"eventMessage"`
	Subsystem        string            `json:"subsystem"`
	Category         string            `json:"category"`
	ProcessImagePath string            `json:"processImagePath"`
	SenderImagePath  string            `json:"senderImagePath"`
	ProcessID        ingest.JSONString `json:"processID"`
	ThreadID         ingest.JSONString `json:"threadID"`
	Count            *int              `json:"count"` // the closing summary object
}

// appleLogCompactTypes maps the compact style's type codes.
var appleLogCompactTypes = map[string]string{
	"Df": "Default", "I": "Info", "Db": "Debug", "E": "Error", "F": "Fault", "A": "Activity",
}

// ParseLog reads `log show` output in the default, syslog, compact,
// ndjson or json style. Each entry is an event: its Tag is the subsystem (or
// the process when there is none), its Level from the message type (Debug D,
// Default and Info I, Error E, Fault F).
func ParseLog(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatAppleLog}
	br := bufio.NewReaderSize(r, 8<<10)
	peek, _ := br.Peek(4096)
	peek = bytes.TrimLeft(ingest.TrimBOM(peek), " \t\r\n")
	if len(peek) > 0 && peek[0] == '[' {
		return appleLogJSONArray(&res, br, sink)
	}
	p := appleLogParser{res: &res, sink: sink}
	lr := ingest.NewLineReader(br, ingest.MaxLine)
	for {
		line, ok, err := lr.Read(&res)
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		if err := p.line(lr.Line(), line); err != nil {
			return res, err
		}
	}
	if err := p.flush(); err != nil {
		return res, err
	}
	return res, nil
}

type appleLogParser struct {
	res     *ingest.Result
	sink    ingest.Sink
	pending *ingest.Event
	ended   bool // the closing summary was seen: later lines are not continuations
}

func (p *appleLogParser) flush() error {
	if p.pending == nil {
		return nil
	}
	ev := *p.pending
	p.pending = nil
	ev.Message = strings.TrimRight(ev.Message, "\n")
	return p.res.Emit(p.sink, ev)
}

func (p *appleLogParser) start(ev ingest.Event) error {
	if err := p.flush(); err != nil {
		return err
	}
	p.pending = &ev
	p.ended = false
	return nil
}

func (p *appleLogParser) line(n int, line string) error {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" {
		if p.pending != nil && !p.ended {
			p.pending.Message += "\n"
		}
		return nil
	}
	if trimmed[0] == '{' {
		var j appleLogJSON
		if err := json.Unmarshal([]byte(trimmed), &j); err != nil {
			if p.pending != nil && !p.ended {
				p.pending.Message += "\n" + line
				return nil
			}
			p.res.AddError(n, "invalid ndjson entry: %v", err)
			return nil
		}
		if j.Timestamp == "" && j.EventMessage == "" {
			return p.flush() // the closing {"count":…,"finished":1}
		}
		ev, ok := appleLogFromJSON(&j)
		if !ok {
			p.res.AddError(n, "cannot read timestamp %q", ingest.Truncate(j.Timestamp, 64))
		}
		ev.Line = n
		return p.start(ev)
	}
	if m := appleLogDefaultRE.FindStringSubmatch(line); m != nil {
		ev := ingest.Event{Line: n, TID: m[2], PID: m[5], Attrs: map[string]string{"apple.type": m[3]}}
		ev.Level = appleLogLevel(m[3])
		if m[4] != "0x0" {
			ev.Attrs["apple.activity"] = m[4]
		}
		p.setTime(&ev, m[1])
		rest := m[7]
		proc := ""
		if i := strings.Index(rest, ": "); i >= 0 {
			proc, rest = rest[:i], rest[i+2:]
		} else if strings.HasSuffix(rest, ":") {
			proc, rest = rest[:len(rest)-1], ""
		}
		appleLogTail(&ev, proc, rest)
		return p.start(ev)
	}
	if m := appleLogSyslogRE.FindStringSubmatch(line); m != nil {
		ev := ingest.Event{Line: n, PID: m[4], TID: m[5], Level: ingest.LevelInfo, Attrs: map[string]string{}}
		if m[2] != "localhost" {
			ev.Attrs["apple.host"] = m[2]
		}
		p.setTime(&ev, m[1])
		appleLogTail(&ev, strings.TrimSpace(m[3]), m[6])
		return p.start(ev)
	}
	if m := appleLogCompactRE.FindStringSubmatch(line); m != nil {
		typ := appleLogCompactTypes[m[2]]
		if typ == "" {
			typ = m[2]
		}
		ev := ingest.Event{Line: n, PID: m[4], TID: m[5], Attrs: map[string]string{"apple.type": typ}}
		ev.Level = appleLogLevel(typ)
		p.setTime(&ev, m[1])
		appleLogTail(&ev, strings.TrimSpace(m[3]), m[6])
		return p.start(ev)
	}
	// Headers, notes and the closing summary of `log show`.
	switch {
	case strings.HasPrefix(trimmed, "Timestamp "), strings.HasPrefix(trimmed, "Filtering the log data"),
		strings.HasPrefix(trimmed, "Skipping info and debug"), strings.HasPrefix(trimmed, "Skipping debug"),
		strings.HasPrefix(trimmed, "getpwuid_r did not find"):
		return nil
	case strings.HasPrefix(trimmed, "-----"), appleLogSummaryRE.MatchString(trimmed):
		p.ended = true
		return p.flush()
	}
	if p.pending != nil && !p.ended {
		p.pending.Message += "\n" + line
		return nil
	}
	p.res.AddError(n, "unrecognised line: %q", ingest.Truncate(trimmed, 80))
	return nil
}

func (p *appleLogParser) setTime(ev *ingest.Event, s string) {
	if t, ok := ingest.ParseTime(s, appleTimeLayouts...); ok {
		ev.Time = t
	} else {
		p.res.AddError(ev.Line, "cannot read timestamp %q", s)
	}
}

// appleLogTail reads "(sender) [subsystem:category] <Level>: message".
func appleLogTail(ev *ingest.Event, proc, rest string) {
	if proc != "" {
		ev.Attrs["apple.process"] = proc
	}
	if strings.HasPrefix(rest, "(") {
		if i := strings.Index(rest, ") "); i > 0 {
			ev.Attrs["apple.sender"] = rest[1:i]
			rest = rest[i+2:]
		} else if strings.HasSuffix(rest, ")") && !strings.Contains(rest, " ") {
			ev.Attrs["apple.sender"] = rest[1 : len(rest)-1]
			rest = ""
		}
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i > 0 && strings.Contains(rest[:i], ":") {
			sub, cat, _ := strings.Cut(rest[1:i], ":")
			if sub != "" {
				ev.Attrs["apple.subsystem"] = sub
			}
			if cat != "" {
				ev.Attrs["apple.category"] = cat
			}
			rest = strings.TrimPrefix(rest[i+1:], " ")
		}
	}
	if m := appleLogLevelRE.FindStringSubmatch(rest); m != nil {
		if l := appleLogLevel(m[1]); l != ingest.LevelUnknown {
			ev.Level = l
			ev.Attrs["apple.type"] = m[1]
			rest = rest[len(m[0]):]
		}
	}
	if ev.Level == ingest.LevelUnknown {
		ev.Level = ingest.LevelInfo
	}
	ev.Tag = ev.Attrs["apple.subsystem"]
	if ev.Tag == "" {
		ev.Tag = proc
	}
	ev.Message = rest
}

// appleLogFromJSON turns an ndjson/json entry into an event.
func appleLogFromJSON(j *appleLogJSON) (ingest.Event, bool) {
	ev := ingest.Event{PID: string(j.ProcessID), Attrs: map[string]string{}}
	if tid := string(j.ThreadID); tid != "" {
		if n, err := strconv.ParseUint(tid, 10, 64); err == nil {
			tid = "0x" + strconv.FormatUint(n, 16)
		}
		ev.TID = tid
	}
	t, ok := ingest.ParseTime(j.Timestamp, appleTimeLayouts...)
	ev.Time = t
	typ := j.MessageType
	ev.Level = appleLogLevel(typ)
	if typ != "" {
		ev.Attrs["apple.type"] = typ
	}
	if ev.Level == ingest.LevelUnknown {
		ev.Level = ingest.LevelDebug // activities, signposts, state events
		if j.EventType == "lossEvent" {
			ev.Level = ingest.LevelWarn
		}
	}
	if j.EventType != "" && j.EventType != "logEvent" {
		ev.Attrs["apple.event_type"] = j.EventType
	}
	proc := ingest.BaseName(j.ProcessImagePath)
	if proc != "" {
		ev.Attrs["apple.process"] = proc
	}
	if s := ingest.BaseName(j.SenderImagePath); s != "" {
		ev.Attrs["apple.sender"] = s
	}
	if j.Subsystem != "" {
		ev.Attrs["apple.subsystem"] = j.Subsystem
	}
	if j.Category != "" {
		ev.Attrs["apple.category"] = j.Category
	}
	ev.Tag = j.Subsystem
	if ev.Tag == "" {
		ev.Tag = proc
	}
	ev.Message = j.EventMessage
	return ev, ok || j.Timestamp == ""
}

// appleLogJSONArray reads the json style: one array of entry objects,
// decoded one at a time.
func appleLogJSONArray(res *ingest.Result, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	j, err := ingest.NewJSONInput(res.File, r)
	if err != nil {
		return *res, ingest.ReadError(res, 0, err)
	}
	if _, err := j.Dec.Token(); err != nil {
		return *res, ingest.Fatal(res, j.Fail(err))
	}
	for j.Dec.More() {
		line := j.LineOfNext(j.Dec.InputOffset())
		var e appleLogJSON
		if err := j.Dec.Decode(&e); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return *res, ingest.Fatal(res, j.Fail(err))
			}
			res.AddError(line, "entry: %v", err)
			continue
		}
		if e.Timestamp == "" && e.EventMessage == "" {
			continue
		}
		ev, ok := appleLogFromJSON(&e)
		if !ok {
			res.AddError(line, "cannot read timestamp %q", ingest.Truncate(e.Timestamp, 64))
		}
		ev.Line = line
		if err := res.Emit(sink, ev); err != nil {
			return *res, err
		}
	}
	if _, err := j.Dec.Token(); err != nil {
		return *res, ingest.Fatal(res, j.Fail(err))
	}
	return *res, nil
}

// LooksLikeLog reports whether head is `log show` output: its header
// line, or entries in one of its styles among the first lines.
func LooksLikeLog(head []byte) bool {
	lines := ingest.HeadLines(head, 30)
	seen, matched := 0, 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if i < 3 && (strings.HasPrefix(t, "Filtering the log data using") ||
			(strings.HasPrefix(t, "Timestamp ") && (strings.Contains(t, "Thread") || strings.Contains(t, "(process)[PID]")))) {
			return true
		}
		seen++
		switch {
		case t[0] == '{':
			if strings.Contains(t, `"eventMessage"`) && (strings.Contains(t, `"messageType"`) || strings.Contains(t, `"eventType"`)) {
				matched++
			}
		case t[0] == '[' && i == 0:
			if strings.Contains(string(head), `"eventMessage"`) && strings.Contains(string(head), `"processImagePath"`) {
				return true
			}
		case appleLogDefaultRE.MatchString(l), appleLogSyslogRE.MatchString(l), appleLogCompactRE.MatchString(l):
			matched++
		}
		if seen >= 10 {
			break
		}
	}
	return matched > 0 && matched*2 >= seen
}
