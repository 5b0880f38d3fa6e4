package chats

import (
	"context"
	"encoding/json"
	"fmt"
)

// ChatList is the user's chats and the event number the list reflects.
type ChatList struct {
	Seq   int64      `json:"seq"`
	Chats []ChatJSON `json:"chats"`
}

// maxUnread caps the counted unread messages; clients show "999+".
const maxUnread = 999

// List returns the user's chats: pinned first, then by latest message. The
// global chat is in everyone's list; hidden chats are left out.
func (s *Service) List(ctx context.Context, a Actor) (ChatList, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return ChatList{}, fmt.Errorf("chat list: %w", err)
	}
	defer tx.done()
	list := ChatList{Chats: []ChatJSON{}}
	if list.Seq, err = currentSeq(ctx, tx); err != nil {
		return ChatList{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.uid FROM chat_members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ? AND m.hidden = 0 AND c.kind NOT IN ('discussion', 'global')
		ORDER BY m.pinned DESC, c.last_message DESC LIMIT 5000`, a.ID)
	if err != nil {
		return ChatList{}, fmt.Errorf("chat list: %w", err)
	}
	var uids []string
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return ChatList{}, fmt.Errorf("chat list: %w", err)
		}
		uids = append(uids, uid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ChatList{}, fmt.Errorf("chat list: %w", err)
	}
	var global string
	if err := tx.QueryRowContext(ctx, "SELECT uid FROM chats WHERE id = ?", s.globalID).Scan(&global); err != nil {
		return ChatList{}, fmt.Errorf("global chat: %w", err)
	}
	uids = append(uids, global)
	var places []place
	for _, uid := range uids {
		p, err := s.lookup(ctx, tx, a.ID, uid)
		if err != nil {
			return ChatList{}, err
		}
		if !p.Hidden {
			places = append(places, p)
		}
	}
	if list.Chats, err = s.describeAll(ctx, tx, a, places); err != nil {
		return ChatList{}, err
	}
	return list, nil
}

// Get describes one chat as the user sees it.
func (s *Service) Get(ctx context.Context, a Actor, uid string) (ChatJSON, error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return ChatJSON{}, fmt.Errorf("chat: %w", err)
	}
	defer tx.done()
	p, err := s.lookup(ctx, tx, a.ID, uid)
	if err != nil {
		return ChatJSON{}, err
	}
	described, err := s.describeAll(ctx, tx, a, []place{p})
	if err != nil {
		return ChatJSON{}, err
	}
	return described[0], nil
}

// describeAll builds the chats' views for the user, their last messages read
// together: one query and its decorations for the whole list rather than
// five per chat.
func (s *Service) describeAll(ctx context.Context, q querier, a Actor, places []place) ([]ChatJSON, error) {
	out := make([]ChatJSON, len(places))
	lastIDs := make([]int64, len(places))
	var ids []int64
	for i, p := range places {
		var err error
		if out[i], lastIDs[i], err = s.describe(ctx, q, a, p); err != nil {
			return nil, err
		}
		if lastIDs[i] != 0 {
			ids = append(ids, lastIDs[i])
		}
	}
	last, err := s.messagesByID(ctx, q, a.ID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]MessageJSON, len(last))
	for _, m := range last {
		byID[m.ID] = m
	}
	for i, id := range lastIDs {
		if m, ok := byID[id]; ok {
			if v := places[i].view([]MessageJSON{m}); len(v) == 1 {
				out[i].LastMessage = &v[0]
			}
		}
	}
	return out, nil
}

// describe builds the chat's view for the user (counters and what only
// admins see) and names the last message they may see (0: none), which
// describeAll reads.
func (s *Service) describe(ctx context.Context, q querier, a Actor, p place) (ChatJSON, int64, error) {
	c := p.Chat
	cj := ChatJSON{ID: c.UID, Kind: c.Kind, Name: c.Name, Description: c.Description, Avatar: c.Avatar, Open: c.Open,
		E2E: c.E2E, Confidential: c.Confidential, Discussions: c.Discussions, ReadUpto: p.ReadUpto, Muted: p.Muted,
		Pinned: p.Pinned, Labels: []string{}, CreatedAt: fromMS(c.CreatedAt)}
	if p.In {
		cj.Role = p.Role
	}
	if !p.subscriber() && c.Kind != Global {
		n := c.Members
		cj.MembersCount = &n
	}
	if p.Admin() && c.InviteCode != "" {
		cj.InviteLink = "/join/" + c.InviteCode
	}
	if c.Kind == Discussion {
		parent, err := chatUID(ctx, q, c.ParentChat)
		if err != nil {
			return cj, 0, err
		}
		cj.Parent = &ParentRef{ChatID: parent, MessageID: c.ParentMessage}
	}
	if c.Kind == Personal {
		var peer UserRef
		err := q.QueryRowContext(ctx, `SELECT u.huid, u.name FROM chat_members m JOIN users u ON u.id = m.user_id
			WHERE m.chat_id = ? AND m.user_id <> ? LIMIT 1`, c.ID, a.ID).Scan(&peer.HUID, &peer.Name)
		if err == nil {
			cj.Peer = &peer
			cj.Name = peer.Name
		}
	}
	var labels string
	var mutedLabels int
	if err := q.QueryRowContext(ctx, `SELECT m.labels, (SELECT count(*) FROM chat_labels l, json_each(m.labels) j
		WHERE l.user_id = m.user_id AND l.label = j.value AND l.notify = 0)
		FROM chat_members m WHERE m.chat_id = ? AND m.user_id = ?`, c.ID, a.ID).Scan(&labels, &mutedLabels); err == nil {
		_ = json.Unmarshal([]byte(labels), &cj.Labels)
	}
	cj.Notifies = p.canRead() && p.Notify && !p.Muted && mutedLabels == 0
	if !p.canRead() {
		return cj, 0, nil // a catalog entry: no history
	}
	// System messages never count as unread: nobody needs to be told twice
	// that a member joined.
	err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(min(id), 0) FROM (SELECT id FROM messages
		WHERE chat_id = ? AND id > ? AND sender_id IS NOT ? AND kind = 'text' AND deleted_at IS NULL ORDER BY id LIMIT ?)`,
		c.ID, p.ReadUpto, a.ID, maxUnread).Scan(&cj.Unread, &cj.FirstUnread)
	if err != nil {
		return cj, 0, fmt.Errorf("unread count: %w", err)
	}
	last := c.LastMessage
	if p.subscriber() {
		// Subscribers never see system messages, which may be the newest.
		err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM messages WHERE chat_id = ? AND kind = 'text'`, c.ID).Scan(&last)
		if err != nil {
			return cj, 0, fmt.Errorf("last message: %w", err)
		}
	}
	return cj, last, nil
}

func chatUID(ctx context.Context, q querier, id int64) (string, error) {
	var uid string
	if err := q.QueryRowContext(ctx, "SELECT uid FROM chats WHERE id = ?", id).Scan(&uid); err != nil {
		return "", fmt.Errorf("chat %d: %w", id, err)
	}
	return uid, nil
}
