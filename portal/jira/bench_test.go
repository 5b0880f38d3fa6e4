package jira_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"parley/portal/jira"
	"parley/portal/jira/jiratest"
)

// BenchmarkOutboxThroughput drains b.N tickets (issue and remote link, two
// calls each) through the outbox into a healthy fake Jira with the default
// four workers, and reports Jira calls per second.
//
//	go test ./portal/jira -run '^$' -bench OutboxThroughput -benchtime 2000x
func BenchmarkOutboxThroughput(b *testing.B) {
	h := newHarness(b, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{Workers: 4}})
	// Queue everything in one transaction, so the workers see it all at once
	// when it commits and the drain alone is measured.
	h.tx(func(tx *sql.Tx) error {
		for id := int64(1); id <= int64(b.N); id++ {
			err := h.svc.EnqueueCreate(context.Background(), tx, jira.Issue{TicketID: id, Kind: jira.KindTechnical,
				Subject: fmt.Sprintf("Ticket %d", id), Body: "Calls drop after a minute.",
				URL: fmt.Sprintf("https://parley.example.org/support/tickets/%d", id)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	before := h.fake.Requests()
	b.ResetTimer()
	start := time.Now()
	waitDrained(b, h, 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	calls := h.fake.Requests() - before
	b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
}

// BenchmarkDrainAfterOutage queues 1,000 calls (500 tickets and a reply
// each) while Jira is down, keeps it down long enough for the backoff and
// the circuit's probes to reach their caps, and reports how long after Jira
// is back everything has been delivered, with the production backoff (1 s
// base, 30 s cap, circuit after 5 failures, probes every 15 s at most).
// How long depends on where in the probe interval Jira comes back, so each
// iteration ends the outage 5 s later than the one before; the worst
// iteration is reported.
//
//	go test ./portal/jira -run '^$' -bench DrainAfterOutage -benchtime 3x -timeout 30m
func BenchmarkDrainAfterOutage(b *testing.B) {
	const tickets = 500
	outage := 70 * time.Second
	if testing.Short() {
		outage = 5 * time.Second
	}
	var worst time.Duration
	var down float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b, setup{fake: jiratest.Options{Cloud: true},
			opt: jira.Options{BackoffBase: time.Second, BackoffMax: 30 * time.Second, HTTPTimeout: 20 * time.Second}})
		h.fake.SetDown(true)
		for id := int64(1); id <= tickets; id++ {
			h.file(id, jira.KindTechnical)
			h.reply(id, id, fmt.Sprintf("Reply %d", id))
		}
		this := outage + time.Duration(i)*5*time.Second
		time.Sleep(this)
		during := h.fake.Requests()
		b.StartTimer()
		start := time.Now()
		h.fake.SetDown(false)
		waitDrained(b, h, 5*time.Minute)
		elapsed := time.Since(start)
		b.StopTimer()
		for id := int64(1); id <= tickets; id++ {
			if n := len(h.issuesOf(id)); n != 1 {
				b.Fatalf("ticket %d: %d issues", id, n)
			}
		}
		b.Logf("outage %s: %d calls while down, drained %.1f s after recovery", this, during, elapsed.Seconds())
		worst = max(worst, elapsed)
		down = max(down, float64(during)/this.Seconds())
		h.svc.Close()
	}
	b.ReportMetric(worst.Seconds(), "worst-s-to-drain")
	b.ReportMetric(down, "calls/s-while-down")
}

func waitDrained(tb testing.TB, h *harness, within time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		waiting, _, err := h.svc.OutboxCounts(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d calls still waiting after %s", waiting, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
