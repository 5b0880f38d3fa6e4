package jira

import (
	"testing"
	"time"
)

// An outbox with nothing to send sleeps: it wakes on a Kick or once a
// second, not in a loop that burns a core of a server without Jira.
func TestIdleOutboxSleeps(t *testing.T) {
	t.Parallel()
	svc := newService(t, openDB(t), Options{})
	start := DispatchRounds(svc)
	time.Sleep(1500 * time.Millisecond)
	// At most one wake-up a second, plus the first round; a spinning
	// dispatcher makes hundreds.
	if n := DispatchRounds(svc) - start; n > 5 {
		t.Fatalf("the idle dispatcher woke %d times in 1.5 s", n)
	}
}
