package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"
)

// IdleConfig is an idle run: signed-in users with a WebSocket open and
// nothing to say, to measure what each socket costs the server.
type IdleConfig struct {
	Target           *Target
	First, Users     int
	Password, Tokens string
	LoginPar         int
	Settle, Hold     time.Duration
	ServerPID        int
	Out              io.Writer
}

// IdleResult is the server's memory per idle socket.
type IdleResult struct {
	Before, After Usage
	PerSocket     int64 // bytes of server RSS per socket
}

// RunIdle opens one WebSocket per user, waits Settle for the server's
// memory to settle, reads its RSS against the reading taken before, and
// keeps the sockets open for Hold (to watch, or to run another load beside).
func RunIdle(ctx context.Context, cfg IdleConfig) (IdleResult, error) {
	out := cfg.Out
	probe := ServerProbe{PID: cfg.ServerPID, Target: cfg.Target}
	users, err := SignIn(ctx, cfg.Target, cfg.First, cfg.Users, cfg.Password, cfg.Tokens, cfg.LoginPar, out)
	if err != nil {
		return IdleResult{}, fmt.Errorf("%w\nstopped by: %s", err, Limit(err))
	}
	var res IdleResult
	time.Sleep(cfg.Settle) // the sign-ins' garbage
	if res.Before, err = probe.Read(ctx); err != nil {
		return res, err
	}
	errs := &Errors{}
	t0 := time.Now()
	ms, err := connectAll(ctx, cfg.Target, users, 64, errs, nil, out)
	defer closeAll(ms)
	if err != nil {
		return res, fmt.Errorf("%d of %d WebSockets open: %w\nstopped by: %s%s", len(ms), len(users), err, Limit(err), serverNote(ctx, probe))
	}
	fmt.Fprintf(out, "opened %d WebSockets in %.1f s; waiting %s for the server to settle\n", len(ms), time.Since(t0).Seconds(), cfg.Settle)
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	if res.After, err = probe.Read(ctx); err != nil {
		return res, err
	}
	res.PerSocket = (res.After.RSS - res.Before.RSS) / int64(len(ms))
	fmt.Fprintf(out, "server RSS %s before, %s with %d idle sockets: %.1f KiB each (RSS as the kernel counts it; the server's GC was not forced) [%s]\n",
		mib(res.Before.RSS), mib(res.After.RSS), len(ms), float64(res.PerSocket)/1024, res.After.Source)
	if res.After.OpenFDs >= 0 {
		fmt.Fprintf(out, "server open files %d → %d of %d\n", res.Before.OpenFDs, res.After.OpenFDs, res.After.MaxFDs)
	}
	self := SelfUsage()
	fmt.Fprintf(out, "load tool: RSS %s, Go heap %s, open files %d\n", mib(self.RSS), mib(int64(self.HeapLive)), self.OpenFDs)
	if cfg.Hold > 0 {
		fmt.Fprintf(out, "holding the sockets for %s\n", cfg.Hold)
		select {
		case <-time.After(cfg.Hold):
		case <-ctx.Done():
		}
	}
	if n := errs.Total(); n > 0 {
		fmt.Fprintf(out, "%d sockets were closed by the server meanwhile:\n", n)
		for _, l := range errs.Lines() {
			fmt.Fprintln(out, "   ", l)
		}
	}
	return res, nil
}
