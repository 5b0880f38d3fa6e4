package ingest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func at(sec int) time.Time { return time.Date(2026, 5, 1, 10, 0, sec, 0, time.UTC) }

// TestEachRule feeds every rule an input that must fire it and one that
// must not; a rule without a case here fails the test.
func TestEachRule(t *testing.T) {
	type input struct {
		events []Event
		env    Environment
	}
	reconnects := func(n, gap int) []Event {
		var evs []Event
		for i := 0; i < n; i++ {
			evs = append(evs, Event{Time: at(i * gap), Level: LevelWarn, Message: "WebSocket closed, reconnecting", Attrs: map[string]string{"ws.reconnect": "1"}})
		}
		return evs
	}
	cases := map[string]struct{ fire, quiet input }{
		"push-token-empty": {
			fire:  input{env: Environment{Extra: map[string]string{"apnsPushToken": "", "voexPushToken": "abc"}}},
			quiet: input{env: Environment{Extra: map[string]string{"apnsPushToken": "abc", "voexPushToken": "def"}}},
		},
		"android-push-token-empty": {
			fire:  input{env: Environment{Extra: map[string]string{"fcmToken": "", "hmsToken": "abc"}}},
			quiet: input{env: Environment{Extra: map[string]string{"fcmToken": "abc", "apnsPushToken": ""}}},
		},
		"slow-requests": {
			fire: input{events: []Event{
				{Attrs: map[string]string{"http.status": "200", "http.duration_ms": "3500", "http.host": "a.example", "http.method": "GET", "http.url": "https://a.example/x"}},
				{Attrs: map[string]string{"http.status": "200", "http.duration_ms": "12000", "http.host": "b.example", "http.method": "POST", "http.url": "https://b.example/y"}},
			}},
			quiet: input{events: []Event{{Attrs: map[string]string{"http.status": "200", "http.duration_ms": "2999"}}}},
		},
		"notifications-off": {
			fire:  input{env: Environment{Extra: map[string]string{"permissions.notifications": "false"}}},
			quiet: input{env: Environment{Extra: map[string]string{"permissions.notifications": "true"}}},
		},
		"pushes-off": {
			fire:  input{env: Environment{Extra: map[string]string{"pushes": "false"}}},
			quiet: input{env: Environment{}},
		},
		"microphone-off": {
			fire:  input{env: Environment{Extra: map[string]string{"permissions.microphone": "false"}}},
			quiet: input{env: Environment{Extra: map[string]string{"permissions.microphone": "true"}}},
		},
		"client-ahead-of-server": {
			fire:  input{env: Environment{AppVersion: "3.16.1 (2201)", ServerVersion: "3.12.0"}},
			quiet: input{env: Environment{AppVersion: "3.15.0", ServerVersion: "3.12.4"}},
		},
		"tls-error": {
			fire:  input{events: []Event{{Level: LevelError, Message: "javax.net.ssl.SSLHandshakeException: Trust anchor for certification path not found."}}},
			quiet: input{events: []Event{{Level: LevelInfo, Message: "TLS handshake ok"}}},
		},
		"websocket-reconnect-storm": {
			fire:  input{events: reconnects(6, 5)},  // six in 25 s
			quiet: input{events: reconnects(6, 30)}, // six spread over 2.5 minutes
		},
		"http-failures": {
			fire:  input{events: []Event{{Level: LevelError, Attrs: map[string]string{"http.status": "502", "http.method": "GET", "http.url": "https://x/api"}}}},
			quiet: input{events: []Event{{Level: LevelInfo, Attrs: map[string]string{"http.status": "200"}}}},
		},
		"ice-failed": {
			fire:  input{events: []Event{{Level: LevelError, Message: "iceConnectionState failed", Attrs: map[string]string{"ice.state": "failed"}}}},
			quiet: input{events: []Event{{Level: LevelInfo, Attrs: map[string]string{"ice.state": "connected"}}}},
		},
		"relay-only": {
			fire:  input{events: []Event{{Attrs: map[string]string{"candidate.local_type": "relay", "candidate.remote_type": "srflx"}}}},
			quiet: input{events: []Event{{Attrs: map[string]string{"candidate.local_type": "host", "candidate.remote_type": "srflx"}}}},
		},
		"packet-loss": {
			fire:  input{events: []Event{{Attrs: map[string]string{"loss_pct": "12.5"}}}},
			quiet: input{events: []Event{{Attrs: map[string]string{"loss_pct": "10"}}}},
		},
		"high-rtt": {
			fire:  input{events: []Event{{Attrs: map[string]string{"rtt_ms": "180"}}}},
			quiet: input{events: []Event{{Attrs: map[string]string{"rtt_ms": "40"}}}},
		},
		"media-denied": {
			fire:  input{events: []Event{{Level: LevelError, Message: "getUserMedia failed: NotAllowedError: Permission denied"}}},
			quiet: input{events: []Event{{Level: LevelInfo, Message: "getUserMedia ok"}}},
		},
		"android-killed-in-background": {
			fire:  input{events: []Event{{Level: LevelInfo, Message: "Killing 4242:ru.parley.app/u0a123 (adj 900): empty #17", Attrs: map[string]string{"android.killed": "ru.parley.app"}}}},
			quiet: input{events: []Event{{Level: LevelInfo, Message: "Start proc 4242:ru.parley.app"}}},
		},
	}
	for _, r := range logRules { // BugreportRules: TestEachBugreportRule
		c, ok := cases[r.ID]
		if !ok {
			t.Errorf("rule %s has no test case", r.ID)
			continue
		}
		if r.Article == "" {
			t.Errorf("rule %s links no article", r.ID)
		}
		run := func(in input) []Finding {
			d := NewDiagnoser([]Rule{r})
			for i := range in.events {
				d.Event(&in.events[i])
			}
			return d.Findings(in.env)
		}
		if got := run(c.fire); len(got) != 1 || got[0].Rule != r.ID || got[0].Detail == "" {
			t.Errorf("%s did not fire: %+v", r.ID, got)
		}
		if got := run(c.quiet); len(got) != 0 {
			t.Errorf("%s fired on a harmless input: %+v", r.ID, got)
		}
	}
}

