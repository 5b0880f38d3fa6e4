package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"parley/server/accounts"
	"parley/server/chats"
	"parley/server/loadtest"
	"parley/server/store"
)

// The load tool: `parley loadtest users|burst|ceiling|seed`. It drives a
// running server over HTTP and WebSocket like any client (see
// server/loadtest); only users and seed write a data directory directly.

// loadFlags are the flags every run against a server shares.
type loadFlags struct {
	server, bind, password, tokens string
	first, users, loginPar, pid    int
	conns                          int
	cpuProfile                     string
}

func addLoadFlags(fs *flag.FlagSet, lf *loadFlags) {
	fs.StringVar(&lf.server, "server", "http://127.0.0.1:8080", "the running server's URL")
	fs.StringVar(&lf.bind, "bind", "", "source addresses to spread connections over, comma-separated (127.0.0.2,127.0.0.3): each gives ~28,000 more ports")
	fs.StringVar(&lf.password, "password", "", "password of the load-test users, as given to 'parley loadtest users' (required)")
	fs.StringVar(&lf.tokens, "tokens", "", "file caching the users' session tokens: later runs skip signing in again (argon2id costs the server tens of ms each)")
	fs.IntVar(&lf.first, "first", 1, "number of the first load-test user (several processes take disjoint ranges)")
	fs.IntVar(&lf.loginPar, "login-parallel", 4, "sign-ins at once (the server hashes few passwords at a time and answers 429 beyond)")
	fs.StringVar(&lf.cpuProfile, "cpuprofile", "", "write the load tool's own CPU profile to this file (go tool pprof)")
	fs.IntVar(&lf.conns, "http-conns", 0, "most REST connections at once (default: burst one per user, ceiling 2000)")
	fs.IntVar(&lf.pid, "server-pid", 0, "the server's process id: read its CPU, RSS and open files from /proc (default: scrape --server/metrics)")
}

func (lf *loadFlags) target() (*loadtest.Target, error) {
	t := &loadtest.Target{URL: strings.TrimRight(lf.server, "/"), MaxConns: lf.conns}
	if !strings.HasPrefix(t.URL, "http://") {
		return nil, &usageError{"--server must be an http:// URL"}
	}
	for _, s := range strings.Split(lf.bind, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, &usageError{fmt.Sprintf("--bind: %q is not an IP address", s)}
		}
		t.Bind = append(t.Bind, ip)
	}
	return t, nil
}

// profile starts the load tool's CPU profile when asked; stop ends it.
func (lf *loadFlags) profile() (stop func(), err error) {
	if lf.cpuProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(lf.cpuProfile)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// interruptible is a context that Ctrl-C ends, so a run still reports.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func runLoadUsers(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest users", stderr)
	var data, password, tokens string
	var count, first int
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	fs.StringVar(&tokens, "tokens", "", "also open a session for each user and append it to this token file (the runs' --tokens), skipping sign-in over HTTP")
	fs.IntVar(&count, "count", 1000, "how many users")
	fs.IntVar(&first, "first", 1, "number of the first user")
	fs.StringVar(&password, "password", "", "the password every load-test user gets (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", password); err != nil {
		return err
	}
	if count < 1 || first < 1 {
		return &usageError{"--count and --first must be 1 or more"}
	}
	ctx := context.Background()
	svc, done, err := openAccounts(ctx, data)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	n, err := loadtest.CreateUsers(ctx, svc, first, count, password, stdout)
	if err != nil {
		return describeCreateError(err)
	}
	fmt.Fprintf(stdout, "%d users created (%s … %s; %d existed already) in %.1f s\n", n, loadtest.LoadEmail(first),
		loadtest.LoadEmail(first+count-1), count-n, time.Since(start).Seconds())
	if tokens != "" {
		w, err := loadtest.WriteSessions(ctx, svc, first, count, tokens, stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d sessions written to %s\n", w, tokens)
	}
	return nil
}

func runLoadBurst(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest burst", stderr)
	var lf loadFlags
	addLoadFlags(fs, &lf)
	var group, searchN int
	var rate, readRate float64
	var duration, timeout time.Duration
	var phases string
	fs.IntVar(&lf.users, "users", 1000, "users, each with its own WebSocket")
	fs.IntVar(&group, "group", 10, "members of each group chat (2 to 8000: 1000 or 8000 with one group measure delivery into a large chat)")
	fs.Float64Var(&rate, "rate", 5000, "open loop: messages per second, Poisson arrivals")
	fs.DurationVar(&duration, "duration", 30*time.Second, "length of each phase")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "a message not at every member by then counts as failed")
	fs.StringVar(&phases, "phases", "closed,open", "phases to run: closed (as fast as delivered), open (at --rate)")
	fs.Float64Var(&readRate, "read-rate", 0, "history pages per second read beside each phase, paging back to random depths (0: none)")
	fs.IntVar(&searchN, "search-check", 50, "sent messages afterwards looked up by search (0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", lf.password); err != nil {
		return err
	}
	t, err := lf.target()
	if err != nil {
		return err
	}
	if rate <= 0 || duration <= 0 || timeout <= 0 {
		return &usageError{"--rate, --duration and --timeout must be positive"}
	}
	stop, err := lf.profile()
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := interruptible()
	defer cancel()
	_, err = loadtest.RunBurst(ctx, loadtest.BurstConfig{Target: t, First: lf.first, Users: lf.users, Group: group,
		Password: lf.password, Tokens: lf.tokens, LoginPar: lf.loginPar, Rate: rate, Duration: duration, Timeout: timeout,
		Phases: strings.Split(phases, ","), SearchN: searchN, ReadRate: readRate, ServerPID: lf.pid, Out: stdout})
	return err
}

