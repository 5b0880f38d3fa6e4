package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

var (
	benchLogcatOnce sync.Once
	benchLogcatData []byte
)

// benchLogcat builds, once, a realistic threadtime logcat of about 128 MB:
// a mix of levels and tags, about 1 % of entries followed by a Java stack
// trace, and a FATAL EXCEPTION every 200,000 entries.
func benchLogcat() []byte {
	benchLogcatOnce.Do(func() {
		benchLogcatData = genLogcat(128<<20, 1)
	})
	return benchLogcatData
}

func genLogcat(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	tags := []string{"ActivityManager", "chatty", "WindowManager", "InputDispatcher", "NetworkController", "OkHttp",
		"Parley.Sync", "Parley.Calls", "WebRTC", "SurfaceFlinger", "libc", "audit", "Zygote", "System.err",
		"PackageManager", "ConnectivityService", "BluetoothAdapter", "Firebase", "GCM", "vold"}
	msgs := []string{
		"Start proc %d:com.parley.app/u0a%d for activity com.parley.app/.MainActivity",
		"sync finished in %d ms, %d messages, cursor=%x",
		"uid=%d(u0_a123) RenderThread identical %d lines",
		"Connecting to wss://chat.example.org/api/v1/ws?since=%d",
		"ICE connection state changed to connected (rtt=%d ms, loss=%d%%)",
		"Displayed com.parley.app/.ChatActivity: +%dms (total +%dms)",
		"Failed to fetch https://files.example.org/f/%d: timeout after %d ms",
		"avc: denied { read } for pid=%d comm=\"app\" name=\"stat\" dev=\"proc\" ino=%d",
		"onResume() activity=ChatActivity@%x chatId=%d",
		"Error sending message %d to 10.0.%d.17: ECONNRESET",
	}
	levels := "VDDDIIIIIIIWWWEEV"
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString("--------- beginning of main\n")
	ms := int64(0)
	entry := 0
	for b.Len() < size {
		entry++
		ms += int64(r.IntN(40))
		sec := ms / 1000
		ts := fmt.Sprintf("%02d-%02d %02d:%02d:%02d.%03d", 5, 1+int(sec/86400)%28, (sec/3600)%24, (sec/60)%60, sec%60, ms%1000)
		pid := 1000 + r.IntN(9000)
		tid := pid + r.IntN(50)
		if entry%200000 == 0 {
			for _, l := range []string{"FATAL EXCEPTION: main", "Process: com.parley.app, PID: " + fmt.Sprint(pid),
				"java.lang.IllegalStateException: chat " + fmt.Sprint(r.IntN(1e6)) + " not found"} {
				fmt.Fprintf(&b, "%s %5d %5d E AndroidRuntime: %s\n", ts, pid, pid, l)
			}
			for i := 0; i < 20; i++ {
				fmt.Fprintf(&b, "%s %5d %5d E AndroidRuntime: \tat com.parley.app.chat.ChatRepository.load%d(ChatRepository.kt:%d)\n", ts, pid, pid, i, 10+i)
			}
			continue
		}
		lvl := levels[r.IntN(len(levels))]
		tag := tags[r.IntN(len(tags))]
		msg := fmt.Sprintf(msgs[r.IntN(len(msgs))], r.IntN(100000), r.IntN(5000))
		fmt.Fprintf(&b, "%s %5d %5d %c %-8s: %s\n", ts, pid, tid, lvl, tag, msg)
		if r.IntN(100) == 0 {
			fmt.Fprintf(&b, "%s %5d %5d W System.err: java.io.IOException: unexpected end of stream on https://api.example.org/%d\n", ts, pid, tid, r.IntN(1000))
			n := 8 + r.IntN(20)
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "%s %5d %5d W System.err: \tat okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders%d(Http1ExchangeCodec.kt:%d)\n", ts, pid, tid, i, 100+i)
			}
			fmt.Fprintf(&b, "%s %5d %5d W System.err: Caused by: java.io.EOFException: \\n not found: limit=0 content=…\n", ts, pid, tid)
			fmt.Fprintf(&b, "%s %5d %5d W System.err: \t... %d more\n", ts, pid, tid, n)
		}
	}
	return b.Bytes()
}

// BenchmarkParseLogcat: parse, crash detection, and a fingerprint for every
// E and F event, from memory. Run with GOMAXPROCS=1 for the one-core figure:
//
//	GOMAXPROCS=1 go test ./ingest -run XXX -bench ParseLogcat -benchtime 5x
func BenchmarkParseLogcat(b *testing.B) {
	data := benchLogcat()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		var fps, crashes int
		sink := func(ev Event) error {
			if ev.Level >= LevelError {
				if Fingerprint(ev.Crash, ev.Message) != "" {
					fps++
				}
				if ev.Crash != nil {
					crashes++
				}
			}
			return nil
		}
		res, err := ParseLogcatWith("bench.txt", bytes.NewReader(data), sink, LogcatOptions{Year: 2024})
		if err != nil || res.Events == 0 || crashes == 0 || fps == 0 {
			b.Fatalf("err=%v events=%d crashes=%d fps=%d", err, res.Events, crashes, fps)
		}
	}
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	}
}

// BenchmarkParseLogcatNoSink is the parse alone (crash detection included),
// for comparison with BenchmarkParseLogcat.
func BenchmarkParseLogcatNoSink(b *testing.B) {
	data := benchLogcat()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseLogcatWith("bench.txt", bytes.NewReader(data), nil, LogcatOptions{Year: 2024}); err != nil {
			b.Fatal(err)
		}
	}
}
