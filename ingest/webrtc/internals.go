// Package webrtc reads the dumps a call leaves: chrome://webrtc-internals
// exports and rtcstats line-JSON, turning peer-connection state changes,
// getUserMedia calls and stats series (RTT, loss, jitter) into events.
package webrtc

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

	"parley/ingest"
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

type pcUpdate struct {
	Time      any    `json:"time"`
	Timestamp any    `json:"timestamp"`
	Type      string `json:"type"`
	Value     any    `json:"value"`
}

type statSeries struct {
	StatsType string          `json:"statsType"`
	StartTime any             `json:"startTime"`
	EndTime   any             `json:"endTime"`
	Values    json.RawMessage `json:"values"`
}

// peerConn is what is kept of one peer connection while it is read. Memory
// is bounded whatever the length of the call: a stats series keeps at most
// 2*maxPoints values over the whole call, thinned past that (values),
// all the series of a connection at most
// maxPCPoints values, and the updateLog its first and last
// maxUpdates/2 entries, already turned into events.
type peerConn struct {
	URL              string
	RTCConfiguration json.RawMessage
	Updates          []ingest.Event // the first maxUpdates/2 entries
	Tail             []ingest.Event // a ring of the last ones
	Entries          int            // updateLog entries read
	Zoneless         bool           // times from Date.toLocaleString(): local, zone unknown
	Stats            map[string]*kept
	Points           int // values kept in Stats
	Trimmed          int // the largest stride of a thinned series (0: none thinned)
}

// kept is a stats series: its values, thinned when long (values), and how
// many it had.
type kept struct {
	StatsType  string
	Start, End time.Time
	Vals       []any
	Total      int
	Stride     int // raw values each of Vals stands for (the last may stand for fewer)
}

const (
	maxPoints   = 2000
	maxPCPoints = 400_000
	maxUpdates  = 10_000
)

// wanted are the stats properties the samples need.
var wanted = map[string]bool{
	"packetsLost": true, "packetsReceived": true, "jitter": true,
	"roundTripTime": true, "fractionLost": true,
	"currentRoundTripTime": true, "state": true, "nominated": true, "selected": true,
	"localCandidateId": true, "remoteCandidateId": true,
	"selectedCandidatePairId": true,
	"candidateType":           true, "protocol": true, "relayProtocol": true,
	"timestamp": true,
}

type parseState struct {
	j    *ingest.JSONInput
	res  *ingest.Result
	sink ingest.Sink
	ua   string
	uad  []struct {
		Brand   string `json:"brand"`
		Version string `json:"version"`
	}
	pcs int
}

// ParseInternals reads a chrome://webrtc-internals dump, plain or
// gzip-compressed: events for getUserMedia/getDisplayMedia requests,
// successes and failures (E), and per peer connection (Tag = its id): its
// creation with the ICE servers, every updateLog entry (ICE and connection
// states in Attrs ice.state / pc.state, failed E, disconnected W; failures
// E; other calls D), changes of the selected candidate pair and stats
// samples with rtt_ms, loss_pct and jitter_ms (see webrtc_stats.go).
// Env.Browser comes from UserAgentData, else UserAgent.
func ParseInternals(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatWebRTCInternals}
	j, err := ingest.NewJSONInput(name, r)
	if err != nil {
		return res, ingest.Fatal(&res, ingest.ParseError{File: name, Msg: err.Error()})
	}
	st := &parseState{j: j, res: &res, sink: sink}
	if err := st.parse(); err != nil {
		return res, ingest.Finish(&res, err)
	}
	st.env()
	return res, nil
}

func (st *parseState) emit(ev ingest.Event) error {
	if err := st.res.Emit(st.sink, ev); err != nil {
		return ingest.SinkError{Err: err}
	}
	return nil
}

func (st *parseState) key() (string, error) {
	t, err := st.j.Dec.Token()
	if err != nil {
		return "", st.j.Fail(err)
	}
	k, ok := t.(string)
	if !ok {
		return "", st.j.Fail(fmt.Errorf("expected an object key, found %v", t))
	}
	return k, nil
}