func runLoadCeiling(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest ceiling", stderr)
	var lf loadFlags
	addLoadFlags(fs, &lf)
	var start, step, maxUsers int
	var every, hold, minIdle, avgIdle time.Duration
	fs.IntVar(&start, "start", 1000, "users at first (a multiple of 10)")
	fs.IntVar(&step, "step", 1000, "users added after each window that met the thresholds (a multiple of 10)")
	fs.IntVar(&maxUsers, "max", 20000, "most users to add (each signed in up front; use --tokens)")
	fs.DurationVar(&every, "window", time.Minute, "measurement window: thresholds are checked over each")
	fs.DurationVar(&hold, "hold", 10*time.Minute, "how long the last level that met the thresholds is held")
	fs.DurationVar(&minIdle, "min-idle", time.Second, "shortest idle time between a user's actions (Mattermost: 1s)")
	fs.DurationVar(&avgIdle, "avg-idle", 20*time.Second, "mean idle time between a user's actions (Mattermost: 20s)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", lf.password); err != nil {
		return err
	}
	t, err := lf.target()
	if err != nil {
		return err
	}
	switch {
	case every <= 0 || hold <= 0:
		return &usageError{"--window and --hold must be positive"}
	case start < 10 || start%10 != 0 || step < 10 || step%10 != 0:
		return &usageError{"--start and --step must be multiples of 10 (users come in groups of 10)"}
	case maxUsers < start:
		return &usageError{"--max must be at least --start"}
	case minIdle <= 0 || avgIdle <= minIdle:
		return &usageError{"--avg-idle must exceed --min-idle, and both be positive"}
	}
	stop, err := lf.profile()
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := interruptible()
	defer cancel()
	_, err = loadtest.RunCeiling(ctx, loadtest.CeilingConfig{Target: t, First: lf.first, Start: start, Step: step,
		Max: maxUsers, StepEvery: every, Hold: hold, MinIdle: minIdle, AvgIdle: avgIdle, Password: lf.password,
		Tokens: lf.tokens, LoginPar: lf.loginPar, ServerPID: lf.pid, Out: stdout})
	return err
}

