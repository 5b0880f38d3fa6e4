package apple

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"parley/ingest"
)

// Apple .ips reports: a one-line JSON header (bug_type, timestamp, app and
// OS versions) followed either by a pretty-printed JSON body (iOS 15 and
// later, macOS 12 and later; bug_type 309 for a crash) or by the legacy text
// report (see crash.go).

// ipsHeader is the first line of an .ips file.
type ipsHeader struct {
	AppName      string            `json:"app_name"`
	Timestamp    string            `json:"timestamp"`
	AppVersion   ingest.JSONString `json:"app_version"`
	BuildVersion ingest.JSONString `json:"build_version"`
	BundleID     string            `json:"bundleID"`
	BugType      ingest.JSONString `json:"bug_type"`
	OSVersion    string            `json:"os_version"`
	IncidentID   string            `json:"incident_id"`
	Name         string            `json:"name"`
}

// ipsFrame is a stack frame of the JSON body.
type ipsFrame struct {
	ImageOffset    ingest.JSONNumber `json:"imageOffset"`
	Symbol         string            `json:"symbol"`
	SymbolLocation ingest.JSONNumber `json:"symbolLocation"`
	ImageIndex     ingest.JSONNumber `json:"imageIndex"`
	SourceFile     string            `json:"sourceFile"`
	SourceLine     ingest.JSONNumber `json:"sourceLine"`
}