func (st *parseState) parse() error {
	dec := st.j.Dec
	ok, kind, err := ingest.ExpectDelim(dec, '{')
	if err != nil {
		if err == io.ErrUnexpectedEOF && dec.InputOffset() == 0 {
			return ingest.ParseError{File: st.res.File, Msg: "empty file: no webrtc-internals data"}
		}
		return st.j.Fail(err)
	}
	if !ok {
		return ingest.ParseError{File: st.res.File, Line: 1, Msg: fmt.Sprintf("not a webrtc-internals dump: the top level is %s, not an object", kind)}
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
			ok, kind, err := ingest.ExpectDelim(dec, '{')
			if err != nil {
				return st.j.Fail(err)
			}
			if !ok {
				w, line := st.j.WhereNext(off)
				st.res.AddError(line, "PeerConnections is %s at %s, expected an object", kind, w)
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
				return st.j.Fail(err)
			}
		case "UserAgent":
			var ua ingest.JSONString
			if err := st.decode(&ua, key); err != nil {
				return err
			}
			st.ua = string(ua)
		case "UserAgentData":
			if err := st.decode(&st.uad, key); err != nil {
				return err
			}
		default:
			if err := ingest.SkipValue(dec); err != nil {
				return st.j.Fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.Fail(err)
	}
	return nil
}

// decode reads the next value into v; a value of the wrong type is noted
// and skipped.
func (st *parseState) decode(v any, what string) error {
	off := st.j.Dec.InputOffset()
	if err := st.j.Dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return st.j.Fail(err)
		}
		w, line := st.j.WhereNext(off)
		st.res.AddError(line, "%s at %s: %v", what, w, err)
	}
	return nil
}

func (st *parseState) getUserMedia() error {
	dec := st.j.Dec
	off := dec.InputOffset()
	ok, kind, err := ingest.ExpectDelim(dec, '[')
	if err != nil {
		return st.j.Fail(err)
	}
	if !ok {
		w, line := st.j.WhereNext(off)
		st.res.AddError(line, "getUserMedia is %s at %s, expected an array", kind, w)
		return nil
	}
	for dec.More() {
		line := st.j.LineOfNext(dec.InputOffset())
		var g map[string]any
		if err := st.decode(&g, "getUserMedia entry"); err != nil {
			return err
		}
		if g == nil {
			continue
		}
		ev := gumEvent(g)
		ev.Line = line
		if err := st.emit(ev); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.Fail(err)
	}
	return nil
}