func runLoadSeed(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest seed", stderr)
	var data, password string
	var batch int
	plan := loadtest.DefaultSeedPlan(time.Now().UTC())
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory made by 'parley serve', with the server stopped (it may run for --chats 0 --messages 0)")
	fs.StringVar(&password, "password", "", "the password every seeded user gets (required)")
	fs.IntVar(&plan.Users, "users", plan.Users, "users")
	fs.IntVar(&plan.Chats, "chats", plan.Chats, "chats of every kind")
	fs.IntVar(&plan.Messages, "messages", plan.Messages, "messages in Russian and English, Zipf-distributed words")
	fs.Uint64Var(&plan.Seed, "seed", plan.Seed, "random seed: the same seed gives the same data")
	fs.IntVar(&batch, "batch", 5000, "messages written per transaction")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", password); err != nil {
		return err
	}
	if plan.Users < 2 || plan.Chats < 0 || plan.Messages < 0 || batch < 1 {
		return &usageError{"--users must be 2 or more, --chats and --messages 0 or more, --batch 1 or more"}
	}
	if plan.Messages > 0 && plan.Chats == 0 {
		return &usageError{"--messages needs --chats to put them in"}
	}
	ctx, cancel := interruptible()
	defer cancel()
	dbPath, err := existingDatabase(data)
	if err != nil {
		return err
	}
	if plan.Chats > 0 {
		// Chats and messages go in without events: a running server would
		// neither know of them nor tell anyone. Users alone are safe.
		lock, err := store.LockDir(filepath.Dir(dbPath))
		if err != nil {
			return fmt.Errorf("%w: stop the server first (seeding chats and messages needs the data directory to itself)", err)
		}
		defer lock.Release()
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	acc := accounts.New(db, accounts.Options{})
	start := time.Now()
	n, err := loadtest.CreateUsers(ctx, acc, 1, plan.Users, password, stdout)
	if err != nil {
		return describeCreateError(err)
	}
	fmt.Fprintf(stdout, "users: %d created, %d existed already (%.1f s)\n", n, plan.Users-n, time.Since(start).Seconds())
	if plan.Chats == 0 {
		return nil
	}
	list, err := acc.ListUsers(ctx)
	if err != nil {
		return err
	}
	ids := make(map[string]int64, len(list))
	for _, u := range list {
		ids[u.Profile.Email] = u.ID
	}
	svc, err := chats.New(ctx, db, chats.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer svc.Close()
	start = time.Now()
	res, err := loadtest.Seed(ctx, svc, plan, func(n int) int64 { return ids[loadtest.LoadEmail(n)] }, batch, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chats: %d imported; messages: %d imported (%.1f s)\n", res.Chats, res.Messages, time.Since(start).Seconds())
	for kind, k := range res.Skipped {
		fmt.Fprintf(stdout, "%d planned %s chats NOT imported: chats.Service.Import does not take that kind yet\n", k, kind)
	}
	return nil
}

func runLoadIdle(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest idle", stderr)
	var lf loadFlags
	addLoadFlags(fs, &lf)
	var settle, hold time.Duration
	fs.IntVar(&lf.users, "users", 10000, "signed-in users, each with one idle WebSocket")
	fs.DurationVar(&settle, "settle", 10*time.Second, "wait before each memory reading")
	fs.DurationVar(&hold, "hold", 0, "keep the sockets open this long after measuring")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", lf.password); err != nil {
		return err
	}
	t, err := lf.target()
	if err != nil {
		return err
	}
	if lf.users < 1 {
		return &usageError{"--users must be 1 or more"}
	}
	stop, err := lf.profile()
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := interruptible()
	defer cancel()
	_, err = loadtest.RunIdle(ctx, loadtest.IdleConfig{Target: t, First: lf.first, Users: lf.users, Password: lf.password,
		Tokens: lf.tokens, LoginPar: lf.loginPar, Settle: settle, Hold: hold, ServerPID: lf.pid, Out: stdout})
	return err
}

func runLoadSearch(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest search", stderr)
	var lf loadFlags
	addLoadFlags(fs, &lf)
	var rate float64
	var duration time.Duration
	fs.IntVar(&lf.users, "users", 1000, "users who search (their own chats: run against a seeded data directory)")
	fs.Float64Var(&rate, "rate", 50, "queries per second, Poisson arrivals")
	fs.DurationVar(&duration, "duration", 30*time.Second, "how long to search")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("password", lf.password); err != nil {
		return err
	}
	t, err := lf.target()
	if err != nil {
		return err
	}
	if lf.users < 1 || rate <= 0 || duration <= 0 {
		return &usageError{"--users, --rate and --duration must be positive"}
	}
	stop, err := lf.profile()
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := interruptible()
	defer cancel()
	_, err = loadtest.RunSearch(ctx, loadtest.SearchConfig{Target: t, First: lf.first, Users: lf.users, Password: lf.password,
		Tokens: lf.tokens, LoginPar: lf.loginPar, Rate: rate, Duration: duration, ServerPID: lf.pid, Out: stdout})
	return err
}
