package webrtc

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"

	"parley/ingest"
)

// rtcstats dumps (https://github.com/rtcstats): one JSON array a line,
//
//	[method, peerConnectionId or null, value, timestamp in ms]
//
// recording every RTCPeerConnection API call and callback, getUserMedia
// calls and their outcome, and periodic getStats results. Those are
// delta-compressed: a report lists only the properties that changed since
// the previous getStats of the same connection, and a timestamp of 0 means
// "the snapshot's own time". The first lines carry client metadata
// (connectionInfo with the user agent, identity).

// rtcstatsMaxLine bounds one line: the first getStats of a call is large.
const rtcstatsMaxLine = 16 << 20

// rtcstatsMeta are the methods that describe the client, not an event.
var rtcstatsMeta = map[string]bool{
	"connectionInfo": true, "identity": true, "clientMetadata": true, "userAgent": true,
	"meta": true,
}

// ParseRTCStats reads an rtcstats dump: events for getUserMedia and
// getDisplayMedia calls (I) and failures (E), ICE and connection state
// changes (Attrs ice.state / pc.state; failed E, disconnected W), signalling
// and gathering states, other API calls (D), each change of the selected
// candidate pair (Attrs candidate.local_type, candidate.remote_type, …) and
// one stats sample per getStats (see webrtc_stats.go). Env.Browser comes from
// connectionInfo's user agent.
func ParseRTCStats(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatRTCStats}
	src, err := ingest.MaybeGunzip(r)
	if err != nil {
		return res, ingest.Fatal(&res, ingest.ParseError{File: name, Msg: err.Error()})
	}
	lr := ingest.NewLineReader(src, rtcstatsMaxLine)
	trackers := map[string]*rtcTracker{}
	for {
		line, cut, err := lr.Text()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, ingest.ReadError(&res, lr.Line()+1, err)
		}
		n := lr.Line()
		if cut {
			res.AddError(n, "line longer than %d bytes was cut; skipped", lr.Max())
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if t[0] == '{' { // a metadata object some versions write first
			var meta map[string]any
			if err := json.Unmarshal([]byte(t), &meta); err != nil {
				res.AddError(n, "invalid JSON: %v", err)
				continue
			}
			rtcstatsEnv(&res.Env, meta)
			continue
		}
		if t == "RTCStatsDump" || !strings.HasPrefix(t, "[") {
			if t != "RTCStatsDump" {
				res.AddError(n, "not an rtcstats entry (a JSON array expected): %q", ingest.Truncate(t, 60))
			}
			continue
		}
		var row []json.RawMessage
		if err := json.Unmarshal([]byte(t), &row); err != nil {
			res.AddError(n, "invalid JSON: %v", err)
			continue
		}
		if len(row) < 3 {
			res.AddError(n, "an rtcstats entry has at least 3 elements, this one %d", len(row))
			continue
		}
		var method, pc string
		if json.Unmarshal(row[0], &method) != nil {
			var code float64 // compressed dumps number their methods
			if json.Unmarshal(row[0], &code) != nil {
				res.AddError(n, "the method is not a string")
				continue
			}
			method = "method#" + rtcString(code)
		}
		_ = json.Unmarshal(row[1], &pc) // null for calls outside a connection
		var at time.Time
		if len(row) > 3 {
			var ms float64
			if json.Unmarshal(row[3], &ms) == nil {
				at = rtcMillis(ms)
			}
		}
		for _, e := range rtcstatsRow(&res, n, method, pc, row[2], at, trackers) {
			e.Line = n
			if err := res.Emit(sink, e); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// rtcstatsGUM recognises the getUserMedia and getDisplayMedia methods:
// "navigator.mediaDevices.getUserMediaOnFailure" → getUserMedia, failure.
func rtcstatsGUM(method string) (kind, result string, ok bool) {
	m := method
	if i := strings.LastIndexByte(m, '.'); i >= 0 {
		m = m[i+1:]
	}
	for _, k := range []string{"getUserMedia", "getDisplayMedia", "webkitGetUserMedia", "mozGetUserMedia"} {
		if rest, found := strings.CutPrefix(m, k); found {
			kind = k
			if k != "getDisplayMedia" {
				kind = "getUserMedia"
			}
			switch rest {
			case "":
				return kind, "request", true
			case "OnSuccess":
				return kind, "success", true
			case "OnFailure":
				return kind, "failure", true
			}
		}
	}
	return "", "", false
}

// rtcstatsRow turns one entry into events.
func rtcstatsRow(res *ingest.Result, n int, method, pc string, value json.RawMessage, at time.Time, trackers map[string]*rtcTracker) []ingest.Event {
	if rtcstatsMeta[method] {
		var meta map[string]any
		if json.Unmarshal(value, &meta) != nil {
			var s string // some versions send it JSON-encoded
			if json.Unmarshal(value, &s) == nil {
				_ = json.Unmarshal([]byte(s), &meta)
			}
		}
		rtcstatsEnv(&res.Env, meta)
		return nil
	}
	if kind, result, ok := rtcstatsGUM(method); ok {
		detail := rtcRawSummary(value)
		if result == "success" {
			detail = rtcstatsTracks(value)
		}
		return []ingest.Event{rtcGUMEvent(kind, result, detail, at)}
	}
	if method == "getstats" || method == "getStats" {
		var delta map[string]json.RawMessage
		if err := json.Unmarshal(value, &delta); err != nil {
			res.AddError(n, "getstats value is not an object: %v", err)
			return nil
		}
		tr := trackers[pc]
		if tr == nil {
			tr = newRTCTracker()
			trackers[pc] = tr
		}
		for id, raw := range delta {
			var rep map[string]any
			if json.Unmarshal(raw, &rep) != nil {
				if id == "timestamp" && at.IsZero() {
					var ms float64
					if json.Unmarshal(raw, &ms) == nil {
						at = rtcMillis(ms)
					}
				}
				continue
			}
			for k, v := range rep {
				if k == "timestamp" || k == "id" {
					continue
				}
				tr.set(id, k, v)
			}
		}
		var evs []ingest.Event
		if ev, ok := tr.pairChange(pc, at); ok {
			evs = append(evs, ev)
		}
		if attrs, ok := tr.sample(); ok {
			evs = append(evs, rtcSampleEvent(pc, at, attrs))
		}
		return evs
	}
	ev := rtcAPIEvent(pc, method, rtcRawText(value), at)
	if method == "create" {
		if s := rtcstatsServers(value); s != "" {
			ev.Attrs["pc.ice_servers"] = s
			ev.Message = pc + " created, ICE servers: " + s
		}
	}
	return []ingest.Event{ev}
}

// rtcRawText renders a raw JSON value: strings unquoted, the rest as JSON.
func rtcRawText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return ""
	}
	return string(v)
}

