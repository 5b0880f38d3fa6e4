package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The ceiling run follows Mattermost's load-test "simulcontroller": every
// simulated user, with its own WebSocket, picks its next action at random
// by the relative frequencies below and then idles a time drawn uniformly
// from [MinIdle, 2·AvgIdle − MinIdle) (mean AvgIdle; Mattermost's defaults
// are 1 s and 20 s). Users are added step by step while the request
// latencies and errors of the last window stay within the thresholds
// Mattermost's coordinator uses, then the last level that held is held.

// action is one kind of user behaviour.
type action struct {
	name string
	freq float64
	run  func(c *ceiling, ctx context.Context, u *simUser) error
	// probe is the endpoint whose absence makes the action skipped:
	// method and path with {chat} and {msg} filled in from a real chat.
	probeMethod, probePath string
}

// actions are Mattermost's simulcontroller frequencies mapped onto
// Parley's API.
var actions = []action{
	{"switch chat", 6.52, (*ceiling).switchChat, "GET", "/api/v1/chats/{chat}/messages"},
	{"scroll history", 1.99, (*ceiling).scroll, "GET", "/api/v1/chats/{chat}/messages"},
	{"post", 1, (*ceiling).post, "POST", "/api/v1/chats/{chat}/messages"},
	{"unread check", 1, (*ceiling).unreadCheck, "GET", "/api/v1/chats"},
	{"open personal chat", 0.98, (*ceiling).openPersonal, "POST", "/api/v1/chats"},
	{"view threads", 0.60, (*ceiling).viewThreads, "GET", "/api/v1/threads"},
	{"mark thread read", 0.32, (*ceiling).markThreadRead, "GET", "/api/v1/threads"},
	{"open permalink", 0.30, (*ceiling).permalink, "GET", "/api/v1/chats/{chat}/messages/{msg}/around"},
	{"view thread", 0.28, (*ceiling).viewThread, "GET", "/api/v1/threads"},
	{"reconnect", 0.14, (*ceiling).reconnect, "", ""},
	{"react", 0.13, (*ceiling).react, "POST", "/api/v1/chats/{chat}/messages/{msg}/reactions"},
	{"edit", 0.04, (*ceiling).edit, "PATCH", "/api/v1/chats/{chat}/messages/{msg}"},
	{"search users", 0.03, (*ceiling).searchUsers, "GET", "/api/v1/users?q=load"},
	{"search messages", 0.02, (*ceiling).searchMessages, "GET", "/api/v1/search?q=load"},
	{"delete", 0.005, (*ceiling).deleteOwn, "DELETE", "/api/v1/chats/{chat}/messages/{msg}"},
}

// Thresholds bound a window's requests.
type Thresholds struct {
	Mean      time.Duration
	P99       time.Duration
	ErrorRate float64 // fraction
}

// Mattermost's coordinator thresholds, and the stricter pair the issue
// also asks about.
var (
	MattermostThresholds = Thresholds{Mean: 100 * time.Millisecond, P99: 2 * time.Second, ErrorRate: 0.00025}
	StrictThresholds     = Thresholds{Mean: 50 * time.Millisecond, P99: 500 * time.Millisecond, ErrorRate: 0.00025}
)

// CeilingConfig is a ceiling run.
type CeilingConfig struct {
	Target           *Target
	First            int
	Start, Step, Max int
	StepEvery        time.Duration // a window: users are added after each that held
	Hold             time.Duration // the last level that held is kept this long
	MinIdle, AvgIdle time.Duration
	Password, Tokens string
	LoginPar         int
	ServerPID        int
	Out              io.Writer
	// Limits and Strict default to MattermostThresholds and StrictThresholds.
	Limits, Strict Thresholds
}

// CeilingResult is what a ceiling run found.
type CeilingResult struct {
	Held       int  // users held for Hold within MattermostThresholds
	HeldOK     bool // false when even the lowest level failed in the hold
	Strict     int  // most users at which a window met StrictThresholds
	Stopped    string
	Skipped    []string
	Requests   int64
	Errors     int64
	PerAction  map[string]*Histogram
	ActionErrs map[string]int64
}

