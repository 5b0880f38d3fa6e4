package loadtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BurstConfig is a burst run: users in groups posting as fast as they can
// (closed loop), then at a fixed Poisson rate (open loop).
type BurstConfig struct {
	Target   *Target
	First    int // first load-test user number (several processes take disjoint ranges)
	Users    int
	Group    int
	Password string
	Tokens   string // token cache file, "" for none
	LoginPar int
	Rate     float64       // open loop messages/s
	Duration time.Duration // of each phase
	Timeout  time.Duration // a message not at every member by then fails
	Phases   []string      // "closed", "open"
	SearchN  int           // delivered messages checked to be searchable
	// ReadRate is history pages per second read beside each phase, at
	// random depths (0: none).
	ReadRate  float64
	ServerPID int
	Out       io.Writer
}

// BurstResult is what a phase measured.
type BurstResult struct {
	Phase     string
	Sent      int64 // POSTs attempted
	Delivered int64 // POST succeeded and every member got it
	InWindow  int64 // of them, those complete before the phase's sending ended
	Failed    int64
	Elapsed   time.Duration
	Latency   *Histogram
	BestSec   int64 // most messages completed in one wall-clock second
	Dupes     int64
	Stopped   string // the limit that stopped the run, "" when it ran its time
	// Saturation is the machine limit the phase ran at (Sampler.Saturation).
	Saturation string
	// Reads are the history pages read beside the phase (nil without readers).
	Reads *Histogram
}

// BurstReport is a whole burst run.
type BurstReport struct {
	Phases []BurstResult
	// SearchFound of SearchTried sampled sent messages were found by search;
	// both 0 when the server has no search.
	SearchFound, SearchTried int // of the search check
}

// Throughput is messages per second delivered to every member while the
// phase sent (the ones still arriving after it do not count).
func (r BurstResult) Throughput() float64 { return float64(r.InWindow) / r.Elapsed.Seconds() }

type burst struct {
	cfg     BurstConfig
	run     string // this run's prefix of sync_ids
	seq     atomic.Int64
	groups  [][]*member
	pos     []int // member → position in its group
	chatOf  []string
	gen     *TextGen
	errs    *Errors
	trk     atomic.Pointer[tracker] // the phase's; socket readers load it
	members []*member
	stop    atomic.Pointer[string]
	// ctx is the run's: a POST under way when a phase ends still finishes.
	ctx context.Context

	SearchFound, SearchTried int

	// A reservoir sample of delivered messages for the search check.
	smu    sync.Mutex
	seen   int
	sample []sampled
}

type sampled struct {
	id string
	gi int
}

// RunBurst performs the burst run and prints its report.
func RunBurst(ctx context.Context, cfg BurstConfig) (BurstReport, error) {
	out := cfg.Out
	if cfg.Group < 2 || cfg.Group > 8000 {
		return BurstReport{}, fmt.Errorf("--group must be 2 to 8000 (a chat's limit), not %d", cfg.Group)
	}
	if cfg.Users < cfg.Group {
		return BurstReport{}, fmt.Errorf("--users %d is fewer than one group of %d", cfg.Users, cfg.Group)
	}
	if cfg.Target.MaxConns == 0 {
		cfg.Target.MaxConns = cfg.Users // one REST connection per user, as real clients hold
	}
	b := &burst{cfg: cfg, run: "lt" + randomTag(), gen: NewTextGen(), errs: &Errors{}, ctx: ctx}
	fmt.Fprintf(out, "burst %s: %d users (load%d…load%d) in groups of %d against %s, at most %d REST connections\n", b.run,
		cfg.Users, cfg.First, cfg.First+cfg.Users-1, cfg.Group, cfg.Target.URL, cfg.Target.MaxConns)

	t0 := time.Now()
	users, err := SignIn(ctx, cfg.Target, cfg.First, cfg.Users, cfg.Password, cfg.Tokens, cfg.LoginPar, out)
	if err != nil {
		return BurstReport{}, fmt.Errorf("%w\nstopped by: %s", err, Limit(err))
	}
	fmt.Fprintf(out, "signed in %d users in %.1f s\n", len(users), time.Since(t0).Seconds())

	// Positions in the groups are fixed before any socket reads.
	b.pos = make([]int, len(users))
	for i := range b.pos {
		b.pos[i] = i % cfg.Group
	}
	b.trk.Store(newTracker())
	t0 = time.Now()
	members, err := connectAll(ctx, cfg.Target, users, 64, b.errs, b.onNew, out)
	defer closeAll(members)
	b.members = members
	if err != nil {
		return BurstReport{}, fmt.Errorf("%d of %d WebSockets open: %w\nstopped by: %s%s", len(members), len(users), err, Limit(err),
			serverNote(ctx, ServerProbe{PID: cfg.ServerPID, Target: cfg.Target}))
	}
	fmt.Fprintf(out, "opened %d WebSockets in %.1f s\n", len(members), time.Since(t0).Seconds())

	t0 = time.Now()
	if err := b.makeGroups(ctx, members); err != nil {
		return BurstReport{}, err
	}
	fmt.Fprintf(out, "created %d group chats in %.1f s\n", len(b.groups), time.Since(t0).Seconds())

	var rep BurstReport
	for _, phase := range cfg.Phases {
		var r BurstResult
		switch phase {
		case "closed":
			r = b.phase(ctx, "closed loop", b.closedLoop)
		case "open":
			r = b.phase(ctx, fmt.Sprintf("open loop at %.0f messages/s (Poisson)", cfg.Rate), b.openLoop)
		default:
			return rep, fmt.Errorf("unknown phase %q: use closed, open", phase)
		}
		rep.Phases = append(rep.Phases, r)
		if r.Stopped != "" {
			break
		}
	}
	b.checkSearch(ctx)
	rep.SearchFound, rep.SearchTried = b.SearchFound, b.SearchTried
	return rep, nil
}

