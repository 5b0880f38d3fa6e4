package support

import (
	"context"
	"fmt"
	"net/http"

	"parley/server/store"
)

// unreadCond is the SQL condition (on tickets t) of the tickets unread for
// member of staff me. A ticket is unread for them when it is theirs to
// answer — assigned to them, or to nobody, as its notification mail goes —
// and its requester filed it or replied after they last opened its page.
// Tickets they filed themselves are never unread for them. The id is
// written into the text (a number, never text from outside) so that the
// condition mixes with any other query's parameters.
func unreadCond(me int64) string {
	return fmt.Sprintf(`(t.assignee_id = %[1]d OR t.assignee_id IS NULL) AND t.requester_id <> %[1]d
	AND t.requester_at > coalesce((SELECT r.read_at FROM ticket_reads r WHERE r.ticket_id = t.id AND r.user_id = %[1]d), '')`, me)
}

// Unread counts the tickets unread for a member of staff (see unreadCond);
// zero for anyone else.
func (s *Service) Unread(ctx context.Context, v Viewer) (int, error) {
	if !v.Staff {
		return 0, nil
	}
	var n int
	err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM tickets t WHERE "+unreadCond(v.ID)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unread tickets: %w", err)
	}
	return n, nil
}

// MarkRead records that a member of staff has seen the ticket as it is now.
func (s *Service) MarkRead(ctx context.Context, v Viewer, id int64) error {
	if !v.Staff {
		return nil
	}
	_, err := s.db.Write.ExecContext(ctx, `INSERT INTO ticket_reads (ticket_id, user_id, read_at) VALUES (?, ?, ?)
		ON CONFLICT (ticket_id, user_id) DO UPDATE SET read_at = excluded.read_at`, id, v.ID, store.FormatTime(s.now()))
	if err != nil {
		return fmt.Errorf("mark ticket %d read: %w", id, err)
	}
	return nil
}

// unreadIDs are which of the given tickets are unread for the viewer.
func (s *Service) unreadIDs(ctx context.Context, v Viewer, list []Ticket) (map[int64]bool, error) {
	out := map[int64]bool{}
	if !v.Staff || len(list) == 0 {
		return out, nil
	}
	var args []any
	marks := ""
	for i, t := range list {
		if i > 0 {
			marks += ", "
		}
		marks += "?"
		args = append(args, t.ID)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT t.id FROM tickets t WHERE "+unreadCond(v.ID)+" AND t.id IN ("+marks+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read unread tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read unread tickets: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// StaffUnread counts the signed-in staff member's unread tickets for the
// page header (web.Site.StaffUnread). A failure costs the header its count,
// never the page.
func (h *Handler) StaffUnread(r *http.Request) int {
	n, err := h.svc.Unread(r.Context(), viewer(r))
	if err != nil {
		h.site.Log.Warn("count unread tickets for the header", "err", err)
		return 0
	}
	return n
}
