package webrtc

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// longCall writes a webrtc-internals dump of one peer connection in a
// call of secs seconds, one stats value a second (the Chrome 117+ layout,
// with "-timestamp" series), with streams inbound streams and many updateLog
// entries; the state changes are at the start and the end. Packet loss is
// 20 % in the last minute.
func longCall(t *testing.T, path string, secs, streams, updates int) {
	const t0 = 1763630593000 // 2025-11-20T09:23:13Z
	ingesttest.WriteFile(t, path, func(w *bufio.Writer) {
		w.WriteString(`{"getUserMedia":[],"PeerConnections":{"1234-1":{"rtcConfiguration":{"iceServers":[{"urls":["turn:turn.parley.example.org:3478"]}]},"url":"https://parley.example.org/call/42",` + "\n")
		w.WriteString(`"updateLog":[`)
		states := []string{"checking", "connected"}
		for i := range updates {
			if i > 0 {
				w.WriteString(",\n")
			}
			typ, val := "icecandidate", fmt.Sprintf("sdpMid: 0, candidate: candidate:%d 1 udp 2122260223 192.0.2.%d 5%04d typ host", i, i%250, i%10000)
			switch {
			case i < len(states):
				typ, val = "iceconnectionstatechange", states[i]
			case i == updates-2:
				typ, val = "iceconnectionstatechange", "disconnected"
			case i == updates-1:
				typ, val = "connectionstatechange", "failed"
			}
			at := time.UnixMilli(t0).UTC().Add(time.Duration(i) * time.Duration(secs) * time.Second / time.Duration(updates))
			fmt.Fprintf(w, `{"time":%q,"type":%q,"value":%q}`, at.Format("2006-01-02T15:04:05.000Z"), typ, val)
		}
		w.WriteString("],\n" + `"stats":{`)
		series := func(name, typ string, v func(i int) string) {
			fmt.Fprintf(w, `%q:{"startTime":"2025-11-20T09:23:13.000Z","endTime":"2025-11-20T09:23:14.000Z","statsType":%q,"values":"[`, name, typ)
			for i := range secs {
				if i > 0 {
					w.WriteByte(',')
				}
				w.WriteString(v(i))
			}
			w.WriteString("]\"},\n")
		}
		ts := func(i int) string { return fmt.Sprint(t0 + int64(i)*1000) }
		str := func(s string) func(int) string { return func(int) string { return `\"` + s + `\"` } }
		series("T01-timestamp", "transport", ts)
		series("T01-selectedCandidatePairId", "transport", str("CP1"))
		series("T01-bytesReceived", "transport", func(i int) string { return fmt.Sprint(i * 1000) })
		series("CP1-timestamp", "candidate-pair", ts)
		series("CP1-currentRoundTripTime", "candidate-pair", func(i int) string { return fmt.Sprintf("0.%03d", 40+i%20) })
		series("CP1-localCandidateId", "candidate-pair", str("L1"))
		series("CP1-remoteCandidateId", "candidate-pair", str("R1"))
		series("L1-timestamp", "local-candidate", ts)
		series("L1-candidateType", "local-candidate", str("relay"))
		series("R1-timestamp", "remote-candidate", ts)
		series("R1-candidateType", "remote-candidate", str("host"))
		for s := range streams {
			id := fmt.Sprintf("IA%d", s)
			series(id+"-timestamp", "inbound-rtp", ts)
			series(id+"-packetsReceived", "inbound-rtp", func(i int) string { return fmt.Sprint(i * 50) })
			series(id+"-packetsLost", "inbound-rtp", func(i int) string { return fmt.Sprint(max(0, i-(secs-60)) * 10) })
			series(id+"-jitter", "inbound-rtp", func(i int) string { return "0.012" })
			series(id+"-bytesReceived", "inbound-rtp", func(i int) string { return fmt.Sprint(i * 50000) })
			series(id+"-[bytesReceived_in_bits/s]", "inbound-rtp", func(i int) string { return "400000" })
		}
		w.WriteString(`"X-end":{"values":"[]"}}}},"UserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}` + "\n")
	})
}

