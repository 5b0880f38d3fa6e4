package ingest

import (
	"fmt"
	"testing"
)

// redactBenchEvents is a realistic mix of events as the redactor sees them:
// mostly logcat and iOS messages without secrets, some HAR requests with
// URLs (most without secret parameters), and about one in twenty with a
// secret of some kind.
func redactBenchEvents() []Event {
	plain := []string{
		"Start proc 4242:com.parley.app/u0a123 for activity com.parley.app/.MainActivity",
		"sync finished in 184 ms, 12 messages, cursor=7f3a9c",
		"uid=10123(u0_a123) RenderThread identical 3 lines",
		"ICE connection state changed to connected (rtt=42 ms, loss=0%)",
		"Displayed com.parley.app/.ChatActivity: +312ms (total +845ms)",
		"avc: denied { read } for pid=4242 comm=\"app\" name=\"stat\" dev=\"proc\" ino=123456",
		"onResume() activity=ChatActivity@1a2b3c chatId=991",
		"Error sending message 17 to 10.0.3.17: ECONNRESET",
		"Keyboard shown, height=812, tokenizer ready",
		"[Calls] token expired, refreshing session",
		"Choreographer: Skipped 31 frames!  The application may be doing too much work on its main thread.",
		"GC freed 12345(1MB) AllocSpace objects, 0(0B) LOS objects, 49% free, 6MB/12MB, paused 1.2ms total 15ms",
		"NetworkController: onAvailable network=101 transport=WIFI validated=true",
		"MessageListViewModel: loaded 50 messages for chat 3f2e1d0c in 23 ms",
		"WebRTC: setRemoteDescription answer ok, 2 transceivers",
		"Firebase: FirebaseInitProvider initialization successful",
		"PushService: onNewToken received, uploading",
		"Connecting to wss://chat.example.org/api/v1/ws?since=1714550000",
		"Failed to fetch https://files.example.org/f/12345: timeout after 30000 ms",
	}
	secret := []string{
		"OkHttp: Authorization: Bearer abcdef0123456789abcdef",
		"OkHttp: X-Auth-Token: 5f2b9c1d7e8a4b3c",
		`login response {"accessToken":"at-9c8b7a6f5e4d","refreshToken":"rt-1a2b3c4d5e6f","expiresIn":3600}`,
		"POST body: grant_type=refresh_token&refresh_token=rt-1a2b3c4d5e6f&client_secret=cs-998877",
		"GET https://api.example.org/v1/me?access_token=s3cr3tvalue&lang=ru",
	}
	var evs []Event
	for i := 0; i < 200; i++ {
		var ev Event
		switch {
		case i%20 == 7:
			ev = Event{Tag: "OkHttp", Message: secret[(i/20)%len(secret)]}
		case i%5 == 2:
			url := fmt.Sprintf("https://api.example.org/v1/chats/%d/messages?limit=50&before=%d", i, 1000+i)
			ev = Event{Tag: "api.example.org", Message: "GET " + url + " → 200 (87 ms)", Attrs: map[string]string{
				"http.method": "GET", "http.url": url, "http.host": "api.example.org", "http.status": "200",
				"http.duration_ms": "87", "http.resource_type": "xhr"}}
		default:
			ev = Event{Tag: "Parley", Message: plain[i%len(plain)]}
		}
		evs = append(evs, ev)
	}
	return evs
}

// BenchmarkRedactEvent measures the redactor per event over that mix,
// copying Attrs first as portal/diagnostics does.
func BenchmarkRedactEvent(b *testing.B) {
	evs := redactBenchEvents()
	r := NewRedactor()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := evs[i%len(evs)]
		if len(ev.Attrs) > 0 {
			attrs := make(map[string]string, len(ev.Attrs))
			for k, v := range ev.Attrs {
				attrs[k] = v
			}
			ev.Attrs = attrs
		}
		r.Event(&ev)
	}
}

// BenchmarkRedactPlain measures the common case: a line without secrets.
func BenchmarkRedactPlain(b *testing.B) {
	r := NewRedactor()
	const s = "GC freed 12345(1MB) AllocSpace objects, 0(0B) LOS objects, 49% free, 6MB/12MB, paused 1.2ms total 15ms"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.String(s)
	}
}
