package formats

import (
	"os"
	"path/filepath"
	"testing"

	"parley/ingest/apple"
	"parley/ingest/har"
	"parley/ingest/internal/ingesttest"
	"parley/ingest/state"
	"parley/ingest/webrtc"
)

// TestDetectionMatrix checks that each detector of this group recognises its
// own files and none of the others (including the Android samples).
func TestDetectionMatrix(t *testing.T) {
	detectors := map[string]func([]byte) bool{
		"ips": apple.LooksLikeIPS, "apple-crash": apple.LooksLikeCrash, "apple-log": apple.LooksLikeLog,
		"sysdiagnose": apple.LooksLikeSysdiagnose, "ios-app-log": apple.LooksLikeAppLog, "client-state": state.LooksLike,
		"har": har.LooksLike, "webrtc-internals": webrtc.LooksLikeInternals, "rtcstats": webrtc.LooksLikeRTCStats,
	}
	type input struct {
		name, want string
		data       []byte
	}
	inputs := []input{
		{"ios doc example", "ios-app-log", []byte(ingesttest.IOSDocExample)},
		{"state doc example", "client-state", []byte(ingesttest.StateDocExample)},
		{"internals dump", "webrtc-internals", []byte(ingesttest.WebRTCInternalsDump)},
		{"safari har", "har", []byte(ingesttest.HARSafariSnippet)},
		{"ips legacy", "ips", []byte(ingesttest.IPSLegacySnippet)},
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
	if _, err := os.Stat(ingesttest.SamplesDir); err == nil {
		logcat, _ := filepath.Glob(filepath.Join(ingesttest.SamplesDir, "logcat", "*"))
		for _, p := range logcat {
			rel, _ := filepath.Rel(ingesttest.SamplesDir, p)
			samples[rel] = ""
		}
	}
	for rel, want := range samples {
		data := ingesttest.Sample(t, rel)
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
