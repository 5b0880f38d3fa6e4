package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"parley/server/servertest"
)

// A tiny ceiling run against a real server: users are added while the
// thresholds hold, the last level is held, every action the server has an
// endpoint for runs without errors, and the others are named as skipped.
// Thresholds are loose here: the test checks the ramp's logic and the
// requests, not this machine's speed.
func TestCeilingRampsHoldsAndNamesSkippedActions(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := context.Background()
	const password = "load-test-password-5"
	if _, err := CreateUsers(ctx, env.Server.Accounts, 1, 30, password, nil); err != nil {
		t.Fatal(err)
	}
	loose := Thresholds{Mean: 10 * time.Second, P99: 30 * time.Second, ErrorRate: 1e-9}
	var out bytes.Buffer
	res, err := RunCeiling(ctx, CeilingConfig{Target: &Target{URL: env.URL}, First: 1, Start: 10, Step: 10, Max: 30,
		StepEvery: 700 * time.Millisecond, Hold: time.Second, MinIdle: 5 * time.Millisecond, AvgIdle: 40 * time.Millisecond,
		Password: password, LoginPar: 4, Out: &out, Limits: loose, Strict: loose})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !res.HeldOK || res.Held != 30 || res.Strict != 30 {
		t.Errorf("held %d (ok %v), strict %d; want 30 users held with loose thresholds", res.Held, res.HeldOK, res.Strict)
	}
	if res.Errors != 0 {
		t.Errorf("%d errors of %d requests", res.Errors, res.Requests)
	}
	// The frequent actions ran; each one's endpoint exists on this server.
	for _, name := range []string{"switch chat", "post", "unread check", "scroll history"} {
		if res.PerAction[name].Count() == 0 {
			t.Errorf("action %q never ran", name)
		}
	}
	// Every action either ran or is reported as skipped, never silently lost.
	skipped := strings.Join(res.Skipped, "; ")
	for _, a := range actions {
		if a.freq >= 0.1 && res.PerAction[a.name].Count() == 0 && !strings.Contains(skipped, a.name) {
			t.Errorf("action %q neither ran nor was reported skipped (skipped: %s)", a.name, skipped)
		}
	}
	for _, want := range []string{"== ceiling result", "held 30 users", "--max 30 users reached", "load tool: CPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
