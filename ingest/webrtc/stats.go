package webrtc

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// What the rtcstats and webrtc-internals parsers share: reading the WebRTC
// API calls and state changes they both record, and following a peer
// connection's getStats reports to produce call-quality samples.
//
// A stats sample is an event with Attrs["stats.sample"] = "1" and, when the
// reports allow, these numbers (decimal strings):
//
//	rtt_ms           round-trip time of the selected candidate pair
//	                 (currentRoundTripTime), else the largest roundTripTime
//	                 of the remote-inbound-rtp reports
//	loss_pct         packets lost / (lost + received) over the inbound-rtp
//	                 streams since the previous sample
//	packets_lost     the two counts behind loss_pct
//	packets_received
//	jitter_ms        the largest jitter of the inbound-rtp streams
//	remote_loss_pct  the largest fractionLost of the remote-inbound-rtp
//	                 reports: loss of what we send, as the far end saw it

// rtcTracker follows the merged getStats reports of one peer connection.
type rtcTracker struct {
	reports  map[string]map[string]any
	prev     map[string][2]float64 // inbound-rtp id → packetsLost, packetsReceived at the last sample
	pair     string                // selected candidate pair at the last sample
	lastPair [2]string             // its local and remote candidate types, once known
}

func newRTCTracker() *rtcTracker {
	return &rtcTracker{reports: map[string]map[string]any{}, prev: map[string][2]float64{}}
}

// set merges one property of one report.
func (t *rtcTracker) set(id, prop string, v any) {
	r := t.reports[id]
	if r == nil {
		r = map[string]any{}
		t.reports[id] = r
	}
	r[prop] = v
}

// rtcNum reads a number from a decoded JSON value.
func rtcNum(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func rtcString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ingest.JSONText(v, 300)
}

func rtcBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// rtcFmt renders a measure with at most decimals places.
func rtcFmt(v float64, decimals int) string {
	p := math.Pow(10, float64(decimals))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// selectedPair finds the selected candidate pair: the transport's
// selectedCandidatePairId, else a pair flagged selected (Firefox), else a
// nominated pair that succeeded.
func (t *rtcTracker) selectedPair() (string, map[string]any) {
	ids := make([]string, 0, len(t.reports))
	for id := range t.reports {
		ids = append(ids, id)
	}
	sort.Strings(ids) // deterministic choice
	for _, id := range ids {
		r := t.reports[id]
		if rtcString(r["type"]) == "transport" {
			if p := rtcString(r["selectedCandidatePairId"]); p != "" {
				if pr := t.reports[p]; pr != nil {
					return p, pr
				}
			}
		}
	}
	var nominated string
	for _, id := range ids {
		r := t.reports[id]
		if rtcString(r["type"]) != "candidate-pair" {
			continue
		}
		if rtcBool(r["selected"]) {
			return id, r
		}
		if nominated == "" && rtcBool(r["nominated"]) && rtcString(r["state"]) == "succeeded" {
			nominated = id
		}
	}
	if nominated != "" {
		return nominated, t.reports[nominated]
	}
	return "", nil
}

// sample computes a stats sample from the current reports; ok is false when
// there is nothing to report.
func (t *rtcTracker) sample() (attrs map[string]string, ok bool) {
	attrs = map[string]string{}
	var dLost, dRecv float64
	haveInbound := false
	jitter := -1.0
	rtt := -1.0
	remoteLoss := -1.0
	for id, r := range t.reports {
		switch rtcString(r["type"]) {
		case "inbound-rtp":
			lost, ok1 := rtcNum(r["packetsLost"])
			recv, ok2 := rtcNum(r["packetsReceived"])
			if ok1 && ok2 {
				haveInbound = true
				p, seen := t.prev[id]
				dl, dr := lost, recv
				if seen {
					dl, dr = lost-p[0], recv-p[1]
					if dr < 0 { // the stream restarted its counters
						dl, dr = lost, recv
					}
				}
				dLost += max(dl, 0)
				dRecv += max(dr, 0)
				t.prev[id] = [2]float64{lost, recv}
			}
			if j, ok := rtcNum(r["jitter"]); ok && j*1000 > jitter {
				jitter = j * 1000
			}
		case "remote-inbound-rtp":
			if v, ok := rtcNum(r["roundTripTime"]); ok && v > 0 && v*1000 > rtt {
				rtt = v * 1000
			}
			if v, ok := rtcNum(r["fractionLost"]); ok && v*100 > remoteLoss {
				remoteLoss = v * 100
			}
		}
	}
	if _, pr := t.selectedPair(); pr != nil {
		if v, ok := rtcNum(pr["currentRoundTripTime"]); ok {
			rtt = v * 1000
		}
	}
	if rtt >= 0 {
		attrs["rtt_ms"] = rtcFmt(rtt, 1)
	}
	if haveInbound {
		attrs["packets_lost"] = rtcFmt(dLost, 0)
		attrs["packets_received"] = rtcFmt(dRecv, 0)
		if dLost+dRecv > 0 {
			attrs["loss_pct"] = rtcFmt(dLost/(dLost+dRecv)*100, 2)
		}
	}
	if jitter >= 0 {
		attrs["jitter_ms"] = rtcFmt(jitter, 1)
	}
	if remoteLoss >= 0 {
		attrs["remote_loss_pct"] = rtcFmt(remoteLoss, 2)
	}
	if len(attrs) == 0 {
		return nil, false
	}
	attrs["stats.sample"] = "1"
	return attrs, true
}

// sampleEvent builds the event for a sample of peer connection pc.
func rtcSampleEvent(pc string, at time.Time, attrs map[string]string) ingest.Event {
	if pc != "" {
		attrs["pc.id"] = pc
	}
	var parts []string
	for _, k := range []struct{ key, label, unit string }{
		{"rtt_ms", "rtt", " ms"}, {"loss_pct", "loss", " %"}, {"jitter_ms", "jitter", " ms"},
		{"remote_loss_pct", "remote loss", " %"},
	} {
		if v, ok := attrs[k.key]; ok {
			parts = append(parts, k.label+" "+v+k.unit)
		}
	}
	msg := "stats"
	if pc != "" {
		msg += " " + pc
	}
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	return ingest.Event{Time: at, Level: ingest.LevelDebug, Tag: pc, Message: msg, Attrs: attrs}
}

// pairChange reports a change of the selected candidate pair since the last
// call, with the candidates' types.
func (t *rtcTracker) pairChange(pc string, at time.Time) (ingest.Event, bool) {
	id, pr := t.selectedPair()
	if id == "" {
		return ingest.Event{}, false
	}
	local := t.reports[rtcString(pr["localCandidateId"])]
	remote := t.reports[rtcString(pr["remoteCandidateId"])]
	lt, rt := rtcString(local["candidateType"]), rtcString(remote["candidateType"])
	if id == t.pair && [2]string{lt, rt} == t.lastPair {
		return ingest.Event{}, false
	}
	if lt == "" && rt == "" && id == t.pair {
		return ingest.Event{}, false
	}
	t.pair, t.lastPair = id, [2]string{lt, rt}
	attrs := map[string]string{"candidate.pair": id}
	if pc != "" {
		attrs["pc.id"] = pc
	}
	if lt != "" {
		attrs["candidate.local_type"] = lt
	}
	if rt != "" {
		attrs["candidate.remote_type"] = rt
	}
	if p := rtcString(local["protocol"]); p != "" {
		attrs["candidate.local_protocol"] = p
	}
	if p := rtcString(local["relayProtocol"]); p != "" {
		attrs["candidate.relay_protocol"] = p
	}
	if p := rtcString(remote["protocol"]); p != "" {
		attrs["candidate.remote_protocol"] = p
	}
	msg := fmt.Sprintf("selected candidate pair %s: local %s", strings.TrimSpace(pc), orDash(lt))
	if p := attrs["candidate.local_protocol"]; p != "" {
		msg += "/" + p
	}
	msg += ", remote " + orDash(rt)
	if p := attrs["candidate.remote_protocol"]; p != "" {
		msg += "/" + p
	}
	return ingest.Event{Time: at, Level: ingest.LevelInfo, Tag: pc, Message: msg, Attrs: attrs}, true
}

func orDash(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// rtcStateLevel is the level of an ICE or connection state.
func rtcStateLevel(state string) ingest.Level {
	switch state {
	case "failed":
		return ingest.LevelError
	case "disconnected":
		return ingest.LevelWarn
	}
	return ingest.LevelInfo
}

// rtcAPIEvent classifies one recorded API call, callback or state change
// of peer connection pc (method as rtcstats or webrtc-internals name it,
// value rendered as text).
func rtcAPIEvent(pc, method, value string, at time.Time) ingest.Event {
	ev := ingest.Event{Time: at, Tag: pc, Level: ingest.LevelDebug, Attrs: map[string]string{"rtc.method": method}}
	if pc != "" {
		ev.Attrs["pc.id"] = pc
	}
	m := strings.ToLower(method)
	m = strings.TrimPrefix(m, "on")
	state := strings.Trim(strings.TrimSpace(value), `"`)
	switch m {
	case "iceconnectionstatechange":
		ev.Attrs["ice.state"] = state
		ev.Level = rtcStateLevel(state)
	case "connectionstatechange":
		ev.Attrs["pc.state"] = state
		ev.Level = rtcStateLevel(state)
	case "signalingstatechange":
		ev.Attrs["signaling.state"] = state
		ev.Level = ingest.LevelInfo
	case "icegatheringstatechange":
		ev.Attrs["ice.gathering_state"] = state
		ev.Level = ingest.LevelInfo
	case "icecandidateerror":
		ev.Level = ingest.LevelWarn
	case "create", "close", "setconfiguration":
		ev.Level = ingest.LevelInfo
	default:
		if strings.HasSuffix(m, "onfailure") || strings.HasSuffix(m, "failed") || strings.HasSuffix(m, "failure") {
			ev.Level = ingest.LevelError
			if strings.HasPrefix(m, "addicecandidate") {
				ev.Level = ingest.LevelWarn
			}
			if state != "" {
				ev.Attrs["rtc.error"] = ingest.Truncate(state, 300)
			}
		}
	}
	msg := method
	if pc != "" {
		msg = pc + " " + method
	}
	if v := rtcValueSummary(value); v != "" {
		msg += ": " + v
	}
	ev.Message = msg
	return ev
}

// rtcValueSummary shortens a recorded value for a message: an SDP to its
// type and size, anything else cut at 300 bytes.
func rtcValueSummary(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || v == "null" || v == `""` || v == "{}" {
		return ""
	}
	if i := strings.Index(v, "v=0"); i >= 0 && strings.Contains(v, "o=") {
		typ := "sdp"
		for _, t := range []string{"offer", "answer", "pranswer", "rollback"} {
			if strings.Contains(v[:i], t) {
				typ = t
				break
			}
		}
		return fmt.Sprintf("%s (%d bytes of SDP)", typ, len(v)-i)
	}
	return ingest.Truncate(strings.ReplaceAll(v, "\n", " "), 300)
}

// rtcGUM describes a getUserMedia or getDisplayMedia call: kind is
// getUserMedia or getDisplayMedia, result request, success or failure.
func rtcGUMEvent(kind, result, detail string, at time.Time) ingest.Event {
	ev := ingest.Event{Time: at, Tag: kind, Level: ingest.LevelInfo, Attrs: map[string]string{"gum.kind": kind, "gum.result": result}}
	switch result {
	case "failure":
		ev.Level = ingest.LevelError
		ev.Attrs["gum.error"] = ingest.Truncate(detail, 300)
		ev.Message = kind + " failed: " + ingest.Truncate(detail, 300)
	case "success":
		ev.Message = kind + " succeeded"
		if detail != "" {
			ev.Message += ": " + ingest.Truncate(detail, 300)
		}
	default:
		ev.Message = kind + " requested"
		if detail != "" {
			ev.Message += ": " + ingest.Truncate(detail, 300)
		}
	}
	return ev
}

// rtcMillis turns milliseconds since the epoch into a time.
func rtcMillis(ms float64) time.Time {
	if ms <= 0 || math.IsNaN(ms) || math.IsInf(ms, 0) || ms > 1e15 {
		return time.Time{}
	}
	whole, frac := math.Modf(ms)
	return time.UnixMilli(int64(whole)).Add(time.Duration(math.Round(frac*1e3)) * time.Microsecond).UTC()
}

// rtcTimeLayouts are the textual times of webrtc-internals dumps: ISO, and
// Date.toLocaleString() in a few common locales (no zone: read as UTC).
var rtcTimeLayouts = []string{
	time.RFC3339Nano,
	"1/2/2006, 3:04:05 PM", "1/2/2006, 15:04:05", "02/01/2006, 15:04:05", "02.01.2006, 15:04:05",
	"2.1.2006, 15:04:05", "2006-01-02 15:04:05", "2006/1/2 15:04:05", "2006-01-02T15:04:05.999",
	"Mon Jan 02 2006 15:04:05 GMT-0700",
}

// rtcParseTime reads a webrtc-internals time: a number of milliseconds or
// one of rtcTimeLayouts.
func rtcParseTime(v any) (time.Time, bool) {
	if f, ok := v.(float64); ok {
		t := rtcMillis(f)
		return t, !t.IsZero()
	}
	s, _ := v.(string)
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		t := rtcMillis(f)
		return t, !t.IsZero()
	}
	if i := strings.Index(s, " ("); i > 0 && strings.Contains(s, "GMT") { // JS Date.toString()
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "\u202f", " ") // narrow no-break space before AM/PM
	return ingest.ParseTime(s, rtcTimeLayouts...)
}
