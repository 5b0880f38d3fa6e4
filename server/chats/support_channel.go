package chats

import (
	"context"
	"errors"
	"fmt"

	"parley/server/chats/markdown"
)

// The organisation's support channel: the server posts new tickets and the
// Jira links of escalated ones there, and every support member and
// administrator is in it, as the support process asks.

// PostToSupport posts text (Markdown) to the support channel, making the
// channel on first use and bringing its members in line with who is staff
// now. The channel itself is the sender.
func (s *Service) PostToSupport(ctx context.Context, name, text string) (MessageJSON, error) {
	if err := checkBody(text, false); err != nil {
		return MessageJSON{}, err
	}
	html, indexTerms := markdown.Render(text), terms(text)
	var out MessageJSON
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		c, err := s.supportChannel(tx, log, name)
		if err != nil {
			return err
		}
		if err := s.syncStaff(tx, log, c); err != nil {
			return err
		}
		out, err = s.insertMessage(tx, log, c, Actor{}, newMessage{body: text, html: html, terms: indexTerms})
		return err
	})
	return out, err
}

func (s *Service) supportChannel(tx *stmtTx, log *eventLog, name string) (Chat, error) {
	p, err := s.placeBy(context.Background(), tx, 0, "c.unique_key = ?", "support")
	if err == nil {
		return p.Chat, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Chat{}, err
	}
	c := Chat{UID: newUID(), Kind: Channel, Name: name, CreatedAt: ms(log.now)}
	err = tx.QueryRow(`INSERT INTO chats (uid, kind, name, description, unique_key, created_at) VALUES (?, 'channel', ?, '', 'support', ?) RETURNING id`,
		c.UID, c.Name, c.CreatedAt).Scan(&c.ID)
	if err != nil {
		return Chat{}, fmt.Errorf("create the support channel: %w", err)
	}
	return c, nil
}

// syncStaff makes the channel's members exactly the staff: support members
// and administrators who are not blocked. All of them are its admins, so
// they see everything in it and may talk under a post.
func (s *Service) syncStaff(tx *stmtTx, log *eventLog, c Chat) error {
	rows, err := tx.Query(`SELECT id FROM users WHERE role IN ('support', 'admin') AND blocked_at IS NULL
		AND id NOT IN (SELECT user_id FROM chat_members WHERE chat_id = ?)`, c.ID)
	if err != nil {
		return fmt.Errorf("support staff: %w", err)
	}
	var missing []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("support staff: %w", err)
		}
		missing = append(missing, id)
	}
	rows.Close()
	var added []addedMember
	for _, id := range missing {
		u, ok, err := s.addMember(tx, log, c, id, "admin")
		if err != nil {
			return err
		}
		if ok {
			added = append(added, addedMember{id, u, "admin"})
		}
	}
	announceAdded(log, c, added)
	res, err := tx.Exec(`DELETE FROM chat_members WHERE chat_id = ? AND user_id IN
		(SELECT id FROM users WHERE role NOT IN ('support', 'admin') OR blocked_at IS NOT NULL)`, c.ID)
	if err != nil {
		return fmt.Errorf("support staff: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		_, err = tx.Exec("UPDATE chats SET members = (SELECT count(*) FROM chat_members WHERE chat_id = ?) WHERE id = ?", c.ID, c.ID)
	}
	return err
}
