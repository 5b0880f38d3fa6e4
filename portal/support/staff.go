package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"parley/portal/diagnostics"
	"parley/server/store"
	"parley/server/web"
)

// Change is what support staff change on a ticket; nil fields stay.
type Change struct {
	Status     *Status
	Priority   *Priority
	AssigneeID *int64 // 0 unassigns
}

// Update applies a staff member's change, recording each in the thread.
func (s *Service) Update(ctx context.Context, v Viewer, id int64, c Change) (Ticket, error) {
	if !v.Staff {
		return Ticket{}, ErrForbidden
	}
	t, err := s.get(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if c.Status != nil && !c.Status.valid() {
		return Ticket{}, invalid("status", "bad_choice", fmt.Sprintf("unknown status %q", *c.Status))
	}
	if c.Priority != nil && !c.Priority.valid() {
		return Ticket{}, invalid("priority", "bad_choice", "choose low, normal, high or urgent")
	}
	var assignee Person
	if c.AssigneeID != nil && *c.AssigneeID != 0 {
		if assignee, err = s.staffMember(ctx, *c.AssigneeID); err != nil {
			return Ticket{}, err
		}
	}
	now := s.now()
	statusChanged := false
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if c.Status != nil && *c.Status != t.Status {
			statusChanged = true
			if err := s.setStatus(ctx, tx, t, *c.Status, &v.ID, now); err != nil {
				return err
			}
		}
		if c.Priority != nil && *c.Priority != t.Priority {
			if err := s.setPriority(ctx, tx, t, *c.Priority, v.ID, now); err != nil {
				return err
			}
		}
		if c.AssigneeID != nil && *c.AssigneeID != assigneeID(t) {
			var to any
			name := ""
			if *c.AssigneeID != 0 {
				to, name = *c.AssigneeID, assignee.Name
			}
			if _, err := tx.ExecContext(ctx, "UPDATE tickets SET assignee_id = ?, updated_at = ? WHERE id = ?", to, store.FormatTime(now), id); err != nil {
				return err
			}
			return addEvent(ctx, tx, id, &v.ID, now, "assignee", map[string]string{"to": name})
		}
		return nil
	})
	if err != nil {
		return Ticket{}, fmt.Errorf("update ticket %d: %w", id, err)
	}
	t2, err := s.get(ctx, id)
	if err == nil && statusChanged {
		s.mailStatus(ctx, t2)
	}
	return t2, err
}

func assigneeID(t Ticket) int64 {
	if t.Assignee == nil {
		return 0
	}
	return t.Assignee.ID
}

// setStatus moves a ticket to st in tx. Closing stops the resolution clock;
// reopening starts it again.
func (s *Service) setStatus(ctx context.Context, tx *sql.Tx, t Ticket, st Status, by *int64, now time.Time) error {
	ts := store.FormatTime(now)
	resolved := ""
	if st.Closed() {
		resolved = ts
	}
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET status = ?, resolved_at = ?, updated_at = ? WHERE id = ?", st, resolved, ts, t.ID); err != nil {
		return fmt.Errorf("set status of ticket %d: %w", t.ID, err)
	}
	return addEvent(ctx, tx, t.ID, by, now, "status", map[string]string{"from": string(t.Status), "to": string(st)})
}

