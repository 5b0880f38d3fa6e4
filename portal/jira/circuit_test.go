package jira

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The circuit opens on an outage, not on noise: a Jira failing 30 % or a
// third of calls at random keeps it closed although it fails five in a row
// now and then (which used to open it); one that fails everything opens it
// after five failures, or after sixteen of the last twenty when it was
// healthy before; 429s never open it.
func TestCircuitOpensOnOutageNotOnNoise(t *testing.T) {
	const host = "https://jira.example.net"
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		// outcomes returns the ith call's outcome, or false to stop.
		outcomes func(rng *rand.Rand, i int) (outcome, bool)
		// openAt is the call (1-based) after which the circuit is open;
		// 0: it never opens.
		openAt int
		// minRun is the longest run of failures the sequence must hold, to
		// show the old rule (five in a row) would have opened.
		minRun int
	}{
		{"30 % random failures", random(0.3, 3000), 0, 5},
		{"a third random failures", random(1.0/3, 3000), 0, 5},
		{"down from the start", func(_ *rand.Rand, i int) (outcome, bool) { return failed, i < 50 }, 5, 0},
		{"down after a healthy spell", func(_ *rand.Rand, i int) (outcome, bool) {
			if i < 100 {
				return answered, true
			}
			return failed, i < 200
		}, 116, 0},
		{"half the calls fail, then all", func(_ *rand.Rand, i int) (outcome, bool) {
			if i < 100 {
				return [2]outcome{answered, failed}[i%2], true
			}
			return failed, i < 200
		}, 111, 0},
		{"429 after 429", func(_ *rand.Rand, i int) (outcome, bool) { return rateLimited, i < 200 }, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := newCircuits(5, time.Second, 30*time.Second)
			rng := rand.New(rand.NewPCG(7, 11))
			openAt, run, longest := 0, 0, 0
			for i := 0; ; i++ {
				how, more := c.outcomes(rng, i)
				if !more {
					break
				}
				cs.result(host, how, 0, false, t0.Add(time.Duration(i)*time.Millisecond))
				if how == failed {
					run++
					longest = max(longest, run)
				} else {
					run = 0
				}
				if openAt == 0 && len(cs.states()) > 0 {
					openAt = i + 1
				}
			}
			if openAt != c.openAt {
				t.Errorf("open after call %d, want %d (0: never)", openAt, c.openAt)
			}
			if longest < c.minRun {
				t.Errorf("the longest run of failures is %d: the case proves nothing below %d", longest, c.minRun)
			}
		})
	}
}

func random(p float64, n int) func(*rand.Rand, int) (outcome, bool) {
	return func(rng *rand.Rand, i int) (outcome, bool) {
		if rng.Float64() < p {
			return failed, i < n
		}
		return answered, i < n
	}
}

// An open circuit lets one probe out at a time; the first answer (a 429
// too) closes it and releases what it held back, and a fresh start follows:
// it takes five failures again, not one, to open it.
func TestCircuitProbesAndRecovers(t *testing.T) {
	const host = "https://jira.example.net"
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, closer := range []outcome{answered, rateLimited} {
		cs := newCircuits(5, time.Second, 30*time.Second)
		for range 5 {
			cs.result(host, failed, 0, false, now)
		}
		if ok, _ := cs.admit(host, false, now); ok {
			t.Fatal("an open circuit admits ordinary ops")
		}
		if _, probes, _ := cs.plan(now); len(probes) != 0 {
			t.Fatalf("probe before its time: %v", probes)
		}
		now = now.Add(time.Second)
		if _, probes, _ := cs.plan(now); len(probes) != 1 {
			t.Fatalf("probes %v after the first interval, want one", probes)
		}
		if _, probes, _ := cs.plan(now); len(probes) != 0 {
			t.Fatalf("a second probe while one is out: %v", probes)
		}
		var retry time.Duration
		if closer == rateLimited {
			retry = time.Second
		}
		if !cs.result(host, closer, retry, true, now) {
			t.Fatalf("outcome %d did not release the held-back ops", closer)
		}
		if ok, until := cs.admit(host, false, now); ok != (closer == answered) || (closer == rateLimited && !until.Equal(now.Add(time.Second))) {
			t.Errorf("after outcome %d: admit %v until %s", closer, ok, until)
		}
		now = now.Add(2 * time.Second)
		for i := range 4 {
			cs.result(host, failed, 0, false, now)
			if len(cs.states()) > 0 {
				t.Fatalf("after outcome %d the circuit opened again after %d failures", closer, i+1)
			}
		}
	}
}
