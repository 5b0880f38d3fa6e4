package search

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/kb"
)

// Benchmarks of the help search (docs/benchmarks.md has the figures):
//
//	go test ./search -run XXX -bench 'HelpSearch|HelpSuggest' -benchtime 2000x
//	go test ./search -run XXX -bench 'HelpBuild|HelpRestart|HelpMemory' -benchtime 3x
//
// Latency benchmarks time every call and report percentiles. The 10,000-
// article corpus is generated and indexed once per run, in a temp folder,
// and only when a benchmark asks for it, so plain `go test` never builds it.

const syntheticSize = 10_000

// syntheticSeed fixes the generated corpus, so that the memory probe's
// child process rebuilds the articles its parent indexed.
const syntheticSeed = 20240601

// synthetic is the generated corpus's index, built once per run.
var synthetic struct {
	once   sync.Once
	dir    string
	corpus map[string][]*kb.Article
	err    error
	ix     *HelpIndex // open while latency benchmarks use it
}

const syntheticHash = "synthetic-10k"

// syntheticDir builds the generated corpus's index on first use and
// returns its folder, closed.
func syntheticDir(b *testing.B) (string, map[string][]*kb.Article) {
	b.Helper()
	_, base := realIndex(b)
	synthetic.once.Do(func() {
		synthetic.corpus = syntheticCorpus(base, syntheticSize, syntheticSeed)
		if synthetic.dir, synthetic.err = os.MkdirTemp("", "parley-help-10k-"); synthetic.err != nil {
			return
		}
		var ix *HelpIndex
		if ix, synthetic.err = openHelp(synthetic.dir, syntheticHash, synthetic.corpus); synthetic.err == nil {
			synthetic.err = ix.Close()
		}
	})
	if synthetic.err != nil {
		b.Fatal(synthetic.err)
	}
	return synthetic.dir, synthetic.corpus
}

// syntheticIndex opens the generated corpus's index.
func syntheticIndex(b *testing.B) *HelpIndex {
	b.Helper()
	dir, corpus := syntheticDir(b)
	if synthetic.ix == nil {
		ix, err := openHelp(dir, syntheticHash, corpus)
		if err != nil {
			b.Fatal(err)
		}
		synthetic.ix = ix
	}
	return synthetic.ix
}

// closeSynthetic closes the generated corpus's index, so that another
// process may open its folder.
func closeSynthetic() {
	if synthetic.ix != nil {
		_ = synthetic.ix.Close()
		synthetic.ix = nil
	}
}