// setPriority changes the priority; a technical ticket's running SLA clocks
// are recomputed from when it was opened.
func (s *Service) setPriority(ctx context.Context, tx *sql.Tx, t Ticket, p Priority, by int64, now time.Time) error {
	ts := store.FormatTime(now)
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET priority = ?, updated_at = ? WHERE id = ?", p, ts, t.ID); err != nil {
		return fmt.Errorf("set priority of ticket %d: %w", t.ID, err)
	}
	if t.Kind == KindTechnical {
		sla, err := s.SLA(ctx)
		if err != nil {
			return err
		}
		first, resolve := sla.Due(p, t.CreatedAt)
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET
			first_response_due = CASE WHEN first_response_at = '' THEN ? ELSE first_response_due END,
			resolution_due = CASE WHEN resolved_at = '' THEN ? ELSE resolution_due END WHERE id = ?`,
			store.FormatTime(first), store.FormatTime(resolve), t.ID); err != nil {
			return fmt.Errorf("move SLA of ticket %d: %w", t.ID, err)
		}
	}
	return addEvent(ctx, tx, t.ID, &by, now, "priority", map[string]string{"from": string(t.Priority), "to": string(p)})
}

// StaffMembers lists who a ticket can be assigned to.
func (s *Service) StaffMembers(ctx context.Context) ([]Person, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, huid, coalesce(nullif(name, ''), email, login, '') FROM users
		WHERE role IN ('support', 'admin') ORDER BY 3`)
	if err != nil {
		return nil, fmt.Errorf("list support staff: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p := Person{Staff: true}
		if err := rows.Scan(&p.ID, &p.HUID, &p.Name); err != nil {
			return nil, fmt.Errorf("list support staff: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Service) staffMember(ctx context.Context, id int64) (Person, error) {
	p := Person{ID: id, Staff: true}
	err := s.db.Read.QueryRowContext(ctx, `SELECT huid, coalesce(nullif(name, ''), email, login, '') FROM users
		WHERE id = ? AND role IN ('support', 'admin')`, id).Scan(&p.HUID, &p.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return p, invalid("assignee", "not_staff", "tickets can be assigned to support staff only")
	}
	if err != nil {
		return p, fmt.Errorf("read user %d: %w", id, err)
	}
	return p, nil
}

// Errors of escalation.
var (
	ErrNoJira = web.Errorf(http.StatusConflict, "conflict", "support.err.no_jira",
		"this desk is not linked to Jira: an administrator sets its project in the Jira settings")
	ErrAlreadyJira = web.Errorf(http.StatusConflict, "conflict", "support.err.already_jira",
		"the ticket already has a Jira issue or one is on its way")
)

// Escalate hands a ticket to development: its Jira issue is created through
// the outbox. A ticket whose issue was deleted in Jira may be escalated again.
func (s *Service) Escalate(ctx context.Context, v Viewer, id int64) error {
	if !v.Staff {
		return ErrForbidden
	}
	t, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	if s.jira == nil || !s.jira.Configured(string(t.Kind)) {
		return ErrNoJira
	}
	st, err := s.jira.State(ctx, id)
	if err != nil {
		return err
	}
	if st.Waiting > 0 || (st.Key != "" && !st.Failed) {
		return ErrAlreadyJira
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET jira_key = '', updated_at = ? WHERE id = ?", store.FormatTime(now), id); err != nil {
			return err
		}
		if err := s.enqueueCreate(ctx, tx, id); err != nil {
			return err
		}
		return addEvent(ctx, tx, id, &v.ID, now, "escalated", nil)
	})
	if err != nil {
		return fmt.Errorf("escalate ticket %d: %w", id, err)
	}
	s.jira.Kick()
	return nil
}

// LinkedUpload is a diagnostics upload attached to a ticket.
type LinkedUpload struct {
	diagnostics.Upload
	LinkedAt time.Time
}

// ErrAlreadyLinked says the upload is on the ticket already.
var ErrAlreadyLinked = web.Errorf(http.StatusConflict, "conflict", "error.bad_request", "this upload is already linked to the ticket")

// LinkUpload attaches a diagnostics upload to a ticket. Staff may link any
// upload; a requester links their own uploads to their own ticket.
func (s *Service) LinkUpload(ctx context.Context, v Viewer, ticketID, uploadID int64) error {
	_, access, err := s.Get(ctx, v, ticketID)
	if err != nil {
		return err
	}
	if access < AccessOwner {
		return ErrForbidden
	}
	up, err := s.diag.Get(ctx, diagnostics.Viewer{UserID: v.ID, Staff: v.Staff}, uploadID)
	if errors.Is(err, diagnostics.ErrNotFound) {
		return invalid("upload", "not_found", fmt.Sprintf("there is no diagnostics upload %d you can see", uploadID))
	}
	if err != nil {
		return err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO ticket_uploads (ticket_id, upload_id, linked_by, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			ticketID, uploadID, v.ID, store.FormatTime(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAlreadyLinked
		}
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET updated_at = ? WHERE id = ?", store.FormatTime(now), ticketID); err != nil {
			return err
		}
		return addEvent(ctx, tx, ticketID, &v.ID, now, "upload_linked", map[string]string{"upload": strconv.FormatInt(uploadID, 10), "name": up.Name})
	})
	if err != nil && !errors.Is(err, ErrAlreadyLinked) {
		err = fmt.Errorf("link upload %d to ticket %d: %w", uploadID, ticketID, err)
	}
	return err
}

// Uploads lists the ticket's diagnostics uploads the viewer can open.
func (s *Service) Uploads(ctx context.Context, v Viewer, ticketID int64) ([]LinkedUpload, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT upload_id, linked_at FROM ticket_uploads WHERE ticket_id = ? ORDER BY linked_at", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list uploads of ticket %d: %w", ticketID, err)
	}
	type link struct {
		id int64
		at string
	}
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.id, &l.at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list uploads of ticket %d: %w", ticketID, err)
		}
		links = append(links, l)
	}
	rows.Close()
	var out []LinkedUpload
	for _, l := range links {
		up, err := s.diag.Get(ctx, diagnostics.Viewer{UserID: v.ID, Staff: v.Staff}, l.id)
		if errors.Is(err, diagnostics.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		at, _ := store.ParseTime(l.at)
		out = append(out, LinkedUpload{Upload: up, LinkedAt: at})
	}
	return out, nil
}

// PlusOne joins (or, called again, leaves) someone else's feature request
// instead of filing a duplicate. It reports whether the viewer now follows it.
func (s *Service) PlusOne(ctx context.Context, v Viewer, id int64) (bool, error) {
	t, access, err := s.Get(ctx, v, id)
	if err != nil {
		return false, err
	}
	if t.Kind != KindFeature || t.Requester.ID == v.ID {
		return false, invalid("ticket", "plus_one", "only someone else's feature request can be joined with +1")
	}
	joined := access != AccessFollower
	now := store.FormatTime(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if joined {
			_, err = tx.ExecContext(ctx, "INSERT INTO ticket_followers (ticket_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", id, v.ID, now)
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM ticket_followers WHERE ticket_id = ? AND user_id = ?", id, v.ID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE tickets SET plus_ones = (SELECT count(*) FROM ticket_followers WHERE ticket_id = ?) WHERE id = ?", id, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("+1 on ticket %d: %w", id, err)
	}
	return joined, nil
}
