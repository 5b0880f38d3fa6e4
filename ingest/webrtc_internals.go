package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// chrome://webrtc-internals dumps ("Create a WebRTC-Internals dump"), plain
// or gzip-compressed:
//
//	{"getUserMedia": [{request_type, origin, audio, video, timestamp, …}, …],
//	 "PeerConnections": {"6411-1": {"url", "rtcConfiguration", "constraints",
//	     "updateLog": [{"time", "type", "value"}, …],
//	     "stats": {"<report id>-<property>": {"statsType", "startTime",
//	         "endTime", "values": "[JSON-encoded array]"}, …}}},
//	 "UserAgent": "…", "UserAgentData": [{"brand", "version"}, …]}
//
// Since Chrome 117 each report also has a "<report id>-timestamp" series
// giving the time of every value; older dumps are read as one value a second
// from startTime. The updateLog's times are the browser's local time without
// a zone (Date.toLocaleString()): they are read as UTC, then shifted by the
// zone offset the stats timestamps reveal (see alignLocalTimes).

type wiUpdate struct {
	Time      any    `json:"time"`
	Timestamp any    `json:"timestamp"`
	Type      string `json:"type"`
	Value     any    `json:"value"`
}

type wiSeries struct {
	StatsType string          `json:"statsType"`
	StartTime any             `json:"startTime"`
	EndTime   any             `json:"endTime"`
	Values    json.RawMessage `json:"values"`
}

type wiPC struct {
	URL              string              `json:"url"`
	RTCConfiguration json.RawMessage     `json:"rtcConfiguration"`
	UpdateLog        []wiUpdate          `json:"updateLog"`
	Stats            map[string]wiSeries `json:"stats"`
}

// wiWanted are the stats properties the samples need.
var wiWanted = map[string]bool{
	"packetsLost": true, "packetsReceived": true, "jitter": true,
	"roundTripTime": true, "fractionLost": true,
	"currentRoundTripTime": true, "state": true, "nominated": true, "selected": true,
	"localCandidateId": true, "remoteCandidateId": true,
	"selectedCandidatePairId": true,
	"candidateType":           true, "protocol": true, "relayProtocol": true,
	"timestamp": true,
}

type wiState struct {
	j    *iwJSON
	res  *Result
	sink Sink
	ua   string
	uad  []struct {
		Brand   string `json:"brand"`
		Version string `json:"version"`
	}
	pcs int
}

// ParseWebRTCInternals reads a chrome://webrtc-internals dump, plain or
// gzip-compressed: events for getUserMedia/getDisplayMedia requests,
// successes and failures (E), and per peer connection (Tag = its id): its
// creation with the ICE servers, every updateLog entry (ICE and connection
// states in Attrs ice.state / pc.state, failed E, disconnected W; failures
// E; other calls D), changes of the selected candidate pair and stats
// samples with rtt_ms, loss_pct and jitter_ms (see webrtc_stats.go).
// Env.Browser comes from UserAgentData, else UserAgent.
func ParseWebRTCInternals(name string, r io.Reader, sink Sink) (Result, error) {
	res := Result{File: name, Format: FormatWebRTCInternals}
	j, err := newIWJSON(name, r)
	if err != nil {
		return res, harFatal(&res, ParseError{File: name, Msg: err.Error()})
	}
	st := &wiState{j: j, res: &res, sink: sink}
	if err := st.parse(); err != nil {
		return res, iwFinish(&res, err)
	}
	st.env()
	return res, nil
}

func (st *wiState) emit(ev Event) error {
	if err := st.res.emit(st.sink, ev); err != nil {
		return iwSinkError{err}
	}
	return nil
}

func (st *wiState) key() (string, error) {
	t, err := st.j.dec.Token()
	if err != nil {
		return "", st.j.fail(err)
	}
	k, ok := t.(string)
	if !ok {
		return "", st.j.fail(fmt.Errorf("expected an object key, found %v", t))
	}
	return k, nil
}