type simUser struct {
	*member
	n       int
	r       *mrand.Rand
	chats   []string // ids of the user's chats
	chat    string   // the open one
	page    []msgRef // the messages on screen
	before  string   // cursor to scroll back from
	own     []msgRef // messages the user sent, for edit and delete
	threads []string
	cancel  context.CancelFunc
	done    chan struct{}
}

type msgRef struct {
	chat string
	id   int64
}

type ceiling struct {
	cfg     CeilingConfig
	gen     *TextGen
	skipMu  sync.Mutex
	skipped map[string]string // action → the missing endpoint
	users   []*User
	sims    []*simUser
	usersMu sync.Mutex
	win     atomic.Pointer[window]
	perAct  map[string]*Histogram
	actErrs map[string]*atomic.Int64
	errs    *Errors
	setup   *Histogram
	frames  atomic.Int64 // message.new events the users' sockets received
	seq     atomic.Int64
}

// window collects one evaluation window's requests.
type window struct {
	lat  Histogram
	reqs atomic.Int64
	errs atomic.Int64
	// The server's and the tool's usage over the window.
	smp *Sampler
}

func (w *window) verdict(t Thresholds) (bool, string) {
	mean, p99 := w.lat.Mean(), w.lat.Quantile(0.99)
	rate := float64(w.errs.Load()) / float64(max(w.reqs.Load(), 1))
	switch {
	case w.reqs.Load() == 0:
		return false, "no requests in the window"
	case mean >= t.Mean:
		return false, fmt.Sprintf("mean request %s ≥ %s", ms(mean), ms(t.Mean))
	case p99 >= t.P99:
		return false, fmt.Sprintf("p99 request %s ≥ %s", ms(p99), ms(t.P99))
	case rate >= t.ErrorRate:
		return false, fmt.Sprintf("errors %.3f %% ≥ %.3f %%", 100*rate, 100*t.ErrorRate)
	}
	return true, ""
}

