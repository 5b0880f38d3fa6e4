package webrtc

import (
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/har"
	"parley/ingest/internal/ingesttest"
)

func TestParseWebRTCInternalsGzipSample(t *testing.T) {
	data := ingesttest.Sample(t, "webrtc/webrtc_internals_chrome142_gumonly.txt.gz")
	if !LooksLikeInternals(data) {
		t.Errorf("gzipped dump not detected")
	}
	res, evs := ingesttest.MustRun(t, ParseInternals, "internals.txt.gz", data)
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	// Two getUserMedia entries (a request, then its success), no peer connection.
	if len(evs) != 2 || res.Levels["I"] != 2 {
		t.Fatalf("events = %+v", evs)
	}
	for _, e := range evs {
		if e.Tag != "getUserMedia" || e.Attrs["gum.kind"] != "getUserMedia" {
			t.Errorf("event = %+v", e)
		}
	}
	if evs[0].Attrs["gum.result"] != "request" || evs[0].Attrs["gum.origin"] != "https://webrtc.github.io" ||
		evs[1].Attrs["gum.result"] != "success" || !strings.Contains(evs[1].Message, `video "Logitech BRIO (046d:085e)"`) {
		t.Errorf("events = %+v", evs)
	}
	// timestamps 1758566123065.025 and 1758566127725.673 ms
	if !evs[0].Time.Equal(time.UnixMilli(1758566123065).Add(25*time.Microsecond)) ||
		!evs[1].Time.Equal(time.UnixMilli(1758566127725).Add(673*time.Microsecond)) {
		t.Errorf("times = %v %v", evs[0].Time, evs[1].Time)
	}
	if res.Env.Browser != "Google Chrome 142.0.7426.0" || res.Env.Extra["webrtc.peer_connections"] != "0" {
		t.Errorf("env = %+v", res.Env)
	}
}

func TestParseWebRTCInternalsPeerConnections(t *testing.T) {
	for _, variant := range []struct {
		name string
		data []byte
	}{{"plain", []byte(ingesttest.WebRTCInternalsDump)}, {"gzip", ingesttest.Gzip(t, []byte(ingesttest.WebRTCInternalsDump))}} {
		t.Run(variant.name, func(t *testing.T) {
			if !LooksLikeInternals(variant.data) || har.LooksLike(variant.data) {
				t.Errorf("detection wrong")
			}
			res, evs := ingesttest.MustRun(t, ParseInternals, "dump.txt", variant.data)
			if len(res.Errors) != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
			// 3 getUserMedia + (created + 8 updates + 1 pair + 3 samples) + (created + 3 samples)
			if len(evs) != 20 {
				t.Fatalf("%d events", len(evs))
			}
			gum := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Attrs["gum.kind"] != "" })
			if len(gum) != 3 || gum[1].Level != ingest.LevelError || gum[1].Attrs["gum.error"] != "NotAllowedError: Permission denied" ||
				gum[2].Tag != "getDisplayMedia" || !strings.Contains(gum[0].Message, "audio (") {
				t.Errorf("gum = %+v", gum)
			}
			pc1 := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Tag == "1234-1" })
			if len(pc1) != 13 {
				t.Fatalf("pc1 events = %d", len(pc1))
			}
			if pc1[0].Attrs["rtc.method"] != "create" || pc1[0].Attrs["pc.ice_servers"] != "turn:turn.parley.example.org:3478?transport=udp" ||
				!pc1[0].Time.Equal(time.Date(2025, 11, 20, 9, 23, 11, 0, time.UTC)) {
				t.Errorf("created = %+v", pc1[0])
			}
			for i := 1; i < len(pc1); i++ {
				if pc1[i].Time.Before(pc1[i-1].Time) {
					t.Errorf("pc1 events out of order at %d", i)
				}
			}
			if d := ingesttest.Where(pc1, ingesttest.Attr("ice.state", "disconnected")); len(d) != 1 || d[0].Level != ingest.LevelWarn {
				t.Errorf("disconnected = %+v", d)
			}
			if f := ingesttest.Where(pc1, ingesttest.Attr("pc.state", "failed")); len(f) != 1 || f[0].Level != ingest.LevelError {
				t.Errorf("failed = %+v", f)
			}
			if f := ingesttest.Where(pc1, ingesttest.Attr("rtc.method", "setRemoteDescriptionOnFailure")); len(f) != 1 || f[0].Level != ingest.LevelError {
				t.Errorf("failure = %+v", f)
			}
			if s := ingesttest.Where(pc1, ingesttest.Attr("rtc.method", "setLocalDescription")); len(s) != 1 || !strings.Contains(s[0].Message, "offer (") {
				t.Errorf("sdp summary = %+v", s)
			}
			pair := ingesttest.Where(pc1, func(e ingest.Event) bool { return e.Attrs["candidate.pair"] != "" })
			if len(pair) != 1 || pair[0].Attrs["candidate.local_type"] != "relay" || pair[0].Attrs["candidate.remote_type"] != "host" ||
				pair[0].Attrs["candidate.local_protocol"] != "udp" {
				t.Errorf("pair = %+v", pair)
			}
			samples := ingesttest.Where(pc1, ingesttest.Attr("stats.sample", "1"))
			want := [][3]string{{"50", "0", "10"}, {"120", "0", "20"}, {"200", "20", "30"}}
			if len(samples) != 3 {
				t.Fatalf("samples = %+v", samples)
			}
			for i, w := range want {
				a := samples[i].Attrs
				if a["rtt_ms"] != w[0] || a["loss_pct"] != w[1] || a["jitter_ms"] != w[2] {
					t.Errorf("sample %d = %v, want rtt/loss/jitter %v", i, a, w)
				}
			}
			if !samples[0].Time.Equal(time.UnixMilli(1763630593000)) {
				t.Errorf("sample time = %v", samples[0].Time)
			}
			// The older layout: one value a second from startTime.
			s2 := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Tag == "1234-2" && e.Attrs["stats.sample"] == "1" })
			if len(s2) != 3 || s2[0].Attrs["loss_pct"] != "0" || s2[1].Attrs["loss_pct"] != "4.76" || s2[2].Attrs["packets_lost"] != "5" ||
				!s2[1].Time.Equal(time.Date(2025, 11, 20, 9, 30, 1, 0, time.UTC)) {
				t.Errorf("pc2 samples = %+v", s2)
			}
			if res.Env.Browser != "Google Chrome 131.0.6778.85" || res.Env.Extra["webrtc.peer_connections"] != "2" {
				t.Errorf("env = %+v", res.Env)
			}
		})
	}
}