// gumEvent reads one entry of the getUserMedia list: a request, a
// success (stream_id and track info) or a failure (error, error_message).
func gumEvent(g map[string]any) ingest.Event {
	kind := rtcString(g["request_type"])
	if kind != "getDisplayMedia" {
		kind = "getUserMedia"
	}
	at := time.Time{}
	if ms, ok := rtcNum(g["timestamp"]); ok {
		at = rtcMillis(ms)
	}
	var ev ingest.Event
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
					parts = append(parts, k+" ("+ingest.Truncate(c, 120)+")")
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
func (st *parseState) peerConnection(id string) error {
	st.pcs++
	dec := st.j.Dec
	off := dec.InputOffset()
	ok, kind, err := ingest.ExpectDelim(dec, '{')
	if err != nil {
		return st.j.Fail(err)
	}
	if !ok {
		w, line := st.j.WhereNext(off)
		st.res.AddError(line, "peer connection %s is %s at %s, expected an object", id, kind, w)
		return nil
	}
	return st.readPC(id)
}

// readPC reads the members of a peer connection whose brace has been read.
func (st *parseState) readPC(id string) error {
	dec := st.j.Dec
	// Read member by member: of the stats, only the series the samples use
	// are kept; the others are skipped token by token.
	pc := peerConn{Stats: map[string]*kept{}}
	for dec.More() {
		key, err := st.key()
		if err != nil {
			return err
		}
		switch key {
		case "url":
			var u ingest.JSONString
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
				var u pcUpdate
				if err := st.decode(&u, "peer connection "+id+" updateLog entry"); err != nil {
					return err
				}
				st.update(&pc, id, u)
				return nil
			}); err != nil {
				return err
			}
		case "stats":
			if err := st.object("peer connection "+id+" stats", func(k string) error {
				if !wantedKey(k) {
					if err := ingest.SkipValue(dec); err != nil {
						return st.j.Fail(err)
					}
					return nil
				}
				var se statSeries
				if err := st.decode(&se, "peer connection "+id+" stats "+k); err != nil {
					return err
				}
				st.keep(&pc, id, k, se)
				return nil
			}); err != nil {
				return err
			}
		default:
			if err := ingest.SkipValue(dec); err != nil {
				return st.j.Fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.Fail(err)
	}
	if pc.Trimmed > 0 {
		st.res.AddError(0, "peer connection %s: stats series of more than %d values are thinned: each value read stands for up to %d, their largest", id, 2*maxPoints, pc.Trimmed)
	}
	if n := pc.Entries - len(pc.Updates) - len(pc.Tail); n > 0 {
		st.res.AddError(0, "peer connection %s: updateLog has %d entries; %d in the middle are left out", id, pc.Entries, n)
	}
	// Its creation, with the ICE servers it was given.
	created := ingest.Event{Level: ingest.LevelInfo, Tag: id, Message: "peer connection " + id + " created",
		Attrs: map[string]string{"pc.id": id, "rtc.method": "create"}}
	if pc.URL != "" {
		created.Attrs["pc.url"] = pc.URL
	}
	if s := rtcstatsServers(pc.RTCConfiguration); s != "" {
		created.Attrs["pc.ice_servers"] = s
		created.Message += ", ICE servers: " + s
	}
	upd := pc.Updates
	if len(pc.Tail) > 0 {
		i := (pc.Entries - len(pc.Updates)) % len(pc.Tail) // the oldest of the ring
		upd = append(append(upd, pc.Tail[i:]...), pc.Tail[:i]...)
	}
	pc.Updates, pc.Tail = nil, nil
	stats := st.stats(id, pc.Stats)
	// The samples come in time order, those without a time aside; a first
	// pass finds the first time, which the updateLog times are aligned on.
	var firstStats time.Time
	zeros := 0
	stats.each(func(ev ingest.Event) bool {
		if ev.Time.IsZero() {
			zeros++
		} else if firstStats.IsZero() {
			firstStats = ev.Time
		}
		return true
	})
	if pc.Zoneless {
		st.alignLocalTimes(upd, firstStats)
	}
	if len(upd) > 0 {
		created.Time = upd[0].Time
	}
	if created.Time.IsZero() {
		for _, e := range upd {
			if !e.Time.IsZero() {
				created.Time = e.Time
				break
			}
		}
	}
	if created.Time.IsZero() {
		created.Time = firstStats
	}
	// The order a stable sort by time of the updates, then the samples,
	// gave: the updates without a time, the samples without one, then the
	// sorted updates merged with the samples, updates first on a tie.
	sort.SliceStable(upd, func(a, b int) bool { return upd[a].Time.Before(upd[b].Time) })
	if err := st.emit(created); err != nil {
		return err
	}
	for len(upd) > 0 && upd[0].Time.IsZero() {
		if err := st.emit(upd[0]); err != nil {
			return err
		}
		upd = upd[1:]
	}
	var err error
	if zeros > 0 {
		stats.each(func(ev ingest.Event) bool {
			if ev.Time.IsZero() {
				err = st.emit(ev)
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	stats.each(func(ev ingest.Event) bool {
		if ev.Time.IsZero() {
			return true
		}
		for len(upd) > 0 && !ev.Time.Before(upd[0].Time) {
			if err = st.emit(upd[0]); err != nil {
				return false
			}
			upd = upd[1:]
		}
		err = st.emit(ev)
		return err == nil
	})
	if err != nil {
		return err
	}
	for _, ev := range upd {
		if err := st.emit(ev); err != nil {
			return err
		}
	}
	return nil
}

// update turns one updateLog entry into its event and keeps it: among the
// first maxUpdates/2, else in the ring of the last ones.
func (st *parseState) update(pc *peerConn, id string, u pcUpdate) {
	i := pc.Entries
	pc.Entries++
	at, ok := rtcParseTime(u.Timestamp)
	if !ok {
		at, ok = rtcParseTime(u.Time)
		if ok && !rtcHasZone(u.Time) {
			pc.Zoneless = true
		}
	}
	if !ok && u.Time != nil {
		st.res.AddError(0, "peer connection %s, updateLog[%d]: cannot read time %q", id, i, ingest.Truncate(rtcString(u.Time), 64))
	}
	ev := rtcAPIEvent(id, u.Type, rtcString(u.Value), at)
	switch half := maxUpdates / 2; {
	case len(pc.Updates) < half:
		pc.Updates = append(pc.Updates, ev)
	case len(pc.Tail) < half:
		pc.Tail = append(pc.Tail, ev)
	default:
		pc.Tail[(i-half)%half] = ev
	}
}

// keep reads the values of a stats series and keeps them, thinned.
func (st *parseState) keep(pc *peerConn, id, key string, se statSeries) {
	vals, total, stride, err := values(se.Values, maxPoints)
	if err != nil {
		st.res.AddError(0, "peer connection %s, stats %s: %v", id, key, err)
		vals, total = nil, -1 // its type still counts
	}
	if old := pc.Stats[key]; old != nil {
		pc.Points -= len(old.Vals)
	}
	if pc.Points+len(vals) > maxPCPoints {
		st.res.AddError(0, "peer connection %s, stats %s: left out, the connection already has %d values", id, key, pc.Points)
		vals, total = nil, -1
	}
	if stride > 1 && total > 0 {
		pc.Trimmed = max(pc.Trimmed, stride)
	}
	k := &kept{StatsType: se.StatsType, Vals: vals, Total: total, Stride: max(stride, 1)}
	k.Start, _ = rtcParseTime(se.StartTime)
	k.End, _ = rtcParseTime(se.EndTime)
	pc.Points += len(vals)
	pc.Stats[key] = k
}

// alignLocalTimes shifts updateLog times, which are the browser's local time
// read as UTC, by the zone offset that the stats timestamps (true UTC) reveal:
// the stats start within moments of the connection's first updates, so a
// gap of a whole number of quarter hours between them is the zone offset.
func (st *parseState) alignLocalTimes(upd []ingest.Event, firstStats time.Time) {
	var firstUpd time.Time
	for _, e := range upd {
		if !e.Time.IsZero() && (firstUpd.IsZero() || e.Time.Before(firstUpd)) {
			firstUpd = e.Time
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
	ingest.AddExtra(&st.res.Env, "webrtc.local_time_offset", fmt.Sprintf("%s%02d:%02d", sign, int(offset.Hours()), int(offset.Minutes())%60))
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

// wantedKey reports whether a stats key ("<report id>-<property>") is a
// series the samples use.
func wantedKey(k string) bool {
	if strings.Contains(k, "[") {
		return false
	}
	i := strings.LastIndexByte(k, '-')
	return i > 0 && wanted[k[i+1:]]
}

// array reads an array element by element with each; a value of another
// kind is noted and skipped.
func (st *parseState) array(what string, each func() error) error {
	dec := st.j.Dec
	off := dec.InputOffset()
	ok, kind, err := ingest.ExpectDelim(dec, '[')
	if err != nil {
		return st.j.Fail(err)
	}
	if !ok {
		w, line := st.j.WhereNext(off)
		st.res.AddError(line, "%s is %s at %s, expected an array", what, kind, w)
		return nil
	}
	for dec.More() {
		if err := each(); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.Fail(err)
	}
	return nil
}

// object reads an object member by member with each (given the key, it
// reads the value); a value of another kind is noted and skipped.
func (st *parseState) object(what string, each func(key string) error) error {
	dec := st.j.Dec
	off := dec.InputOffset()
	ok, kind, err := ingest.ExpectDelim(dec, '{')
	if err != nil {
		return st.j.Fail(err)
	}
	if !ok {
		w, line := st.j.WhereNext(off)
		st.res.AddError(line, "%s is %s at %s, expected an object", what, kind, w)
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
		return st.j.Fail(err)
	}
	return nil
}

// point is one value of a series: its time, the series (an index in
// sampleSets.series, which is sorted by report id and property) and the
// value's index there.
type point struct {
	ms   int64
	s, i int32
}

type seriesVals struct {
	id, prop string
	vals     []any
}

// sampleSets replays the series of one peer connection as getStats
// snapshots: each calls yield with the samples and candidate-pair
// changes, in time order, and can be called again.
type sampleSets struct {
	pcID   string
	types  map[string]string // report id → stats type
	series []seriesVals
	pts    []point
}

// stats prepares the replay of the time series of one peer connection.
func (st *parseState) stats(pcID string, stats map[string]*kept) *sampleSets {
	out := &sampleSets{pcID: pcID, types: map[string]string{}}
	keys := make([]string, 0, len(stats))
	for key := range stats {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	type report struct {
		props map[string]*kept
	}
	byID := map[string]*report{}
	var ids []string
	for _, key := range keys {
		s := stats[key]
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
			rep = &report{props: map[string]*kept{}}
			byID[id] = rep
			ids = append(ids, id)
		}
		if s.StatsType != "" {
			out.types[id] = s.StatsType
		}
		if !wanted[prop] || s.Total < 0 {
			continue
		}
		rep.props[prop] = s
	}
	sort.Strings(ids)
	for _, id := range ids {
		rep := byID[id]
		ts := rep.props["timestamp"]
		props := make([]string, 0, len(rep.props))
		for prop := range rep.props {
			props = append(props, prop)
		}
		sort.Strings(props)
		for _, prop := range props {
			se := rep.props[prop]
			vals := se.Vals
			if prop == "timestamp" || len(vals) == 0 {
				continue
			}
			si := int32(len(out.series))
			out.series = append(out.series, seriesVals{id: id, prop: prop, vals: vals})
			for i := range vals {
				var ms int64
				// The raw index of the last value kept value i stands for.
				last := min((i+1)*se.Stride, se.Total) - 1
				switch {
				case ts != nil && ts.Total == se.Total && ts.Stride == se.Stride:
					// Thinned alike: the timestamp kept is the bucket's latest.
					f, ok := rtcNum(ts.Vals[i])
					if !ok {
						continue
					}
					ms = int64(f)
				case ts != nil && ts.Stride == 1 && se.Stride == 1 && ts.Total >= se.Total:
					// Aligned at the end: a later property has a shorter series.
					f, ok := rtcNum(ts.Vals[len(ts.Vals)-len(vals)+i])
					if !ok {
						continue
					}
					ms = int64(f)
				case !se.Start.IsZero():
					step := int64(1000)
					if n := se.Total; n > 1 && se.End.After(se.Start) {
						step = se.End.Sub(se.Start).Milliseconds() / int64(n-1)
					}
					ms = se.Start.UnixMilli() + int64(last)*step
				default:
					continue
				}
				out.pts = append(out.pts, point{ms: ms, s: si, i: int32(i)})
			}
		}
	}
	// By time, then report id and property (the order of the series), then
	// position in the series.
	sort.Slice(out.pts, func(a, b int) bool {
		pa, pb := out.pts[a], out.pts[b]
		if pa.ms != pb.ms {
			return pa.ms < pb.ms
		}
		if pa.s != pb.s {
			return pa.s < pb.s
		}
		return pa.i < pb.i
	})
	return out
}

// each replays the snapshots, calling yield for each event until it
// returns false.
func (w *sampleSets) each(yield func(ingest.Event) bool) {
	if len(w.pts) == 0 {
		return
	}
	tr := newRTCTracker()
	for id, typ := range w.types {
		tr.set(id, "type", typ)
	}
	pts := w.pts
	for i := 0; i < len(pts); {
		start := pts[i].ms
		last := start
		for ; i < len(pts) && pts[i].ms-start <= 500; i++ {
			se := &w.series[pts[i].s]
			tr.set(se.id, se.prop, se.vals[pts[i].i])
			last = pts[i].ms
		}
		at := rtcMillis(float64(last))
		if ev, ok := tr.pairChange(w.pcID, at); ok {
			if !yield(ev) {
				return
			}
		}
		if attrs, ok := tr.sample(); ok {
			if !yield(rtcSampleEvent(w.pcID, at, attrs)) {
				return
			}
		}
	}
}

// values reads a series' values, a JSON-encoded array in a string or an
// array, value by value. It keeps them all up to 2*keep; past that,
// neighbouring kept values are merged in pairs (mergeValues: the larger
// number), again each time 2*keep are kept, so that the whole call stays
// in view and a spike early in it still reaches the rules. It returns the
// kept values, oldest first, how many the series had, and the stride: how
// many raw values each kept one stands for (the last may stand for fewer).
func values(raw json.RawMessage, keep int) ([]any, int, int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, 0, 1, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, 0, 1, err
		}
		raw = []byte(s)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	bad := func(err error) ([]any, int, int, error) {
		return nil, 0, 1, fmt.Errorf("values are not a JSON array: %v", err)
	}
	t, err := dec.Token()
	if err != nil {
		return bad(err)
	}
	var vals []any
	n, stride := 0, 1
	var pend any
	pendN := 0
	switch t {
	case nil:
	case json.Delim('['):
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				return bad(err)
			}
			n++
			if pendN == 0 {
				pend = v
			} else {
				pend = mergeValues(pend, v)
			}
			pendN++
			if pendN < stride {
				continue
			}
			vals = append(vals, pend)
			pend, pendN = nil, 0
			if len(vals) == 2*keep {
				for i := range keep {
					vals[i] = mergeValues(vals[2*i], vals[2*i+1])
				}
				clear(vals[keep:])
				vals = vals[:keep]
				stride *= 2
			}
		}
		if pendN > 0 {
			vals = append(vals, pend)
		}
		if _, err := dec.Token(); err != nil {
			return bad(err)
		}
	default:
		return bad(fmt.Errorf("found %v", t))
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the array")
		}
		return bad(err)
	}
	return vals, n, stride, nil
}

// mergeValues is what one kept value says for two neighbouring ones: the
// larger when both are numbers (a spike's peak, a counter's later value, a
// timestamp's later time), else the later.
func mergeValues(a, b any) any {
	fa, okA := rtcNum(a)
	fb, okB := rtcNum(b)
	if okA && okB && fa > fb {
		return a
	}
	return b
}

// env names the browser: the most specific brand of UserAgentData (not a
// "Not A Brand" placeholder, not plain Chromium when another is given), else
// the UserAgent.
func (st *parseState) env() {
	env := &st.res.Env
	ingest.AddExtra(env, "user_agent", st.ua)
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
		best = ingest.BrowserFromUA(st.ua)
	}
	env.Browser = best
	ingest.AddExtra(env, "webrtc.peer_connections", fmt.Sprint(st.pcs))
}

var pcRE = regexp.MustCompile(`"PeerConnections"\s*:\s*\{`)
var gumRE = regexp.MustCompile(`"getUserMedia"\s*:\s*\[`)

// LooksLikeInternals reports whether head (plain or gzip-compressed) is
// a webrtc-internals dump.
func LooksLikeInternals(head []byte) bool {
	head = bytes.TrimLeft(ingest.TrimBOM(ingest.GunzipHead(head)), " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	return pcRE.Match(head) || (gumRE.Match(head) && bytes.Contains(head, []byte(`"UserAgent"`)))
}