// RunCeiling performs the ceiling run and prints its report.
func RunCeiling(ctx context.Context, cfg CeilingConfig) (CeilingResult, error) {
	out := cfg.Out
	if cfg.Start < 10 || cfg.Start%10 != 0 || cfg.Step < 10 || cfg.Step%10 != 0 || cfg.Max < cfg.Start {
		return CeilingResult{}, errors.New("--start and --step must be multiples of 10, --max at least --start")
	}
	if cfg.MinIdle <= 0 || cfg.AvgIdle <= cfg.MinIdle {
		return CeilingResult{}, errors.New("--avg-idle must exceed --min-idle, both positive")
	}
	if cfg.Limits == (Thresholds{}) {
		cfg.Limits = MattermostThresholds
	}
	if cfg.Strict == (Thresholds{}) {
		cfg.Strict = StrictThresholds
	}
	if cfg.Target.MaxConns == 0 {
		// Each user's WebSocket holds a file of this process already:
		// REST shares a bounded pool (its waits count in the latencies).
		cfg.Target.MaxConns = min(cfg.Max, 2000)
	}
	c := &ceiling{cfg: cfg, gen: NewTextGen(), skipped: map[string]string{},
		perAct: map[string]*Histogram{}, actErrs: map[string]*atomic.Int64{}, errs: &Errors{}, setup: &Histogram{}}
	for _, a := range actions {
		c.perAct[a.name] = &Histogram{}
		c.actErrs[a.name] = &atomic.Int64{}
	}
	c.win.Store(&window{})
	fmt.Fprintf(out, "ceiling: up to %d users (load%d…), %d at first, +%d every %s while mean < %s, p99 < %s, errors < %.3f %%; then hold %s\n",
		cfg.Max, cfg.First, cfg.Start, cfg.Step, cfg.StepEvery, ms(cfg.Limits.Mean), ms(cfg.Limits.P99),
		100*cfg.Limits.ErrorRate, cfg.Hold)
	fmt.Fprintf(out, "pacing: idle uniform in [%s, %s) after each action (Mattermost simulcontroller); at most %d REST connections\n",
		cfg.MinIdle, 2*cfg.AvgIdle-cfg.MinIdle, cfg.Target.MaxConns)
	t0 := time.Now()
	users, err := SignIn(ctx, cfg.Target, cfg.First, cfg.Max, cfg.Password, cfg.Tokens, cfg.LoginPar, out)
	if err != nil {
		return CeilingResult{}, fmt.Errorf("%w\nstopped by: %s", err, Limit(err))
	}
	c.users = users
	fmt.Fprintf(out, "signed in %d users in %.1f s\n", len(users), time.Since(t0).Seconds())
	defer c.removeTo(0)

	res := CeilingResult{PerAction: c.perAct, ActionErrs: map[string]int64{}}
	level, lastGood := 0, 0
	target := cfg.Start
	smp := StartSampler(ctx, ServerProbe{PID: cfg.ServerPID, Target: cfg.Target})
	for ctx.Err() == nil {
		if err := c.addTo(ctx, target); err != nil {
			res.Stopped = fmt.Sprintf("adding users %d…%d: %v (limit: %s%s)", level+1, target, err, Limit(err),
				serverNote(ctx, ServerProbe{PID: cfg.ServerPID, Target: cfg.Target}))
			fmt.Fprintf(out, "STOPPED: %s\n", res.Stopped)
			break
		}
		level = len(c.sims)
		if res.Skipped == nil {
			if res.Skipped = c.skippedList(); len(res.Skipped) > 0 {
				fmt.Fprintf(out, "skipped actions, their endpoints do not exist: %v\n", res.Skipped)
			}
		}
		w := c.measure(ctx, cfg.StepEvery)
		ok, why := w.verdict(cfg.Limits)
		strictOK, _ := w.verdict(cfg.Strict)
		c.printWindow(level, w, ok, why)
		if strictOK {
			res.Strict = max(res.Strict, level)
		}
		if !ok {
			res.Stopped = why
			break
		}
		lastGood = level
		if level >= cfg.Max {
			res.Stopped = fmt.Sprintf("--max %d users reached", cfg.Max)
			break
		}
		target = min(level+cfg.Step, cfg.Max)
	}
	// Hold the last level that held; step down while it does not.
	hold := lastGood
	for hold > 0 && ctx.Err() == nil {
		c.removeTo(hold)
		fmt.Fprintf(out, "holding %d users for %s\n", hold, cfg.Hold)
		failed := false
		for end := time.Now().Add(cfg.Hold); time.Now().Before(end) && ctx.Err() == nil; {
			w := c.measure(ctx, min(cfg.StepEvery, time.Until(end)))
			ok, why := w.verdict(cfg.Limits)
			c.printWindow(hold, w, ok, why)
			if !ok {
				failed = true
				break
			}
		}
		if !failed && ctx.Err() == nil {
			res.Held, res.HeldOK = hold, true
			break
		}
		hold -= cfg.Step
	}
	smp.Stop(context.WithoutCancel(ctx))
	res.Skipped = c.skippedList()
	c.report(&res, smp)
	return res, nil
}

func (c *ceiling) skippedList() []string {
	c.skipMu.Lock()
	defer c.skipMu.Unlock()
	out := []string{}
	for _, a := range actions {
		if why, ok := c.skipped[a.name]; ok {
			out = append(out, a.name+" ("+why+")")
		}
	}
	return out
}

// measure runs one window and returns it.
func (c *ceiling) measure(ctx context.Context, d time.Duration) *window {
	w := &window{smp: StartSampler(ctx, ServerProbe{PID: c.cfg.ServerPID, Target: c.cfg.Target})}
	c.win.Store(w)
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	c.win.Store(&window{})
	w.smp.Stop(context.WithoutCancel(ctx))
	return w
}

