package ingesttest

import (
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// A .ips whose body is the legacy text report.
const IPSLegacySnippet = `{"app_name":"Parley","timestamp":"2021-05-04 10:11:12.00 +0300","app_version":"3.1.0","slice_uuid":"0a1b","build_version":"3100","bundleID":"org.parley.messenger","bug_type":"109","os_version":"iPhone OS 14.5 (18E199)","incident_id":"AB12CD34-0000-4000-8000-000000000001","name":"Parley"}
Incident Identifier: AB12CD34-0000-4000-8000-000000000001
Hardware Model:      iPhone12,1
Process:             Parley [4321]
Identifier:          org.parley.messenger
Version:             3.1.0 (3100)
Date/Time:           2021-05-04 10:11:12.345 +0300
OS Version:          iPhone OS 14.5 (18E199)

Exception Type:  EXC_BAD_ACCESS (SIGSEGV)
Exception Subtype: KERN_INVALID_ADDRESS at 0x0000000000000010
Triggered by Thread:  2

Thread 0 name:  Dispatch queue: com.apple.main-thread
Thread 0:
0   libsystem_kernel.dylib        	0x00000001b5d6e4d4 mach_msg_trap + 8

Thread 2 Crashed:
0   Parley                        	0x0000000100e1c2a4 -[VOEXSession handleEvent:] + 312 (VOEXSession.m:88)
1   Parley                        	0x0000000100e1b000 0x100d00000 + 1159168
2   libdispatch.dylib             	0x00000001a1a3a298 _dispatch_call_block_and_release + 24

Thread 2 crashed with ARM Thread State (64-bit):
    x0: 0x0000000000000000   x1: 0x0000000000000001

Binary Images:
0x100d00000 - 0x100ffffff Parley arm64  <0a1b2c3d> /var/containers/Bundle/Application/X/Parley.app/Parley
`

// A Safari-style HAR with the cases the samples lack.
const HARSafariSnippet = `{"log":{"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"},"pages":[{"id":"page_0","title":"x"}],
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

// IOSDocExample is the example of docs/formats.md, kept identical to it
// (TestIOSAppLogDocExampleInSync checks).
const IOSDocExample = `# parley-ios-log 1
# log: voex
# app: org.parley.messenger
# version: 3.4.0 (5123)
# device: iPhone13,4
# os: iOS 17.1.2
# huid: 5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f
# udid: 0C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F
# apnsPushToken: 7c1f0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d
# voexPushToken:
# session: 6f1c2d3e-0a9b-4c8d-b7e6-f5a4b3c2d1e0
2026-11-20 14:03:11.512 +0300 [I] [VOEX] joining call 6f1c2d3e, audio on, video off
2026-11-20 14:03:12.020 +0300 [D] [ICE] gathered 3 host, 1 srflx, 1 relay candidates
2026-11-20 14:03:17.845 +0300 [W] [ICE] connection state: disconnected
2026-11-20 14:03:27.850 +0300 [E] [ICE] connection state: failed after 10 s
2026-11-20 14:03:27.861 +0300 [E] [VOEX] call ended: ice_failed
2026-11-20 14:03:30.002 +0300 [F] [Crash] Uncaught exception NSInvalidArgumentException: -[NSNull length]: unrecognized selector sent to instance 0x1f0a3c8e0
    0   CoreFoundation    __exceptionPreprocess + 164
    1   libobjc.A.dylib   objc_exception_throw + 60
    2   Parley            -[VOEXSession handleEvent:] + 312
`

// DocText reads docs/formats.md, skipping when it is not there.
func DocText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/formats.md")
	if err != nil {
		t.Skipf("docs/formats.md not found: %v", err)
	}
	return string(b)
}

// StateDocExample is the client state example of docs/formats.md, kept
// identical to it (TestClientStateDocExampleInSync checks).
const StateDocExample = `{
  "format": "parley-client-state",
  "version": 1,
  "exported_at": "2026-11-20T11:05:42.120Z",
  "app": {
    "platform": "web",
    "version": "3.14.0",
    "build": "3140027",
    "server_version": "3.14.2",
    "server_url": "https://parley.example.org",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "os": "Windows 10",
    "locale": "ru"
  },
  "user": {"huid": "5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f"},
  "session": {
    "udid": "9b7e2c10-3f4a-4d5b-8c6d-7e8f9a0b1c2d",
    "stats_started_at": "2026-11-20T09:12:03.004Z"
  },
  "device_meta": {
    "permissions": {"microphone": true, "camera": false, "notifications": false, "screen_sharing": true},
    "pushes": true
  },
  "chats": {"total": 148, "unread": 3, "muted": 12,
            "by_kind": {"personal": 90, "group": 40, "channel": 12, "bot": 6}},
  "settings": {
    "theme": "dark",
    "language": "ru",
    "notifications": {"sound": true, "preview": false},
    "save_statistics": true,
    "log_socket_requests": true,
    "collect_smartapp_logs": false
  },
  "websocket": {
    "state": "open",
    "reconnects": [
      {"at": "2026-11-20T10:41:17.530Z", "reason": "ping timeout", "code": 1006, "downtime_ms": 4200},
      {"at": "2026-11-20T10:58:02.001Z", "reason": "network offline", "code": 1001, "downtime_ms": 65000}
    ]
  },
  "errors": [
    {"at": "2026-11-20T10:12:44.870Z", "kind": "uncaught", "name": "TypeError",
     "message": "Cannot read properties of undefined (reading 'members')",
     "stack": "TypeError: Cannot read properties of undefined (reading 'members')\n    at ChatHeader.render (https://parley.example.org/static/app.3f9a.js:1:48211)\n    at renderRoot (https://parley.example.org/static/app.3f9a.js:1:90210)",
     "source": "chats"},
    {"at": "2026-11-20T10:41:13.002Z", "kind": "network", "name": "FetchError",
     "message": "POST /api/v1/chats/42/messages failed: 502", "source": "messages"}
  ],
  "console": [
    {"at": "2026-11-20T10:41:13.100Z", "level": "warn", "tag": "ws", "message": "no pong in 10 s, reconnecting"}
  ]
}
`

// WebRTCInternalsDump is a small webrtc-internals dump in the Chrome 117+ layout (with
// "-timestamp" series) plus an older-style connection without them.
const WebRTCInternalsDump = `{
 "getUserMedia": [
  {"origin": "https://parley.example.org", "pid": 1234, "request_id": 0, "request_type": "getUserMedia", "rid": 7,
   "timestamp": 1763630591000.5, "audio": "{deviceId: {exact: \"default\"}}", "video": ""},
  {"error": "NotAllowedError", "error_message": "Permission denied", "pid": 1234, "request_id": 0,
   "request_type": "getUserMedia", "rid": 7, "timestamp": 1763630591250},
  {"origin": "https://parley.example.org", "pid": 1234, "request_id": 1, "request_type": "getDisplayMedia", "rid": 7,
   "timestamp": 1763630592000, "video": "{}"}
 ],
 "PeerConnections": {
  "1234-1": {
   "constraints": "",
   "rtcConfiguration": {"iceServers": [{"urls": ["turn:turn.parley.example.org:3478?transport=udp"], "username": "u"}], "bundlePolicy": "max-bundle"},
   "url": "https://parley.example.org/call/42",
   "updateLog": [
    {"time": "11/20/2025, 9:23:11 AM", "type": "createOffer", "value": "options: {offerToReceiveVideo: -1, offerToReceiveAudio: -1}"},
    {"time": "11/20/2025, 9:23:11 AM", "type": "setLocalDescription", "value": "type: offer, sdp: v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"},
    {"time": "11/20/2025, 9:23:12 AM", "type": "iceconnectionstatechange", "value": "checking"},
    {"time": "11/20/2025, 9:23:12 AM", "type": "connectionstatechange", "value": "connecting"},
    {"time": "11/20/2025, 9:23:13 AM", "type": "iceconnectionstatechange", "value": "connected"},
    {"time": "11/20/2025, 9:23:16 AM", "type": "iceconnectionstatechange", "value": "\"disconnected\""},
    {"time": "11/20/2025, 9:23:26 AM", "type": "connectionstatechange", "value": "\"failed\""},
    {"time": "11/20/2025, 9:23:26 AM", "type": "setRemoteDescriptionOnFailure", "value": "OperationError: Failed to set remote answer sdp"}
   ],
   "stats": {
    "T01-timestamp": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "transport", "values": "[1763630593000,1763630594000,1763630595000]"},
    "T01-selectedCandidatePairId": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "transport", "values": "[\"CP1\",\"CP1\",\"CP1\"]"},
    "T01-bytesReceived": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "transport", "values": "[1,2,3]"},
    "CP1-timestamp": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "candidate-pair", "values": "[1763630593000,1763630594000,1763630595000]"},
    "CP1-currentRoundTripTime": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "candidate-pair", "values": "[0.05,0.12,0.2]"},
    "CP1-localCandidateId": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "candidate-pair", "values": "[\"L1\",\"L1\",\"L1\"]"},
    "CP1-remoteCandidateId": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "candidate-pair", "values": "[\"R1\",\"R1\",\"R1\"]"},
    "L1-timestamp": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "local-candidate", "values": "[1763630593000,1763630594000,1763630595000]"},
    "L1-candidateType": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "local-candidate", "values": "[\"relay\",\"relay\",\"relay\"]"},
    "L1-protocol": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "local-candidate", "values": "[\"udp\",\"udp\",\"udp\"]"},
    "R1-timestamp": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "remote-candidate", "values": "[1763630593000,1763630594000,1763630595000]"},
    "R1-candidateType": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "remote-candidate", "values": "[\"host\",\"host\",\"host\"]"},
    "IA1-timestamp": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "inbound-rtp", "values": "[1763630593000,1763630594000,1763630595000]"},
    "IA1-packetsReceived": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "inbound-rtp", "values": "[100,200,300]"},
    "IA1-packetsLost": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "inbound-rtp", "values": "[0,0,25]"},
    "IA1-jitter": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "inbound-rtp", "values": "[0.01,0.02,0.03]"},
    "IA1-[packetsReceived/s]": {"startTime": "2025-11-20T09:23:13.000Z", "endTime": "2025-11-20T09:23:15.000Z", "statsType": "inbound-rtp", "values": "[100,100,100]"}
   }
  },
  "1234-2": {
   "rtcConfiguration": {"iceServers": []},
   "updateLog": [],
   "stats": {
    "IV2-packetsLost": {"startTime": "2025-11-20T09:30:00.000Z", "endTime": "2025-11-20T09:30:02.000Z", "statsType": "inbound-rtp", "values": "[0,5,10]"},
    "IV2-packetsReceived": {"startTime": "2025-11-20T09:30:00.000Z", "endTime": "2025-11-20T09:30:02.000Z", "statsType": "inbound-rtp", "values": [90,190,290]}
   }
  }
 },
 "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
 "UserAgentData": [{"brand": "Chromium", "version": "131.0.6778.85"}, {"brand": "Not_A Brand", "version": "24.0.0.0"}, {"brand": "Google Chrome", "version": "131.0.6778.85"}]
}`

func Gzip(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