// The updateLog is in the browser's local time (here UTC+3, en-US): it is
// brought back to UTC by the offset the stats timestamps reveal.
func TestParseWebRTCInternalsLocalTimes(t *testing.T) {
	local := ingesttest.WebRTCInternalsDump
	for _, r := range [][2]string{{"9:23:11 AM", "12:23:11 PM"}, {"9:23:12 AM", "12:23:12 PM"}, {"9:23:13 AM", "12:23:13 PM"},
		{"9:23:16 AM", "12:23:16 PM"}, {"9:23:26 AM", "12:23:26 PM"}} {
		local = strings.ReplaceAll(local, r[0], r[1])
	}
	res, evs := ingesttest.MustRun(t, ParseInternals, "dump.txt", []byte(local))
	f := ingesttest.Where(evs, ingesttest.Attr("pc.state", "failed"))
	if len(f) != 1 || !f[0].Time.Equal(time.Date(2025, 11, 20, 9, 23, 26, 0, time.UTC)) {
		t.Errorf("failed at %v", f)
	}
	if res.Env.Extra["webrtc.local_time_offset"] != "+03:00" {
		t.Errorf("offset = %q", res.Env.Extra["webrtc.local_time_offset"])
	}
	// Without the shift (the plain dump) nothing is recorded.
	res, _ = ingesttest.MustRun(t, ParseInternals, "dump.txt", []byte(ingesttest.WebRTCInternalsDump))
	if _, ok := res.Env.Extra["webrtc.local_time_offset"]; ok {
		t.Errorf("offset recorded for a UTC dump")
	}
}