// ipsBody holds the fields of a JSON crash body that Parley uses.
type ipsBody struct {
	ModelCode   string            `json:"modelCode"`
	CaptureTime string            `json:"captureTime"`
	Incident    string            `json:"incident"`
	BugType     ingest.JSONString `json:"bug_type"`
	PID         ingest.JSONString `json:"pid"`
	ProcName    string            `json:"procName"`
	OSVersion   struct {
		Train string `json:"train"`
		Build string `json:"build"`
	} `json:"osVersion"`
	BundleInfo struct {
		Short      ingest.JSONString `json:"CFBundleShortVersionString"`
		Version    ingest.JSONString `json:"CFBundleVersion"`
		Identifier string            `json:"CFBundleIdentifier"`
	} `json:"bundleInfo"`
	Exception *struct {
		Type    string            `json:"type"`
		Signal  string            `json:"signal"`
		Codes   ingest.JSONString `json:"codes"`
		Subtype string            `json:"subtype"`
		Message string            `json:"message"`
	} `json:"exception"`
	Termination *struct {
		Namespace string            `json:"namespace"`
		Code      ingest.JSONString `json:"code"`
		Indicator string            `json:"indicator"`
		Details   []string          `json:"details"`
		Reasons   []string          `json:"reasons"`
		ByProc    string            `json:"byProc"`
	} `json:"termination"`
	ASI            map[string]json.RawMessage `json:"asi"`
	FaultingThread ingest.JSONNumber          `json:"faultingThread"`
	Threads        []struct {
		ID        ingest.JSONString `json:"id"`
		Triggered bool              `json:"triggered"`
		Queue     string            `json:"queue"`
		Name      string            `json:"name"`
		Frames    []ipsFrame        `json:"frames"`
	} `json:"threads"`
	LastExceptionBacktrace []ipsFrame `json:"lastExceptionBacktrace"`
	UsedImages             []struct {
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"usedImages"`
}

// ipsMaxBody bounds the JSON body read into memory.
const ipsMaxBody = 64 << 20

// ParseIPS reads an Apple .ips report: one crash event (kind ios: the
// exception type and signal, the termination reason or uncaught exception,
// the crashed thread's frames as "image symbol + offset"), with the device,
// OS, bundle id and app version in Env. A legacy text body is read like a
// .crash file; other JSON report kinds (bug types other than crashes) give
// one event describing the report.
func ParseIPS(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatIPS}
	br := bufio.NewReaderSize(r, 8<<10)
	// The header line.
	first, err := br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return res, ingest.ReadError(&res, 1, err)
	}
	first = bytes.TrimSpace(ingest.TrimBOM(first))
	var hdr ipsHeader
	haveHdr := false
	bodyLine := 2
	var body []byte
	if len(first) > 0 && first[0] == '{' {
		if e := json.Unmarshal(first, &hdr); e == nil {
			haveHdr = true
		} else {
			// Perhaps the whole file is one JSON body (no header line).
			rest, rerr := io.ReadAll(io.LimitReader(br, ipsMaxBody))
			if rerr != nil {
				return res, ingest.ReadError(&res, 0, rerr)
			}
			joined := append(append(first, '\n'), rest...)
			if json.Valid(joined) {
				body, bodyLine = joined, 1
			} else {
				res.AddError(1, "the header line is not valid JSON: %v", e)
			}
		}
	} else if len(first) > 0 {
		res.AddError(1, "the first line is not an .ips JSON header")
		bodyLine = 1
	}
	var env ingest.Environment
	if haveHdr {
		ipsHeaderEnv(&hdr, &env)
	}
	if body == nil {
		// Is the rest JSON or text?
		peek, _ := br.Peek(512)
		if t := bytes.TrimLeft(peek, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			body, err = io.ReadAll(io.LimitReader(br, ipsMaxBody))
			if err != nil {
				return res, ingest.ReadError(&res, 0, err)
			}
		} else {
			// A legacy text body, numbered from the line after the header.
			src := io.Reader(br)
			off := 1
			if !haveHdr && len(first) > 0 {
				src = io.MultiReader(bytes.NewReader(append(first, '\n')), br)
				off = 0
			}
			lr := ingest.NewLineReader(src, ingest.MaxLine)
			c, err := readAppleCrashText(lr, &res, off)
			if err != nil {
				return res, ingest.ReadError(&res, lr.Line()+off+1, err)
			}
			if !c.found() {
				if haveHdr && ipsCrashBugType(hdr.BugType) {
					// Only the header of a crash report: the crash is known,
					// its cause is not.
					res.AddError(1, "the report ends after its header line, before the crash report: it was cut short")
					res.Env.Merge(env)
					ev := ipsCrashEvent(&ipsBody{}, &hdr)
					ev.Line = 1
					return res, res.Emit(sink, ev)
				}
				if haveHdr {
					return ipsReportEvent(&res, &hdr, env, sink)
				}
				res.AddError(0, "no crash report found")
				return res, nil
			}
			var tenv ingest.Environment
			c.env(&tenv) // the text report's own fields take precedence
			res.Env.Merge(tenv)
			res.Env.Merge(env)
			ev := c.event(&res)
			if ev.Time.IsZero() && haveHdr {
				ev.Time, _ = appleTimeOf(hdr.Timestamp)
			}
			ev.Attrs["apple.bug_type"] = string(hdr.BugType)
			if err := res.Emit(sink, ev); err != nil {
				return res, err
			}
			return res, nil
		}
	}
	if len(body) >= ipsMaxBody {
		res.AddError(bodyLine, "report body larger than %d MiB; not read", ipsMaxBody>>20)
		return res, nil
	}
	var b ipsBody
	if err := json.Unmarshal(body, &b); err != nil {
		line := ipsErrLine(body, err, bodyLine)
		var partial bool
		b, partial = ipsPartialBody(body)
		switch {
		case partial && errors.Is(ipsCutErr(body), io.ErrUnexpectedEOF):
			res.AddError(line, "the report was cut short here; what came before is read")
		case partial:
			res.AddError(line, "report body is not valid JSON: %v; what came before is read", err)
		default:
			res.AddError(line, "report body is not valid JSON: %v", err)
		}
		if !partial && !(haveHdr && ipsCrashBugType(hdr.BugType)) {
			if haveHdr {
				return ipsReportEvent(&res, &hdr, env, sink)
			}
			return res, nil
		}
	}
	ipsBodyEnv(&b, &env)
	res.Env.Merge(env)
	if b.Exception == nil && b.Termination == nil && len(b.Threads) == 0 && !ipsCrashBugType(hdr.BugType) {
		return ipsReportEvent(&res, &hdr, res.Env, sink)
	}
	ev := ipsCrashEvent(&b, &hdr)
	ev.Line = bodyLine
	if err := res.Emit(sink, ev); err != nil {
		return res, err
	}
	return res, nil
}

// ipsCrashBugType reports whether an .ips header's bug_type is a crash.
func ipsCrashBugType(bt ingest.JSONString) bool { return bt == "309" || bt == "109" }

// ipsPartialBody reads what a JSON body cut short (or damaged) still holds
// before the break: each whole top-level field, and the whole elements of
// the arrays that come last in a report and are the longest (threads,
// usedImages), so a report cut among its binary images keeps its crash.
func ipsPartialBody(body []byte) (ipsBody, bool) {
	var b ipsBody
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return b, false
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			break
		}
		if key == "threads" || key == "usedImages" || key == "lastExceptionBacktrace" {
			elems, whole := ipsArrayPrefix(dec)
			if len(elems) > 0 {
				fields[key], _ = json.Marshal(elems)
			}
			if !whole {
				break
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		fields[key] = raw
	}
	if len(fields) == 0 {
		return b, false
	}
	joined, err := json.Marshal(fields)
	if err != nil {
		return b, false
	}
	// Fields of an unexpected type are left out, as in a whole report.
	var te *json.UnmarshalTypeError
	if err := json.Unmarshal(joined, &b); err != nil && !errors.As(err, &te) {
		return b, false
	}
	return b, true
}

// ipsArrayPrefix decodes the whole elements of the array dec is at; whole
// is false when the array breaks off.
func ipsArrayPrefix(dec *json.Decoder) (elems []json.RawMessage, whole bool) {
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil, false
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return elems, false
		}
		elems = append(elems, raw)
	}
	_, err := dec.Token()
	return elems, err == nil
}

// ipsCutErr is the error of decoding body: io.ErrUnexpectedEOF when the
// body ends before its JSON does.
func ipsCutErr(body []byte) error {
	var v any
	err := json.NewDecoder(bytes.NewReader(body)).Decode(&v)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ipsErrLine locates a JSON error in the body as a file line.
func ipsErrLine(body []byte, err error, bodyLine int) int {
	var syn *json.SyntaxError
	if errors.As(err, &syn) && syn.Offset <= int64(len(body)) {
		return bodyLine + bytes.Count(body[:syn.Offset], []byte{'\n'})
	}
	return bodyLine
}

func ipsHeaderEnv(h *ipsHeader, env *ingest.Environment) {
	os, build := appleOS(h.OSVersion)
	env.OS = os
	ingest.AddExtra(env, "os.build", build)
	env.App = h.BundleID
	env.AppVersion = string(h.AppVersion)
	ingest.AddExtra(env, "app.build", string(h.BuildVersion))
	ingest.AddExtra(env, "incident", h.IncidentID)
	env.Platform = applePlatform("", env.OS)
}

func ipsBodyEnv(b *ipsBody, env *ingest.Environment) {
	if b.ModelCode != "" {
		env.Device = b.ModelCode
	}
	if b.OSVersion.Train != "" {
		env.OS, _ = appleOS(b.OSVersion.Train)
		ingest.AddExtra(env, "os.build", b.OSVersion.Build)
	}
	if b.BundleInfo.Identifier != "" {
		env.App = b.BundleInfo.Identifier
	}
	if b.BundleInfo.Short != "" {
		env.AppVersion = string(b.BundleInfo.Short)
	}
	ingest.AddExtra(env, "app.build", string(b.BundleInfo.Version))
	ingest.AddExtra(env, "incident", b.Incident)
	if p := applePlatform(env.Device, env.OS); p != "" {
		env.Platform = p
	}
}

// ipsCrashEvent builds the crash event from a JSON body.
func ipsCrashEvent(b *ipsBody, h *ipsHeader) ingest.Event {
	ev := ingest.Event{Level: ingest.LevelFatal, Attrs: map[string]string{}, Tag: b.ProcName, PID: string(b.PID)}
	if ev.Tag == "" {
		ev.Tag = h.Name
	}
	if t, ok := appleTimeOf(b.CaptureTime); ok {
		ev.Time = t
	} else if t, ok := appleTimeOf(h.Timestamp); ok {
		ev.Time = t
	}
	crash := &ingest.Crash{Kind: "ios"}
	excType := ""
	if e := b.Exception; e != nil {
		excType = e.Type
		if e.Signal != "" {
			excType = strings.TrimSpace(excType + " (" + e.Signal + ")")
			ev.Attrs["crash.signal"] = e.Signal
		}
		if e.Codes != "" {
			ev.Attrs["crash.exception_codes"] = string(e.Codes)
		}
	}
	crash.Type = excType
	var reason string
	if t := b.Termination; t != nil {
		detail := strings.Join(append(append([]string{}, t.Details...), t.Reasons...), " ")
		if detail == "" {
			detail = t.Indicator
		}
		switch {
		case t.Namespace != "" && detail != "":
			reason = t.Namespace + ": " + detail
		case detail != "":
			reason = detail
		case t.Namespace != "":
			reason = t.Namespace + ", code " + string(t.Code)
		}
		if t.Namespace != "" {
			ev.Attrs["crash.termination_namespace"] = t.Namespace
		}
	}
	// A SIGNAL termination only restates the signal ("Segmentation fault:
	// 11"): the exception's subtype (KERN_INVALID_ADDRESS at 0x0) says more.
	signalNS := b.Termination != nil && b.Termination.Namespace == "SIGNAL"
	if e := b.Exception; e != nil && (reason == "" || signalNS) {
		if sub := strings.TrimSpace(e.Subtype + " " + e.Message); sub != "" {
			reason = sub
		}
	}
	// An uncaught Objective-C exception named by the application specific
	// information is the more telling type.
	// In the order of the images' names, so the same report always reads
	// the same (a map's order would not).
	images := make([]string, 0, len(b.ASI))
	for k := range b.ASI {
		images = append(images, k)
	}
	sort.Strings(images)
	swift := false
	for _, image := range images {
		raw := b.ASI[image]
		var lines []string
		if json.Unmarshal(raw, &lines) != nil {
			var one string
			if json.Unmarshal(raw, &one) != nil {
				continue
			}
			lines = []string{one}
		}
		if m := appleNSExcRE.FindStringSubmatch(strings.Join(lines, "\n")); m != nil {
			crash.Type, reason = m[1], m[2]
			break
		}
		// Swift's runtime leaves its message here ("Fatal error: Unexpectedly
		// found nil while unwrapping an Optional value"), a trap's only cause.
		if len(lines) > 0 && !swift && (reason == "" || signalNS) && strings.Contains(lines[0], "error: ") {
			reason, swift = strings.TrimSpace(lines[0]), true
		}
	}
	crash.Reason = reason
	if crash.Type == "" {
		crash.Type = "crash"
	}
	// The crashed thread: the one marked triggered, else faultingThread.
	ti := -1
	for i, t := range b.Threads {
		if t.Triggered {
			ti = i
			break
		}
	}
	if ti < 0 && b.FaultingThread.Valid {
		if i := int(b.FaultingThread.V); i >= 0 && i < len(b.Threads) {
			ti = i
		}
	}
	if ti >= 0 {
		t := b.Threads[ti]
		ev.TID = string(t.ID)
		ev.Attrs["crash.thread"] = strconv.Itoa(ti)
		if t.Queue != "" {
			ev.Attrs["crash.queue"] = t.Queue
		}
		crash.Frames = ipsFrames(b, t.Frames)
	}
	// Where an uncaught exception was thrown says more than the crashed
	// thread, which only shows the abort that followed.
	if f := ipsFrames(b, b.LastExceptionBacktrace); len(f) > 0 {
		crash.Frames = f
		ev.Attrs["crash.backtrace"] = "last exception"
	}
	if excType != "" {
		ev.Attrs["crash.exception_type"] = excType
	}
	if b.Incident != "" {
		ev.Attrs["apple.incident"] = b.Incident
	}
	bt := string(b.BugType)
	if bt == "" {
		bt = string(h.BugType)
	}
	if bt != "" {
		ev.Attrs["apple.bug_type"] = bt
	}
	ev.Crash = crash
	ev.Message = appleCrashMessage(crash)
	return ev
}

func ipsFrames(b *ipsBody, frames []ipsFrame) []string {
	var out []string
	for _, f := range frames {
		if len(out) == ingest.MaxFrames {
			break
		}
		image := "???"
		if f.ImageIndex.Valid {
			if i := int(f.ImageIndex.V); i >= 0 && i < len(b.UsedImages) {
				image = b.UsedImages[i].Name
				if image == "" {
					image = ingest.BaseName(b.UsedImages[i].Path)
				}
				if image == "" {
					image = "???"
				}
			}
		}
		var s string
		if f.Symbol != "" {
			s = image + " " + f.Symbol
			if f.SymbolLocation.Valid {
				s += " + " + strconv.FormatInt(int64(f.SymbolLocation.V), 10)
			}
			if f.SourceFile != "" {
				s += " (" + f.SourceFile
				if f.SourceLine.Valid {
					s += ":" + strconv.FormatInt(int64(f.SourceLine.V), 10)
				}
				s += ")"
			}
		} else {
			s = image + " + " + strconv.FormatInt(int64(f.ImageOffset.V), 10)
		}
		out = append(out, s)
	}
	return out
}

// ipsBugTypes names the common report kinds.
var ipsBugTypes = map[string]string{
	"109": "crash (legacy)", "309": "crash", "210": "kernel panic", "288": "stackshot",
	"298": "jetsam (memory pressure)", "385": "CPU resource", "142": "wakeups resource",
	"145": "disk writes resource", "409": "hang", "151": "hang", "313": "watchdog",
}

// ipsReportEvent stands for a report that is not a crash (or could not be read).
func ipsReportEvent(res *ingest.Result, h *ipsHeader, env ingest.Environment, sink ingest.Sink) (ingest.Result, error) {
	res.Env.Merge(env)
	bt := string(h.BugType)
	kind := ipsBugTypes[bt]
	if kind == "" {
		kind = "report"
	}
	ev := ingest.Event{Level: ingest.LevelWarn, Line: 1, Tag: h.Name, Attrs: map[string]string{"apple.bug_type": bt}}
	if ev.Tag == "" {
		ev.Tag = h.AppName
	}
	ev.Time, _ = appleTimeOf(h.Timestamp)
	ev.Message = fmt.Sprintf("Apple diagnostic report: %s (bug_type %s)", kind, bt)
	if h.IncidentID != "" {
		ev.Attrs["apple.incident"] = h.IncidentID
	}
	if err := res.Emit(sink, ev); err != nil {
		return *res, err
	}
	return *res, nil
}

// LooksLikeIPS reports whether head is an .ips report: its first line a JSON
// object with a bug_type, or one JSON object with bug_type and threads.
func LooksLikeIPS(head []byte) bool {
	head = bytes.TrimLeft(ingest.TrimBOM(head), " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	first := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first = head[:i]
	}
	if bytes.Contains(first, []byte(`"bug_type"`)) {
		return true
	}
	return bytes.Contains(head, []byte(`"bug_type"`)) && bytes.Contains(head, []byte(`"incident"`)) &&
		(bytes.Contains(head, []byte(`"exception"`)) || bytes.Contains(head, []byte(`"threads"`)))
}
