package har

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// Memory stays flat inside an entry too: a huge body, a huge URL and a
// WebSocket entry of many frames are parsed with a small, bounded heap.

const maxHeap = 64 << 20

// chunk is a piece of a long JSON string with escapes and non-ASCII text.
var chunk = strings.Repeat(`{\"id\":42,\"text\":\"привет, мир \u00e9\\n\"},`, 64)

func TestParseHARHugeBodyAndURL(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 120 MB file")
	}
	path := filepath.Join(t.TempDir(), "body.har")
	const bodySize = 120 << 20
	const urlSize = 8 << 20
	size := ingesttest.WriteFile(t, path, func(w *bufio.Writer) {
		w.WriteString(`{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[` + "\n")
		// A POST with a huge request body and a huge response body.
		w.WriteString(`{"startedDateTime":"2026-11-20T09:00:00.000Z","time":812.4,"request":{"method":"POST","url":"https://parley.example.org/api/v1/upload",` +
			`"headers":[{"name":"User-Agent","value":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}],` +
			`"postData":{"mimeType":"application/json","text":"`)
		for n := 0; n < bodySize/2; n += len(chunk) {
			w.WriteString(chunk)
		}
		w.WriteString(`"}},"response":{"status":200,"content":{"size":1,"mimeType":"application/json","text":"`)
		for n := 0; n < bodySize/2; n += len(chunk) {
			w.WriteString(chunk)
		}
		w.WriteString(`"}}},` + "\n")
		// A request whose URL is absurdly long.
		w.WriteString(`{"startedDateTime":"2026-11-20T09:00:01.000Z","time":3,"request":{"method":"GET","url":"https://parley.example.org/?q=`)
		for n := 0; n < urlSize; n += 16 {
			w.WriteString("0123456789abcdef")
		}
		w.WriteString(`"},"response":{"status":414}},` + "\n")
		w.WriteString(`{"startedDateTime":"2026-11-20T09:00:02.000Z","time":5,"request":{"method":"GET","url":"https://parley.example.org/last"},"response":{"status":204}}` + "\n]}}\n")
	})
	var res ingest.Result
	var evs []ingest.Event
	var n int
	var err error
	peak := ingesttest.HeapPeak(t, func() { res, evs, n, err = ingesttest.ParseFile(t, Parse, path, 10) })
	t.Logf("%d MB file: peak heap %.1f MiB over the base", size>>20, float64(peak)/(1<<20))
	if err != nil || n != 3 || res.Events != 3 || len(res.Errors) != 0 {
		t.Fatalf("events %d, err %v, errors %v", n, err, res.Errors)
	}
	if peak > maxHeap {
		t.Errorf("peak heap %d MiB, more than %d MiB", peak>>20, maxHeap>>20)
	}
	if evs[0].Message != "POST https://parley.example.org/api/v1/upload → 200 (812 ms)" || evs[0].Line != 2 {
		t.Errorf("first = %+v", evs[0])
	}
	// The long URL is cut, not held whole.
	if u := evs[1].Attrs["http.url"]; len(u) != maxString || !strings.HasPrefix(u, "https://parley.example.org/?q=0123") ||
		evs[1].Attrs["http.status"] != "414" || evs[1].Line != 3 || len(evs[1].Message) > maxString+100 {
		t.Errorf("second: url of %d bytes, %v, line %d", len(u), evs[1].Attrs["http.status"], evs[1].Line)
	}
	if evs[2].Attrs["http.url"] != "https://parley.example.org/last" || evs[2].Line != 4 {
		t.Errorf("third = %+v", evs[2])
	}
	if res.Env.Browser != "Chrome 131.0.0.0" {
		t.Errorf("browser = %q", res.Env.Browser)
	}
}