func TestFindingsOrderedBySeverity(t *testing.T) {
	d := NewDiagnoser(nil)
	d.Event(&Event{Attrs: map[string]string{"rtt_ms": "300"}})
	d.Event(&Event{Level: LevelError, Attrs: map[string]string{"ice.state": "failed"}})
	got := d.Findings(Environment{})
	if len(got) != 2 || got[0].Rule != "ice-failed" || got[1].Rule != "high-rtt" {
		t.Fatalf("order: %+v", got)
	}
}

func TestVersionCore(t *testing.T) {
	for in, want := range map[string][]int{"3.16.2 (1234)": {3, 16, 2}, "v3.12": {3, 12}, "3.0.0-beta": {3, 0, 0}, "": nil, "dev": nil} {
		got := versionCore(in)
		if len(got) != len(want) {
			t.Errorf("%q: %v, want %v", in, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q: %v, want %v", in, got, want)
			}
		}
	}
}

// TestRuleTriggersMissNothing checks that the rules' triggers (Words,
// Attrs) only spare work: with them or without them, the same events give
// the same findings.
func TestRuleTriggersMissNothing(t *testing.T) {
	bare := make([]Rule, len(Rules))
	for i, r := range Rules {
		r.Words, r.Attrs = nil, nil
		bare[i] = r
	}
	pieces := []string{"WebSocket", "websocket", "WEBSOCKET", "Websocket", "reconnect", "Reconnect", "closed", "CLOSED",
		"SSLHandshakeException", "CERTIFICATE_VERIFY_FAILED", "x509: unknown authority", "ERR_CERT_DATE_INVALID", "-1202",
		"NotAllowedError", "Permission denied", "getUserMediaOnFailure", "NotFoundError: Requested device not found",
		"TLS", "SSL", "certificate", "Certif", "ok", "GET /api", " ", "\n", "ебсокет", "x", "EBSOCKE", "ERR_SSL_PROTOCOL"}
	attrs := []map[string]string{nil, {}, {"logcat.buffer": "main"}, {"ws.reconnect": "1"}, {"ws.reconnect": "0"},
		{"http.status": "502", "http.url": "https://x"}, {"http.status": "200", "http.error": "net::ERR_CERT_AUTHORITY_INVALID"},
		{"http.error": ""}, {"ice.state": "failed"}, {"pc.state": "failed"}, {"candidate.local_type": "relay"},
		{"loss_pct": "12"}, {"rtt_ms": "250"}, {"android.killed": "com.a", "android.kill_reason": "empty"}}
	r := rand.New(rand.NewPCG(1, 2))
	var events []Event
	for i := 0; i < 20000; i++ {
		var msg strings.Builder
		for n := r.IntN(6); n > 0; n-- {
			msg.WriteString(pieces[r.IntN(len(pieces))])
		}
		if r.IntN(50) == 0 {
			msg.WriteString(strings.Repeat("at a.b.C.d(C.java:1)\n", 60)) // longer than the pair filter takes
			msg.WriteString(pieces[r.IntN(len(pieces))])
		}
		events = append(events, Event{Time: at(i / 10), Level: Level(r.IntN(7)), Message: msg.String(), Attrs: attrs[r.IntN(len(attrs))]})
	}
	withTriggers, without := NewDiagnoser(nil), NewDiagnoser(bare)
	for i := range events {
		withTriggers.Event(&events[i])
		without.Event(&events[i])
	}
	got, want := withTriggers.Findings(Environment{}), without.Findings(Environment{})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("with triggers:\n%v\nwithout:\n%v", got, want)
	}
	if len(want) < 8 {
		t.Fatalf("only %d rules fired; the events should fire most of them: %v", len(want), want)
	}
}

