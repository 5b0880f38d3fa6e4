package formats

import (
	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)
import "testing"

// TestDetectRoutesThisGroupsSamples checks the package's Detect sends each
// sample of this group to its parser (detection order included).
func TestDetectRoutesThisGroupsSamples(t *testing.T) {
	for rel, want := range map[string]ingest.Format{
		"ios/sym_ios15_iphone13_sigabrt.ips":               ingest.FormatIPS,
		"ios/kscrash_ios_nsexception_apple_style.crash":    ingest.FormatAppleCrash,
		"ios/plaso_ios_sysdiagnose_mobileinstallation.log": ingest.FormatSysdiagnose,
		"har/mitmproxy_chrome.har":                         ingest.FormatHAR,
		"har/mitmproxy_firefox111.har":                     ingest.FormatHAR,
		"har/mitmproxy_websocket.har":                      ingest.FormatHAR,
		"malformed/har_broken_json_mitmproxy.har":          ingest.FormatHAR,
		"malformed/har_utf8_bom_chrome_mitmproxy.har":      ingest.FormatHAR,
		"webrtc/webrtc_internals_chrome142_gumonly.txt.gz": ingest.FormatWebRTCInternals,
		"webrtc/rtcstats_chrome99_pc_failed.jsonl":         ingest.FormatRTCStats,
	} {
		data := ingesttest.Sample(t, rel)
		if got := Detect(data[:min(len(data), 64<<10)]); got != want {
			t.Errorf("%s: Detect = %q, want %q", rel, got, want)
		}
	}
	for name, data := range map[string][]byte{
		"ios": []byte(ingesttest.IOSDocExample), "state": []byte(ingesttest.StateDocExample), "internals": []byte(ingesttest.WebRTCInternalsDump),
		"har": []byte(ingesttest.HARSafariSnippet), "ips": []byte(ingesttest.IPSLegacySnippet),
	} {
		want := map[string]ingest.Format{"ios": ingest.FormatIOSAppLog, "state": ingest.FormatClientState, "internals": ingest.FormatWebRTCInternals,
			"har": ingest.FormatHAR, "ips": ingest.FormatIPS}[name]
		if got := Detect(data); got != want {
			t.Errorf("%s: Detect = %q, want %q", name, got, want)
		}
	}
}