func (st *wiState) parse() error {
	dec := st.j.dec
	ok, kind, err := iwExpectDelim(dec, '{')
	if err != nil {
		if err == io.ErrUnexpectedEOF && dec.InputOffset() == 0 {
			return ParseError{File: st.res.File, Msg: "empty file: no webrtc-internals data"}
		}
		return st.j.fail(err)
	}
	if !ok {
		return ParseError{File: st.res.File, Line: 1, Msg: fmt.Sprintf("not a webrtc-internals dump: the top level is %s, not an object", kind)}
	}
	for dec.More() {
		key, err := st.key()
		if err != nil {
			return err
		}
		off := dec.InputOffset()
		switch key {
		case "getUserMedia":
			if err := st.getUserMedia(); err != nil {
				return err
			}
		case "PeerConnections":
			ok, kind, err := iwExpectDelim(dec, '{')
			if err != nil {
				return st.j.fail(err)
			}
			if !ok {
				w, line := st.j.whereNext(off)
				st.res.addError(line, "PeerConnections is %s at %s, expected an object", kind, w)
				continue
			}
			for dec.More() {
				id, err := st.key()
				if err != nil {
					return err
				}
				if err := st.peerConnection(id); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return st.j.fail(err)
			}
		case "UserAgent":
			var ua iwStr
			if err := st.decode(&ua, key); err != nil {
				return err
			}
			st.ua = string(ua)
		case "UserAgentData":
			if err := st.decode(&st.uad, key); err != nil {
				return err
			}
		default:
			if err := iwSkipValue(dec); err != nil {
				return st.j.fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

// decode reads the next value into v; a value of the wrong type is noted
// and skipped.
func (st *wiState) decode(v any, what string) error {
	off := st.j.dec.InputOffset()
	if err := st.j.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return st.j.fail(err)
		}
		w, line := st.j.whereNext(off)
		st.res.addError(line, "%s at %s: %v", what, w, err)
	}
	return nil
}

func (st *wiState) getUserMedia() error {
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '[')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "getUserMedia is %s at %s, expected an array", kind, w)
		return nil
	}
	for dec.More() {
		line := st.j.lineOfNext(dec.InputOffset())
		var g map[string]any
		if err := st.decode(&g, "getUserMedia entry"); err != nil {
			return err
		}
		if g == nil {
			continue
		}
		ev := wiGUMEvent(g)
		ev.Line = line
		if err := st.emit(ev); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

// wiGUMEvent reads one entry of the getUserMedia list: a request, a
// success (stream_id and track info) or a failure (error, error_message).
func wiGUMEvent(g map[string]any) Event {
	kind := rtcString(g["request_type"])
	if kind != "getDisplayMedia" {
		kind = "getUserMedia"
	}
	at := time.Time{}
	if ms, ok := rtcNum(g["timestamp"]); ok {
		at = rtcMillis(ms)
	}
	var ev Event
	switch {
	case rtcString(g["error"]) != "":
		detail := rtcString(g["error"])
		if m := rtcString(g["error_message"]); m != "" {
			detail += ": " + m
		}
		ev = rtcGUMEvent(kind, "failure", detail, at)
	case g["stream_id"] != nil || g["audio_track_info"] != nil || g["video_track_info"] != nil:
		var parts []string
		for _, k := range []string{"audio", "video"} {
			var info struct {
				Label string `json:"label"`
			}
			s := rtcString(g[k+"_track_info"])
			if s != "" && s != "null" && json.Unmarshal([]byte(s), &info) == nil {
				parts = append(parts, k+" \""+info.Label+"\"")
			}
		}
		ev = rtcGUMEvent(kind, "success", strings.Join(parts, ", "), at)
	default:
		var parts []string
		for _, k := range []string{"audio", "video"} {
			if v, ok := g[k]; ok {
				if c := rtcString(v); c != "" {
					parts = append(parts, k+" ("+iwTruncate(c, 120)+")")
				} else {
					parts = append(parts, k)
				}
			}
		}
		ev = rtcGUMEvent(kind, "request", strings.Join(parts, ", "), at)
	}
	if o := rtcString(g["origin"]); o != "" {
		ev.Attrs["gum.origin"] = o
	}
	if rid := rtcString(g["request_id"]); rid != "" {
		ev.Attrs["gum.request_id"] = rid
	}
	return ev
}

// peerConnection reads one peer connection and emits its events in time order.
func (st *wiState) peerConnection(id string) error {
	st.pcs++
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '{')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "peer connection %s is %s at %s, expected an object", id, kind, w)
		return nil
	}
	// Read member by member: of the stats, only the series the samples use
	// are kept; the others are skipped token by token.
	pc := wiPC{Stats: map[string]wiSeries{}}
	for dec.More() {
		key, err := st.key()
		if err != nil {
			return err
		}
		switch key {
		case "url":
			var u iwStr
			if err := st.decode(&u, "peer connection "+id+" url"); err != nil {
				return err
			}
			pc.URL = string(u)
		case "rtcConfiguration":
			if err := st.decode(&pc.RTCConfiguration, "peer connection "+id+" rtcConfiguration"); err != nil {
				return err
			}
		case "updateLog":
			if err := st.array("peer connection "+id+" updateLog", func() error {
				var u wiUpdate
				if err := st.decode(&u, "peer connection "+id+" updateLog entry"); err != nil {
					return err
				}
				pc.UpdateLog = append(pc.UpdateLog, u)
				return nil
			}); err != nil {
				return err
			}
		case "stats":
			if err := st.object("peer connection "+id+" stats", func(k string) error {
				if !wiWantedKey(k) {
					if err := iwSkipValue(dec); err != nil {
						return st.j.fail(err)
					}
					return nil
				}
				var se wiSeries
				if err := st.decode(&se, "peer connection "+id+" stats "+k); err != nil {
					return err
				}
				pc.Stats[k] = se
				return nil
			}); err != nil {
				return err
			}
		default:
			if err := iwSkipValue(dec); err != nil {
				return st.j.fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	var evs []Event
	// Its creation, with the ICE servers it was given.
	created := Event{Level: LevelInfo, Tag: id, Message: "peer connection " + id + " created",
		Attrs: map[string]string{"pc.id": id, "rtc.method": "create"}}
	if pc.URL != "" {
		created.Attrs["pc.url"] = pc.URL
	}
	if s := rtcstatsServers(pc.RTCConfiguration); s != "" {
		created.Attrs["pc.ice_servers"] = s
		created.Message += ", ICE servers: " + s
	}
	var upd []Event
	zoneless := false // times from Date.toLocaleString(): local, zone unknown
	for i, u := range pc.UpdateLog {
		at, ok := rtcParseTime(u.Timestamp)
		if !ok {
			at, ok = rtcParseTime(u.Time)
			if ok && !rtcHasZone(u.Time) {
				zoneless = true
			}
		}
		if !ok && u.Time != nil {
			st.res.addError(0, "peer connection %s, updateLog[%d]: cannot read time %q", id, i, iwTruncate(rtcString(u.Time), 64))
		}
		upd = append(upd, rtcAPIEvent(id, u.Type, rtcString(u.Value), at))
	}
	stats := st.stats(id, pc.Stats)
	if zoneless {
		st.alignLocalTimes(upd, stats)
	}
	if len(upd) > 0 {
		created.Time = upd[0].Time
	}
	evs = append(append(evs, upd...), stats...)
	if created.Time.IsZero() {
		for _, e := range evs {
			if !e.Time.IsZero() {
				created.Time = e.Time
				break
			}
		}
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
	if err := st.emit(created); err != nil {
		return err
	}
	for _, ev := range evs {
		if err := st.emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// alignLocalTimes shifts updateLog times, which are the browser's local time
// read as UTC, by the zone offset that the stats timestamps (true UTC) reveal:
// the stats start within moments of the connection's first updates, so a
// gap of a whole number of quarter hours between them is the zone offset.
func (st *wiState) alignLocalTimes(upd, stats []Event) {
	var firstUpd, firstStats time.Time
	for _, e := range upd {
		if !e.Time.IsZero() && (firstUpd.IsZero() || e.Time.Before(firstUpd)) {
			firstUpd = e.Time
		}
	}
	for _, e := range stats {
		if !e.Time.IsZero() && (firstStats.IsZero() || e.Time.Before(firstStats)) {
			firstStats = e.Time
		}
	}
	if firstUpd.IsZero() || firstStats.IsZero() {
		return
	}
	diff := firstUpd.Sub(firstStats)
	offset := diff.Round(15 * time.Minute)
	if offset == 0 || offset.Abs() > 14*time.Hour || (diff-offset).Abs() > 5*time.Minute {
		return
	}
	for i := range upd {
		if !upd[i].Time.IsZero() {
			upd[i].Time = upd[i].Time.Add(-offset)
		}
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	iwAddExtra(&st.res.Env, "webrtc.local_time_offset", fmt.Sprintf("%s%02d:%02d", sign, int(offset.Hours()), int(offset.Minutes())%60))
}

// rtcHasZone reports whether a textual time names its zone.
func rtcHasZone(v any) bool {
	s, ok := v.(string)
	if !ok {
		return true // a number of milliseconds is UTC
	}
	if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		return true
	}
	_, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	return err == nil || strings.Contains(s, "GMT")
}

// wiWantedKey reports whether a stats key ("<report id>-<property>") is a
// series the samples use.
func wiWantedKey(k string) bool {
	if strings.Contains(k, "[") {
		return false
	}
	i := strings.LastIndexByte(k, '-')
	return i > 0 && wiWanted[k[i+1:]]
}

// array reads an array element by element with each; a value of another
// kind is noted and skipped.
func (st *wiState) array(what string, each func() error) error {
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '[')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "%s is %s at %s, expected an array", what, kind, w)
		return nil
	}
	for dec.More() {
		if err := each(); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

// object reads an object member by member with each (given the key, it
// reads the value); a value of another kind is noted and skipped.
func (st *wiState) object(what string, each func(key string) error) error {
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '{')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "%s is %s at %s, expected an object", what, kind, w)
		return nil
	}
	for dec.More() {
		k, err := st.key()
		if err != nil {
			return err
		}
		if err := each(k); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

type wiPoint struct {
	ms       int64
	id, prop string
	v        any
}

// stats replays the time series of one peer connection as getStats
// snapshots and returns the samples and candidate-pair changes.
func (st *wiState) stats(pcID string, stats map[string]wiSeries) []Event {
	if len(stats) == 0 {
		return nil
	}
	type series struct {
		vals       []any
		start, end time.Time
	}
	type report struct {
		typ   string
		props map[string]series
	}
	byID := map[string]*report{}
	for key, s := range stats {
		if strings.Contains(key, "[") { // computed rates such as "[bytesReceived_in_bits/s]"
			continue
		}
		i := strings.LastIndexByte(key, '-')
		if i <= 0 {
			continue
		}
		id, prop := key[:i], key[i+1:]
		rep := byID[id]
		if rep == nil {
			rep = &report{props: map[string]series{}}
			byID[id] = rep
		}
		if s.StatsType != "" {
			rep.typ = s.StatsType
		}
		if !wiWanted[prop] {
			continue
		}
		vals, err := wiValues(s.Values)
		if err != nil {
			st.res.addError(0, "peer connection %s, stats %s: %v", pcID, key, err)
			continue
		}
		se := series{vals: vals}
		se.start, _ = rtcParseTime(s.StartTime)
		se.end, _ = rtcParseTime(s.EndTime)
		rep.props[prop] = se
	}
	var pts []wiPoint
	for id, rep := range byID {
		ts := rep.props["timestamp"].vals
		for prop, se := range rep.props {
			vals := se.vals
			if prop == "timestamp" || len(vals) == 0 {
				continue
			}
			for i, v := range vals {
				var ms int64
				if len(ts) >= len(vals) { // aligned at the end: a later property has a shorter series
					f, ok := rtcNum(ts[len(ts)-len(vals)+i])
					if !ok {
						continue
					}
					ms = int64(f)
				} else if !se.start.IsZero() {
					step := int64(1000)
					if n := len(vals); n > 1 && se.end.After(se.start) {
						step = se.end.Sub(se.start).Milliseconds() / int64(n-1)
					}
					ms = se.start.UnixMilli() + int64(i)*step
				} else {
					continue
				}
				pts = append(pts, wiPoint{ms: ms, id: id, prop: prop, v: v})
			}
		}
	}
	if len(pts) == 0 {
		return nil
	}
	sort.SliceStable(pts, func(a, b int) bool {
		if pts[a].ms != pts[b].ms {
			return pts[a].ms < pts[b].ms
		}
		if pts[a].id != pts[b].id {
			return pts[a].id < pts[b].id
		}
		return pts[a].prop < pts[b].prop
	})
	tr := newRTCTracker()
	for id, rep := range byID {
		if rep.typ != "" {
			tr.set(id, "type", rep.typ)
		}
	}
	var evs []Event
	for i := 0; i < len(pts); {
		start := pts[i].ms
		last := start
		for ; i < len(pts) && pts[i].ms-start <= 500; i++ {
			tr.set(pts[i].id, pts[i].prop, pts[i].v)
			last = pts[i].ms
		}
		at := rtcMillis(float64(last))
		if ev, ok := tr.pairChange(pcID, at); ok {
			evs = append(evs, ev)
		}
		if attrs, ok := tr.sample(); ok {
			evs = append(evs, rtcSampleEvent(pcID, at, attrs))
		}
	}
	return evs
}

// wiValues reads a series' values: a JSON-encoded array in a string, or an array.
func wiValues(raw json.RawMessage) ([]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		raw = []byte(s)
	}
	var vals []any
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, fmt.Errorf("values are not a JSON array: %v", err)
	}
	return vals, nil
}

// env names the browser: the most specific brand of UserAgentData (not a
// "Not A Brand" placeholder, not plain Chromium when another is given), else
// the UserAgent.
func (st *wiState) env() {
	env := &st.res.Env
	iwAddExtra(env, "user_agent", st.ua)
	best := ""
	for _, b := range st.uad {
		if b.Brand == "" || strings.Contains(b.Brand, "Not") {
			continue
		}
		name := strings.TrimSpace(b.Brand + " " + b.Version)
		if best == "" || (strings.HasPrefix(best, "Chromium") && b.Brand != "Chromium") {
			best = name
		}
	}
	if best == "" {
		best = iwBrowserFromUA(st.ua)
	}
	env.Browser = best
	iwAddExtra(env, "webrtc.peer_connections", fmt.Sprint(st.pcs))
}

var wiPCRE = regexp.MustCompile(`"PeerConnections"\s*:\s*\{`)
var wiGUMRE = regexp.MustCompile(`"getUserMedia"\s*:\s*\[`)

// looksLikeWebRTCInternals reports whether head (plain or gzip-compressed) is
// a webrtc-internals dump.
func looksLikeWebRTCInternals(head []byte) bool {
	head = bytes.TrimLeft(iwTrimBOM(iwGunzipHead(head)), " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	return wiPCRE.Match(head) || (wiGUMRE.Match(head) && bytes.Contains(head, []byte(`"UserAgent"`)))
}
