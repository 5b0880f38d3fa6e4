package jira

import (
	"sync"
	"time"
)

// A circuit per Jira (base URL) keeps Parley from hammering a Jira that is
// down: after a few transient failures in a row it opens, the outbox stops
// handing out that Jira's ops, and one probe at a time goes out on a
// backoff curve. The first answer closes it and releases everything.
// A 429 pauses the whole Jira for its Retry-After instead: it answers, it
// only asks to be left alone for a while.
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

type refusal struct {
	until   time.Time
	probing bool
}

type circuit struct {
	failures  int // transient failures in a row
	open      bool
	probing   bool // a probe is out
	interval  time.Duration
	nextProbe time.Time
	openedAt  time.Time
	paused    time.Time // after a 429: nothing goes out before this
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

// result records how a call to host ended. Jira answered (success or a
// refusal) closes the circuit; released says it was open, so the ops held
// back should go now.
func (cs *circuits) result(host string, answered bool, retryAfter time.Duration, probe bool, now time.Time) (released bool) {
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
	if answered {
		released = c.open
		c.failures, c.open, c.interval = 0, false, 0
		return released
	}
	c.failures++
	switch {
	case c.open && probe:
		c.interval = min(c.interval*2, cs.max)
		c.nextProbe = now.Add(max(c.interval, retryAfter))
	case !c.open && c.failures >= cs.threshold:
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

// CircuitState describes a Jira the outbox currently holds back.
type CircuitState struct {
	BaseURL   string
	Since     time.Time // when the circuit opened (zero for a 429 pause)
	NextProbe time.Time
	Failures  int
}

func (cs *circuits) states(now time.Time) []CircuitState {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var out []CircuitState
	for host, c := range cs.byHost {
		switch {
		case c.open:
			out = append(out, CircuitState{BaseURL: host, Since: c.openedAt, NextProbe: c.nextProbe, Failures: c.failures})
		case now.Before(c.paused):
			out = append(out, CircuitState{BaseURL: host, NextProbe: c.paused})
		}
	}
	return out
}
