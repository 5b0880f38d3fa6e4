package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"parley/server/servertest"
)

// A short burst against a real server: every message sent must reach
// every member of its group over the WebSocket, none twice, and the report
// must say so with latencies and both processes' usage.
func TestBurstDeliversEveryMessageToEveryMember(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := context.Background()
	const password = "load-test-password-5"
	if n, err := CreateUsers(ctx, env.Server.Accounts, 1, 20, password, nil); err != nil || n != 20 {
		t.Fatalf("create users: %d, %v", n, err)
	}
	var out bytes.Buffer
	rep, err := RunBurst(ctx, BurstConfig{Target: &Target{URL: env.URL}, First: 1, Users: 20, Group: 10,
		Password: password, LoginPar: 4, Rate: 100, Duration: time.Second, Timeout: 5 * time.Second,
		Phases: []string{"closed", "open"}, SearchN: 10, Out: &out})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Phases) != 2 {
		t.Fatalf("%d phases reported, want 2", len(rep.Phases))
	}
	for _, p := range rep.Phases {
		if p.Delivered == 0 || p.Failed != 0 || p.Dupes != 0 || p.Stopped != "" {
			t.Errorf("%s: sent %d delivered %d failed %d duplicates %d stopped %q", p.Phase, p.Sent, p.Delivered, p.Failed, p.Dupes, p.Stopped)
		}
		if p.Latency.Count() != uint64(p.Delivered) || p.Latency.Quantile(0.99) <= 0 {
			t.Errorf("%s: %d latencies for %d messages, p99 %v", p.Phase, p.Latency.Count(), p.Delivered, p.Latency.Quantile(0.99))
		}
	}
	// The closed loop waits for each message, so 20 users cannot have more
	// than 20 in flight; the open loop sends about rate × duration.
	if open := rep.Phases[1]; open.Sent < 50 || open.Sent > 200 {
		t.Errorf("open loop at 100/s for 1 s sent %d messages", open.Sent)
	}
	// Every sampled message whose send succeeded is found by search (when
	// the server has search at all).
	if rep.SearchFound != rep.SearchTried {
		t.Errorf("search found %d of %d sent messages", rep.SearchFound, rep.SearchTried)
	}
	for _, want := range []string{"closed loop", "open loop at 100 messages/s", "p99", "server:    CPU", "load tool: CPU",
		"ran its full time"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