func (c *ceiling) printWindow(level int, w *window, ok bool, why string) {
	verdict := "held"
	if !ok {
		verdict = "FAILED: " + why
	}
	fmt.Fprintf(c.cfg.Out, "  %6d users: %6d requests, mean %s p99 %s max %s, errors %d — %s\n", level, w.reqs.Load(),
		ms(w.lat.Mean()), ms(w.lat.Quantile(0.99)), ms(w.lat.Max()), w.errs.Load(), verdict)
	if w.smp != nil {
		m, secs := w.smp, w.smp.Elapsed.Seconds()
		line := fmt.Sprintf("          load tool %.2f cores, RSS %s", (m.End.Self.CPU-m.Start.Self.CPU).Seconds()/secs, mib(m.End.Self.RSS))
		if m.ServerErr == nil {
			line = fmt.Sprintf("          server %.2f cores, RSS %s, open files %d; ", (m.End.Server.CPU-m.Start.Server.CPU).Seconds()/secs,
				mib(m.PeakRSS), m.PeakFDs) + line[10:]
		}
		if sat := m.Saturation(); sat != "" {
			line += "; at the limit of " + sat
		}
		fmt.Fprintln(c.cfg.Out, line)
	}
}

// addTo brings the number of running users up to n: their sockets open,
// their groups of 10 (and of 100, for whole hundreds) are created, and
// each starts its loop.
func (c *ceiling) addTo(ctx context.Context, n int) error {
	from := len(c.sims)
	if n <= from {
		return nil
	}
	ms, err := connectAll(ctx, c.cfg.Target, c.users[from:n], 64, c.errs, func(*member, string) { c.frames.Add(1) }, nil)
	if err != nil {
		closeAll(ms)
		return err
	}
	// Groups of ten, and of a hundred for every complete hundred.
	for i := from; i+10 <= n; i += 10 {
		if err := c.group(ctx, c.users[i:i+10], fmt.Sprintf("Team %d", i/10+1)); err != nil {
			closeAll(ms)
			return err
		}
	}
	for i := from - from%100; i+100 <= n; i += 100 {
		if i+100 <= from {
			continue
		}
		if err := c.group(ctx, c.users[i:i+100], fmt.Sprintf("Department %d", i/100+1)); err != nil {
			closeAll(ms)
			return err
		}
	}
	c.usersMu.Lock()
	defer c.usersMu.Unlock()
	for i, m := range ms {
		uctx, cancel := context.WithCancel(ctx)
		su := &simUser{member: m, n: from + i, r: mrand.New(mrand.NewPCG(uint64(from+i), 99)), cancel: cancel, done: make(chan struct{})}
		c.sims = append(c.sims, su)
		if len(c.sims) == 1 {
			c.probe(uctx, su)
		}
		go c.loop(uctx, su)
	}
	return nil
}

// removeTo stops the users beyond the first n.
func (c *ceiling) removeTo(n int) {
	c.usersMu.Lock()
	gone := c.sims[min(n, len(c.sims)):]
	c.sims = c.sims[:min(n, len(c.sims))]
	c.usersMu.Unlock()
	for _, su := range gone {
		su.cancel()
		su.close()
	}
	for _, su := range gone {
		<-su.done
	}
}

func (c *ceiling) group(ctx context.Context, us []*User, name string) error {
	var others []string
	for _, u := range us[1:] {
		others = append(others, u.HUID)
	}
	start := time.Now()
	err := c.cfg.Target.Call(ctx, us[0].Token, http.MethodPost, "/api/v1/chats",
		map[string]any{"kind": "group", "name": name, "members": others}, nil)
	c.setup.Record(time.Since(start))
	return err
}

