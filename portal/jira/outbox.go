package jira

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"parley/server/store"
)

// The outbox ops.
const (
	opCreate  = "create"
	opComment = "comment"
	opRefresh = "refresh"
)

// op is one claimed row of jira_ops.
type op struct {
	ID       int64
	TicketID int64
	Op       string
	PostID   int64
	Payload  string
	Attempts int // including the one now starting
	BaseURL  string
	probe    bool // sent as its Jira's circuit probe
}

type commentPayload struct {
	Author string `json:"author"`
	Body   string `json:"body"`
}

// EnqueueCreate queues the creation of a ticket's Jira issue inside the
// caller's transaction, so the ticket and its op commit together. Call Kick
// after the commit. A ticket whose previous issue was deleted in Jira gets
// a new one.
func (s *Service) EnqueueCreate(ctx context.Context, tx *sql.Tx, is Issue) error {
	ks, ok := s.kindSettings(is.Kind)
	if !ok {
		return fmt.Errorf("queue jira issue for ticket %d: unknown ticket kind %q", is.TicketID, is.Kind)
	}
	payload, err := json.Marshal(is)
	if err != nil {
		return fmt.Errorf("queue jira issue for ticket %d: %w", is.TicketID, err)
	}
	now := store.FormatTime(s.opt.Now())
	// A link whose issue was deleted starts over; a live one is kept (the op
	// then only makes sure of the remote link).
	if _, err := tx.ExecContext(ctx, `INSERT INTO jira_links (ticket_id, kind, base_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET kind = excluded.kind,
			base_url = CASE WHEN failed = 1 OR issue_key = '' THEN excluded.base_url ELSE base_url END,
			issue_key = CASE WHEN failed = 1 THEN '' ELSE issue_key END,
			issue_id = CASE WHEN failed = 1 THEN '' ELSE issue_id END,
			announced = CASE WHEN failed = 1 THEN 0 ELSE announced END,
			status = CASE WHEN failed = 1 THEN '' ELSE status END,
			jira_status = CASE WHEN failed = 1 THEN '' ELSE jira_status END,
			sprint = CASE WHEN failed = 1 THEN '' ELSE sprint END,
			sprint_active = CASE WHEN failed = 1 THEN 0 ELSE sprint_active END,
			status_at_ms = CASE WHEN failed = 1 THEN 0 ELSE status_at_ms END,
			error = '', failed = 0, updated_at = excluded.updated_at`,
		is.TicketID, is.Kind, ks.BaseURL, now, now); err != nil {
		return fmt.Errorf("queue jira issue for ticket %d: %w", is.TicketID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO jira_ops (ticket_id, op, payload, state, base_url, next_try, created_at, updated_at)
		VALUES (?, 'create', ?, 'pending', ?, ?, ?, ?)`, is.TicketID, string(payload), ks.BaseURL, now, now, now); err != nil {
		return fmt.Errorf("queue jira issue for ticket %d: %w", is.TicketID, err)
	}
	return nil
}

// EnqueueComment queues a public reply as a Jira comment inside the caller's
// transaction. It runs after the ticket's earlier ops (its issue's creation
// first). Queueing the same post twice queues it once.
func (s *Service) EnqueueComment(ctx context.Context, tx *sql.Tx, ticketID, postID int64, author, body string) error {
	payload, err := json.Marshal(commentPayload{Author: author, Body: body})
	if err != nil {
		return fmt.Errorf("queue jira comment for ticket %d: %w", ticketID, err)
	}
	var base string
	err = tx.QueryRowContext(ctx, "SELECT base_url FROM jira_links WHERE ticket_id = ?", ticketID).Scan(&base)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("queue jira comment for ticket %d: %w", ticketID, err)
	}
	now := store.FormatTime(s.opt.Now())
	if _, err := tx.ExecContext(ctx, `INSERT INTO jira_ops (ticket_id, op, post_id, payload, state, base_url, next_try, created_at, updated_at)
		VALUES (?, 'comment', ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		ticketID, postID, string(payload), base, now, now, now); err != nil {
		return fmt.Errorf("queue jira comment for ticket %d: %w", ticketID, err)
	}
	return nil
}

// Refresh queues a re-read of every linked issue that is not yet done or
// rejected (the janitor does this every RefreshEvery) and returns how many.
func (s *Service) Refresh(ctx context.Context) (int, error) {
	now := store.FormatTime(s.opt.Now())
	res, err := s.db.Write.ExecContext(ctx, `INSERT OR IGNORE INTO jira_ops (ticket_id, op, state, base_url, next_try, created_at, updated_at)
		SELECT l.ticket_id, 'refresh', 'pending', l.base_url, ?, ?, ? FROM jira_links l
		WHERE l.issue_key != '' AND l.failed = 0 AND l.status NOT IN ('done', 'rejected')`, now, now, now)
	if err != nil {
		return 0, fmt.Errorf("queue jira re-reads: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.Kick()
	}
	return int(n), nil
}

// RetryNow makes a ticket's waiting ops due at once and lets a held-back
// Jira be probed now.
func (s *Service) RetryNow(ctx context.Context, ticketID int64) error {
	now := store.FormatTime(s.opt.Now())
	if _, err := s.db.Write.ExecContext(ctx, "UPDATE jira_ops SET next_try = ?, updated_at = ? WHERE ticket_id = ? AND state = 'pending'",
		now, now, ticketID); err != nil {
		return fmt.Errorf("retry jira ops of ticket %d: %w", ticketID, err)
	}
	s.circuits.probeNow()
	s.Kick()
	return nil
}

// RetryAll makes every waiting op due at once.
func (s *Service) RetryAll(ctx context.Context) error {
	now := store.FormatTime(s.opt.Now())
	if _, err := s.db.Write.ExecContext(ctx, "UPDATE jira_ops SET next_try = ?, updated_at = ? WHERE state = 'pending'", now, now); err != nil {
		return fmt.Errorf("retry jira ops: %w", err)
	}
	s.circuits.probeNow()
	s.Kick()
	return nil
}

// dispatch hands due ops to at most Workers goroutines. It wakes on Kick,
// when a worker finishes, when the next op falls due, and every second.
func (s *Service) dispatch() {
	defer s.wg.Done()
	done := make(chan struct{}, s.opt.Workers)
	busy := 0
	for {
		if s.ctx.Err() != nil {
			for ; busy > 0; busy-- {
				<-done
			}
			return
		}
		s.rounds.Add(1)
		wake := time.Second
		if free := s.opt.Workers - busy; free > 0 {
			ops, next, err := s.claimRound(free)
			if err != nil {
				s.log.Error("claim jira ops", "err", err)
			}
			for _, o := range ops {
				busy++
				go func() {
					defer func() { done <- struct{}{} }()
					s.run(o)
				}()
			}
			if len(ops) < free && next > 0 {
				wake = min(wake, next)
			}
		}
		t := time.NewTimer(wake)
		select {
		case <-s.ctx.Done():
		case <-s.kick:
		case <-done:
			busy--
		case <-t.C:
		}
		t.Stop()
		for drained := false; !drained; {
			select {
			case <-done:
				busy--
			default:
				drained = true
			}
		}
	}
}

// claimRound claims up to n ops: first one probe per Jira whose circuit
// wants one, then due ops of Jiras that are not held back. next is how long
// until something else falls due (0: unknown, poll).
func (s *Service) claimRound(n int) ([]op, time.Duration, error) {
	now := s.opt.Now()
	blocked, probes, wake := s.circuits.plan(now)
	var out []op
	for _, host := range probes {
		if len(out) >= n {
			s.circuits.unprobe(host)
			continue
		}
		got, err := s.claim(1, now, host, nil)
		if err != nil || len(got) == 0 {
			s.circuits.unprobe(host)
			if err != nil {
				return out, 0, err
			}
			continue
		}
		got[0].probe = true
		out = append(out, got[0])
	}
	if len(out) < n {
		got, err := s.claim(n-len(out), now, "", append(blocked, probes...))
		if err != nil {
			return out, 0, err
		}
		out = append(out, got...)
	}
	if len(out) >= n {
		return out, 0, nil
	}
	var next sql.NullString
	if err := s.db.Read.QueryRow("SELECT min(next_try) FROM jira_ops WHERE state = 'pending' AND next_try > ?",
		store.FormatTime(now)).Scan(&next); err != nil {
		return out, 0, fmt.Errorf("find next jira op: %w", err)
	}
	var d time.Duration
	if next.Valid {
		if t, err := store.ParseTime(next.String); err == nil {
			d = t.Sub(now)
		}
	}
	if !wake.IsZero() && (d <= 0 || wake.Sub(now) < d) {
		d = wake.Sub(now)
	}
	if d <= 0 {
		// Nothing waits: sleep until a Kick or the once-a-second poll.
		// (Turning 0 into a millisecond here used to spin the dispatcher
		// a thousand times a second on a server with nothing for Jira.)
		return out, 0, nil
	}
	return out, max(d, time.Millisecond), nil
}

// claim marks up to n ops running and returns them. Only the oldest
// unfinished op of a ticket is eligible, which keeps each ticket's ops in
// order and spreads the workers over different tickets. With only set, it
// takes that Jira's next op whether or not it is due (a probe); otherwise
// due ops of any Jira but those in exclude.
func (s *Service) claim(n int, now time.Time, only string, exclude []string) ([]op, error) {
	ts := store.FormatTime(now)
	args := []any{ts, ts}
	var where strings.Builder
	where.WriteString("o.state = 'pending'")
	if only != "" {
		where.WriteString(" AND o.base_url = ?")
		args = append(args, only)
	} else {
		where.WriteString(" AND o.next_try <= ?")
		args = append(args, ts)
		if len(exclude) > 0 {
			where.WriteString(" AND o.base_url NOT IN (?" + strings.Repeat(", ?", len(exclude)-1) + ")")
			for _, h := range exclude {
				args = append(args, h)
			}
		}
	}
	args = append(args, n)
	rows, err := s.db.Write.Query(`UPDATE jira_ops SET state = 'running', attempts = attempts + 1, last_try = ?, updated_at = ?
		WHERE id IN (SELECT o.id FROM jira_ops o WHERE `+where.String()+`
			AND NOT EXISTS (SELECT 1 FROM jira_ops p WHERE p.ticket_id = o.ticket_id AND p.id < o.id AND p.state IN ('pending', 'running'))
			ORDER BY o.next_try, o.id LIMIT ?)
		RETURNING id, ticket_id, op, coalesce(post_id, 0), payload, attempts, base_url`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim jira ops: %w", err)
	}
	defer rows.Close()
	var out []op
	for rows.Next() {
		var o op
		if err := rows.Scan(&o.ID, &o.TicketID, &o.Op, &o.PostID, &o.Payload, &o.Attempts, &o.BaseURL); err != nil {
			return nil, fmt.Errorf("claim jira ops: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// errStopping says the service is closing: the op goes back unchanged.
var errStopping = errors.New("parley is stopping")

// deferredError says the op was not sent because its Jira is held back.
type deferredError struct{ until time.Time }

func (e *deferredError) Error() string { return "held back while Jira is unreachable" }

// failure is a permanent failure: the op stops, with a message for staff.
type failure struct{ msg string }

func (e *failure) Error() string { return e.msg }

// run executes one op and records the outcome.
func (s *Service) run(o op) {
	at, err := s.execute(s.calls, o)
	if err != nil && s.calls.Err() != nil && !errors.Is(err, errStopping) {
		// Close gave up waiting for the call's answer. A create or comment
		// cut off like that may still land in Jira: its retry waits for the
		// lookup to settle, as after a lost answer. A call that ended
		// before (an answer, or none within its time-out) is recorded as
		// any other.
		err = errStopping
		if o.Op == opCreate || o.Op == opComment {
			err = &callError{Class: classTransient, MaybeDone: true, Msg: "Parley stopped while waiting for Jira's answer"}
		}
	}
	now := s.opt.Now()
	var ce *callError
	var de *deferredError
	var wait time.Duration
	if errors.As(err, &ce) {
		wait = max(s.backoff(o.Attempts, ce.Class), ce.RetryAfter)
		if ce.MaybeDone {
			// The retry's lookup by marker must be able to see the issue.
			wait = max(wait, s.opt.LookupSettle)
		}
	}
	probe := o.probe && at.host == o.BaseURL
	switch {
	case at.host == "" || errors.Is(err, errStopping):
		if o.probe {
			s.circuits.unprobe(o.BaseURL)
		}
	case errors.As(err, &de):
		if o.probe {
			s.circuits.unprobe(at.host)
		}
	case ce != nil && ce.Class == classTransient && ce.Status != http.StatusTooManyRequests:
		s.circuits.result(at.host, failed, ce.RetryAfter, probe, now)
	case ce != nil && ce.Class == classTransient:
		if s.circuits.result(at.host, rateLimited, ce.RetryAfter, probe, now) {
			s.release(at.host)
		}
	default:
		if s.circuits.result(at.host, answered, 0, probe, now) {
			s.release(at.host)
		}
	}
	if at.credKey != "" {
		refused := ce != nil && ce.AuthRefused
		unknown := errors.Is(err, errStopping) || (ce != nil && ce.Class == classTransient)
		s.circuits.credsResult(at.credKey, refused, !refused && !unknown, now.Add(wait))
	}
	if err := s.finish(o, at.host, err, wait, now); err != nil {
		s.log.Error("record jira op", "op", o.ID, "ticket", o.TicketID, "err", err)
	}
}

// release makes the ops a closed circuit held back due at once.
func (s *Service) release(host string) {
	now := store.FormatTime(s.opt.Now())
	res, err := s.db.Write.Exec(`UPDATE jira_ops SET next_try = ?, updated_at = ?
		WHERE state = 'pending' AND base_url = ? AND next_try > ? AND error_class IN ('transient', '')`, now, now, host, now)
	if err != nil {
		s.log.Error("release jira ops", "jira", host, "err", err)
		return
	}
	n, _ := res.RowsAffected()
	s.log.Info("jira answers again; releasing held-back calls", "jira", host, "ops", n)
	s.Kick()
}

// backoff is the wait before attempt attempts+1: exponential up to a cap,
// half of it random so that many ops failing together do not come back
// together.
//
// A transient failure is retried on a short curve, capped at a tenth of
// BackoffMax (3 s by default), for an op's first shortAttempts attempts: a Jira
// that fails some calls at random still answers most, and the circuit, not
// each op's backoff, is what spares a Jira that is down. An op that keeps
// failing while others go through moves on to the long curve up to
// BackoffMax. A refusal (400/401/403) needs a person, so its curve starts
// higher, at a thirtieth of its cap (30 s for 15 min).
func (s *Service) backoff(attempts int, class errClass) time.Duration {
	base, ceiling := s.opt.BackoffBase, s.opt.BackoffMax
	switch {
	case class == classConfig:
		base, ceiling = max(base, s.opt.ConfigBackoffMax/30), s.opt.ConfigBackoffMax
	case attempts <= shortAttempts:
		ceiling = max(base, ceiling/10)
	}
	d := ceiling
	if attempts >= 1 && attempts < 40 {
		if b := base << (attempts - 1); b > 0 && b < ceiling {
			d = b
		}
	}
	return d/2 + rand.N(d/2+1)
}

// shortAttempts is how many attempts of an op a transient failure retries
// on the short curve (a minute or so). A create whose calls fail a third of
// the time needs more than twenty about once in ten billion.
const shortAttempts = 20

// finish records an op's outcome. It must not be cancelled half-way (the
// service may be closing), so it uses its own context.
func (s *Service) finish(o op, host string, err error, wait time.Duration, now time.Time) error {
	ctx := context.Background()
	ts := store.FormatTime(now)
	if host == "" {
		host = o.BaseURL
	}
	var ce *callError
	var de *deferredError
	var fe *failure
	var q string
	var args []any
	switch {
	case err == nil && o.Op == opRefresh, errors.As(err, &fe) && o.Op == opRefresh:
		q, args = "DELETE FROM jira_ops WHERE id = ?", []any{o.ID}
	case err == nil:
		q = "UPDATE jira_ops SET state = 'done', error = '', error_class = '', base_url = ?, updated_at = ? WHERE id = ?"
		args = []any{host, ts, o.ID}
	case errors.As(err, &fe):
		s.log.Warn("jira op failed for good", "op", o.Op, "ticket", o.TicketID, "err", fe.msg)
		q = "UPDATE jira_ops SET state = 'failed', error = ?, error_class = 'gone', base_url = ?, updated_at = ? WHERE id = ?"
		args = []any{fe.msg, host, ts, o.ID}
	case errors.Is(err, errStopping):
		q, args = "UPDATE jira_ops SET state = 'pending', updated_at = ? WHERE id = ?", []any{ts, o.ID}
	case errors.As(err, &de):
		// Not sent: the attempt does not count.
		until := de.until.Add(rand.N(s.opt.BackoffBase + 1))
		q = "UPDATE jira_ops SET state = 'pending', attempts = attempts - 1, base_url = ?, next_try = ?, updated_at = ? WHERE id = ?"
		args = []any{host, store.FormatTime(until), ts, o.ID}
	default:
		if !errors.As(err, &ce) {
			ce = &callError{Class: classTransient, Msg: err.Error()}
			wait = s.backoff(o.Attempts, ce.Class)
		}
		s.log.Warn("jira call failed; will retry", "op", o.Op, "ticket", o.TicketID, "attempts", o.Attempts,
			"class", ce.Class, "retry_in", wait.Round(time.Millisecond), "err", ce.Msg)
		q = "UPDATE jira_ops SET state = 'pending', error = ?, error_class = ?, base_url = ?, next_try = ?, updated_at = ? WHERE id = ?"
		args = []any{ce.Msg, string(ce.Class), host, store.FormatTime(now.Add(wait)), ts, o.ID}
	}
	if _, err := s.db.Write.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("record outcome of jira op %d: %w", o.ID, err)
	}
	return nil
}