// A call of hours: the parse keeps a bounded part of each series and of the
// updateLog, so memory stays flat, and still reports the state changes, the
// selected pair and the samples of the end of the call.
func TestParseWebRTCInternalsLongCall(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large file")
	}
	const secs, streams, updates = 6 * 3600, 16, 3 * maxUpdates
	path := filepath.Join(t.TempDir(), "long.txt")
	longCall(t, path, secs, streams, updates)
	var res ingest.Result
	var evs []ingest.Event
	var n int
	var err error
	peak := ingesttest.HeapPeak(t, func() { res, evs, n, err = ingesttest.ParseFile(t, ParseInternals, path, 1<<30) })
	t.Logf("%d series of %d values, %d updateLog entries: peak heap %.1f MiB over the base (events kept by the test included)",
		11+6*streams, secs, updates, float64(peak)/(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if peak > 64<<20 {
		t.Errorf("peak heap %d MiB, more than 64 MiB", peak>>20)
	}
	// Created, the kept updates, one selected pair, one sample per second
	// of the whole call, thinned to one for every stride seconds.
	stride := 1
	for secs/stride > 2*maxPoints {
		stride *= 2
	}
	kept := (secs + stride - 1) / stride
	samples := ingesttest.Where(evs, ingesttest.Attr("stats.sample", "1"))
	pair := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Attrs["candidate.pair"] != "" })
	if n != res.Events || len(samples) != kept || len(pair) != 1 || n != 1+maxUpdates+1+kept {
		t.Fatalf("%d events, %d samples, %d pair changes", n, len(samples), len(pair))
	}
	if evs[0].Attrs["rtc.method"] != "create" || !evs[0].Time.Equal(time.UnixMilli(1763630593000)) {
		t.Errorf("created = %+v", evs[0])
	}
	var states []string
	for _, e := range evs {
		if s := e.Attrs["ice.state"] + e.Attrs["pc.state"]; s != "" {
			states = append(states, s+":"+e.Level.Letter())
		}
	}
	if got := strings.Join(states, " "); got != "checking:I connected:I disconnected:W failed:E" {
		t.Errorf("states: %s", got)
	}
	end := time.UnixMilli(1763630593000 + (secs-1)*1000)
	last := samples[len(samples)-1]
	if !last.Time.Equal(end) || last.Attrs["loss_pct"] != "16.67" || last.Attrs["rtt_ms"] != "59" || last.Attrs["jitter_ms"] != "12" {
		t.Errorf("last sample = %+v", last)
	}
	if first := samples[0]; !first.Time.Equal(time.UnixMilli(1763630593000+int64(stride-1)*1000)) || first.Attrs["loss_pct"] != "0" {
		t.Errorf("first sample = %+v", first)
	}
	if pair[0].Attrs["candidate.local_type"] != "relay" || pair[0].Attrs["candidate.remote_type"] != "host" {
		t.Errorf("pair = %+v", pair[0])
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Fatalf("events out of order at %d", i)
		}
	}
	if len(res.Errors) != 2 || !ingesttest.ErrorsMention(res, fmt.Sprintf("each value read stands for up to %d, their largest", stride)) || !ingesttest.ErrorsMention(res, "20000 in the middle are left out") {
		t.Errorf("errors = %v", res.Errors)
	}
}

// A long series is thinned over its whole length, each kept value the
// larger of those it stands for: an early spike is kept.
func TestValuesThinsKeepingPeaks(t *testing.T) {
	vals, n, stride, err := values([]byte(`"[1,9,3,4,5,\"a\",null,[7],2]"`), 2)
	if err != nil || n != 9 || stride != 4 || fmt.Sprint(vals) != "[9 [7] 2]" {
		t.Errorf("vals %v, n %d, stride %d, err %v", vals, n, stride, err)
	}
	vals, n, stride, err = values([]byte(`[1,2]`), 3)
	if err != nil || n != 2 || stride != 1 || fmt.Sprint(vals) != "[1 2]" {
		t.Errorf("vals %v, n %d, stride %d, err %v", vals, n, stride, err)
	}
	var long strings.Builder
	long.WriteString("[")
	for i := range 10000 {
		if i > 0 {
			long.WriteString(",")
		}
		v := 0.05
		if i == 17 {
			v = 0.9 // a spike in the first seconds
		}
		fmt.Fprint(&long, v)
	}
	long.WriteString("]")
	vals, n, stride, err = values([]byte(long.String()), maxPoints)
	if err != nil || n != 10000 || len(vals) > 2*maxPoints || len(vals) != (n+stride-1)/stride {
		t.Fatalf("%d values kept of %d, stride %d, err %v", len(vals), n, stride, err)
	}
	if f, _ := rtcNum(vals[17/stride]); f != 0.9 {
		t.Errorf("the early spike is lost: %v", vals[17/stride])
	}
	for _, bad := range []string{`"[1,2"`, `"[1,2] 3"`, `{}`, `"x"`, `5`, `"[1 2]"`} {
		if _, _, _, err := values([]byte(bad), 3); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if vals, n, _, err := values([]byte(`"null"`), 3); err != nil || n != 0 || vals != nil {
		t.Errorf("null: %v %d %v", vals, n, err)
	}
}