// probe finds the actions whose endpoints the server lacks, with the first
// user, who is in a group by now.
func (c *ceiling) probe(ctx context.Context, su *simUser) {
	if err := c.refreshChats(ctx, su); err != nil || len(su.chats) == 0 {
		return
	}
	chat := su.chats[0]
	var page struct {
		Messages []struct {
			ID int64 `json:"id"`
		} `json:"messages"`
	}
	msg := "1"
	if c.cfg.Target.Call(ctx, su.Token, http.MethodGet, "/api/v1/chats/"+chat+"/messages", nil, &page) == nil && len(page.Messages) > 0 {
		msg = strconv.FormatInt(page.Messages[len(page.Messages)-1].ID, 10)
	}
	for _, a := range actions {
		if a.probePath == "" {
			continue
		}
		p := a.probePath
		p = strings.ReplaceAll(p, "{chat}", chat)
		p = strings.ReplaceAll(p, "{msg}", msg)
		var body any
		switch a.probeMethod {
		case "POST", "PATCH":
			body = map[string]any{} // an empty body: refused, but only by an endpoint that exists
		case "DELETE":
			p = strings.ReplaceAll(p, "/"+msg, "/0") // no message 0: never deletes anything
		}
		err := c.cfg.Target.Call(ctx, su.Token, a.probeMethod, p, body, nil)
		var ae *APIError
		if errors.As(err, &ae) && ae.Missing() {
			c.skipped[a.name] = a.probeMethod + " " + templatePath(a.probePath)
		}
	}
}

func (c *ceiling) loop(ctx context.Context, su *simUser) {
	defer close(su.done)
	// Users arrive spread over an idle time, as Mattermost's controller
	// waits before its first action: a step's users do not all start in
	// the same millisecond. The first thing an app does: load the chat list.
	select {
	case <-time.After(c.idle(su)):
	case <-ctx.Done():
		return
	}
	c.do(ctx, su, "unread check", (*ceiling).unreadCheck)
	total := 0.0
	var usable []action
	c.skipMu.Lock()
	for _, a := range actions {
		if _, skip := c.skipped[a.name]; !skip {
			usable = append(usable, a)
			total += a.freq
		}
	}
	c.skipMu.Unlock()
	for {
		select {
		case <-time.After(c.idle(su)):
		case <-ctx.Done():
			return
		}
		x := su.r.Float64() * total
		for _, a := range usable {
			if x -= a.freq; x < 0 {
				c.do(ctx, su, a.name, a.run)
				break
			}
		}
	}
}

// idle is Mattermost's PickIdleTimeMs: uniform in [MinIdle, 2·AvgIdle − MinIdle).
func (c *ceiling) idle(su *simUser) time.Duration {
	return c.cfg.MinIdle + time.Duration(su.r.Int64N(int64(2*c.cfg.AvgIdle-2*c.cfg.MinIdle)))
}

func (c *ceiling) do(ctx context.Context, su *simUser, name string, run func(*ceiling, context.Context, *simUser) error) {
	err := run(c, ctx, su)
	if ctx.Err() != nil {
		return
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Missing() {
		c.skipMu.Lock()
		c.skipped[name] = ae.Method + " " + templatePath(ae.Path) // seen only now; not an error of the server
		c.skipMu.Unlock()
		return
	}
	if err != nil {
		c.actErrs[name].Add(1)
		c.errs.Add(err)
	}
}

// call is one timed request of an action.
func (c *ceiling) call(ctx context.Context, su *simUser, name, method, path string, in, out any) error {
	start := time.Now()
	err := c.cfg.Target.Call(ctx, su.Token, method, path, in, out)
	if ctx.Err() != nil {
		return err
	}
	d := time.Since(start)
	var ae *APIError
	if errors.As(err, &ae) && ae.Missing() {
		return err
	}
	w := c.win.Load()
	w.reqs.Add(1)
	if err != nil {
		w.errs.Add(1)
	}
	w.lat.Record(d)
	c.perAct[name].Record(d)
	return err
}

type pageJSON struct {
	Messages []struct {
		ID     int64 `json:"id"`
		Sender *struct {
			HUID string `json:"huid"`
		} `json:"sender"`
		Kind string `json:"kind"`
	} `json:"messages"`
	Before *string `json:"before"`
}

func (su *simUser) show(chat string, p pageJSON) {
	su.chat, su.page = chat, su.page[:0]
	for _, m := range p.Messages {
		if m.Kind != "system" {
			su.page = append(su.page, msgRef{chat, m.ID})
		}
	}
	su.before = ""
	if p.Before != nil {
		su.before = *p.Before
	}
}

func (c *ceiling) refreshChats(ctx context.Context, su *simUser) error {
	var list struct {
		Chats []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
			Role string `json:"role"`
		} `json:"chats"`
	}
	if err := c.call(ctx, su, "unread check", http.MethodGet, "/api/v1/chats", nil, &list); err != nil {
		return err
	}
	su.chats = su.chats[:0]
	for _, ch := range list.Chats {
		// The chats the user may post in: not the global chat, nor a
		// channel they only read.
		switch {
		case ch.Kind == "global":
		case ch.Kind == "channel" && ch.Role != "admin":
		default:
			su.chats = append(su.chats, ch.ID)
		}
	}
	return nil
}

