package loadtest

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	cases := []struct {
		name   string
		values func(record func(time.Duration))
		q      float64
		want   time.Duration
	}{
		{"median of 1..10000 ms", uniformMs(10000), 0.50, 5000 * time.Millisecond},
		{"p90 of 1..10000 ms", uniformMs(10000), 0.90, 9000 * time.Millisecond},
		{"p99 of 1..10000 ms", uniformMs(10000), 0.99, 9900 * time.Millisecond},
		{"p100 is the maximum", uniformMs(10000), 1, 10000 * time.Millisecond},
		{"small values are exact", func(rec func(time.Duration)) {
			for us := 1; us <= 50; us++ {
				rec(time.Duration(us) * time.Microsecond)
			}
		}, 0.5, 25 * time.Microsecond},
		{"one slow outlier in a hundred fast stays out of p99", func(rec func(time.Duration)) {
			for range 99 {
				rec(2 * time.Millisecond)
			}
			rec(3 * time.Second)
		}, 0.99, 2 * time.Millisecond},
		{"two slow outliers in a hundred reach p99", func(rec func(time.Duration)) {
			for range 98 {
				rec(2 * time.Millisecond)
			}
			rec(3 * time.Second)
			rec(3 * time.Second)
		}, 0.99, 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var h Histogram
			c.values(h.Record)
			got := h.Quantile(c.q)
			// Never below the true value, at most one bucket (1/64) above.
			if got < c.want || float64(got) > float64(c.want)*(1+1.0/64) {
				t.Fatalf("quantile %.2f = %v, want %v (+1/64 at most)", c.q, got, c.want)
			}
		})
	}
}

func uniformMs(n int) func(func(time.Duration)) {
	return func(rec func(time.Duration)) {
		// Recorded in a scrambled order: the histogram must not care.
		for i := 0; i < n; i++ {
			rec(time.Duration((i*7919)%n+1) * time.Millisecond)
		}
	}
}

func TestHistogramMeanMaxAndMergeUnderConcurrentRecording(t *testing.T) {
	var a, b Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 1000; i++ {
				a.Record(time.Duration(i) * time.Millisecond)
			}
			if g == 0 {
				b.Record(7 * time.Second)
			}
		}()
	}
	wg.Wait()
	if a.Count() != 8000 || a.Mean() != 500500*time.Microsecond || a.Max() != time.Second {
		t.Fatalf("count %d mean %v max %v, want 8000, 500.5ms, 1s", a.Count(), a.Mean(), a.Max())
	}
	a.Merge(&b)
	if a.Count() != 8001 || a.Max() != 7*time.Second || a.Quantile(1) != 7*time.Second {
		t.Fatalf("after merge: count %d max %v p100 %v", a.Count(), a.Max(), a.Quantile(1))
	}
	var empty Histogram
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 || empty.Max() != 0 {
		t.Fatal("an empty histogram reports latencies")
	}
}

func TestBucketBoundsCoverEveryValueOnce(t *testing.T) {
	prevTop := uint64(0)
	for i := 1; i < histBuckets-1; i++ {
		top := bucketTop(i)
		if top <= prevTop && i > 0 {
			t.Fatalf("bucket %d top %d not above bucket %d top %d", i, top, i-1, prevTop)
		}
		if bucketOf(top) != i || bucketOf(prevTop+1) != i {
			t.Fatalf("bucket %d holds [%d, %d] but bucketOf says %d and %d", i, prevTop+1, top, bucketOf(prevTop+1), bucketOf(top))
		}
		prevTop = top
	}
}

// The server's request histogram, read twice, says what share of the
// history pages between the readings the handler served within 5 ms.
func TestHandlerSummaryFromTwoReadings(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name          string
		before, after map[float64]uint64
		want          []string
	}{
		{"all fast", map[float64]uint64{0.001: 10, 0.005: 10, 0.01: 10, 0.05: 10, inf: 10},
			map[float64]uint64{0.001: 110, 0.005: 210, 0.01: 210, 0.05: 210, inf: 210},
			[]string{"200 requests", "100.00 % within 5.0ms", "p99 ≤ 5.0ms"}},
		{"slow tail", map[float64]uint64{},
			map[float64]uint64{0.001: 50, 0.005: 90, 0.01: 98, 0.05: 100, inf: 100},
			[]string{"100 requests", "90.00 % within 5.0ms", "98.00 % within 10.0ms", "p95 ≤ 10.0ms", "p99 ≤ 50.0ms"}},
		{"beyond every bucket", map[float64]uint64{},
			map[float64]uint64{0.001: 1, 0.005: 1, 0.01: 1, 0.05: 1, 10: 1, inf: 100},
			[]string{"p99 above the largest bucket"}},
		{"nothing read", map[float64]uint64{inf: 5}, map[float64]uint64{inf: 5}, []string{"no requests reached the handler"}},
		{"no histogram", nil, nil, []string{"has no histogram"}},
	}
	for _, c := range cases {
		got := handlerSummary(c.before, c.after)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
	}
}
