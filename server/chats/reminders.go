package chats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parley/server/web"
)

// Reminder is a "remind me" on a message.
type Reminder struct {
	ID        int64     `json:"id"`
	ChatID    string    `json:"chat_id"`
	MessageID int64     `json:"message_id"`
	DueAt     time.Time `json:"due_at"`
}

const maxReminderAhead = 366 * 24 * time.Hour

var errNoReminder = web.Errorf(404, "reminder_not_found", "", "no such reminder")

// Remind sets a reminder on a message the actor reads: at due it comes back
// in their Saved Messages.
func (s *Service) Remind(ctx context.Context, a Actor, chatUID string, messageID int64, due time.Time) (Reminder, error) {
	now := s.now()
	switch {
	case due.IsZero():
		return Reminder{}, web.Invalid("at", "required", "at is the time to be reminded, such as 2026-12-07T09:00:00+03:00")
	case !due.After(now):
		return Reminder{}, web.Invalid("at", "in_past", "a reminder must be set for a time still to come")
	case due.After(now.Add(maxReminderAhead)):
		return Reminder{}, web.Invalid("at", "too_far", "a reminder can be at most a year ahead")
	}
	var r Reminder
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, m, err := s.readableMessage(ctx, tx, a, chatUID, messageID)
		if err != nil {
			return err
		}
		if m.kind != "text" || m.deleted {
			return ErrNoMessage
		}
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM reminders WHERE user_id = ? AND fired_at IS NULL", a.ID).Scan(&n); err != nil {
			return fmt.Errorf("count reminders: %w", err)
		}
		if n >= 500 {
			return web.Invalid("at", "too_many", "you have 500 reminders waiting; remove some first")
		}
		r = Reminder{ChatID: p.UID, MessageID: messageID, DueAt: due.UTC().Truncate(time.Millisecond)}
		return tx.QueryRow(`INSERT INTO reminders (user_id, chat_id, message_id, due_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			a.ID, p.ID, messageID, ms(due), ms(log.now)).Scan(&r.ID)
	})
	if err == nil {
		s.wakeReminders()
	}
	return r, err
}

// Reminders lists the actor's waiting reminders, soonest first.
func (s *Service) Reminders(ctx context.Context, a Actor) ([]Reminder, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT r.id, c.uid, r.message_id, r.due_at FROM reminders r JOIN chats c ON c.id = r.chat_id
		WHERE r.user_id = ? AND r.fired_at IS NULL ORDER BY r.due_at LIMIT 500`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("reminders: %w", err)
	}
	defer rows.Close()
	out := []Reminder{}
	for rows.Next() {
		var r Reminder
		var due int64
		if err := rows.Scan(&r.ID, &r.ChatID, &r.MessageID, &due); err != nil {
			return nil, fmt.Errorf("reminders: %w", err)
		}
		r.DueAt = fromMS(due)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CancelReminder removes one of the actor's waiting reminders.
func (s *Service) CancelReminder(ctx context.Context, a Actor, id int64) error {
	return s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
		res, err := tx.Exec("DELETE FROM reminders WHERE id = ? AND user_id = ? AND fired_at IS NULL", id, a.ID)
		if err != nil {
			return fmt.Errorf("cancel reminder: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoReminder
		}
		return nil
	})
}

func (s *Service) wakeReminders() {
	select {
	case s.remindersWake <- struct{}{}:
	default:
	}
}

// reminderLoop fires due reminders, sleeping until the next one (or a new
// one is set).
func (s *Service) reminderLoop() {
	defer s.loops.Done()
	for {
		next, err := s.fireDueReminders(context.Background())
		if err != nil && !errors.Is(err, ErrClosed) {
			s.log.Error("fire reminders", "err", err)
			next = time.Minute
		}
		t := time.NewTimer(next)
		select {
		case <-s.stopped:
			t.Stop()
			return
		case <-s.remindersWake:
			t.Stop()
		case <-t.C:
		}
	}
}

// fireDueReminders brings each due message back in its user's Saved
// Messages and says how long to sleep until the next one.
func (s *Service) fireDueReminders(ctx context.Context) (time.Duration, error) {
	type due struct {
		id, userID, chatID, messageID int64
	}
	now := s.now()
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, user_id, chat_id, message_id FROM reminders WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT 100", ms(now))
	if err != nil {
		return time.Minute, fmt.Errorf("due reminders: %w", err)
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.userID, &d.chatID, &d.messageID); err != nil {
			rows.Close()
			return time.Minute, fmt.Errorf("due reminders: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	for _, d := range list {
		if err := s.fireReminder(ctx, d.id, d.userID, d.chatID, d.messageID); err != nil {
			return time.Minute, err
		}
	}
	if len(list) == 100 {
		return 0, nil
	}
	var next sql.NullInt64
	if err := s.db.Read.QueryRowContext(ctx, "SELECT min(due_at) FROM reminders WHERE fired_at IS NULL").Scan(&next); err != nil {
		return time.Minute, fmt.Errorf("next reminder: %w", err)
	}
	if !next.Valid {
		return time.Hour, nil
	}
	return max(0, time.Until(fromMS(next.Int64))), nil
}

func (s *Service) fireReminder(ctx context.Context, id, userID, chatID, messageID int64) error {
	var a Actor
	if err := s.db.Read.QueryRowContext(ctx, "SELECT id, huid, name FROM users WHERE id = ?", userID).Scan(&a.ID, &a.HUID, &a.Name); err != nil {
		return fmt.Errorf("reminder %d: %w", id, err)
	}
	saved, err := s.SavedMessages(ctx, a)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		res, err := tx.Exec("UPDATE reminders SET fired_at = ? WHERE id = ? AND fired_at IS NULL", ms(log.now), id)
		if err != nil {
			return fmt.Errorf("fire reminder %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		src, err := s.placeBy(ctx, tx, userID, "c.id = ?", chatID)
		if err != nil {
			return err
		}
		dst, err := s.lookup(ctx, tx, userID, saved.ID)
		if err != nil {
			return err
		}
		origin := map[string]any{"chat_id": src.UID, "message_id": messageID, "reminder": true}
		body, html := "", ""
		// What the user can no longer read (they left, it was deleted)
		// comes back as a bare reminder, without the text.
		if src.canRead() {
			found, err := s.readMessages(ctx, tx, userID, "WHERE m.id = ? AND m.deleted_at IS NULL", messageID)
			if err != nil {
				return err
			}
			if len(found) == 1 {
				m := src.view(found)[0]
				body, html = m.Body, m.HTML
				if m.Sender != nil {
					origin["sender"] = m.Sender
				}
			}
		}
		_, err = s.insertMessage(tx, log, dst.Chat, a, newMessage{body: body, html: html, terms: terms(body), forwarded: origin})
		return err
	})
}
