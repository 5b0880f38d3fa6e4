package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// History readers run beside a burst phase: at Poisson times of a rate,
// one of the users opens one of their chats and pages back to a random
// depth, as someone scrolling up while the chat is busy. Each page's
// latency is measured here and, from the server's own request histogram,
// in the handler.

// historyRoute is the route label the server's metrics give history pages.
const historyRoute = "/api/v1/chats/{id}/messages"

// maxDepth is how many pages back a reader goes at most.
const maxDepth = 20

type readers struct {
	t     *Target
	users []*member
	rate  float64
	lat   Histogram
	errs  Errors
	pages int64

	mu    sync.Mutex
	chats map[int][]string // user index → chat ids, listed on first use
}

func (rd *readers) run(ctx context.Context) {
	r := mrand.New(mrand.NewPCG(5, 6))
	var wg sync.WaitGroup
	next := time.Now()
	slots := make(chan struct{}, 1000)
	for ctx.Err() == nil {
		next = next.Add(time.Duration(r.ExpFloat64() / rd.rate * float64(time.Second)))
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		u, depth, seed := r.IntN(len(rd.users)), r.IntN(maxDepth+1), r.Uint64()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			rd.read(ctx, u, depth, mrand.New(mrand.NewPCG(seed, 7)))
		}()
	}
	wg.Wait()
}

func (rd *readers) read(ctx context.Context, ui, depth int, r *mrand.Rand) {
	u := rd.users[ui]
	rd.mu.Lock()
	list, ok := rd.chats[ui]
	rd.mu.Unlock()
	if !ok {
		var resp struct {
			Chats []struct {
				ID string `json:"id"`
			} `json:"chats"`
		}
		if err := rd.t.Call(ctx, u.Token, http.MethodGet, "/api/v1/chats", nil, &resp); err != nil {
			if ctx.Err() == nil {
				rd.errs.Add(err)
			}
			return
		}
		for _, c := range resp.Chats {
			list = append(list, c.ID)
		}
		rd.mu.Lock()
		rd.chats[ui] = list
		rd.mu.Unlock()
	}
	if len(list) == 0 {
		return
	}
	chat := list[r.IntN(len(list))]
	cursor := ""
	for d := 0; d <= depth && ctx.Err() == nil; d++ {
		path := "/api/v1/chats/" + chat + "/messages"
		if cursor != "" {
			path += "?before=" + url.QueryEscape(cursor)
		}
		var page struct {
			Before *string `json:"before"`
		}
		start := time.Now()
		err := rd.t.Call(ctx, u.Token, http.MethodGet, path, nil, &page)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			rd.errs.Add(err)
			return
		}
		rd.lat.Record(time.Since(start))
		rd.mu.Lock()
		rd.pages++
		rd.mu.Unlock()
		if page.Before == nil {
			return // the start of the chat
		}
		cursor = *page.Before
	}
}

// routeBuckets reads the server's cumulative request-duration histogram of
// one route: upper bound in seconds → requests at most that long.
func routeBuckets(ctx context.Context, t *Target, method, route string) (map[float64]uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.HTTP().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	prefix := `parley_http_request_duration_seconds_bucket{method="` + method + `",route="` + route + `",le="`
	out := map[float64]uint64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			continue
		}
		le, val, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		bound, err1 := strconv.ParseFloat(le, 64)
		n, err2 := strconv.ParseFloat(val, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out[bound] = uint64(n)
	}
	return out, sc.Err()
}

// handlerSummary turns two readings of a route's histogram into what the
// handler took meanwhile: the share within each bound, and the bound p99
// lies under.
func handlerSummary(before, after map[float64]uint64) string {
	if len(after) == 0 {
		return "the server's /metrics has no histogram for the route"
	}
	var bounds []float64
	for b := range after {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	total := after[bounds[len(bounds)-1]] - before[bounds[len(bounds)-1]] // +Inf holds every request
	if total == 0 {
		return "no requests reached the handler"
	}
	var parts []string
	bound := func(q float64) string {
		for _, b := range bounds {
			if float64(after[b]-before[b]) >= q*float64(total) {
				if b > 1e300 {
					return "above the largest bucket"
				}
				return "≤ " + ms(time.Duration(b*float64(time.Second)))
			}
		}
		return "unknown"
	}
	for _, b := range bounds {
		share := float64(after[b]-before[b]) / float64(total)
		if b == 0.005 || b == 0.01 || b == 0.025 || b == 0.05 {
			parts = append(parts, fmt.Sprintf("%.2f %% within %s", 100*share, ms(time.Duration(b*float64(time.Second)))))
		}
	}
	return fmt.Sprintf("%d requests in the handler: %s; p95 %s, p99 %s", total, strings.Join(parts, ", "), bound(0.95), bound(0.99))
}
