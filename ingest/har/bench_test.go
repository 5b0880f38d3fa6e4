package har

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// bigHAR writes a Chrome-style, pretty-printed HAR of about size bytes:
// requests with realistic headers and response bodies, some errors, and now
// and then a WebSocket with frames. It returns the file size and the number
// of events Parse should produce.
func bigHAR(tb testing.TB, path string, size int64) (int64, int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	header := `{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2026-11-20T09:00:00.000Z", "id": "page_1", "title": "https://parley.example.org/", "pageTimings": {"onContentLoad": 812.4, "onLoad": 1520.9}}],
    "entries": [
`
	w.WriteString(header)
	body := strings.Repeat(`{"id":"5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f","kind":"group","name":"Support team","unread":3,"members":["a","b","c"]},`, 12)
	type nv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	headers := []nv{
		{"Accept", "application/json"}, {"Accept-Encoding", "gzip, deflate, br"}, {"Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8"},
		{"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1ZDFjIn0.c2lnbmF0dXJl"}, {"Cache-Control", "no-cache"},
		{"Referer", "https://parley.example.org/chats"}, {"sec-ch-ua", `"Chromium";v="131", "Google Chrome";v="131"`},
		{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	}
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var written int64 = int64(len(header))
	entries, events := 0, 0
	for written < size {
		status, errText, rt := 200, "", "fetch"
		switch {
		case entries%97 == 0:
			status, errText = 0, "net::ERR_CONNECTION_RESET"
		case entries%53 == 0:
			status = 502
		case entries%31 == 0:
			status = 404
		}
		e := map[string]any{
			"_initiator":      map[string]any{"type": "script", "stack": map[string]any{"callFrames": []any{map[string]any{"functionName": "request", "url": "https://parley.example.org/static/app.js", "lineNumber": 1, "columnNumber": 48211}}}},
			"_priority":       "High",
			"_resourceType":   rt,
			"cache":           map[string]any{},
			"connection":      "443",
			"pageref":         "page_1",
			"startedDateTime": start.Add(time.Duration(entries) * 37 * time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
			"time":            12.5 + float64(entries%400),
			"serverIPAddress": "203.0.113.7",
			"request": map[string]any{
				"method": "GET", "url": fmt.Sprintf("https://parley.example.org/api/v1/chats/%d/messages?before=%d&limit=50", entries%500, entries),
				"httpVersion": "http/2.0", "headers": headers, "queryString": []nv{{"before", fmt.Sprint(entries)}, {"limit", "50"}},
				"cookies": []any{}, "headersSize": -1, "bodySize": 0,
			},
			"response": map[string]any{
				"status": status, "statusText": "", "httpVersion": "http/2.0",
				"headers": []nv{{"content-type", "application/json; charset=utf-8"}, {"date", "Fri, 20 Nov 2026 09:00:00 GMT"}, {"server", "parley"}},
				"cookies": []any{}, "content": map[string]any{"size": len(body) + 2, "mimeType": "application/json", "text": "[" + body + "{}]"},
				"redirectURL": "", "headersSize": -1, "bodySize": len(body), "_transferSize": len(body) + 300, "_error": errText,
			},
			"timings": map[string]any{"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 10.4, "receive": 0.8},
		}
		if entries%1000 == 999 {
			var frames []any
			for i := range 10 {
				frames = append(frames, map[string]any{"type": []string{"send", "receive"}[i%2], "time": float64(start.Unix()) + float64(entries)*0.037 + float64(i)*0.01,
					"opcode": 1, "data": `{"type":"message.new","seq":` + fmt.Sprint(i) + `,"chat_id":42}`})
			}
			e["_resourceType"] = "websocket"
			e["_webSocketMessages"] = frames
			e["response"].(map[string]any)["status"] = 101
			e["response"].(map[string]any)["_error"] = ""
			events += len(frames)
		}
		b, err := json.MarshalIndent(e, "      ", "  ")
		if err != nil {
			tb.Fatal(err)
		}
		if entries > 0 {
			w.WriteString(",\n")
			written += 2
		}
		w.WriteString("      ")
		w.Write(b)
		written += int64(len(b)) + 6
		entries++
		events++
	}
	w.WriteString("\n    ]\n  }\n}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size(), events
}

// BenchmarkParseHAR parses a generated ~200 MB HAR (made once, in a temporary
// directory) and reports the throughput and the peak of the live heap while
// parsing above the heap before it (peak-heap-over-base-MiB, sampled every
// millisecond): it stays flat, far below the file size. MB/cpu-s is the
// throughput per CPU-second of the process (parsing plus the garbage
// collector); peak-RSS-MB and x-wc-l are as in BenchmarkParseLogcat.
//
//	GOMAXPROCS=1 go test ./ingest -run XXX -bench Parse -benchtime 3x
func BenchmarkParseHAR(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.har")
	size, want := bigHAR(b, path, 200<<20)
	b.Run("200MB", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		debug.FreeOSMemory()
		ingesttest.ResetPeakRSS()
		b.ResetTimer()
		cpu0 := ingesttest.ProcessCPU()
		peak := ingesttest.HeapPeak(b, func() {
			for range b.N {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				res, err := Parse("big.har", f, func(*ingest.Event) error { n++; return nil })
				f.Close()
				if err != nil || res.Events != want || n != want || len(res.Errors) != 0 {
					b.Fatalf("events %d/%d (want %d), err %v, errors %v", res.Events, n, want, err, res.Errors)
				}
			}
		})
		b.StopTimer()
		perOp := b.Elapsed() / time.Duration(b.N)
		if cpu := ingesttest.ProcessCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
		}
		if rss := ingesttest.PeakRSS(); rss > 0 {
			b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
		}
		if wc := ingesttest.TimeWCL(b, path); wc > 0 {
			b.ReportMetric(float64(perOp)/float64(wc), "x-wc-l")
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-over-base-MiB")
	})
}
