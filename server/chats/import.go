package chats

import (
	"context"
	"fmt"
	"time"

	"parley/server/chats/markdown"
)

// Bulk import for `parley loadtest seed` (and, later, migrations from other
// messengers): history goes in without events, since nobody is connected
// to be told; members, counters and the search index are kept as Send
// keeps them.

// ImportChat is one chat to create.
type ImportChat struct {
	Kind    string
	Name    string
	Admins  []int64 // user ids
	Members []int64
}

// Import creates chats and returns their ids in order. Personal and
// Saved chats get their unique keys, so later sends find them.
func (s *Service) Import(ctx context.Context, chats []ImportChat) ([]int64, error) {
	ids := make([]int64, len(chats))
	err := s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
		now := ms(s.now())
		chatStmt, err := tx.Prepare(`INSERT INTO chats (uid, kind, name, unique_key, created_by, created_at, members) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return fmt.Errorf("import chats: %w", err)
		}
		defer chatStmt.Close()
		memberStmt, err := tx.Prepare(`INSERT INTO chat_members (chat_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("import chats: %w", err)
		}
		defer memberStmt.Close()
		for i, c := range chats {
			var key any
			var creator int64
			if len(c.Admins) > 0 {
				creator = c.Admins[0]
			} else if len(c.Members) > 0 {
				creator = c.Members[0]
			}
			switch c.Kind {
			case Personal:
				if len(c.Members) != 2 {
					return fmt.Errorf("import chat %d: a personal chat has two members", i)
				}
				key = fmt.Sprintf("p:%d:%d", min(c.Members[0], c.Members[1]), max(c.Members[0], c.Members[1]))
			case Saved:
				key = fmt.Sprintf("s:%d", creator)
			case Group, Channel:
			default:
				return fmt.Errorf("import chat %d: kind %q cannot be imported", i, c.Kind)
			}
			if err := chatStmt.QueryRow(newUID(), c.Kind, c.Name, key, creator, now, len(c.Admins)+len(c.Members)).Scan(&ids[i]); err != nil {
				return fmt.Errorf("import chat %d: %w", i, err)
			}
			for _, u := range c.Admins {
				if _, err := memberStmt.Exec(ids[i], u, "admin", now); err != nil {
					return fmt.Errorf("import chat %d: %w", i, err)
				}
			}
			for _, u := range c.Members {
				if _, err := memberStmt.Exec(ids[i], u, "member", now); err != nil {
					return fmt.Errorf("import chat %d: %w", i, err)
				}
			}
		}
		return nil
	})
	return ids, err
}

// ImportMessage is one message of an imported history.
type ImportMessage struct {
	Chat   int64 // an id Import returned
	Sender int64
	Body   string
	At     time.Time
}

// ImportMessages stores a batch of history in one transaction, rendered
// and indexed like sent messages; messages should come oldest first.
func (s *Service) ImportMessages(ctx context.Context, batch []ImportMessage) error {
	html := make([]string, len(batch))
	for i, m := range batch {
		if err := checkBody(m.Body, false); err != nil {
			return fmt.Errorf("import message %d: %w", i, err)
		}
		html[i] = markdown.Render(m.Body)
	}
	return s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
		msgStmt, err := tx.Prepare(`INSERT INTO messages (chat_id, sender_id, kind, body, html, created_at) VALUES (?, ?, 'text', ?, ?, ?) RETURNING id`)
		if err != nil {
			return fmt.Errorf("import messages: %w", err)
		}
		defer msgStmt.Close()
		termStmt, err := tx.Prepare(`INSERT INTO message_terms (rowid, terms, chat) VALUES (?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("import messages: %w", err)
		}
		defer termStmt.Close()
		last := map[int64]int64{}
		for i, m := range batch {
			var id int64
			if err := msgStmt.QueryRow(m.Chat, m.Sender, m.Body, html[i], ms(m.At)).Scan(&id); err != nil {
				return fmt.Errorf("import message %d: %w", i, err)
			}
			if t := terms(m.Body); t != "" {
				if _, err := termStmt.Exec(id, t, chatToken(m.Chat)); err != nil {
					return fmt.Errorf("index message %d: %w", i, err)
				}
			}
			last[m.Chat] = id
		}
		for chat, id := range last {
			if _, err := tx.Exec("UPDATE chats SET last_message = max(last_message, ?) WHERE id = ?", id, chat); err != nil {
				return fmt.Errorf("import messages: %w", err)
			}
		}
		return nil
	})
}
