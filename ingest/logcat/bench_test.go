package logcat

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// writeLogcat writes a realistic threadtime logcat of about size bytes to
// w: a mix of levels and tags, about 1 % of entries followed by a Java
// stack trace, and a FATAL EXCEPTION every 200,000 entries.
func writeLogcat(w io.Writer, size int64, seed uint64) error {
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
	written := int64(0)
	b.WriteString("--------- beginning of main\n")
	ms := int64(0)
	entry := 0
	for written+int64(b.Len()) < size {
		if b.Len() >= 1<<20 {
			n, err := w.Write(b.Bytes())
			if err != nil {
				return err
			}
			written += int64(n)
			b.Reset()
		}
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
	_, err := w.Write(b.Bytes())
	return err
}

// BenchmarkParseLogcat parses a generated 1 GiB threadtime logcat from a
// file (in the page cache, as a just-written file is), on as many cores as
// GOMAXPROCS allows; run it with GOMAXPROCS=1 for the one-core figure:
//
//	GOMAXPROCS=1 go test ./ingest -run XXX -bench 'Parse$' -benchtime 3x
//
// "full" is parse, crash detection, and error grouping: a fingerprint of
// every E and F event counted in a map, as the triage page groups them;
// "parse" leaves out the fingerprints and the sink. Besides MB/s
// each reports MB/cpu-s (throughput per CPU-second of the process, steadier
// on a busy machine), the peak resident memory of the process while parsing
// (peak-RSS-MB, Linux only), and how many times slower than `wc -l` on the
// same file, timed in the same run, the parse is (x-wc-l).
func BenchmarkParseLogcat(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := writeLogcat(w, 1<<30, 1); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	size := st.Size()

	b.Run("full", func(b *testing.B) {
		// Errors are grouped by fingerprint, as the triage page does.
		groups := map[uint64]int{}
		var crashes int
		sink := func(ev *ingest.Event) error {
			if ev.Level >= ingest.LevelError {
				groups[ingest.FingerprintHash(ev.Crash, ev.Message)]++
				if ev.Crash != nil {
					crashes++
				}
			}
			return nil
		}
		benchParseLogcatFile(b, path, size, sink)
		if crashes == 0 || len(groups) < 2 {
			b.Fatalf("crashes=%d error groups=%d", crashes, len(groups))
		}
	})
	b.Run("parse", func(b *testing.B) {
		benchParseLogcatFile(b, path, size, nil)
	})
}

func benchParseLogcatFile(b *testing.B, path string, size int64, sink ingest.Sink) {
	b.SetBytes(size)
	b.ReportAllocs()
	runtime.GC()
	debug.FreeOSMemory()
	ingesttest.ResetPeakRSS()
	b.ResetTimer()
	cpu0 := ingesttest.ProcessCPU()
	for range b.N {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := ParseWith("bench.log", f, sink, Options{Year: 2024})
		f.Close()
		if err != nil || res.Events == 0 || res.Crashes == 0 || len(res.Errors) != 0 {
			b.Fatalf("err=%v events=%d crashes=%d errors=%v", err, res.Events, res.Crashes, res.Errors)
		}
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	if cpu := ingesttest.ProcessCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	}
	if rss := ingesttest.PeakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
	}
	if wc := ingesttest.TimeWCL(b, path); wc > 0 {
		b.ReportMetric(float64(perOp)/float64(wc), "x-wc-l")
	}
}
