package support

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"parley/templates"
)

// recipient is where and in which language a person reads mail.
type recipient struct {
	email, lang string
}

func (s *Service) recipient(ctx context.Context, userID int64) (recipient, bool) {
	var r recipient
	err := s.db.Read.QueryRowContext(ctx, "SELECT coalesce(email, ''), lang FROM users WHERE id = ?", userID).Scan(&r.email, &r.lang)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Warn("read mail recipient", "user", userID, "err", err)
		}
		return r, false
	}
	if r.lang == "" {
		r.lang = s.lang
	}
	return r, r.email != ""
}

// mailUser tells one person about a ticket: what happened (the text of key),
// the words said if any, and the link that brings them to the ticket.
func (s *Service) mailUser(ctx context.Context, userID int64, t Ticket, key, said string) {
	if s.notify == nil {
		return
	}
	r, ok := s.recipient(ctx, userID)
	if !ok {
		return
	}
	subject := templates.Tf(r.lang, "support.mail.subject", t.ID, t.Subject)
	var b strings.Builder
	b.WriteString(templates.T(r.lang, key))
	if said != "" {
		b.WriteString("\n\n")
		b.WriteString(said)
	}
	b.WriteString("\n\n")
	b.WriteString(templates.Tf(r.lang, "support.mail.link", s.TicketURL(t.ID)))
	b.WriteString("\n")
	if err := s.notify(ctx, r.email, subject, b.String()); err != nil {
		s.log.Warn("ticket mail not queued", "ticket", t.ID, "user", userID, "err", err)
	}
}

func (s *Service) mailRequester(ctx context.Context, t Ticket, key, said string) {
	s.mailUser(ctx, t.Requester.ID, t, key, said)
}

// mailStatus tells the requester and everyone who joined with "+1" where
// the ticket now stands.
func (s *Service) mailStatus(ctx context.Context, t Ticket) {
	ids := []int64{t.Requester.ID}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT user_id FROM ticket_followers WHERE ticket_id = ?", t.ID)
	if err == nil {
		for rows.Next() {
			var id int64
			if rows.Scan(&id) == nil {
				ids = append(ids, id)
			}
		}
		rows.Close()
	}
	for _, id := range ids {
		r, ok := s.recipient(ctx, id)
		if !ok {
			continue
		}
		s.mailUser(ctx, id, t, "support.mail.status", templates.T(r.lang, "support.status."+string(t.Status)))
	}
}

// mailStaff tells support staff about a new ticket or a requester's reply:
// the assignee, or every member of staff while nobody is assigned. The
// person who acted is never told of their own action.
func (s *Service) mailStaff(ctx context.Context, t Ticket, author int64, key, said string) {
	if s.notify == nil {
		return
	}
	var ids []int64
	if t.Assignee != nil {
		ids = append(ids, t.Assignee.ID)
	} else {
		members, err := s.StaffMembers(ctx)
		if err != nil {
			s.log.Warn("ticket mail to staff not queued", "ticket", t.ID, "err", err)
			return
		}
		for _, m := range members {
			ids = append(ids, m.ID)
		}
	}
	for _, id := range ids {
		if id != author {
			s.mailUser(ctx, id, t, key, said)
		}
	}
}

// MailConfigured reports whether notification mail really leaves the
// server; without it pages must not promise answers by mail.
func (s *Service) MailConfigured() bool {
	return s.mailConfigured != nil && s.mailConfigured()
}

// announceToStaff posts to the support channel, in the server's language,
// what happened to a ticket and where it is.
func (s *Service) announceToStaff(ctx context.Context, t Ticket, key string, args ...any) {
	if s.announce == nil {
		return
	}
	text := templates.Tf(s.lang, key, append([]any{t.ID, t.Subject}, args...)...) + "\n\n" + s.TicketURL(t.ID)
	if err := s.announce(ctx, text); err != nil {
		s.log.Warn("post to the support channel", "ticket", t.ID, "err", err)
	}
}
