package chats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"parley/server/web"
)

var errNoDiscussions = web.Errorf(403, "discussions_off", "", "discussions are switched off in this chat")

// Discussion returns the discussion of a message, starting it when it has
// none. In a group the members who keep the chat's notifications on follow
// it from the start; in a channel nobody does until they join or comment.
func (s *Service) Discussion(ctx context.Context, a Actor, chatUID string, messageID int64) (ChatJSON, error) {
	var uid string
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if !p.canRead() {
			return ErrNotFound
		}
		m, err := findMessage(tx, p.ID, messageID)
		if err != nil {
			return err
		}
		if m.kind != "text" {
			return ErrNoMessage
		}
		err = tx.QueryRow("SELECT uid FROM chats WHERE parent_chat = ? AND parent_message = ?", p.ID, messageID).Scan(&uid)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find discussion: %w", err)
		}
		if p.Kind != Group && p.Kind != Channel || !p.Discussions {
			return errNoDiscussions
		}
		d := Chat{UID: newUID(), Kind: Discussion, ParentChat: p.ID, ParentMessage: messageID, CreatedBy: a.ID, CreatedAt: ms(log.now)}
		if err := tx.QueryRow(`INSERT INTO chats (uid, kind, parent_chat, parent_message, created_by, created_at)
			VALUES (?, 'discussion', ?, ?, ?, ?) RETURNING id`, d.UID, d.ParentChat, d.ParentMessage, a.ID, d.CreatedAt).Scan(&d.ID); err != nil {
			return fmt.Errorf("start discussion: %w", err)
		}
		uid = d.UID
		if p.Kind == Group {
			if _, err := tx.Exec(`INSERT INTO chat_members (chat_id, user_id, role, joined_at, joined_seq)
				SELECT ?, user_id, 'member', ?, (SELECT coalesce(max(seq), 0) FROM events) FROM chat_members
				WHERE chat_id = ? AND notify = 1 AND muted = 0`, d.ID, ms(log.now), p.ID); err != nil {
				return fmt.Errorf("subscribe to discussion: %w", err)
			}
			if _, err := tx.Exec("UPDATE chats SET members = (SELECT count(*) FROM chat_members WHERE chat_id = ?) WHERE id = ?", d.ID, d.ID); err != nil {
				return fmt.Errorf("subscribe to discussion: %w", err)
			}
		}
		payload := map[string]any{"chat_id": p.UID, "message_id": messageID, "thread": ThreadRef{ChatID: d.UID}}
		ev := event{audience: toAll, chatID: p.ID, typ: "thread.updated", payload: payload}
		if p.Kind == Channel {
			ev.audience, ev.sub = toSplit, payload
		}
		log.add(ev)
		_, err = s.systemMessage(tx, log, p.Chat, a, "discussion.started", map[string]any{"message_id": messageID, "discussion": d.UID})
		return err
	})
	if err != nil {
		return ChatJSON{}, err
	}
	return s.Get(ctx, a, uid)
}

// Follow makes the actor follow (on) or stop following a discussion.
func (s *Service) Follow(ctx context.Context, a Actor, chatUID string, on bool) error {
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if p.Kind != Discussion || !p.canRead() {
			return ErrNotFound
		}
		if on {
			_, _, err := s.addMember(tx, log, p.Chat, a.ID, "member")
			return err
		}
		res, err := tx.Exec("DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?", p.ID, a.ID)
		if err != nil {
			return fmt.Errorf("unfollow: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			_, err = tx.Exec("UPDATE chats SET members = members - 1 WHERE id = ?", p.ID)
		}
		return err
	})
}

// ThreadList is the discussions a user follows.
type ThreadList struct {
	Seq     int64      `json:"seq"`
	Threads []ChatJSON `json:"threads"`
}

// Threads lists the discussions the actor follows, most recent first, each
// with its unread count.
func (s *Service) Threads(ctx context.Context, a Actor) (ThreadList, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return ThreadList{}, fmt.Errorf("threads: %w", err)
	}
	defer tx.done()
	out := ThreadList{Threads: []ChatJSON{}}
	if out.Seq, err = currentSeq(ctx, tx); err != nil {
		return out, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.uid FROM chat_members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ? AND c.kind = 'discussion' ORDER BY c.last_message DESC LIMIT 200`, a.ID)
	if err != nil {
		return out, fmt.Errorf("threads: %w", err)
	}
	var uids []string
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return out, fmt.Errorf("threads: %w", err)
		}
		uids = append(uids, uid)
	}
	rows.Close()
	var places []place
	for _, uid := range uids {
		p, err := s.lookup(ctx, tx, a.ID, uid)
		if errors.Is(err, ErrNotFound) {
			continue // they left the parent chat
		}
		if err != nil {
			return out, err
		}
		places = append(places, p)
	}
	threads, err := s.describeAll(ctx, tx, a, places)
	if err != nil {
		return out, err
	}
	out.Threads = append(out.Threads, threads...)
	return out, nil
}