func (c *ceiling) unreadCheck(ctx context.Context, su *simUser) error { return c.refreshChats(ctx, su) }

func (c *ceiling) switchChat(ctx context.Context, su *simUser) error {
	if len(su.chats) == 0 {
		return c.refreshChats(ctx, su)
	}
	chat := su.chats[su.r.IntN(len(su.chats))]
	var p pageJSON
	if err := c.call(ctx, su, "switch chat", http.MethodGet, "/api/v1/chats/"+chat+"/messages", nil, &p); err != nil {
		return err
	}
	su.show(chat, p)
	if len(su.page) > 0 {
		last := su.page[len(su.page)-1]
		err := c.call(ctx, su, "switch chat", http.MethodPost, "/api/v1/chats/"+chat+"/read", map[string]any{"message_id": last.id}, nil)
		var ae *APIError
		if errors.As(err, &ae) && ae.Missing() {
			return nil // no read watermark yet: the switch itself worked
		}
		return err
	}
	return nil
}

func (c *ceiling) scroll(ctx context.Context, su *simUser) error {
	if su.chat == "" {
		if err := c.switchChat(ctx, su); err != nil || su.chat == "" {
			return err
		}
	}
	// Back from the oldest message on screen; at the start of the history
	// there is nothing older and the newest page is read again.
	path := "/api/v1/chats/" + su.chat + "/messages"
	if su.before != "" {
		path += "?before=" + url.QueryEscape(su.before)
	}
	var p pageJSON
	err := c.call(ctx, su, "scroll history", http.MethodGet, path, nil, &p)
	if err == nil {
		su.show(su.chat, p)
	}
	return err
}

func (c *ceiling) post(ctx context.Context, su *simUser) error {
	if su.chat == "" {
		if len(su.chats) == 0 {
			return c.refreshChats(ctx, su)
		}
		su.chat = su.chats[su.r.IntN(len(su.chats))]
	}
	body := map[string]any{"sync_id": fmt.Sprintf("ce%d-%d", su.n, c.seq.Add(1)), "body": c.gen.Message(su.r)}
	// Mattermost: 18 % of posts are replies.
	if len(su.page) > 0 && su.r.Float64() < 0.18 {
		body["reply_to"] = su.page[su.r.IntN(len(su.page))].id
	}
	var m struct {
		ID int64 `json:"id"`
	}
	err := c.call(ctx, su, "post", http.MethodPost, "/api/v1/chats/"+su.chat+"/messages", body, &m)
	if err == nil {
		su.own = append(su.own, msgRef{su.chat, m.ID})
		if len(su.own) > 20 {
			su.own = su.own[1:]
		}
	}
	return err
}

func (c *ceiling) openPersonal(ctx context.Context, su *simUser) error {
	c.usersMu.Lock()
	n := len(c.sims)
	c.usersMu.Unlock()
	other := c.users[su.r.IntN(max(n, 1))]
	if other.HUID == su.HUID {
		return nil
	}
	var chat struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, su, "open personal chat", http.MethodPost, "/api/v1/chats",
		map[string]any{"kind": "personal", "members": []string{other.HUID}}, &chat); err != nil {
		return err
	}
	var p pageJSON
	if err := c.call(ctx, su, "open personal chat", http.MethodGet, "/api/v1/chats/"+chat.ID+"/messages", nil, &p); err != nil {
		return err
	}
	su.show(chat.ID, p)
	return nil
}

