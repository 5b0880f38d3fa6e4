package apple

import (
	"io"
	"regexp"
	"strings"
	"time"

	"parley/ingest"
)

// Text logs found in a sysdiagnose archive (MobileInstallation, containermanagerd
// and other daemons that write their own files), one entry a line:
//
//	Wed Aug 11 05:51:02 2021 [176] <notice> (0x16bae7000) -[MIContainer makeContainerLive…]: Made container live for …
//
// The time has no zone; it is read as UTC. Lines that do not start an entry
// continue the one before (dumped dictionaries and arrays span lines).
//
// The logging daemon's own logs (logs/logd/logd.0.log and the like) write a
// zoned time, the process and its pid:
//
//	2021-08-11 05:50:23-0700 logd[76]: Unable to parse os_log_simple buffer
//
// The zone is each line's own: it changes within a file when daylight
// saving time starts or ends, and each line's time is read with it.

var sysdiagLogdRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d{4}) ([^\s\[\]]+)\[(\d+)\]: ?(.*)$`)

var sysdiagRE = regexp.MustCompile(`^([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4}) \[(\d+)\] <([A-Za-z]+)>(?: \((0x[0-9A-Fa-f]+)\))? ?(.*)$`)

// sysdiagFuncRE finds the function or method that opens a message:
// "-[Class method:]", "+[Class method]", "name_of_function:".
var sysdiagFuncRE = regexp.MustCompile(`^([-+]\[([A-Za-z0-9_]+)(?:\([^)]*\))? [^\]]+\](?:_block_invoke(?:_\d+)?)?|[A-Za-z_][A-Za-z0-9_.]*):\s`)

var sysdiagLayouts = []string{"Mon Jan _2 15:04:05 2006", "Mon Jan _2 15:04:05.999999 2006"}

// ParseSysdiagnose reads a sysdiagnose-style text log. Levels come from the
// syslog priority in angle brackets (debug D, info and notice I, warning W,
// err/error E, crit and above F); the Tag is the Objective-C class or the C
// function that opens the message, and Attrs["apple.function"] holds it whole.
// A logd-style line, which has no priority, is an I event tagged with its
// process.
func ParseSysdiagnose(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatSysdiagnose}
	lr := ingest.NewLineReader(r, ingest.MaxLine)
	var pending *ingest.Event
	flush := func() error {
		if pending == nil {
			return nil
		}
		ev := *pending
		pending = nil
		ev.Message = strings.TrimRight(ev.Message, "\n")
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
		if m := sysdiagLogdRE.FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return res, err
			}
			ev := ingest.Event{Line: lr.Line(), Level: ingest.LevelInfo, Tag: m[2], PID: m[3], Message: m[4]}
			if t, err := time.Parse("2006-01-02 15:04:05-0700", m[1]); err == nil {
				ev.Time = t
			} else {
				res.AddError(lr.Line(), "cannot read time %q", m[1])
			}
			pending = &ev
			continue
		}
		m := sysdiagRE.FindStringSubmatch(line)
		if m == nil {
			if pending != nil {
				pending.Message += "\n" + line
			} else if strings.TrimSpace(line) != "" {
				res.AddError(lr.Line(), "unrecognised line: %q", ingest.Truncate(strings.TrimSpace(line), 80))
			}
			continue
		}
		if err := flush(); err != nil {
			return res, err
		}
		ev := ingest.Event{Line: lr.Line(), PID: m[2], TID: m[4], Message: m[5], Attrs: map[string]string{"apple.type": m[3]}}
		t, err := time.Parse(sysdiagLayouts[0], m[1])
		if err != nil {
			t, err = time.Parse(sysdiagLayouts[1], m[1])
		}
		if err != nil {
			res.AddError(lr.Line(), "cannot read time %q", m[1])
		} else {
			ev.Time = t
		}
		ev.Level = appleLogLevel(m[3])
		if ev.Level == ingest.LevelUnknown {
			ev.Level = ingest.LevelInfo
		}
		if fm := sysdiagFuncRE.FindStringSubmatch(m[5]); fm != nil {
			ev.Attrs["apple.function"] = fm[1]
			ev.Tag = fm[2]
			if ev.Tag == "" && len(fm[1]) <= 64 {
				ev.Tag = fm[1]
			}
		}
		pending = &ev
	}
	if err := flush(); err != nil {
		return res, err
	}
	return res, nil
}

// LooksLikeSysdiagnose reports whether the first entries of head are
// sysdiagnose-style lines.
func LooksLikeSysdiagnose(head []byte) bool {
	lines := ingest.HeadLines(head, 20)
	matched, first := 0, true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ok := sysdiagRE.MatchString(l) || sysdiagLogdRE.MatchString(l)
		if first && !ok {
			return false
		}
		first = false
		if ok {
			matched++
		}
	}
	return matched > 0
}
