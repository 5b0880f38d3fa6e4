package loadtest

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"
)

// MostCommon returns the n words the generator writes most often across
// both languages, most frequent first.
func (g *TextGen) MostCommon(n int) []string {
	type wf struct {
		w string
		f float64
	}
	var all []wf
	for i := 0; i < min(n, len(g.ru)); i++ {
		all = append(all, wf{g.ru[i], g.ShareRU * g.zru.P(i)})
	}
	for i := 0; i < min(n, len(g.en)); i++ {
		all = append(all, wf{g.en[i], (1 - g.ShareRU) * g.zen.P(i)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].f > all[j].f })
	out := make([]string, 0, n)
	for _, x := range all[:min(n, len(all))] {
		out = append(out, x.w)
	}
	return out
}

// SearchConfig is a search run: users searching their chats at a rate.
type SearchConfig struct {
	Target           *Target
	First, Users     int
	Password, Tokens string
	LoginPar         int
	Rate             float64
	Duration         time.Duration
	ServerPID        int
	Out              io.Writer
}

// SearchResult is what a search run measured.
type SearchResult struct {
	Queries int64
	Latency *Histogram
	Errors  int
}

// searchRoute is the route label of search in the server's metrics.
const searchRoute = "/api/v1/search"

// RunSearch sends queries at Poisson times of the rate, each from a random
// user: every query holds one of the 100 most common words, in turn, so all
// of them are searched, and half of them a second word drawn by Zipf's law,
// as people type. Run it against a seeded data directory.
func RunSearch(ctx context.Context, cfg SearchConfig) (SearchResult, error) {
	out := cfg.Out
	users, err := SignIn(ctx, cfg.Target, cfg.First, cfg.Users, cfg.Password, cfg.Tokens, cfg.LoginPar, out)
	if err != nil {
		return SearchResult{}, fmt.Errorf("%w\nstopped by: %s", err, Limit(err))
	}
	g := NewTextGen()
	common := g.MostCommon(100)
	res := SearchResult{Latency: &Histogram{}}
	var errs Errors
	var hits Histogram // results per query, as a count in the histogram's units
	before, _ := routeBuckets(ctx, cfg.Target, http.MethodGet, searchRoute)
	smp := StartSampler(ctx, ServerProbe{PID: cfg.ServerPID, Target: cfg.Target})
	fmt.Fprintf(out, "\n== search at %.0f queries/s for %s by %d users (the 100 most common words in turn: %v …)\n",
		cfg.Rate, cfg.Duration, len(users), common[:8])
	pctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	r := mrand.New(mrand.NewPCG(8, 9))
	var wg sync.WaitGroup
	var mu sync.Mutex
	slots := make(chan struct{}, 2000)
	next := time.Now()
	for i := 0; pctx.Err() == nil; i++ {
		next = next.Add(time.Duration(r.ExpFloat64() / cfg.Rate * float64(time.Second)))
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-pctx.Done():
			}
		}
		if pctx.Err() != nil {
			break
		}
		q := common[i%len(common)]
		if r.IntN(2) == 0 {
			q += " " + g.Words(r, r.Float64() < g.ShareRU, 1)[0]
		}
		u := users[r.IntN(len(users))]
		select {
		case slots <- struct{}{}:
		case <-pctx.Done():
			continue
		}
		res.Queries++
		wg.Add(1)
		go func(sched time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			var ans struct {
				Messages []struct{} `json:"messages"`
				Results  []struct{} `json:"results"`
			}
			err := cfg.Target.Call(ctx, u.Token, http.MethodGet, "/api/v1/search?q="+url.QueryEscape(q), nil, &ans)
			if err != nil {
				mu.Lock()
				res.Errors++
				mu.Unlock()
				errs.Add(err)
				return
			}
			res.Latency.Record(time.Since(sched))
			hits.Record(time.Duration(len(ans.Messages)+len(ans.Results)) * time.Microsecond)
		}(next)
	}
	wg.Wait()
	smp.Stop(ctx)
	after, err := routeBuckets(ctx, cfg.Target, http.MethodGet, searchRoute)
	h := res.Latency
	fmt.Fprintf(out, "  %d queries, latency from the scheduled time: p50 %s  p95 %s  p99 %s  max %s; errors %d; results per query: mean %d, max %d\n",
		res.Queries, ms(h.Quantile(0.5)), ms(h.Quantile(0.95)), ms(h.Quantile(0.99)), ms(h.Max()), res.Errors,
		hits.Mean().Microseconds(), hits.Max().Microseconds())
	if err != nil {
		fmt.Fprintf(out, "  in the handler: unknown (%v)\n", err)
	} else {
		fmt.Fprintf(out, "  %s\n", handlerSummary(before, after))
	}
	for _, l := range errs.Lines() {
		fmt.Fprintln(out, "   ", l)
	}
	smp.Report(out)
	return res, nil
}
