package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseHARChromeSample(t *testing.T) {
	res, evs := iwMustRun(t, ParseHAR, "chrome.har", iwSample(t, "har/mitmproxy_chrome.har"))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	// 3 entries: a 304, a request that failed offline (status 0), a 200.
	if res.Events != 3 || res.Levels["E"] != 1 || res.Levels["I"] != 2 {
		t.Fatalf("events %d levels %v", res.Events, res.Levels)
	}
	failed := evs[1]
	if failed.Attrs["http.status"] != "0" || failed.Attrs["http.error"] != "net::ERR_INTERNET_DISCONNECTED" || failed.Level != LevelError ||
		failed.Tag != "www.google.com" || failed.Message != "GET https://www.google.com/ → 0 net::ERR_INTERNET_DISCONNECTED (4 ms)" {
		t.Errorf("failed = %+v", failed)
	}
	first := evs[0]
	if first.Message != "GET https://mitmproxy.org/ → 304 (15 ms)" || first.Attrs["http.resource_type"] != "document" ||
		first.Attrs["http.host"] != "mitmproxy.org" || first.Attrs["http.method"] != "GET" || first.Attrs["http.duration_ms"] != "15" {
		t.Errorf("first = %+v", first)
	}
	if !first.Time.Equal(iwTime(t, "2023-03-30T00:00:54.250Z")) || !res.Last.Equal(iwTime(t, "2023-07-25T12:58:46.182Z")) {
		t.Errorf("times = %v, last %v", first.Time, res.Last)
	}
	if first.Line < 2 || evs[1].Line <= first.Line || evs[2].Line <= evs[1].Line {
		t.Errorf("lines = %d %d %d", first.Line, evs[1].Line, evs[2].Line)
	}
	if evs[2].Attrs["http.resource_type"] != "image" {
		t.Errorf("third = %+v", evs[2])
	}
	// log.creator is WebInspector 537.36; the request's User-Agent names the browser.
	if res.Env.Browser != "Chrome 110.0.0.0" || res.Env.Extra["har.creator"] != "WebInspector 537.36" {
		t.Errorf("env = %+v", res.Env)
	}
}

func TestParseHARFirefoxSample(t *testing.T) {
	res, evs := iwMustRun(t, ParseHAR, "firefox.har", iwSample(t, "har/mitmproxy_firefox111.har"))
	// 14 entries: 10 × 200, 4 × 304.
	if res.Events != 14 || res.Levels["I"] != 14 || len(res.Errors) != 0 {
		t.Fatalf("result = %+v", res)
	}
	if n := len(iwWhere(evs, iwAttr("http.status", "304"))); n != 4 {
		t.Errorf("304s = %d", n)
	}
	if !res.First.Equal(iwTime(t, "2023-03-29T16:58:59.303-07:00")) || !res.Last.Equal(iwTime(t, "2023-03-29T16:58:59.643-07:00")) {
		t.Errorf("range = %v .. %v", res.First, res.Last)
	}
	// Query strings are kept whole.
	if q := iwWhere(evs, func(e Event) bool {
		return strings.Contains(e.Attrs["http.url"], "github-btn.html?user=mhils&type=sponsor")
	}); len(q) != 1 {
		t.Errorf("query kept: %d", len(q))
	}
	if res.Env.Browser != "Firefox 111.0.1" {
		t.Errorf("browser = %q", res.Env.Browser)
	}
}

func TestParseHARWebSocketSample(t *testing.T) {
	res, evs := iwMustRun(t, ParseHAR, "ws.har", iwSample(t, "har/mitmproxy_websocket.har"))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	upgrades := iwWhere(evs, iwAttr("http.status", "101"))
	frames := iwWhere(evs, func(e Event) bool { return e.Attrs["ws.direction"] != "" })
	// 3 upgrade entries with 1, 1 and 3 frames: 3 received, 2 sent.
	if len(upgrades) != 3 || len(frames) != 5 || len(evs) != 8 {
		t.Fatalf("upgrades %d frames %d events %d", len(upgrades), len(frames), len(evs))
	}
	for _, u := range upgrades {
		if u.Attrs["http.resource_type"] != "websocket" || u.Tag != "demo.piesocket.com" || u.Level != LevelInfo {
			t.Errorf("upgrade = %+v", u)
		}
	}
	if n := len(iwWhere(frames, iwAttr("ws.direction", "receive"))); n != 3 {
		t.Errorf("received = %d", n)
	}
	sent := iwWhere(frames, iwAttr("ws.direction", "send"))
	if len(sent) != 2 || sent[0].Message != "WebSocket send: foo" || sent[1].Message != "WebSocket send: bar" ||
		sent[0].Attrs["ws.opcode"] != "1" || sent[0].Tag != "demo.piesocket.com" {
		t.Errorf("sent = %+v", sent)
	}
	// Frame times are epoch seconds: 1693314240.7948081.
	if want := time.Unix(1693314240, 794808000); !sent[0].Time.Equal(want) {
		t.Errorf("frame time = %v, want %v", sent[0].Time, want)
	}
	// Upgrade URLs keep their api_key query string (redaction happens elsewhere).
	if !strings.Contains(upgrades[0].Attrs["http.url"], "api_key=") {
		t.Errorf("url = %q", upgrades[0].Attrs["http.url"])
	}
}