func (c *ceiling) fetchThreads(ctx context.Context, su *simUser, name string) error {
	var list struct {
		Threads []struct {
			ID     string `json:"id"`
			ChatID string `json:"chat_id"`
		} `json:"threads"`
	}
	if err := c.call(ctx, su, name, http.MethodGet, "/api/v1/threads", nil, &list); err != nil {
		return err
	}
	su.threads = su.threads[:0]
	for _, t := range list.Threads {
		id := t.ChatID
		if id == "" {
			id = t.ID
		}
		su.threads = append(su.threads, id)
	}
	return nil
}

func (c *ceiling) viewThreads(ctx context.Context, su *simUser) error {
	return c.fetchThreads(ctx, su, "view threads")
}

func (c *ceiling) viewThread(ctx context.Context, su *simUser) error {
	if len(su.threads) == 0 {
		return c.fetchThreads(ctx, su, "view thread")
	}
	t := su.threads[su.r.IntN(len(su.threads))]
	var p pageJSON
	err := c.call(ctx, su, "view thread", http.MethodGet, "/api/v1/chats/"+t+"/messages", nil, &p)
	if err == nil {
		su.show(t, p)
	}
	return err
}

func (c *ceiling) markThreadRead(ctx context.Context, su *simUser) error {
	if len(su.threads) == 0 {
		return c.fetchThreads(ctx, su, "mark thread read")
	}
	t := su.threads[su.r.IntN(len(su.threads))]
	var p pageJSON
	if err := c.call(ctx, su, "mark thread read", http.MethodGet, "/api/v1/chats/"+t+"/messages?limit=1", nil, &p); err != nil || len(p.Messages) == 0 {
		return err
	}
	return c.call(ctx, su, "mark thread read", http.MethodPost, "/api/v1/chats/"+t+"/read",
		map[string]any{"message_id": p.Messages[len(p.Messages)-1].ID}, nil)
}

// pick chooses a message on screen, opening a chat first when none is.
func (c *ceiling) pick(ctx context.Context, su *simUser) (msgRef, bool, error) {
	if len(su.page) == 0 {
		if err := c.switchChat(ctx, su); err != nil || len(su.page) == 0 {
			return msgRef{}, false, err
		}
	}
	return su.page[su.r.IntN(len(su.page))], true, nil
}

func (c *ceiling) permalink(ctx context.Context, su *simUser) error {
	m, ok, err := c.pick(ctx, su)
	if !ok {
		return err
	}
	var p pageJSON
	err = c.call(ctx, su, "open permalink", http.MethodGet, fmt.Sprintf("/api/v1/chats/%s/messages/%d/around", m.chat, m.id), nil, &p)
	if err == nil {
		su.show(m.chat, p)
	}
	return err
}

func (c *ceiling) reconnect(ctx context.Context, su *simUser) error {
	start := time.Now()
	err := su.reconnect(ctx, c.cfg.Target, c.errs)
	if ctx.Err() != nil {
		return err
	}
	w := c.win.Load()
	w.reqs.Add(1)
	if err != nil {
		w.errs.Add(1)
	}
	d := time.Since(start)
	w.lat.Record(d)
	c.perAct["reconnect"].Record(d)
	return err
}

var emojis = []string{"👍", "❤️", "😂", "🎉", "👀", "🙏"}

func (c *ceiling) react(ctx context.Context, su *simUser) error {
	m, ok, err := c.pick(ctx, su)
	if !ok {
		return err
	}
	return c.call(ctx, su, "react", http.MethodPost, fmt.Sprintf("/api/v1/chats/%s/messages/%d/reactions", m.chat, m.id),
		map[string]any{"emoji": emojis[su.r.IntN(len(emojis))]}, nil)
}