// framesHAR writes a HAR with one WebSocket entry of n frames, in
// Chrome's member order: _webSocketMessages before request and response.
func framesHAR(t *testing.T, path string, n int) int64 {
	return ingesttest.WriteFile(t, path, func(w *bufio.Writer) {
		w.WriteString(`{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[` + "\n")
		w.WriteString(`{"_initiator":{"type":"script"},"_priority":"High","_resourceType":"websocket","_webSocketMessages":[` + "\n")
		for i := range n {
			if i > 0 {
				w.WriteString(",\n")
			}
			fmt.Fprintf(w, `{"type":"%s","time":%d.%06d,"opcode":1,"data":"{\"type\":\"message.new\",\"seq\":%d,\"chat_id\":42}"}`,
				[]string{"send", "receive"}[i%2], 1763630000+i/1000, (i%1000)*1000, i)
		}
		w.WriteString("\n" + `],"cache":{},"request":{"method":"GET","url":"wss://parley.example.org/ws?v=2"},"response":{"status":101,"statusText":"Switching Protocols"},` +
			`"startedDateTime":"2025-11-20T09:00:00.000Z","time":3600000}` + "\n]}}\n")
	})
}

func TestParseHARManyWebSocketFrames(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large file")
	}
	const frames = 600_000
	path := filepath.Join(t.TempDir(), "ws.har")
	size := framesHAR(t, path, frames)
	var res ingest.Result
	var evs []ingest.Event
	var n int
	var err error
	peak := ingesttest.HeapPeak(t, func() { res, evs, n, err = ingesttest.ParseFile(t, Parse, path, 3) })
	t.Logf("%d MB file, %d frames: peak heap %.1f MiB over the base", size>>20, frames, float64(peak)/(1<<20))
	if err != nil || n != frames+1 || res.Events != frames+1 || len(res.Errors) != 0 || res.Levels["D"] != frames {
		t.Fatalf("events %d, err %v, errors %v", n, err, res.Errors)
	}
	if peak > maxHeap {
		t.Errorf("peak heap %d MiB, more than %d MiB", peak>>20, maxHeap>>20)
	}
	// The entry comes first, then its frames, which know its URL although
	// they were read before it.
	if evs[0].Attrs["http.status"] != "101" || evs[0].Attrs["http.resource_type"] != "websocket" || evs[0].Tag != "parley.example.org" {
		t.Errorf("entry = %+v", evs[0])
	}
	f := evs[2]
	if f.Message != `WebSocket receive: {"type":"message.new","seq":1,"chat_id":42}` || f.Attrs["http.url"] != "wss://parley.example.org/ws?v=2" ||
		f.Tag != "parley.example.org" || f.Attrs["ws.size"] != "43" || !f.Time.Equal(time.Unix(1763630000, 1000000)) {
		t.Errorf("frame = %+v", f)
	}
	if !res.Last.Equal(time.Unix(1763630000+(frames-1)/1000, int64((frames-1)%1000)*1000000)) {
		t.Errorf("last = %v", res.Last)
	}
}

// The frames kept aside go to a temporary file and come back in order.
func TestHARFramesSpill(t *testing.T) {
	var b frameStore
	defer b.reset()
	const n = 100_000
	for i := range n {
		b.add(ws{Type: "send", Data: strings.Repeat("x", i%400), Size: i, Time: ingest.JSONNumber{V: float64(i), Valid: i%3 == 0}, Opcode: ingest.JSONNumber{V: 1, Valid: true}})
	}
	if b.f == nil {
		t.Fatalf("frames not spilled")
	}
	name := b.f.Name()
	i := 0
	done, err := b.each(func(m ws) error {
		if m.Type != "send" || len(m.Data) != i%400 || m.Size != i || m.Time.Valid != (i%3 == 0) || (m.Time.Valid && m.Time.V != float64(i)) || m.Opcode.V != 1 {
			t.Fatalf("frame %d = %+v", i, m)
		}
		i++
		return nil
	})
	if err != nil || done != n || b.err != nil {
		t.Errorf("done %d, err %v / %v", done, err, b.err)
	}
	b.reset()
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
}

// Deep nesting is an error, not a growing stack.
func TestParseHARDeepNesting(t *testing.T) {
	deep := `{"log":{"entries":[{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}]}}`
	_, _, err := ingesttest.Run(t, Parse, "deep.har", []byte(deep))
	if err == nil || !strings.Contains(err.Error(), "exceeded max depth") || !strings.Contains(err.Error(), "deep.har:1:") {
		t.Errorf("err = %v", err)
	}
}
