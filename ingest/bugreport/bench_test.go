package bugreport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// reportSize is the size of the bug reports the benchmarks read: what a
// phone of today produces.
const reportSize = 18 << 20

// syntheticReport builds an 18 MB dumpstate from the Android 13 fixture:
// its SYSTEM LOG and EVENT LOG lines repeated (times moving on a second
// per round) until the logs hold 14 MB, its thread dumps repeated as
// further processes, and a DUMPSYS section of filler the parser skips.
func syntheticReport(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "android13_anr_dumpstate.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	text := string(b)
	cut := func(from, to string) (string, string, string) {
		i := strings.Index(text, from)
		j := strings.Index(text[i:], to) + i
		body := text[i:j]
		nl := strings.IndexByte(body, '\n') + 1
		return text[:i], body[:nl], body[nl:]
	}
	_, sysBanner, sysBody := cut("------ SYSTEM LOG", "------ 0.156s")
	_, evBanner, evBody := cut("------ EVENT LOG", "------ 0.049s")
	_, trBanner, trBody := cut("------ VM TRACES JUST NOW", "------ 0.412s")
	head := text[:strings.Index(text, "------ DUMPSYS CRITICAL")]
	var out bytes.Buffer
	out.WriteString(head)
	out.WriteString(sysBanner)
	round := 0
	for out.Len() < 11<<20 {
		out.WriteString(strings.ReplaceAll(sysBody, "05-01 10:1", fmt.Sprintf("05-%02d 10:1", 1+round%28)))
		round++
	}
	out.WriteString(evBanner)
	for out.Len() < 14<<20 {
		out.WriteString(strings.ReplaceAll(evBody, "05-01 10:1", fmt.Sprintf("05-%02d 10:1", 1+round%28)))
		round++
	}
	out.WriteString(trBanner)
	for i := 0; out.Len() < 15<<20; i++ {
		out.WriteString(strings.ReplaceAll(trBody, "pid 5000", fmt.Sprintf("pid %d", 6000+i)))
	}
	out.WriteString("------ DUMPSYS (/system/bin/dumpsys) ------\n")
	for i := 0; out.Len() < reportSize; i++ {
		fmt.Fprintf(&out, "  mLastTouch=%d mWindow=Window{%x u0 com.example.app/.Main} mVisible=true mAlpha=1.0\n", i, i*7919)
	}
	return out.Bytes()
}

// sampleReport builds an 18 MB report from the real Android 2.3 sample:
// its SYSTEM LOG repeated until the report is 18 MB, the rest as it is.
func sampleReport(tb testing.TB) []byte {
	tb.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "samples", "bugreport"))
	b, err := os.ReadFile(filepath.Join(dir, "chkbugreport_aidl_deadlock_dumpstate.txt"))
	if err != nil {
		tb.Skipf("samples folder absent: %v", err)
	}
	text := string(b)
	i := strings.Index(text, "------ SYSTEM LOG")
	i += strings.IndexByte(text[i:], '\n') + 1
	j := strings.Index(text, "[logcat: 0.1s elapsed]")
	var out bytes.Buffer
	out.WriteString(text[:i])
	for out.Len()+len(text)-i < reportSize {
		out.WriteString(text[i:j])
	}
	out.WriteString(text[j:])
	return out.Bytes()
}

func benchmarkReport(b *testing.B, data []byte) {
	path := filepath.Join(b.TempDir(), "bugreport.txt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var events int
	cpu := ingesttest.ProcessCPU()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		d := ingest.NewDiagnoser(nil)
		res, err := Parse("bugreport.txt", f, func(ev *ingest.Event) error {
			d.Event(ev)
			return nil
		})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		events = res.Events
	}
	b.ReportMetric(float64(events), "events")
	// CPU time per report: the wall clock above counts the time other
	// work on the machine took the cores away.
	b.ReportMetric(float64(ingesttest.ProcessCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkParse18MB reads an 18 MB Android 13 bug report built from the
// fixture, with the rules running over its events.
func BenchmarkParse18MB(b *testing.B) { benchmarkReport(b, syntheticReport(b)) }

// BenchmarkParseSample18MB reads the real sample grown to 18 MB.
func BenchmarkParseSample18MB(b *testing.B) { benchmarkReport(b, sampleReport(b)) }

// TestSyntheticReportReadsWhole checks what the benchmark reads: 18 MB,
// every log line an event, every repeated process a thread dump and a
// deadlock.
func TestSyntheticReportReadsWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("18 MB")
	}
	data := syntheticReport(t)
	if len(data) < reportSize {
		t.Fatalf("%d bytes", len(data))
	}
	var dumps, deadlocks int
	res, err := Parse("bugreport.txt", bytes.NewReader(data), func(ev *ingest.Event) error {
		if ev.Tag == tagTraces {
			dumps++
		}
		if ev.Attrs[ingest.AttrBugreportDeadlock] != "" {
			deadlocks++
		}
		return nil
	})
	if err != nil || len(res.Errors) != 0 {
		t.Fatal(err, res.Errors)
	}
	if res.Events < 50000 || dumps < 100 || deadlocks != dumps {
		t.Errorf("%d events, %d thread dumps, %d deadlocks", res.Events, dumps, deadlocks)
	}
}
