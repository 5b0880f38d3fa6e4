package chats

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"parley/server/web"
)

// Receipt kinds.
const (
	Delivered = "delivered"
	Read      = "read"
)

// MarkRead moves the actor's read (or delivered) watermark in a chat up to
// messageID; it never moves back. Reading implies delivery. The event goes
// to the reader's other devices, and in a personal chat to the other person
// (in groups, who read what is looked up per message: sending every read
// to 8,000 members would swamp them).
func (s *Service) MarkRead(ctx context.Context, a Actor, chatUID string, messageID int64, kind string) error {
	if kind == "" {
		kind = Read
	}
	if kind != Read && kind != Delivered {
		return web.Invalid("kind", "bad_kind", "kind is read or delivered")
	}
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if !p.canRead() {
			return ErrNotFound
		}
		if err := messageInChat(tx, p.ID, messageID); err != nil {
			return err
		}
		if !p.In {
			// The global chat and discussions keep read state once read.
			if _, err := tx.Exec(`INSERT INTO chat_members (chat_id, user_id, role, joined_at, joined_seq, notify)
				VALUES (?, ?, 'member', ?, (SELECT coalesce(max(seq), 0) FROM events), 0) ON CONFLICT DO NOTHING`, p.ID, a.ID, ms(log.now)); err != nil {
				return fmt.Errorf("keep read state: %w", err)
			}
		}
		set := "delivered_upto = max(delivered_upto, ?1)"
		if kind == Read {
			set = "read_upto = max(read_upto, ?1), delivered_upto = max(delivered_upto, ?1)"
		}
		res, err := tx.Exec("UPDATE chat_members SET "+set+" WHERE chat_id = ?2 AND user_id = ?3 AND "+
			map[string]string{Read: "read_upto", Delivered: "delivered_upto"}[kind]+" < ?1", messageID, p.ID, a.ID)
		if err != nil {
			return fmt.Errorf("move %s mark: %w", kind, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already there
		}
		kinds := []string{kind}
		if kind == Read {
			kinds = append(kinds, Delivered)
		}
		for _, k := range kinds {
			if _, err := tx.Exec(`INSERT INTO read_marks (chat_id, user_id, kind, upto, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				p.ID, a.ID, k, messageID, ms(log.now)); err != nil {
				return fmt.Errorf("record %s mark: %w", k, err)
			}
		}
		payload := map[string]any{"chat_id": p.UID, "user": a.HUID, "kind": kind, "upto": messageID}
		if p.Kind == Personal {
			log.add(event{audience: toAll, chatID: p.ID, typ: "receipt", payload: payload})
		} else {
			log.add(event{audience: toUser, userID: a.ID, typ: "receipt", payload: payload})
		}
		return nil
	})
}

// Receipt says when one member received and read a message.
type Receipt struct {
	User        UserRef    `json:"user"`
	DeliveredAt *time.Time `json:"delivered_at"`
	ReadAt      *time.Time `json:"read_at"`
}

// MessageInfo is the "message info" view: who received and read a message,
// and when, computed from the members' watermarks and their history.
type MessageInfo struct {
	MessageID int64     `json:"message_id"`
	Receipts  []Receipt `json:"receipts"`
	Read      int       `json:"read"`
	Delivered int       `json:"delivered"`
	Members   int       `json:"members"`
}

// Info answers who received and read a message. In a channel only its
// admins may ask.
func (s *Service) Info(ctx context.Context, a Actor, chatUID string, messageID int64) (MessageInfo, error) {
	p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
	if err != nil {
		return MessageInfo{}, err
	}
	if !p.canRead() {
		return MessageInfo{}, ErrNotFound
	}
	if p.subscriber() {
		return MessageInfo{}, ErrSubscriber
	}
	if err := messageInChat(s.db.Read, p.ID, messageID); err != nil {
		return MessageInfo{}, err
	}
	info := MessageInfo{MessageID: messageID, Receipts: []Receipt{}, Members: p.Members}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.huid, u.name,
		(SELECT min(at) FROM read_marks r WHERE r.chat_id = m.chat_id AND r.user_id = m.user_id AND r.kind = 'delivered' AND r.upto >= ?1),
		(SELECT min(at) FROM read_marks r WHERE r.chat_id = m.chat_id AND r.user_id = m.user_id AND r.kind = 'read' AND r.upto >= ?1)
		FROM chat_members m JOIN users u ON u.id = m.user_id
		WHERE m.chat_id = ?2 AND m.delivered_upto >= ?1 AND m.user_id <> coalesce((SELECT sender_id FROM messages WHERE id = ?1), 0)
		ORDER BY u.name LIMIT 1000`, messageID, p.ID)
	if err != nil {
		return info, fmt.Errorf("message info: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Receipt
		var delivered, read sql.NullInt64
		if err := rows.Scan(&r.User.HUID, &r.User.Name, &delivered, &read); err != nil {
			return info, fmt.Errorf("message info: %w", err)
		}
		r.DeliveredAt, r.ReadAt = fromNullMS(delivered), fromNullMS(read)
		info.Delivered++
		if r.ReadAt != nil {
			info.Read++
		}
		info.Receipts = append(info.Receipts, r)
	}
	return info, rows.Err()
}
