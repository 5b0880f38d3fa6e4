package search

import (
	"context"
	"sort"
	"testing"
	"time"
)

func BenchmarkScratchSlowSuggest(b *testing.B) {
	ix := syntheticIndex(b)
	type r struct {
		q string
		d time.Duration
	}
	var rs []r
	for _, c := range suggestInputs(b) {
		start := time.Now()
		for i := 0; i < 5; i++ {
			ix.Suggest(context.Background(), c.lang, c.query, 8)
		}
		rs = append(rs, r{c.lang + ":" + c.query, time.Since(start) / 5})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	for _, x := range rs[:15] {
		b.Logf("%v %q", x.d, x.q)
	}
	for b.Loop() {
	}
}