func TestParseWebRTCInternalsDamage(t *testing.T) {
	// Cut in the middle of the second peer connection: the first one's events
	// and the getUserMedia entries are delivered, then an error with the position.
	cut := ingesttest.WebRTCInternalsDump[:strings.Index(ingesttest.WebRTCInternalsDump, `"IV2-packetsReceived"`)]
	res, evs, err := ingesttest.Run(t, ParseInternals, "cut.txt", []byte(cut))
	if err == nil || !strings.Contains(err.Error(), "cut.txt:") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("err = %v", err)
	}
	if len(evs) != 16 || res.Errors[len(res.Errors)-1].Error() != err.Error() {
		t.Errorf("events %d, errors %v", len(evs), res.Errors)
	}
	// Wrong shapes are reported, not fatal.
	res, _ = ingesttest.MustRun(t, ParseInternals, "odd.txt", []byte(`{"getUserMedia": {}, "PeerConnections": [], "UserAgent": 5,
		"x": {"PeerConnections": {}}}`))
	if len(res.Errors) != 2 {
		t.Errorf("errors = %v", res.Errors)
	}
	// A bad gzip stream.
	_, _, err = ingesttest.Run(t, ParseInternals, "bad.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3})
	if err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("bad gzip: %v", err)
	}
}

func TestParseRTCStatsSample(t *testing.T) {
	data := ingesttest.Sample(t, "webrtc/rtcstats_chrome99_pc_failed.jsonl")
	if !LooksLikeRTCStats(data) {
		t.Errorf("not detected")
	}
	res, evs := ingesttest.MustRun(t, ParseRTCStats, "dump.jsonl", data)
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	// 223 lines: 2 of metadata (connectionInfo, identity), 19 getstats
	// (7 of PC_0, the only connection that selected a pair and received
	// media), 202 other entries; plus 7 samples and 1 selected pair.
	samples := ingesttest.Where(evs, ingesttest.Attr("stats.sample", "1"))
	if len(samples) != 7 || len(evs) != 202+7+1 {
		t.Errorf("events %d, samples %d", len(evs), len(samples))
	}
	fail := ingesttest.Where(evs, ingesttest.Attr("gum.result", "failure"))
	if len(fail) != 1 || fail[0].Level != ingest.LevelError || fail[0].Attrs["gum.error"] != "NotReadableError" || fail[0].Line != 26 {
		t.Errorf("gum failures = %+v", fail)
	}
	if n := len(ingesttest.Where(evs, ingesttest.Attr("gum.result", "request"))); n != 3 {
		t.Errorf("gum requests = %d", n)
	}
	// PC_1 and PC_2: ICE disconnected (W), then the connection failed (E).
	for _, pc := range []string{"PC_1", "PC_2"} {
		var states []string
		for _, e := range ingesttest.Where(evs, func(e ingest.Event) bool { return e.Tag == pc }) {
			if s := e.Attrs["ice.state"]; s != "" {
				states = append(states, "ice:"+s+":"+e.Level.Letter())
			}
			if s := e.Attrs["pc.state"]; s != "" {
				states = append(states, "pc:"+s+":"+e.Level.Letter())
			}
		}
		if got := strings.Join(states, " "); got != "ice:checking:I pc:connecting:I ice:disconnected:W pc:failed:E" {
			t.Errorf("%s states: %s", pc, got)
		}
	}
	if f := ingesttest.Where(evs, ingesttest.Attr("pc.state", "failed")); len(f) != 3 {
		t.Errorf("failed connections = %d", len(f))
	}
	pair := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Attrs["candidate.pair"] != "" })
	if len(pair) != 1 || pair[0].Tag != "PC_0" || pair[0].Attrs["candidate.local_type"] != "prflx" || pair[0].Attrs["candidate.remote_type"] != "srflx" {
		t.Errorf("pair = %+v", pair)
	}
	// The first sample has no packets yet; the second: 2 lost of 1168 (1+1 lost, 585+581 received).
	if samples[0].Attrs["rtt_ms"] != "194" || samples[0].Attrs["loss_pct"] != "" ||
		samples[1].Attrs["loss_pct"] != "0.17" || samples[1].Attrs["packets_lost"] != "2" || samples[1].Attrs["rtt_ms"] != "191" {
		t.Errorf("samples = %v / %v", samples[0].Attrs, samples[1].Attrs)
	}
	for _, s := range samples {
		if s.Attrs["jitter_ms"] == "" || s.Tag != "PC_0" {
			t.Errorf("sample = %+v", s)
		}
	}
	if c := ingesttest.Where(evs, ingesttest.Attr("rtc.method", "create")); len(c) != 3 || !strings.Contains(c[0].Attrs["pc.ice_servers"], "turns:all-turnrelay.jitsi.net:443") {
		t.Errorf("create = %+v", c)
	}
	if res.Env.Browser != "Chrome 99.0.4844.51" || res.Env.Extra["rtcstats.origin"] != "https://192.168.245.128:8080" {
		t.Errorf("env = %+v", res.Env)
	}
	if !res.First.Equal(time.UnixMilli(1647265164429)) {
		t.Errorf("first = %v", res.First)
	}
}

