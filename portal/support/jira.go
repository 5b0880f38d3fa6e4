package support

import (
	"context"
	"database/sql"
	"fmt"

	"parley/portal/jira"
	"parley/server/store"
)

// JiraLinked records the key of a ticket's new Jira issue. It is the jira
// service's OnLinked hook, and posts the link to the organisation's support
// channel, as the support process asks.
func (s *Service) JiraLinked(ctx context.Context, ticketID int64, key, browseURL string) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		// The outbox may report a link twice (a crash between the call and
		// its record); only the first changes anything.
		res, err := tx.ExecContext(ctx, "UPDATE tickets SET jira_key = ?, updated_at = ? WHERE id = ? AND jira_key <> ?",
			key, store.FormatTime(now), ticketID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return addEvent(ctx, tx, ticketID, nil, now, "jira_linked", map[string]string{"key": key, "url": browseURL})
	})
	if err != nil {
		s.log.Error("record jira key", "ticket", ticketID, "key", key, "err", err)
		return
	}
	s.log.Info("ticket linked to jira", "ticket", ticketID, "key", key)
	if t, err := s.get(ctx, ticketID); err == nil {
		s.announceToStaff(ctx, t, "support.channel.jira_linked", key, browseURL)
	}
}

// JiraFailed records that the ticket's Jira issue is gone (deleted in
// Jira): the ticket stays in Parley, and staff may escalate it again.
func (s *Service) JiraFailed(ctx context.Context, ticketID int64, key, message string) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET updated_at = ? WHERE id = ?", store.FormatTime(now), ticketID); err != nil {
			return err
		}
		return addEvent(ctx, tx, ticketID, nil, now, "jira_failed", map[string]string{"key": key, "error": message})
	})
	if err != nil {
		s.log.Error("record jira failure", "ticket", ticketID, "key", key, "err", err)
		return
	}
	s.log.Warn("jira issue of a ticket is gone", "ticket", ticketID, "key", key, "reason", message)
}

// statusFromJira is what a Jira state means to the person who asked.
var statusFromJira = map[jira.Status]Status{
	jira.StatusPlanned:  StatusPlanned,
	jira.StatusInSprint: StatusInSprint,
	jira.StatusRejected: StatusRejected,
	jira.StatusDone:     StatusDone,
}

// JiraStatus applies a status Jira reports (the jira service's OnStatus
// hook): taken into a sprint, planned, rejected or done.
func (s *Service) JiraStatus(ctx context.Context, ticketID int64, st jira.Status, jiraStatus string) {
	to, ok := statusFromJira[st]
	if !ok {
		s.log.Warn("unknown status from jira", "ticket", ticketID, "status", st)
		return
	}
	t, err := s.get(ctx, ticketID)
	if err != nil {
		s.log.Error("apply jira status", "ticket", ticketID, "err", err)
		return
	}
	if t.Status == to {
		return
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.setStatus(ctx, tx, t, to, nil, s.now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE ticket_posts SET body = json_set(body, '$.args.jira', ?)
			WHERE id = (SELECT max(id) FROM ticket_posts WHERE ticket_id = ?)`, jiraStatus, ticketID)
		return err
	})
	if err != nil {
		s.log.Error("apply jira status", "ticket", ticketID, "err", fmt.Errorf("set %s: %w", to, err))
		return
	}
	t.Status = to
	s.mailStatus(ctx, t)
}

// JiraState is where a ticket stands with Jira.
type JiraState = jira.LinkState

// JiraState reports the ticket's Jira link; zero when there is none.
func (s *Service) JiraState(ctx context.Context, ticketID int64) (JiraState, error) {
	if s.jira == nil {
		return JiraState{}, nil
	}
	st, err := s.jira.State(ctx, ticketID)
	if err != nil {
		return st, fmt.Errorf("read jira state of ticket %d: %w", ticketID, err)
	}
	return st, nil
}
