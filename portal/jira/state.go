package jira

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"parley/server/store"
)

// LinkState is a ticket's Jira side as people see it.
type LinkState struct {
	Key, URL string // the issue and its page in Jira; empty until created
	// Waiting counts the ticket's calls not yet through (creation and
	// comments; periodic re-reads are not counted): "waiting for Jira".
	Waiting int
	// Error is why the first waiting call has not gone through yet, or why
	// the link failed.
	Error            string
	LastTry, NextTry time.Time
	Attempts         int
	Status           Status // empty until Jira has said something
	JiraStatus       string
	Sprint           string
	// Failed: the issue was deleted in Jira; staff may escalate again.
	Failed bool
}

// State returns a ticket's Jira state; the zero LinkState when it has none.
func (s *Service) State(ctx context.Context, ticketID int64) (LinkState, error) {
	m, err := s.States(ctx, []int64{ticketID})
	if err != nil {
		return LinkState{}, err
	}
	return m[ticketID], nil
}

// States returns the Jira state of several tickets; tickets without one are
// absent from the map.
func (s *Service) States(ctx context.Context, ids []int64) (map[int64]LinkState, error) {
	out := map[int64]LinkState{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		if err := s.statesChunk(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// statesChunk reads the links and their waiting ops in one read
// transaction, so both come from the same moment. Read apart, an op that
// failed for good between the two reads (its issue deleted: the link is
// marked failed first, then the op) looked like a reply delivered: nothing
// waiting and no failure.
func (s *Service) statesChunk(ctx context.Context, ids []int64, out map[int64]LinkState) error {
	marks := "?" + strings.Repeat(", ?", len(ids)-1)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	tx, err := s.db.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("read jira states: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, selectLink+" WHERE ticket_id IN ("+marks+")", args...)
	if err != nil {
		return fmt.Errorf("read jira states: %w", err)
	}
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("read jira states: %w", err)
		}
		st := LinkState{Key: l.Key, URL: browseURL(l.BaseURL, l.Key), Status: l.Status, JiraStatus: l.JiraStatus,
			Sprint: l.Sprint, Failed: l.Failed}
		if l.Failed {
			st.Error = l.Error
		}
		out[l.TicketID] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read jira states: %w", err)
	}
	if s.statesBetweenReads != nil {
		s.statesBetweenReads()
	}
	rows, err = tx.QueryContext(ctx, `SELECT ticket_id, error, attempts, last_try, next_try FROM jira_ops
		WHERE ticket_id IN (`+marks+`) AND state IN ('pending', 'running') AND op != 'refresh' ORDER BY ticket_id, id`, args...)
	if err != nil {
		return fmt.Errorf("read jira outbox states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var msg, last, next string
		var attempts int
		if err := rows.Scan(&id, &msg, &attempts, &last, &next); err != nil {
			return fmt.Errorf("read jira outbox states: %w", err)
		}
		st := out[id]
		st.Waiting++
		if st.Waiting == 1 {
			// The first waiting call holds up the rest: its story is the
			// ticket's.
			if msg != "" {
				st.Error = msg
			}
			st.Attempts = attempts
			st.LastTry, _ = parseOptTime(last)
			st.NextTry, _ = parseOptTime(next)
		}
		out[id] = st
	}
	return rows.Err()
}

func parseOptTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return store.ParseTime(s)
}

// OutboxEntry is one waiting or failed call, for the staff's outbox page.
type OutboxEntry struct {
	ID, TicketID     int64
	Op               string // create, comment, refresh
	State            string // pending, running, failed
	Attempts         int
	Error            string
	ErrorClass       string // transient, config, gone
	LastTry, NextTry time.Time
	Key              string
}

// Outbox lists the calls not yet through and those that failed for good in
// the last 30 days, the ones due soonest first; at most limit.
func (s *Service) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	cutoff := store.FormatTime(s.opt.Now().Add(-30 * 24 * time.Hour))
	rows, err := s.db.Read.QueryContext(ctx, `SELECT o.id, o.ticket_id, o.op, o.state, o.attempts, o.error, o.error_class, o.last_try, o.next_try,
			coalesce(l.issue_key, '')
		FROM jira_ops o LEFT JOIN jira_links l ON l.ticket_id = o.ticket_id
		WHERE o.state IN ('pending', 'running') OR (o.state = 'failed' AND o.updated_at >= ?)
		ORDER BY o.state = 'failed', o.next_try, o.id LIMIT ?`, cutoff, limit)
	if err != nil {
		return nil, fmt.Errorf("list jira outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var last, next string
		if err := rows.Scan(&e.ID, &e.TicketID, &e.Op, &e.State, &e.Attempts, &e.Error, &e.ErrorClass, &last, &next, &e.Key); err != nil {
			return nil, fmt.Errorf("list jira outbox: %w", err)
		}
		e.LastTry, _ = parseOptTime(last)
		e.NextTry, _ = parseOptTime(next)
		out = append(out, e)
	}
	return out, rows.Err()
}

// OutboxCounts says how many calls wait and how many failed for good.
func (s *Service) OutboxCounts(ctx context.Context) (waiting, failed int, err error) {
	err = s.db.Read.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE state IN ('pending', 'running')),
			count(*) FILTER (WHERE state = 'failed')
		FROM jira_ops`).Scan(&waiting, &failed)
	if err != nil && err != sql.ErrNoRows {
		return 0, 0, fmt.Errorf("count jira outbox: %w", err)
	}
	return waiting, failed, nil
}

// Unreachable lists the Jiras that stopped answering, whose calls the
// outbox holds back.
func (s *Service) Unreachable() []CircuitState {
	return s.circuits.states()
}
