package ingesttest

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"parley/ingest"
)

// HeapPeak runs f while sampling the live heap every millisecond and
// returns the peak above the heap in use before f.
func HeapPeak(tb testing.TB, f func()) uint64 {
	tb.Helper()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load() - min(peak.Load(), base)
}

// WriteFile creates path and lets write fill it through a buffer.
func WriteFile(tb testing.TB, path string, write func(w *bufio.Writer)) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// ParseFile parses path with p, keeping copies of the first keep events.
func ParseFile(tb testing.TB, p Parser, path string, keep int) (ingest.Result, []ingest.Event, int, error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var evs []ingest.Event
	n := 0
	res, err := p(filepath.Base(path), f, func(ev *ingest.Event) error {
		if n < keep {
			evs = append(evs, ev.Clone())
		}
		n++
		return nil
	})
	return res, evs, n, err
}
