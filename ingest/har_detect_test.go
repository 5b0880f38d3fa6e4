package ingest

import "testing"

// TestDetectRoutesThisGroupsSamples checks the package's Detect sends each
// sample of this group to its parser (detection order included).
func TestDetectRoutesThisGroupsSamples(t *testing.T) {
	for rel, want := range map[string]Format{
		"ios/sym_ios15_iphone13_sigabrt.ips":               FormatIPS,
		"ios/kscrash_ios_nsexception_apple_style.crash":    FormatAppleCrash,
		"ios/plaso_ios_sysdiagnose_mobileinstallation.log": FormatSysdiagnose,
		"har/mitmproxy_chrome.har":                         FormatHAR,
		"har/mitmproxy_firefox111.har":                     FormatHAR,
		"har/mitmproxy_websocket.har":                      FormatHAR,
		"malformed/har_broken_json_mitmproxy.har":          FormatHAR,
		"malformed/har_utf8_bom_chrome_mitmproxy.har":      FormatHAR,
		"webrtc/webrtc_internals_chrome142_gumonly.txt.gz": FormatWebRTCInternals,
		"webrtc/rtcstats_chrome99_pc_failed.jsonl":         FormatRTCStats,
	} {
		data := iwSample(t, rel)
		if got := Detect(data[:min(len(data), 64<<10)]); got != want {
			t.Errorf("%s: Detect = %q, want %q", rel, got, want)
		}
	}
	for name, data := range map[string][]byte{
		"ios": []byte(iosDocExample), "state": []byte(stateDocExample), "internals": []byte(wiDump),
		"har": []byte(harSafariSnippet), "ips": []byte(ipsLegacySnippet),
	} {
		want := map[string]Format{"ios": FormatIOSAppLog, "state": FormatClientState, "internals": FormatWebRTCInternals,
			"har": FormatHAR, "ips": FormatIPS}[name]
		if got := Detect(data); got != want {
			t.Errorf("%s: Detect = %q, want %q", name, got, want)
		}
	}
}