// Android stops its own processes all the time, during boot above all; only
// the kill of an app a user runs is a finding.
func TestAndroidKilledIgnoresSystemProcesses(t *testing.T) {
	cases := []struct {
		pkg  string
		fire bool
	}{
		{"ru.parley.app", true},
		{"com.example.messenger", true},
		{"com.android.systemui", false},
		{"com.google.android.gms.persistent", false},
		{"android.process.acore", false},
		{"system", false},
		{"/system/bin/surfaceflinger", false},
		{"com.samsung.android.providers.context", false},
	}
	var rule Rule
	for _, r := range Rules {
		if r.ID == "android-killed-in-background" {
			rule = r
		}
	}
	for _, c := range cases {
		d := NewDiagnoser([]Rule{rule})
		ev := Event{Level: LevelInfo, Message: "Killing 4242:" + c.pkg + "/u0a123 (adj 900): empty #17",
			Attrs: map[string]string{"android.killed": c.pkg, "android.kill_reason": "empty"}}
		d.Event(&ev)
		if got := len(d.Findings(Environment{})) == 1; got != c.fire {
			t.Errorf("kill of %s: finding %v, want %v", c.pkg, got, c.fire)
		}
	}
}

// The slow-requests finding names the slowest request, wherever it comes.
func TestSlowRequestsNameTheSlowest(t *testing.T) {
	d := NewDiagnoser(nil)
	for i, ms := range []string{"3100", "9800", "4000", "1200"} {
		d.Event(&Event{Time: at(i), Attrs: map[string]string{"http.status": "200", "http.duration_ms": ms,
			"http.host": fmt.Sprintf("h%d.example", i), "http.method": "GET", "http.url": fmt.Sprintf("https://h%d.example/", i)}})
	}
	for _, f := range d.Findings(Environment{}) {
		if f.Rule != "slow-requests" {
			continue
		}
		if f.Count != 3 || f.Detail != "slowest: h1.example, 9.8 s (GET https://h1.example/)" || !f.First.Equal(at(0)) || !f.Last.Equal(at(2)) {
			t.Fatalf("finding %+v", f)
		}
		return
	}
	t.Fatal("no slow-requests finding")
}

// The iOS error code -1202 (an untrusted server certificate) counts as
// itself, not inside a longer number.
func TestTLSCodeIsAWholeNumber(t *testing.T) {
	for msg, want := range map[string]bool{
		"NSURLErrorDomain Code=-1202 \"The certificate for this server is invalid\"": true,
		"request failed: error -1202":         true,
		"uploaded 3 files, -12023 bytes left": false,
		"offset -120245 out of range":         false,
	} {
		got, _ := tlsError(&Event{Level: LevelError, Message: msg})
		if got != want {
			t.Errorf("%q: tls-error %v, want %v", msg, got, want)
		}
	}
}
