package har

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

func TestParseHARChromeSample(t *testing.T) {
	res, evs := ingesttest.MustRun(t, Parse, "chrome.har", ingesttest.Sample(t, "har/mitmproxy_chrome.har"))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	// 3 entries: a 304, a request that failed offline (status 0), a 200.
	if res.Events != 3 || res.Levels["E"] != 1 || res.Levels["I"] != 2 {
		t.Fatalf("events %d levels %v", res.Events, res.Levels)
	}
	failed := evs[1]
	if failed.Attrs["http.status"] != "0" || failed.Attrs["http.error"] != "net::ERR_INTERNET_DISCONNECTED" || failed.Level != ingest.LevelError ||
		failed.Tag != "www.google.com" || failed.Message != "GET https://www.google.com/ → 0 net::ERR_INTERNET_DISCONNECTED (4 ms)" {
		t.Errorf("failed = %+v", failed)
	}
	first := evs[0]
	if first.Message != "GET https://mitmproxy.org/ → 304 (15 ms)" || first.Attrs["http.resource_type"] != "document" ||
		first.Attrs["http.host"] != "mitmproxy.org" || first.Attrs["http.method"] != "GET" || first.Attrs["http.duration_ms"] != "15" {
		t.Errorf("first = %+v", first)
	}
	if !first.Time.Equal(ingesttest.Time(t, "2023-03-30T00:00:54.250Z")) || !res.Last.Equal(ingesttest.Time(t, "2023-07-25T12:58:46.182Z")) {
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
	res, evs := ingesttest.MustRun(t, Parse, "firefox.har", ingesttest.Sample(t, "har/mitmproxy_firefox111.har"))
	// 14 entries: 10 × 200, 4 × 304.
	if res.Events != 14 || res.Levels["I"] != 14 || len(res.Errors) != 0 {
		t.Fatalf("result = %+v", res)
	}
	if n := len(ingesttest.Where(evs, ingesttest.Attr("http.status", "304"))); n != 4 {
		t.Errorf("304s = %d", n)
	}
	if !res.First.Equal(ingesttest.Time(t, "2023-03-29T16:58:59.303-07:00")) || !res.Last.Equal(ingesttest.Time(t, "2023-03-29T16:58:59.643-07:00")) {
		t.Errorf("range = %v .. %v", res.First, res.Last)
	}
	// Query strings are kept whole.
	if q := ingesttest.Where(evs, func(e ingest.Event) bool {
		return strings.Contains(e.Attrs["http.url"], "github-btn.html?user=mhils&type=sponsor")
	}); len(q) != 1 {
		t.Errorf("query kept: %d", len(q))
	}
	if res.Env.Browser != "Firefox 111.0.1" {
		t.Errorf("browser = %q", res.Env.Browser)
	}
}

func TestParseHARWebSocketSample(t *testing.T) {
	res, evs := ingesttest.MustRun(t, Parse, "ws.har", ingesttest.Sample(t, "har/mitmproxy_websocket.har"))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	upgrades := ingesttest.Where(evs, ingesttest.Attr("http.status", "101"))
	frames := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Attrs["ws.direction"] != "" })
	// 3 upgrade entries with 1, 1 and 3 frames: 3 received, 2 sent.
	if len(upgrades) != 3 || len(frames) != 5 || len(evs) != 8 {
		t.Fatalf("upgrades %d frames %d events %d", len(upgrades), len(frames), len(evs))
	}
	for _, u := range upgrades {
		if u.Attrs["http.resource_type"] != "websocket" || u.Tag != "demo.piesocket.com" || u.Level != ingest.LevelInfo {
			t.Errorf("upgrade = %+v", u)
		}
	}
	if n := len(ingesttest.Where(frames, ingesttest.Attr("ws.direction", "receive"))); n != 3 {
		t.Errorf("received = %d", n)
	}
	sent := ingesttest.Where(frames, ingesttest.Attr("ws.direction", "send"))
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
	res, evs, err := ingesttest.Run(t, Parse, "broken.har", ingesttest.Sample(t, "malformed/har_broken_json_mitmproxy.har"))
	if err == nil || len(evs) != 0 {
		t.Fatalf("broken HAR: err %v, %d events", err, len(evs))
	}
	var pe ingest.ParseError
	if !errors.As(err, &pe) || pe.File != "broken.har" || pe.Line != 5 || !strings.Contains(err.Error(), "line 5, column 1") {
		t.Errorf("error = %v", err)
	}
	if len(res.Errors) != 2 || !strings.Contains(res.Errors[0].Msg, `"log" is an array`) || res.Errors[1] != pe {
		t.Errorf("errors = %v", res.Errors)
	}

	res, evs = ingesttest.MustRun(t, Parse, "bom.har", ingesttest.Sample(t, "malformed/har_utf8_bom_chrome_mitmproxy.har"))
	if res.Events != 1 || len(res.Errors) != 0 || evs[0].Attrs["http.method"] != "POST" || evs[0].Attrs["http.status"] != "200" {
		t.Errorf("BOM HAR: %+v %+v", res, evs)
	}
	if !evs[0].Time.Equal(ingesttest.Time(t, "2023-07-15T13:37:26.093Z")) {
		t.Errorf("time = %v", evs[0].Time)
	}
}

func TestParseHARCases(t *testing.T) {
	res, evs := ingesttest.MustRun(t, Parse, "safari.har", []byte(ingesttest.HARSafariSnippet))
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
	if !ingesttest.ErrorsMention(res, `cannot read startedDateTime "yesterday"`) || !ingesttest.ErrorsMention(res, "entry 5:") || !ingesttest.ErrorsMention(res, "entry 6:") {
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
	cut := ingesttest.HARSafariSnippet[:strings.Index(ingesttest.HARSafariSnippet, `"_error"`)]
	res, evs, err := ingesttest.Run(t, Parse, "cut.har", []byte(cut))
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
		res, _, err := ingesttest.Run(t, Parse, "odd.har", []byte(tc.in))
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
	res, evs = ingesttest.MustRun(t, Parse, "a.har.gz", ingesttest.Gzip(t, []byte(ingesttest.HARSafariSnippet)))
	if len(evs) != 5 || !LooksLike(ingesttest.Gzip(t, []byte(ingesttest.HARSafariSnippet))) {
		t.Errorf("gzip: %d events", len(evs))
	}
	// A sink error stops the parse and is returned as it is.
	stop := errors.New("stop")
	_, err = Parse("s.har", strings.NewReader(ingesttest.HARSafariSnippet), func(*ingest.Event) error { return stop })
	if err != stop {
		t.Errorf("sink error = %v", err)
	}
}

func FuzzParseHAR(f *testing.F) {
	f.Add([]byte(ingesttest.HARSafariSnippet))
	f.Add([]byte("\xef\xbb\xbf" + `{"log":{"creator":{"name":"mitmproxy"},"entries":[{"startedDateTime":"2023-08-29T13:03:20.195591+00:00","time":1,"request":{"method":"GET","url":"wss://h/"},"response":{"status":101},"_webSocketMessages":[{"type":"send","time":1693314240.7,"opcode":1,"data":"x"},{"type":"receive","opcode":8,"data":""}]}]}}`))
	f.Add([]byte("{\"log\":\n[\n 2,1,3\n]\n\"request:\"}"))
	f.Add(ingesttest.Gzip(f, []byte(`{"log":{"entries":[{}]}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, Parse, data)
		LooksLike(data)
	})
}
