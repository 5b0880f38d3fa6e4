package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
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
	cases := []struct {
		name         string
		users, group int
		phases       []string
		readRate     float64
	}{
		{"ten groups of ten, with history readers", 20, 10, []string{"closed", "open"}, 40},
		{"one group of seventy, past a 64-bit member mask", 70, 70, []string{"open"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			burstScenario(t, c.users, c.group, c.phases, c.readRate)
		})
	}
}

func burstScenario(t *testing.T, users, group int, phases []string, readRate float64) {
	env := servertest.Start(t)
	ctx := context.Background()
	const password = "load-test-password-5"
	if n, err := CreateUsers(ctx, env.Server.Accounts, 1, users, password, nil); err != nil || n != users {
		t.Fatalf("create users: %d, %v", n, err)
	}
	var out bytes.Buffer
	rep, err := RunBurst(ctx, BurstConfig{Target: &Target{URL: env.URL}, First: 1, Users: users, Group: group,
		Password: password, LoginPar: 4, Rate: 100, Duration: time.Second, Timeout: 5 * time.Second,
		Phases: phases, SearchN: 10, ReadRate: readRate, Out: &out})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Phases) != len(phases) {
		t.Fatalf("%d phases reported, want %d", len(rep.Phases), len(phases))
	}
	for _, p := range rep.Phases {
		if p.Delivered == 0 || p.Failed != 0 || p.Dupes != 0 || p.Stopped != "" {
			t.Errorf("%s: sent %d delivered %d failed %d duplicates %d stopped %q", p.Phase, p.Sent, p.Delivered, p.Failed, p.Dupes, p.Stopped)
		}
		if p.Latency.Count() != uint64(p.Delivered) || p.Latency.Quantile(0.99) <= 0 {
			t.Errorf("%s: %d latencies for %d messages, p99 %v", p.Phase, p.Latency.Count(), p.Delivered, p.Latency.Quantile(0.99))
		}
		if readRate > 0 && (p.Reads == nil || p.Reads.Count() == 0) {
			t.Errorf("%s: no history pages read at %.0f/s", p.Phase, readRate)
		}
	}
	// The open loop sends about rate × duration (Poisson: 100 ± a few tens).
	if open := rep.Phases[len(rep.Phases)-1]; open.Sent < 50 || open.Sent > 200 {
		t.Errorf("open loop at 100/s for 1 s sent %d messages", open.Sent)
	}
	// Every sampled message whose send succeeded is found by search (when
	// the server has search at all).
	if rep.SearchFound != rep.SearchTried {
		t.Errorf("search found %d of %d sent messages", rep.SearchFound, rep.SearchTried)
	}
	wants := []string{"open loop at 100 messages/s", "p99", "server:    CPU", "load tool: CPU", "ran its full time",
		fmt.Sprintf("delivered to all %d members", group)}
	if slices.Contains(phases, "closed") {
		wants = append(wants, "closed loop")
	}
	if readRate > 0 {
		wants = append(wants, "history readers:", "requests in the handler:")
	}
	for _, want := range wants {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