// latencies collects one duration per call and reports percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	b.Helper()
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	at := func(p float64) float64 {
		i := int(p * float64(len(l)-1))
		return float64(l[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// searchMix runs the colleagues' relevance queries round-robin, with
// snippets, as the help center's search page does.
func searchMix(b *testing.B, ix *HelpIndex) {
	cases := loadRelevanceCases(b)
	ctx := context.Background()
	lat := make(latencies, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := cases[i%len(cases)]
		start := time.Now()
		res, err := ix.Search(ctx, HelpQuery{Text: c.query, Lang: c.lang, Limit: 10})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Results) > 0 && res.Results[0].Snippet == "" {
			b.Fatalf("%q: no snippet", c.query)
		}
	}
	b.StopTimer()
	lat.report(b)
}

func BenchmarkHelpSearchRealKB(b *testing.B) {
	ix, _ := realIndex(b)
	searchMix(b, ix)
}

func BenchmarkHelpSearch10k(b *testing.B) {
	searchMix(b, syntheticIndex(b))
}

// suggestInputs are what a person has typed at each keystroke of the
// relevance queries' first three words.
func suggestInputs(b *testing.B) []relevanceCase {
	var out []relevanceCase
	for _, c := range loadRelevanceCases(b) {
		words := strings.Fields(c.query)
		typed := strings.Join(words[:min(3, len(words))], " ")
		for i, r := range typed {
			if i > 0 && r != ' ' {
				out = append(out, relevanceCase{lang: c.lang, query: typed[:i] + string(r)})
			}
		}
	}
	return out
}

func suggestMix(b *testing.B, ix *HelpIndex) {
	inputs := suggestInputs(b)
	ctx := context.Background()
	lat := make(latencies, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := inputs[i%len(inputs)]
		start := time.Now()
		_, err := ix.Suggest(ctx, c.lang, c.query, 8)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat.report(b)
}

func BenchmarkHelpSuggestRealKB(b *testing.B) {
	ix, _ := realIndex(b)
	suggestMix(b, ix)
}

func BenchmarkHelpSuggest10k(b *testing.B) {
	suggestMix(b, syntheticIndex(b))
}

// BenchmarkHelpBuildRealKB builds both languages' indexes of the real
// knowledge base from scratch.
func BenchmarkHelpBuildRealKB(b *testing.B) {
	_, base := realIndex(b)
	for b.Loop() {
		dir := b.TempDir()
		ix, err := OpenHelp(dir, base)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHelpBuild10k builds both languages' indexes of 10,000
// generated articles each (20,000 documents). Run it with -benchtime 1x.
func BenchmarkHelpBuild10k(b *testing.B) {
	_, base := realIndex(b)
	corpus := syntheticCorpus(base, syntheticSize, syntheticSeed)
	for b.Loop() {
		dir := b.TempDir()
		ix, err := openHelp(dir, syntheticHash, corpus)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHelpRestart is a restart with an index on disk: open it and
// answer the first search.
func BenchmarkHelpRestart(b *testing.B) {
	_, base := realIndex(b)
	dir := b.TempDir()
	ix, err := OpenHelp(dir, base)
	if err != nil {
		b.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		ix, err := OpenHelp(dir, base)
		if err != nil {
			b.Fatal(err)
		}
		if ix.Rebuilt() {
			b.Fatal("a restart rebuilt the index")
		}
		if _, err := ix.Search(context.Background(), HelpQuery{Text: "очистить кэш", Lang: "ru"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// The memory benchmarks start this test binary again as a process that
// only opens an existing index, searches once and reports its memory, so
// that the figure is not inflated by what the benchmark process built.

const (
	memProbeDir  = "PARLEY_MEMPROBE_DIR"
	memProbeKind = "PARLEY_MEMPROBE_KIND"
)

func BenchmarkHelpMemoryRealKB(b *testing.B) {
	_, base := realIndex(b)
	dir := b.TempDir()
	ix, err := OpenHelp(dir, base)
	if err != nil {
		b.Fatal(err)
	}
	_ = ix.Close()
	memoryProbe(b, dir, "real")
}

func BenchmarkHelpMemory10k(b *testing.B) {
	dir, _ := syntheticDir(b)
	closeSynthetic()
	memoryProbe(b, dir, "synthetic")
}

func memoryProbe(b *testing.B, dir, kind string) {
	var rss, heap, indexHeap, restart float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryProbe$", "-test.count=1")
		cmd.Env = append(os.Environ(), memProbeDir+"="+dir, memProbeKind+"="+kind)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("memory probe: %v\n%s", err, out)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 5 && f[0] == "memprobe" {
				rss, _ = strconv.ParseFloat(f[1], 64)
				heap, _ = strconv.ParseFloat(f[2], 64)
				indexHeap, _ = strconv.ParseFloat(f[3], 64)
				restart, _ = strconv.ParseFloat(f[4], 64)
			}
		}
		if rss == 0 {
			b.Fatalf("memory probe printed no figures:\n%s", out)
		}
	}
	b.ReportMetric(diskMB(b, dir), "disk-MB")
	b.ReportMetric(rss, "rss-MB")
	b.ReportMetric(heap, "heap-inuse-MB")
	b.ReportMetric(indexHeap, "index-heap-MB")
	b.ReportMetric(restart, "open+first-search-ms")
}

// TestMemoryProbe is the child process of the memory benchmarks: like a
// restarted server, it loads the articles, opens the existing index and
// answers one search, then reports its resident memory, its live heap,
// the part of that heap the index added to the articles', and how long
// opening and the first search took. Run on its own it does nothing.
func TestMemoryProbe(t *testing.T) {
	dir := os.Getenv(memProbeDir)
	if dir == "" {
		t.Skip("only runs as the memory benchmarks' child process")
	}
	base, err := kb.Load()
	if err != nil {
		t.Fatal(err)
	}
	byLang, hash := map[string][]*kb.Article{}, base.Hash
	switch os.Getenv(memProbeKind) {
	case "real":
		for _, lang := range kb.Languages {
			byLang[lang] = base.Articles(lang)
		}
	case "synthetic":
		byLang, hash = syntheticCorpus(base, syntheticSize, syntheticSeed), syntheticHash
	default:
		t.Fatalf("unknown probe kind %q", os.Getenv(memProbeKind))
	}
	articlesHeap := heapInUseMB()
	start := time.Now()
	ix, err := openHelp(dir, hash, byLang)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Search(context.Background(), HelpQuery{Text: "очистить кэш", Lang: "ru"}); err != nil {
		t.Fatal(err)
	}
	restart := time.Since(start)
	if ix.Rebuilt() {
		t.Fatal("the probe rebuilt the index it was meant to open")
	}
	heap := heapInUseMB()
	rss, err := residentMB()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("memprobe %.1f %.1f %.1f %.1f\n", rss, heap, heap-articlesHeap, float64(restart.Microseconds())/1000)
}

// heapInUseMB is the live heap after a full collection.
func heapInUseMB() float64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// diskMB is the size of the files under dir.
func diskMB(b *testing.B, dir string) float64 {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return float64(total) / (1 << 20)
}

// residentMB reads the process's resident set size from /proc.
func residentMB() (float64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", "self", "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kbytes, err := strconv.ParseFloat(f[0], 64)
				return kbytes / 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