func TestParseRTCStatsDamageAndDeltas(t *testing.T) {
	text := `["connectionInfo",null,"{\"userAgent\":\"Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15\"}",1700000000000]
not json at all
["getstats","PC_0",{"IN":{"timestamp":0,"type":"inbound-rtp","packetsLost":0,"packetsReceived":100,"jitter":0.004},"RIN":{"timestamp":1700000000900,"type":"remote-inbound-rtp","roundTripTime":0.25,"fractionLost":0.5},"timestamp":1700000001000},1700000001000]
["getstats","PC_0",{"IN":{"timestamp":0,"packetsLost":30,"packetsReceived":170},"timestamp":1700000002000},1700000002000]
["navigator.mediaDevices.getDisplayMediaOnFailure",null,"NotAllowedError",1700000003000]
["addIceCandidateOnFailure","PC_0","OperationError",1700000004000]
[1,2]
["oniceconnectionstatechange","PC_0",
`
	res, evs := ingesttest.MustRun(t, ParseRTCStats, "d.jsonl", []byte(text))
	if len(res.Errors) != 3 || !ingesttest.ErrorsMention(res, "d.jsonl:2:") || !ingesttest.ErrorsMention(res, "d.jsonl:7:") || !ingesttest.ErrorsMention(res, "d.jsonl:8: invalid JSON") {
		t.Errorf("errors = %v", res.Errors)
	}
	s := ingesttest.Where(evs, ingesttest.Attr("stats.sample", "1"))
	// Second sample: Δlost 30, Δreceived 70 → 30 %; RTT from remote-inbound-rtp, kept from the first delta.
	if len(s) != 2 || s[0].Attrs["rtt_ms"] != "250" || s[0].Attrs["remote_loss_pct"] != "50" || s[0].Attrs["jitter_ms"] != "4" ||
		s[1].Attrs["loss_pct"] != "30" || s[1].Attrs["rtt_ms"] != "250" {
		t.Errorf("samples = %+v", s)
	}
	if g := ingesttest.Where(evs, ingesttest.Attr("gum.kind", "getDisplayMedia")); len(g) != 1 || g[0].Level != ingest.LevelError {
		t.Errorf("getDisplayMedia = %+v", g)
	}
	if a := ingesttest.Where(evs, ingesttest.Attr("rtc.method", "addIceCandidateOnFailure")); len(a) != 1 || a[0].Level != ingest.LevelWarn {
		t.Errorf("addIceCandidateOnFailure = %+v", a)
	}
	if res.Env.Browser != "Safari 17.1" {
		t.Errorf("browser = %q", res.Env.Browser)
	}
}

func FuzzParseWebRTCInternals(f *testing.F) {
	f.Add([]byte(ingesttest.WebRTCInternalsDump))
	f.Add(ingesttest.Gzip(f, []byte(ingesttest.WebRTCInternalsDump)))
	f.Add([]byte(`{"PeerConnections":{"1-1":{"stats":{"a-timestamp":{"values":"[1,2]"},"a-packetsLost":{"statsType":"inbound-rtp","values":"[1,2,3]"}}}}}`))
	f.Add([]byte(`{"getUserMedia":[{"error":"x"},null,5]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseInternals, data)
		LooksLikeInternals(data)
	})
}

func FuzzParseRTCStats(f *testing.F) {
	f.Add([]byte(`["connectionInfo",null,{"userAgent":"Chrome/99"},1]` + "\n" + `["getstats","PC_0",{"T":{"type":"transport","selectedCandidatePairId":"P"},"P":{"type":"candidate-pair","currentRoundTripTime":0.1,"localCandidateId":"L"},"L":{"candidateType":"relay"}},2]` + "\n"))
	f.Add([]byte(`["onconnectionstatechange","PC_1","failed",1647265227269]` + "\n" + `["create","PC_1",{"iceServers":[{"urls":"turn:x"}]},1]`))
	f.Add([]byte("RTCStatsDump\n{\"userAgent\":\"x\"}\n[5,null,{}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseRTCStats, data)
		LooksLikeRTCStats(data)
	})
}