func randomTag() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(36*36*36*36*36))
	return strconv.FormatInt(n.Int64()+36*36*36*36*36, 36)
}

func (b *burst) makeGroups(ctx context.Context, ms []*member) error {
	g := b.cfg.Group
	for i := 0; i+g <= len(ms); i += g {
		b.groups = append(b.groups, ms[i:i+g])
	}
	if rest := len(ms) % g; rest != 0 {
		fmt.Fprintf(b.cfg.Out, "  %d users left out of the groups (--users is not a multiple of --group)\n", rest)
	}
	b.chatOf = make([]string, len(b.groups))
	work := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for gi := range work {
				grp := b.groups[gi]
				var others []string
				for _, m := range grp[1:] {
					others = append(others, m.HUID)
				}
				var chat struct {
					ID string `json:"id"`
				}
				err := b.cfg.Target.Call(ctx, grp[0].Token, http.MethodPost, "/api/v1/chats",
					map[string]any{"kind": "group", "name": fmt.Sprintf("Load %s group %d", b.run, gi+1), "members": others}, &chat)
				if err == nil && chat.ID == "" {
					err = errors.New("POST /api/v1/chats answered no id")
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("create group %d: %w", gi+1, err)
					}
					mu.Unlock()
					continue
				}
				b.chatOf[gi] = chat.ID
			}
		}()
	}
	for gi := range b.groups {
		work <- gi
	}
	close(work)
	wg.Wait()
	return firstErr
}

func (b *burst) onNew(m *member, syncID string) {
	if len(syncID) > len(b.run) && syncID[:len(b.run)] == b.run {
		b.trk.Load().got(syncID, b.pos[m.idx])
	}
}

// send posts one message from group gi's member j, scheduled at sched.
func (b *burst) send(gi, j int, sched time.Time, wait bool, r *mrand.Rand) (*flight, string) {
	ctx := b.ctx
	// Fixed width and a final digit: the stemmer leaves it whole, and search's
	// prefix match on the last word finds no longer id beginning with it.
	id := fmt.Sprintf("%sx%09d", b.run, b.seq.Add(1))
	grp := b.groups[gi]
	tr := b.trk.Load()
	f := tr.start(id, sched, len(grp), wait)
	body := b.gen.Message(r) + " " + id
	err := b.cfg.Target.Call(ctx, grp[j].Token, http.MethodPost, "/api/v1/chats/"+b.chatOf[gi]+"/messages",
		sendBody{SyncID: id, Body: body}, nil)
	if err != nil {
		if ctx.Err() == nil {
			b.errs.Add(err)
		}
		tr.finish(id, false)
		return f, id
	}
	tr.posted(id, f)
	b.keep(id, gi)
	return f, id
}

// sendBody is a message POST; a struct encodes faster than a map, and the
// tool's CPU is taken from the server's on a shared machine.
type sendBody struct {
	SyncID string `json:"sync_id"`
	Body   string `json:"body"`
}

type phaseFunc func(ctx context.Context, r *BurstResult, sent *atomic.Int64)

