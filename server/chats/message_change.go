package chats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"parley/server/chats/markdown"
	"parley/server/web"
)

// stored is what a change needs to know of an existing message.
type stored struct {
	id       int64
	senderID int64
	kind     string
	deleted  bool
}

func findMessage(tx *stmtTx, chatID, id int64) (stored, error) {
	var m stored
	var sender sql.NullInt64
	var deleted sql.NullInt64
	err := tx.QueryRow("SELECT id, sender_id, kind, deleted_at FROM messages WHERE id = ? AND chat_id = ?", id, chatID).
		Scan(&m.id, &sender, &m.kind, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNoMessage
	}
	if err != nil {
		return m, fmt.Errorf("find message: %w", err)
	}
	m.senderID, m.deleted = sender.Int64, deleted.Valid
	return m, nil
}

// readableMessage finds a message of a chat the actor reads, and the
// actor's place in that chat.
func (s *Service) readableMessage(ctx context.Context, tx *stmtTx, a Actor, chatUID string, id int64) (place, stored, error) {
	p, err := s.lookup(ctx, tx, a.ID, chatUID)
	if err != nil {
		return place{}, stored{}, err
	}
	if !p.canRead() {
		return place{}, stored{}, ErrNotFound
	}
	m, err := findMessage(tx, p.ID, id)
	return p, m, err
}

// changeMessage runs fn on a message of a chat the actor can read, then
// reports the message as it now is in an event of type typ.
func (s *Service) changeMessage(ctx context.Context, a Actor, chatUID string, id int64, typ string,
	fn func(tx *stmtTx, log *eventLog, p place, m stored) error) (MessageJSON, error) {
	var out MessageJSON
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, m, err := s.readableMessage(ctx, tx, a, chatUID, id)
		if err != nil {
			return err
		}
		if m.kind == "system" && p.subscriber() {
			return ErrNoMessage
		}
		if err := fn(tx, log, p, m); err != nil {
			return err
		}
		ms, err := s.messagesByID(ctx, tx, a.ID, []int64{id})
		if err != nil {
			return err
		}
		out = ms[0]
		if typ != "" {
			log.add(messageEvent(typ, p.Chat, out))
		}
		if p.subscriber() {
			out = out.forSubscriber()
		}
		return nil
	})
	return out, err
}

// Edit replaces a message's text; only its author may, and everyone then
// sees it marked edited.
func (s *Service) Edit(ctx context.Context, a Actor, chatUID string, id int64, body string) (MessageJSON, error) {
	if err := checkBody(body, false); err != nil {
		return MessageJSON{}, err
	}
	html := markdown.Render(body)
	return s.changeMessage(ctx, a, chatUID, id, "message.edited", func(tx *stmtTx, log *eventLog, p place, m stored) error {
		switch {
		case m.senderID != a.ID || m.kind != "text":
			return ErrNotAuthor
		case m.deleted:
			return ErrDeleted
		case p.E2E:
			return ErrE2ERequired
		}
		if _, err := tx.Exec("UPDATE messages SET body = ?, html = ?, edited_at = ? WHERE id = ?", body, html, ms(log.now), id); err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		log.reindex(id, p.ID, body)
		return nil
	})
}

// Delete removes a message's content for everyone; the author or a chat
// admin may. The message stays in the history as "deleted".
func (s *Service) Delete(ctx context.Context, a Actor, chatUID string, id int64) error {
	_, err := s.changeMessage(ctx, a, chatUID, id, "message.deleted", func(tx *stmtTx, log *eventLog, p place, m stored) error {
		if m.senderID != a.ID && !p.Admin() {
			return ErrNotAuthor
		}
		if m.deleted {
			return nil
		}
		_, err := tx.Exec(`UPDATE messages SET body = '', html = '', file_id = NULL, mentions = '[]', deleted_at = ? WHERE id = ?`, ms(log.now), id)
		if err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		if _, err := tx.Exec("DELETE FROM reactions WHERE message_id = ?", id); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		if _, err := tx.Exec("DELETE FROM pins WHERE message_id = ?", id); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		log.reindex(id, p.ID, "")
		return nil
	})
	return err
}

// maxEmoji bounds a reaction: one emoji, possibly with modifiers.
const maxEmoji = 32

// React adds (on) or takes back one reaction of the actor. Whoever reads a
// chat may react; the message's event carries the new counts.
func (s *Service) React(ctx context.Context, a Actor, chatUID string, id int64, emoji string, on bool) (MessageJSON, error) {
	emoji = strings.TrimSpace(emoji)
	if emoji == "" || len(emoji) > maxEmoji || !utf8.ValidString(emoji) || strings.ContainsAny(emoji, " \t\n<>\"'&") {
		return MessageJSON{}, web.Invalid("emoji", "bad_emoji", "a reaction is one emoji")
	}
	return s.changeMessage(ctx, a, chatUID, id, "reaction", func(tx *stmtTx, log *eventLog, p place, m stored) error {
		if m.deleted {
			return ErrDeleted
		}
		if !on {
			_, err := tx.Exec("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?", id, a.ID, emoji)
			return err
		}
		var kinds int
		if err := tx.QueryRow("SELECT count(DISTINCT emoji) FROM reactions WHERE message_id = ?", id).Scan(&kinds); err != nil {
			return fmt.Errorf("count reactions: %w", err)
		}
		if kinds >= 50 {
			return web.Invalid("emoji", "too_many", "a message carries at most 50 different reactions")
		}
		_, err := tx.Exec(`INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			id, a.ID, emoji, ms(log.now))
		return err
	})
}

// Pin pins (on) or unpins a message. In a channel only admins pin; in other
// chats any member does. The history records it.
func (s *Service) Pin(ctx context.Context, a Actor, chatUID string, id int64, on bool) (MessageJSON, error) {
	return s.changeMessage(ctx, a, chatUID, id, "pin", func(tx *stmtTx, log *eventLog, p place, m stored) error {
		if p.Kind == Channel && !p.Admin() || p.Kind == Global && !a.ServerAdmin || !p.In && p.Kind != Global {
			return ErrNotAdmin
		}
		if m.deleted {
			return ErrDeleted
		}
		var res sql.Result
		var err error
		if on {
			res, err = tx.Exec("INSERT INTO pins (chat_id, message_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				p.ID, id, a.ID, ms(log.now))
		} else {
			res, err = tx.Exec("DELETE FROM pins WHERE chat_id = ? AND message_id = ?", p.ID, id)
		}
		if err != nil {
			return fmt.Errorf("pin: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		what := "message.pinned"
		if !on {
			what = "message.unpinned"
		}
		_, err = s.systemMessage(tx, log, p.Chat, a, what, map[string]any{"message_id": id})
		return err
	})
}

// Pins lists a chat's pinned messages, newest pin first.
func (s *Service) Pins(ctx context.Context, a Actor, chatUID string) ([]MessageJSON, error) {
	p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
	if err != nil {
		return nil, err
	}
	if !p.canRead() {
		return nil, ErrNotFound
	}
	ms, err := s.readMessages(ctx, s.db.Read, a.ID, `WHERE m.id IN (SELECT message_id FROM pins WHERE chat_id = ?) ORDER BY
		(SELECT pinned_at FROM pins WHERE message_id = m.id) DESC`, p.ID)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []MessageJSON{}
	}
	return p.view(ms), nil
}