// rtcRawSummary is rtcRawText cut for a message.
func rtcRawSummary(v json.RawMessage) string { return ingest.Truncate(rtcRawText(v), 300) }

// rtcstatsTracks summarises a getUserMedia success: the tracks' kinds and labels.
func rtcstatsTracks(v json.RawMessage) string {
	var s struct {
		Tracks []struct {
			Kind  string `json:"kind"`
			Label string `json:"label"`
		} `json:"tracks"`
	}
	if json.Unmarshal(v, &s) != nil || len(s.Tracks) == 0 {
		return rtcRawSummary(v)
	}
	var parts []string
	for _, t := range s.Tracks {
		parts = append(parts, t.Kind+" \""+t.Label+"\"")
	}
	return strings.Join(parts, ", ")
}

// rtcstatsServers lists the ICE server URLs of a "create" configuration.
func rtcstatsServers(v json.RawMessage) string {
	var cfg struct {
		IceServers []struct {
			URLs any `json:"urls"`
			URL  any `json:"url"`
		} `json:"iceServers"`
	}
	if json.Unmarshal(v, &cfg) != nil {
		return ""
	}
	var urls []string
	add := func(u any) {
		switch x := u.(type) {
		case string:
			urls = append(urls, x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					urls = append(urls, s)
				}
			}
		}
	}
	for _, s := range cfg.IceServers {
		add(s.URLs)
		add(s.URL)
	}
	return ingest.Truncate(strings.Join(urls, " "), 500)
}

// rtcstatsEnv takes the browser and page origin from client metadata.
func rtcstatsEnv(env *ingest.Environment, meta map[string]any) {
	if meta == nil {
		return
	}
	if ua, _ := meta["userAgent"].(string); ua != "" {
		if env.Browser == "" {
			env.Browser = ingest.BrowserFromUA(ua)
		}
		ingest.AddExtra(env, "user_agent", ua)
	}
	if o, _ := meta["origin"].(string); o != "" {
		ingest.AddExtra(env, "rtcstats.origin", o)
	}
	if p, _ := meta["clientProtocol"].(string); p != "" {
		ingest.AddExtra(env, "rtcstats.protocol", p)
	}
}

var rtcstatsLineRE = regexp.MustCompile(`^\[\s*("[A-Za-z][A-Za-z0-9_.]*"|\d+)\s*,\s*(null|"[^"]*"|\d+)\s*,`)

// LooksLikeRTCStats reports whether head is an rtcstats dump: lines that are
// JSON arrays beginning with a method name and a connection id or null.
func LooksLikeRTCStats(head []byte) bool {
	head = ingest.GunzipHead(head)
	lines := ingest.HeadLines(head, 10)
	if len(lines) == 0 { // one long first line
		t := bytes.TrimLeft(ingest.TrimBOM(head), " \t\r\n")
		return rtcstatsLineRE.Match(t)
	}
	seen, matched := 0, 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || t == "RTCStatsDump" {
			continue
		}
		seen++
		if rtcstatsLineRE.MatchString(t) {
			matched++
		} else if seen == 1 && t[0] == '{' && strings.Contains(t, "userAgent") {
			matched++ // a metadata object first
		}
	}
	return matched > 0 && matched*2 > seen
}