func TestParseHARMalformedSamples(t *testing.T) {
	res, evs, err := iwRun(t, ParseHAR, "broken.har", iwSample(t, "malformed/har_broken_json_mitmproxy.har"))
	if err == nil || len(evs) != 0 {
		t.Fatalf("broken HAR: err %v, %d events", err, len(evs))
	}
	var pe ParseError
	if !errors.As(err, &pe) || pe.File != "broken.har" || pe.Line != 5 || !strings.Contains(err.Error(), "line 5, column 1") {
		t.Errorf("error = %v", err)
	}
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Msg, `"log" is an array`) || res.Errors[1] != pe {
		t.Errorf("errors = %v", res.Errors)
	}

	res, evs = iwMustRun(t, ParseHAR, "bom.har", iwSample(t, "malformed/har_utf8_bom_chrome_mitmproxy.har"))
	if res.Events != 1 || len(res.Errors) != 0 || evs[0].Attrs["http.method"] != "POST" || evs[0].Attrs["http.status"] != "200" {
		t.Errorf("BOM HAR: %+v %+v", res, evs)
	}
	if !evs[0].Time.Equal(iwTime(t, "2023-07-15T13:37:26.093Z")) {
		t.Errorf("time = %v", evs[0].Time)
	}
}

// A Safari-style HAR with the cases the samples lack.
const harSafariSnippet = `{"log":{"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"},"pages":[{"id":"page_0","title":"x"}],
"entries":[
{"pageref":"page_0","startedDateTime":"2024-05-02T10:00:00.000Z","time":120.4,
 "request":{"method":"GET","url":"https://parley.example.org/api/v1/chats?limit=50","headers":[{"name":"User-Agent","value":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"}]},
 "response":{"status":502,"statusText":"Bad Gateway","content":{"size":10,"text":"bad gateway"}}},
{"startedDateTime":"2024-05-02T10:00:01.000Z","time":"33",
 "request":{"method":"POST","url":"https://parley.example.org:8443/api/v1/auth/login"},
 "response":{"status":401}},
{"startedDateTime":"2024-05-02T10:00:02Z","time":null,"_error":"net::ERR_CONNECTION_RESET",
 "request":{"method":"GET","url":"https://cdn.example.org/app.js"},
 "response":{"status":200}},
{"startedDateTime":"yesterday","request":{"method":"GET","url":"https://parley.example.org/"},"response":{"status":"200"}},
{"startedDateTime":"2024-05-02T10:00:04Z","request":{"method":7,"url":"https://parley.example.org/x"},"response":{"status":204}},
42
]}}`

func TestParseHARCases(t *testing.T) {
	res, evs := iwMustRun(t, ParseHAR, "safari.har", []byte(harSafariSnippet))
	if len(evs) != 5 {
		t.Fatalf("%d events: %+v", len(evs), evs)
	}
	levels := ""
	for _, e := range evs {
		levels += e.Level.Letter()
	}
	if levels != "EWEII" {
		t.Errorf("levels = %s", levels)
	}
	if evs[0].Attrs["http.url"] != "https://parley.example.org/api/v1/chats?limit=50" || evs[0].Attrs["http.duration_ms"] != "120" {
		t.Errorf("first = %+v", evs[0])
	}
	if evs[1].Tag != "parley.example.org:8443" || evs[1].Attrs["http.duration_ms"] != "33" {
		t.Errorf("second = %+v", evs[1])
	}
	if evs[2].Attrs["http.error"] != "net::ERR_CONNECTION_RESET" || evs[2].Attrs["http.duration_ms"] != "" {
		t.Errorf("third = %+v", evs[2])
	}
	if !evs[3].Time.IsZero() || evs[3].Attrs["http.status"] != "200" {
		t.Errorf("fourth = %+v", evs[3])
	}
	if !iwErrorsMention(res, `cannot read startedDateTime "yesterday"`) || !iwErrorsMention(res, "entry 5:") || !iwErrorsMention(res, "entry 6:") {
		t.Errorf("errors = %v", res.Errors)
	}
	for _, e := range res.Errors {
		if e.Line == 0 {
			t.Errorf("error without a line: %v", e)
		}
	}
	if res.Env.Browser != "Safari 17.4" || res.Env.Extra["har.creator"] != "WebKit Web Inspector 1.0" {
		t.Errorf("env = %+v", res.Env)
	}
}