func (c *ceiling) edit(ctx context.Context, su *simUser) error {
	if len(su.own) == 0 {
		return c.post(ctx, su)
	}
	m := su.own[su.r.IntN(len(su.own))]
	return c.call(ctx, su, "edit", http.MethodPatch, fmt.Sprintf("/api/v1/chats/%s/messages/%d", m.chat, m.id),
		map[string]any{"body": c.gen.Message(su.r)}, nil)
}

func (c *ceiling) deleteOwn(ctx context.Context, su *simUser) error {
	if len(su.own) == 0 {
		return c.post(ctx, su)
	}
	i := su.r.IntN(len(su.own))
	m := su.own[i]
	su.own = append(su.own[:i], su.own[i+1:]...)
	return c.call(ctx, su, "delete", http.MethodDelete, fmt.Sprintf("/api/v1/chats/%s/messages/%d", m.chat, m.id), nil, nil)
}

func (c *ceiling) searchUsers(ctx context.Context, su *simUser) error {
	// What a person types: the first letters of a colleague's name.
	name := []rune(LoadUser(su.r.IntN(len(c.users)) + c.cfg.First).Profile.Name)
	q := string(name[:min(len(name), 3+su.r.IntN(4))])
	return c.call(ctx, su, "search users", http.MethodGet, "/api/v1/users?q="+url.QueryEscape(q), nil, nil)
}

func (c *ceiling) searchMessages(ctx context.Context, su *simUser) error {
	words := c.gen.Words(su.r, su.r.Float64() < c.gen.ShareRU, 1+su.r.IntN(2))
	q := words[0]
	if len(words) > 1 {
		q += " " + words[1]
	}
	return c.call(ctx, su, "search messages", http.MethodGet, "/api/v1/search?q="+url.QueryEscape(q), nil, nil)
}

func (c *ceiling) report(res *CeilingResult, smp *Sampler) {
	out := c.cfg.Out
	fmt.Fprintf(out, "\n== ceiling result\n")
	if res.HeldOK {
		fmt.Fprintf(out, "  held %d users for %s within mean < %s, p99 < %s, errors < %.3f %%\n", res.Held, c.cfg.Hold,
			ms(c.cfg.Limits.Mean), ms(c.cfg.Limits.P99), 100*c.cfg.Limits.ErrorRate)
	} else {
		fmt.Fprintf(out, "  no level held for %s\n", c.cfg.Hold)
	}
	fmt.Fprintf(out, "  most users in a window within mean < %s, p99 < %s: %d\n", ms(c.cfg.Strict.Mean), ms(c.cfg.Strict.P99), res.Strict)
	fmt.Fprintf(out, "  ramp stopped by: %s\n", res.Stopped)
	if len(res.Skipped) > 0 {
		fmt.Fprintf(out, "  skipped actions (endpoint missing): %v\n", res.Skipped)
	}
	fmt.Fprintf(out, "  %-20s %9s %9s %9s %9s %7s\n", "action", "requests", "mean", "p99", "max", "errors")
	for _, a := range actions {
		h := c.perAct[a.name]
		n := c.actErrs[a.name].Load()
		res.ActionErrs[a.name] = n
		res.Requests += int64(h.Count())
		res.Errors += n
		c.skipMu.Lock()
		_, skip := c.skipped[a.name]
		c.skipMu.Unlock()
		if skip && h.Count() == 0 {
			continue
		}
		fmt.Fprintf(out, "  %-20s %9d %9s %9s %9s %7d\n", a.name, h.Count(), ms(h.Mean()), ms(h.Quantile(0.99)), ms(h.Max()), n)
	}
	fmt.Fprintf(out, "  setup (group creation): %d requests, p99 %s; message.new events received: %d\n", c.setup.Count(),
		ms(c.setup.Quantile(0.99)), c.frames.Load())
	for _, l := range c.errs.Lines() {
		fmt.Fprintln(out, "   ", l)
	}
	smp.Report(out)
	if sat := smp.Saturation(); sat != "" {
		fmt.Fprintf(out, "  at the limit of %s\n", sat)
	}
}