// phase runs one measured phase with a fresh tracker, the usage sampler and
// the expiry of messages that never reached everyone.
func (b *burst) phase(ctx context.Context, name string, run phaseFunc) BurstResult {
	out := b.cfg.Out
	tr := newTracker()
	b.trk.Store(tr)
	b.stop.Store(nil)
	res := BurstResult{Phase: name, Latency: tr.lat}
	if b.errs.Total() > 0 {
		fmt.Fprintln(out, "  errors before this phase:")
		for _, l := range b.errs.Lines() {
			fmt.Fprintln(out, "   ", l)
		}
		b.errs.Reset()
	}
	fmt.Fprintf(out, "\n== %s for %s\n", name, b.cfg.Duration)
	smp := StartSampler(ctx, ServerProbe{PID: b.cfg.ServerPID, Target: b.cfg.Target})
	pctx, cancel := context.WithTimeout(ctx, b.cfg.Duration)
	var sent atomic.Int64
	var expired atomic.Int64
	var perSec []int64
	tick := time.NewTicker(time.Second)
	doneTick := make(chan struct{})
	var tickWG sync.WaitGroup
	tickWG.Add(1)
	go func() {
		defer tickWG.Done()
		defer tick.Stop()
		last := int64(0)
		for {
			select {
			case <-doneTick:
				return
			case <-tick.C:
				expired.Add(int64(tr.expire(b.cfg.Timeout)))
				d := tr.delivered.Load()
				perSec = append(perSec, d-last)
				last = d
				// A run stops when errors pass 1 % of what was sent.
				if e := b.errs.Total() + int(expired.Load()); e > 100 && float64(e) > 0.01*float64(sent.Load()) {
					why := "errors above 1 % of messages: " + b.errs.Top()
					if expired.Load() > int64(b.errs.Total()) {
						why = fmt.Sprintf("messages not delivered to every member within %s", b.cfg.Timeout)
					}
					b.stop.CompareAndSwap(nil, &why)
					cancel()
				}
			}
		}
	}()
	var rd *readers
	var rdDone chan struct{}
	var histBefore map[float64]uint64
	if b.cfg.ReadRate > 0 {
		rd = &readers{t: b.cfg.Target, users: b.members, rate: b.cfg.ReadRate, chats: map[int][]string{}}
		histBefore, _ = routeBuckets(ctx, b.cfg.Target, http.MethodGet, historyRoute)
		rdDone = make(chan struct{})
		go func() { defer close(rdDone); rd.run(pctx) }()
	}
	start := time.Now()
	run(pctx, &res, &sent)
	res.Elapsed = time.Since(start)
	res.InWindow = tr.delivered.Load()
	if rd != nil {
		<-rdDone
		histAfter, err := routeBuckets(ctx, b.cfg.Target, http.MethodGet, historyRoute)
		h := &rd.lat
		fmt.Fprintf(out, "  history readers: %d pages at random depths (0–%d pages back) at %.0f reads/s: p50 %s  p99 %s  max %s, errors %d\n",
			h.Count(), maxDepth, b.cfg.ReadRate, ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Max()), rd.errs.Total())
		if err != nil {
			fmt.Fprintf(out, "    in the handler: unknown (%v)\n", err)
		} else {
			fmt.Fprintf(out, "    %s\n", handlerSummary(histBefore, histAfter))
		}
		for _, l := range rd.errs.Lines() {
			fmt.Fprintln(out, "   ", l)
		}
		res.Reads = h
	}
	cancel()
	// Let messages in flight arrive, up to the timeout.
	deadline := time.Now().Add(b.cfg.Timeout)
	for tr.inFlight() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	expired.Add(int64(tr.expire(0)))
	close(doneTick)
	tickWG.Wait()
	smp.Stop(ctx)

	res.Sent = sent.Load()
	res.Delivered = tr.delivered.Load()
	res.Failed = res.Sent - res.Delivered
	res.Dupes = tr.dupes.Load()
	for _, n := range perSec {
		res.BestSec = max(res.BestSec, n)
	}
	if s := b.stop.Load(); s != nil {
		res.Stopped = *s
	}
	h := res.Latency
	fmt.Fprintf(out, "  sent %d, delivered to all %d members: %d (%.0f messages/s, %.0f deliveries/s; best second %d)\n",
		res.Sent, b.cfg.Group, res.Delivered, res.Throughput(), res.Throughput()*float64(b.cfg.Group), res.BestSec)
	fmt.Fprintf(out, "  latency from the scheduled send to the last member: p50 %s  p90 %s  p99 %s  max %s  mean %s\n",
		ms(h.Quantile(0.5)), ms(h.Quantile(0.9)), ms(h.Quantile(0.99)), ms(h.Max()), ms(h.Mean()))
	fmt.Fprintf(out, "  failed %d (%.3f %%): %d not at every member within %s; duplicates delivered %d, deliveries after their message had failed %d\n",
		res.Failed, 100*float64(res.Failed)/float64(max(res.Sent, 1)), expired.Load(), b.cfg.Timeout, res.Dupes, tr.strays.Load())
	for _, l := range b.errs.Lines() {
		fmt.Fprintln(out, "   ", l)
	}
	smp.Report(out)
	sat := smp.Saturation()
	switch {
	case res.Stopped != "" && sat != "":
		fmt.Fprintf(out, "  STOPPED by: %s; at the limit of %s\n", res.Stopped, sat)
	case res.Stopped != "":
		fmt.Fprintf(out, "  STOPPED by: %s\n", res.Stopped)
	case sat != "":
		fmt.Fprintf(out, "  ran its full time, at the limit of %s\n", sat)
	default:
		fmt.Fprintf(out, "  ran its full time; no open-files, port or CPU limit was reached\n")
	}
	res.Saturation = sat
	b.errs.Reset() // each phase reports its own; the sockets keep counting into it
	return res
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// closedLoop: every user posts its next message when its last one reached
// every member of its group.
func (b *burst) closedLoop(ctx context.Context, _ *BurstResult, sent *atomic.Int64) {
	var wg sync.WaitGroup
	for gi, grp := range b.groups {
		for j := range grp {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := mrand.New(mrand.NewPCG(uint64(gi), uint64(j)))
				for ctx.Err() == nil {
					sent.Add(1)
					f, _ := b.send(gi, j, time.Now(), true, r)
					select {
					case <-f.done:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
	}
	wg.Wait()
}

// openLoop posts at Poisson arrival times of the configured rate from
// random users; each message's latency counts from its scheduled time, so
// a server (or load tool) that falls behind shows it.
func (b *burst) openLoop(ctx context.Context, _ *BurstResult, sent *atomic.Int64) {
	r := mrand.New(mrand.NewPCG(1, 2))
	var wg sync.WaitGroup
	next := time.Now()
	// Bounds goroutines if the server stops answering: past it the
	// schedule slips, which the latencies then show.
	slots := make(chan struct{}, 50_000)
	for ctx.Err() == nil {
		next = next.Add(time.Duration(r.ExpFloat64() / b.cfg.Rate * float64(time.Second)))
		if d := time.Until(next); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		gi := r.IntN(len(b.groups))
		j := r.IntN(len(b.groups[gi]))
		seed := r.Uint64()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		sent.Add(1)
		wg.Add(1)
		go func(sched time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			b.send(gi, j, sched, false, mrand.New(mrand.NewPCG(seed, 0)))
		}(next)
	}
	wg.Wait()
}

func (b *burst) keep(id string, gi int) {
	b.smu.Lock()
	defer b.smu.Unlock()
	b.seen++
	if len(b.sample) < b.cfg.SearchN {
		b.sample = append(b.sample, sampled{id, gi})
	} else if k := mrand.IntN(b.seen); k < len(b.sample) {
		b.sample[k] = sampled{id, gi}
	}
}

// checkSearch looks a sample of the messages whose POST succeeded up by
// their unique word, each as a member of its group: a message counts as
// committed only if search finds it.
func (b *burst) checkSearch(ctx context.Context) {
	if len(b.sample) == 0 {
		return
	}
	out := b.cfg.Out
	found := 0
	var missing []string
	for _, smp := range b.sample {
		// messenger-api.md says "results"; the server answers "messages".
		type hit struct {
			SyncID string `json:"sync_id"`
		}
		var res struct {
			Results  []hit `json:"results"`
			Messages []hit `json:"messages"`
		}
		u := b.groups[smp.gi][1]
		err := b.cfg.Target.Call(ctx, u.Token, http.MethodGet, "/api/v1/search?q="+url.QueryEscape(smp.id), nil, &res)
		var ae *APIError
		if errors.As(err, &ae) && ae.Missing() {
			fmt.Fprintf(out, "\nsearch check skipped: the server has no GET /api/v1/search yet\n")
			return
		}
		if err != nil {
			fmt.Fprintf(out, "\nsearch check failed: %v\n", err)
			return
		}
		ok := false
		for _, m := range append(res.Results, res.Messages...) {
			ok = ok || m.SyncID == smp.id
		}
		if ok {
			found++
		} else {
			missing = append(missing, smp.id)
		}
	}
	fmt.Fprintf(out, "\nsearch check: %d of %d sampled sent messages found by a member searching their unique word", found, len(b.sample))
	if len(missing) > 0 {
		fmt.Fprintf(out, "; NOT found: %v", missing[:min(len(missing), 10)])
	}
	fmt.Fprintln(out)
	b.SearchFound, b.SearchTried = found, len(b.sample)
}