func TestParseHARTruncatedAndOdd(t *testing.T) {
	// Cut inside the third entry: two events, then an error at the end.
	cut := harSafariSnippet[:strings.Index(harSafariSnippet, `"_error"`)]
	res, evs, err := iwRun(t, ParseHAR, "cut.har", []byte(cut))
	if err == nil || len(evs) != 2 || !strings.Contains(err.Error(), "cut.har:") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("cut: err %v, events %d", err, len(evs))
	}
	_ = res
	for _, tc := range []struct{ in, want string }{
		{"", "empty file"},
		{"[1,2]", "top level is an array"},
		{`{"log":{"entries":{}}}`, "log.entries is an object"},
		{`{"other":1}`, `no "log" object`},
		{`{"log":{"entries":[]}} trailing`, "unexpected data after the end"},
	} {
		res, _, err := iwRun(t, ParseHAR, "odd.har", []byte(tc.in))
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		for _, e := range res.Errors {
			msg += " | " + e.Error()
		}
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%q: %s, want %q", tc.in, msg, tc.want)
		}
	}
	// gzip-compressed HAR.
	res, evs = iwMustRun(t, ParseHAR, "a.har.gz", iwGzip(t, []byte(harSafariSnippet)))
	if len(evs) != 5 || !looksLikeHAR(iwGzip(t, []byte(harSafariSnippet))) {
		t.Errorf("gzip: %d events", len(evs))
	}
	// A sink error stops the parse and is returned as it is.
	stop := errors.New("stop")
	_, err = ParseHAR("s.har", strings.NewReader(harSafariSnippet), func(*Event) error { return stop })
	if err != stop {
		t.Errorf("sink error = %v", err)
	}
}

// TestDetectionMatrix checks that each detector of this group recognises its
// own files and none of the others (including the Android samples).
func TestDetectionMatrix(t *testing.T) {
	detectors := map[string]func([]byte) bool{
		"ips": looksLikeIPS, "apple-crash": looksLikeAppleCrash, "apple-log": looksLikeAppleLog,
		"sysdiagnose": looksLikeSysdiagnose, "ios-app-log": looksLikeIOSAppLog, "client-state": looksLikeClientState,
		"har": looksLikeHAR, "webrtc-internals": looksLikeWebRTCInternals, "rtcstats": looksLikeRTCStats,
	}
	type input struct {
		name, want string
		data       []byte
	}
	inputs := []input{
		{"ios doc example", "ios-app-log", []byte(iosDocExample)},
		{"state doc example", "client-state", []byte(stateDocExample)},
		{"internals dump", "webrtc-internals", []byte(wiDump)},
		{"safari har", "har", []byte(harSafariSnippet)},
		{"ips legacy", "ips", []byte(ipsLegacySnippet)},
		{"ndjson log", "apple-log", []byte(`{"timestamp":"2021-08-11 05:51:02.123456+0300","messageType":"Error","eventMessage":"m"}` + "\n")},
		{"plain text", "", []byte("hello world\n")},
		{"json object", "", []byte(`{"a":1}`)},
	}
	samples := map[string]string{
		"ios/sym_ios15_iphone13_sigabrt.ips":               "ips",
		"ios/kscrash_ios_nsexception_apple_style.crash":    "apple-crash",
		"ios/plaso_ios_sysdiagnose_mobileinstallation.log": "sysdiagnose",
		"har/mitmproxy_chrome.har":                         "har",
		"har/mitmproxy_firefox111.har":                     "har",
		"har/mitmproxy_websocket.har":                      "har",
		"malformed/har_broken_json_mitmproxy.har":          "har",
		"malformed/har_utf8_bom_chrome_mitmproxy.har":      "har",
		"webrtc/webrtc_internals_chrome142_gumonly.txt.gz": "webrtc-internals",
		"webrtc/rtcstats_chrome99_pc_failed.jsonl":         "rtcstats",
	}
	if _, err := os.Stat(iwSamplesDir); err == nil {
		logcat, _ := filepath.Glob(filepath.Join(iwSamplesDir, "logcat", "*"))
		for _, p := range logcat {
			rel, _ := filepath.Rel(iwSamplesDir, p)
			samples[rel] = ""
		}
	}
	for rel, want := range samples {
		data := iwSample(t, rel)
		inputs = append(inputs, input{rel, want, data[:min(len(data), 64<<10)]})
	}
	for _, in := range inputs {
		for name, d := range detectors {
			if got := d(in.data); got != (name == in.want) {
				t.Errorf("%s: looksLike(%s) = %v", in.name, name, got)
			}
		}
	}
}

func FuzzParseHAR(f *testing.F) {
	f.Add([]byte(harSafariSnippet))
	f.Add([]byte("\xef\xbb\xbf" + `{"log":{"creator":{"name":"mitmproxy"},"entries":[{"startedDateTime":"2023-08-29T13:03:20.195591+00:00","time":1,"request":{"method":"GET","url":"wss://h/"},"response":{"status":101},"_webSocketMessages":[{"type":"send","time":1693314240.7,"opcode":1,"data":"x"},{"type":"receive","opcode":8,"data":""}]}]}}`))
	f.Add([]byte("{\"log\":\n[\n 2,1,3\n]\n\"request:\"}"))
	f.Add(iwGzip(f, []byte(`{"log":{"entries":[{}]}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		iwFuzzCheck(t, ParseHAR, data)
		looksLikeHAR(data)
	})
}
