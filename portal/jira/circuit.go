package jira

import (
	"math/bits"
	"sync"
	"time"
)

// A circuit per Jira (base URL) keeps Parley from hammering a Jira that is
// down: when calls fail in a row and nearly all recent calls failed, it
// opens, the outbox stops handing out that Jira's ops, and one probe at a
// time goes out on a backoff curve. The first answer closes it and releases
// everything.
//
// A Jira that only fails some calls (a third of them, say, behind a flaky
// proxy) is not down: its circuit stays closed and each failed op simply
// comes back soon. Requiring both a run of failures and a failure rate over
// the last calls far above such noise keeps the circuit for real outages.
//
// A 429 is no failure: Jira answers, it only asks to be left alone for a
// while. It pauses the whole Jira for its Retry-After (the sender's pace),
// and counts as an answer for the circuit.
type circuits struct {
	mu        sync.Mutex
	threshold int
	base, max time.Duration
	byHost    map[string]*circuit
	// refused holds back ops whose credentials Jira refused (401): every
	// refused login counts against the account, and Jira Server answers
	// too many with a CAPTCHA that blocks the API. One op at a time tries
	// again when the wait is over.
	refused map[string]*refusal
}

// The failure rate that, with a run of failures, opens a circuit: at least
// openShare of the last (up to) recentCalls calls failed. A Jira failing
// 30 % of calls at random reaches it about once in a million windows.
const (
	recentCalls = 20
	openShare   = 0.8
)

type refusal struct {
	until   time.Time
	probing bool
}

type circuit struct {
	failures  int    // transient failures in a row
	recent    uint32 // the last calls, newest in bit 0: 1 failed, 0 answered
	calls     int    // how many of recent's bits are calls (up to recentCalls)
	open      bool
	probing   bool // a probe is out
	interval  time.Duration
	nextProbe time.Time
	openedAt  time.Time
	paused    time.Time // after a 429: nothing goes out before this
}

// outcome is how a call to Jira ended, as far as its circuit cares.
type outcome int

const (
	answered    outcome = iota // Jira answered (success or a refusal)
	failed                     // no usable answer: network, time-out, 5xx
	rateLimited                // 429: Jira answered, asking to slow down
)

func (c *circuit) record(fail bool) {
	c.recent <<= 1
	if fail {
		c.recent |= 1
	}
	c.recent &= 1<<recentCalls - 1
	c.calls = min(c.calls+1, recentCalls)
}

// outage reports whether the calls so far look like a Jira that is down.
func (c *circuit) outage(threshold int) bool {
	return c.failures >= threshold && float64(bits.OnesCount32(c.recent)) >= openShare*float64(c.calls)
}

// newCircuits: probes follow the backoff curve from base but stop growing
// at half of max (15 s for 30 s), so that a Jira that comes back is noticed
// soon even when its probes hang until their time-out.
func newCircuits(threshold int, base, ceiling time.Duration) *circuits {
	return &circuits{threshold: threshold, base: base, max: max(base, ceiling/2), byHost: map[string]*circuit{}, refused: map[string]*refusal{}}
}

func (cs *circuits) get(host string) *circuit {
	c := cs.byHost[host]
	if c == nil {
		c = &circuit{}
		cs.byHost[host] = c
	}
	return c
}

// plan says which Jiras get no ops now (blocked) and which get exactly one
// (probe; marked as out), and when the next probe or pause ends.
func (cs *circuits) plan(now time.Time) (blocked, probes []string, wake time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	soonest := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	for host, c := range cs.byHost {
		switch {
		case now.Before(c.paused):
			blocked = append(blocked, host)
			soonest(c.paused)
		case c.open && !c.probing && !now.Before(c.nextProbe):
			c.probing = true
			probes = append(probes, host)
		case c.open:
			blocked = append(blocked, host)
			if !c.probing {
				soonest(c.nextProbe)
			}
		}
	}
	return blocked, probes, wake
}

// unprobe returns a probe slot that found no op to send.
func (cs *circuits) unprobe(host string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c := cs.byHost[host]; c != nil {
		c.probing = false
	}
}

// admit reports whether an op for host may call Jira now; a probe may when
// its circuit is open. Otherwise it says until when to wait.
func (cs *circuits) admit(host string, probe bool, now time.Time) (bool, time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.get(host)
	if now.Before(c.paused) {
		return false, c.paused
	}
	if c.open && !probe {
		return false, c.nextProbe
	}
	return true, time.Time{}
}

// result records how a call to host ended. An answer (a 429 included)
// closes the circuit; released says it was open, so the ops held back
// should go now. A Retry-After pauses the Jira.
func (cs *circuits) result(host string, how outcome, retryAfter time.Duration, probe bool, now time.Time) (released bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.get(host)
	if probe {
		c.probing = false
	}
	if retryAfter > 0 {
		if p := now.Add(retryAfter); p.After(c.paused) {
			c.paused = p
		}
	}
	if how != failed {
		released = c.open
		if released {
			// A fresh start: the outage's failures say nothing of what
			// comes next.
			c.recent, c.calls = 0, 0
		}
		c.record(false)
		c.failures, c.open, c.interval = 0, false, 0
		return released
	}
	c.failures++
	c.record(true)
	switch {
	case c.open && probe:
		c.interval = min(c.interval*2, cs.max)
		c.nextProbe = now.Add(max(c.interval, retryAfter))
	case !c.open && c.outage(cs.threshold):
		c.open, c.openedAt, c.interval = true, now, cs.base
		c.nextProbe = now.Add(max(c.interval, retryAfter))
	}
	return false
}

// probeNow lets every open circuit probe at once and lifts pauses and
// refusals (an administrator asked to retry, or changed the settings).
func (cs *circuits) probeNow() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, c := range cs.byHost {
		c.nextProbe, c.paused = time.Time{}, time.Time{}
	}
	clear(cs.refused)
}

// admitCreds reports whether an op may use credentials that Jira refused
// before; after the wait, one op at a time may (probe reports it is that op).
func (cs *circuits) admitCreds(key string, now time.Time) (ok, probe bool, until time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	r := cs.refused[key]
	switch {
	case r == nil:
		return true, false, time.Time{}
	case r.probing:
		return false, false, now.Add(cs.max)
	case now.Before(r.until):
		return false, false, r.until
	}
	r.probing = true
	return true, true, time.Time{}
}

// credsResult records what became of a call with the credentials: refused
// (until when to hold them back), accepted, or unknown (no answer).
func (cs *circuits) credsResult(key string, refused, accepted bool, until time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case refused:
		cs.refused[key] = &refusal{until: until}
	case accepted:
		delete(cs.refused, key)
	default:
		if r := cs.refused[key]; r != nil {
			r.probing = false
		}
	}
}

// CircuitState describes a Jira whose circuit is open: it stopped
// answering, and the outbox holds its calls back. A Jira that only asked
// to slow down (429) answers, so it is not listed.
type CircuitState struct {
	BaseURL   string
	Since     time.Time // when the circuit opened
	NextProbe time.Time
	Failures  int
}

func (cs *circuits) states() []CircuitState {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var out []CircuitState
	for host, c := range cs.byHost {
		if c.open {
			next := c.nextProbe
			if c.paused.After(next) {
				next = c.paused
			}
			out = append(out, CircuitState{BaseURL: host, Since: c.openedAt, NextProbe: next, Failures: c.failures})
		}
	}
	return out
}
