package chats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"parley/server/web"
)

// NewChat is a chat to create.
type NewChat struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Members      []string `json:"members"` // HUIDs besides the creator
	Open         bool     `json:"open"`
	E2E          bool     `json:"e2e"`
	Confidential bool     `json:"confidential"`
	Discussions  bool     `json:"discussions"`
}

func (n *NewChat) check(a Actor) error {
	n.Name = strings.TrimSpace(n.Name)
	n.Description = strings.TrimSpace(n.Description)
	switch n.Kind {
	case Group, Channel:
		if n.Name == "" {
			return web.Invalid("name", "required", "a group or channel needs a name")
		}
	case Personal:
		if len(n.Members) != 1 {
			return web.Invalid("members", "one_peer", "a personal chat is with exactly one other person: give their HUID in members")
		}
		if n.Open {
			return web.Invalid("open", "not_open", "a personal chat cannot be open")
		}
	case "":
		return web.Invalid("kind", "required", "kind must be personal, group or channel")
	default:
		return web.Invalid("kind", "bad_kind", fmt.Sprintf("kind must be personal, group or channel, not %q", truncate(n.Kind, 30)))
	}
	if len([]rune(n.Name)) > MaxNameLen {
		return web.Invalid("name", "too_long", fmt.Sprintf("a chat name holds at most %d characters", MaxNameLen))
	}
	if len([]rune(n.Description)) > MaxDescLen {
		return web.Invalid("description", "too_long", fmt.Sprintf("a description holds at most %d characters", MaxDescLen))
	}
	if n.Open && !a.ServerAdmin {
		return ErrServerAdmin
	}
	if n.Open && n.E2E {
		return web.Invalid("e2e", "open_e2e", "an open chat cannot be end-to-end encrypted")
	}
	limit := MaxMembers
	if n.E2E {
		limit = MaxMembersE2E
	}
	if len(n.Members)+1 > limit {
		return web.Invalid("members", "too_many", fmt.Sprintf("a chat holds at most %d members", limit))
	}
	return nil
}

// Create makes a chat. A personal chat with someone the actor already has
// one with returns that chat (created false).
func (s *Service) Create(ctx context.Context, a Actor, n NewChat) (ChatJSON, bool, error) {
	if err := n.check(a); err != nil {
		return ChatJSON{}, false, err
	}
	var uid string
	created := false
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		ids, err := userIDs(tx, n.Members)
		if err != nil {
			return err
		}
		c := Chat{UID: newUID(), Kind: n.Kind, Name: n.Name, Description: n.Description, Open: n.Open, E2E: n.E2E,
			Confidential: n.Confidential, Discussions: n.Discussions, CreatedBy: a.ID, CreatedAt: ms(log.now)}
		var key any
		if n.Kind == Personal {
			peer := ids[0]
			lo, hi := min(a.ID, peer), max(a.ID, peer)
			k := fmt.Sprintf("p:%d:%d", lo, hi)
			key = k
			var existing string
			err := tx.QueryRow("SELECT uid FROM chats WHERE unique_key = ?", k).Scan(&existing)
			if err == nil {
				uid = existing
				_, err = tx.Exec(`UPDATE chat_members SET hidden = 0 WHERE user_id = ? AND chat_id = (SELECT id FROM chats WHERE uid = ?)`, a.ID, existing)
				return err
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("find personal chat: %w", err)
			}
		}
		err = tx.QueryRow(`INSERT INTO chats (uid, kind, name, description, open, e2e, confidential, discussions, unique_key, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.UID, c.Kind, c.Name, c.Description, c.Open, c.E2E,
			c.Confidential, c.Discussions, key, a.ID, c.CreatedAt).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create chat: %w", err)
		}
		uid, created = c.UID, true
		// An open chat made by the server admin starts empty: the first
		// person to join it from the catalog becomes its admin.
		var added []addedMember
		add := func(id int64, role string) error {
			u, ok, err := s.addMember(tx, log, c, id, role)
			if ok {
				added = append(added, addedMember{id, u, role})
			}
			return err
		}
		if !(n.Open && a.ServerAdmin) {
			role := "admin"
			if n.Kind == Personal {
				role = "member"
			}
			if err := add(a.ID, role); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if id == a.ID {
				continue
			}
			if err := add(id, "member"); err != nil {
				return err
			}
		}
		announceAdded(log, c, added)
		if n.Kind != Personal {
			_, err = s.systemMessage(tx, log, c, a, "chat.created", map[string]any{"name": c.Name})
		}
		return err
	})
	if err != nil {
		return ChatJSON{}, false, err
	}
	cj, err := s.Get(ctx, a, uid)
	return cj, created, err
}

// memberID resolves the HUID of a member's path (…/members/{huid}): an
// unknown one is named as the "user" the path is about, not as a list.
func memberID(q querier, huid string) (int64, error) {
	ids, err := userIDs(q, []string{huid})
	var v *web.ValidationError
	if errors.As(err, &v) {
		return 0, web.Invalid("user", v.Code, v.Message)
	}
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// userIDs resolves HUIDs, refusing unknown ones by name.
func userIDs(q querier, huids []string) ([]int64, error) {
	ids := make([]int64, 0, len(huids))
	seen := map[int64]bool{}
	for _, h := range huids {
		var id int64
		err := q.QueryRowContext(context.Background(), "SELECT id FROM users WHERE huid = ?", strings.ToLower(h)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, web.Invalid("members", "unknown_user", fmt.Sprintf("no user has the HUID %q", truncate(h, 40)))
		}
		if err != nil {
			return nil, fmt.Errorf("find user: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// addMember puts a user in a chat (or changes nothing when they are in)
// and counts them. It reports nothing itself: callers announce everyone they
// added in one event (announceAdded), so a chat made with 8,000 members
// sends one event to each of them, not 8,000.
func (s *Service) addMember(tx *stmtTx, log *eventLog, c Chat, userID int64, role string) (UserRef, bool, error) {
	// A send may add its sender to a discussion: the writer's cached
	// recipients would miss them.
	s.cache.clear()
	var members int
	var e2e bool
	if err := tx.QueryRow("SELECT members, e2e FROM chats WHERE id = ?", c.ID).Scan(&members, &e2e); err != nil {
		return UserRef{}, false, fmt.Errorf("count members: %w", err)
	}
	limit := MaxMembers
	if e2e {
		limit = MaxMembersE2E
	}
	var seq int64
	if err := tx.QueryRow("SELECT coalesce(max(seq), 0) FROM events").Scan(&seq); err != nil {
		return UserRef{}, false, fmt.Errorf("event number: %w", err)
	}
	res, err := tx.Exec(`INSERT INTO chat_members (chat_id, user_id, role, joined_at, joined_seq) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, c.ID, userID, role, ms(log.now), seq)
	if err != nil {
		return UserRef{}, false, fmt.Errorf("add member: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return UserRef{}, false, nil
	}
	if c.Kind != Discussion && members+1 > limit {
		return UserRef{}, false, ErrFull
	}
	if _, err := tx.Exec("UPDATE chats SET members = members + 1 WHERE id = ?", c.ID); err != nil {
		return UserRef{}, false, fmt.Errorf("count members: %w", err)
	}
	var u UserRef
	if err := tx.QueryRow("SELECT huid, name FROM users WHERE id = ?", userID).Scan(&u.HUID, &u.Name); err != nil {
		return UserRef{}, false, fmt.Errorf("find member: %w", err)
	}
	return u, true, nil
}

// addedMember is one person addMember put in a chat.
type addedMember struct {
	id   int64
	user UserRef
	role string
}

// maxListedMembers: an event or system message names at most this many of
// the people added; beyond, it gives their number.
const maxListedMembers = 100

// announceAdded tells the chat who came in, in one member.added event. In
// a channel only its admins hear who; each new subscriber hears of their
// own arrival.
func announceAdded(log *eventLog, c Chat, added []addedMember) {
	if len(added) == 0 {
		return
	}
	payload := map[string]any{"chat_id": c.UID, "count": len(added)}
	if len(added) <= maxListedMembers {
		users := make([]map[string]any, len(added))
		for i, m := range added {
			users[i] = map[string]any{"huid": m.user.HUID, "name": m.user.Name, "role": m.role}
		}
		payload["users"] = users
	}
	ev := event{audience: toAll, chatID: c.ID, typ: "member.added", payload: payload}
	if c.Kind == Channel {
		ev.audience = toAdmins
		for _, m := range added {
			if m.role != "admin" {
				log.add(event{audience: toUser, userID: m.id, typ: "member.added",
					payload: map[string]any{"chat_id": c.UID, "count": 1, "users": []map[string]any{{"huid": m.user.HUID, "name": m.user.Name, "role": m.role}}}})
			}
		}
	}
	log.add(ev)
}

// listed is what a system message says of the people added.
func listed(added []addedMember) map[string]any {
	out := map[string]any{"count": len(added)}
	if len(added) <= maxListedMembers {
		users := make([]UserRef, len(added))
		for i, m := range added {
			users[i] = m.user
		}
		out["users"] = users
	}
	return out
}

// systemMessage records a change in the chat's history.
func (s *Service) systemMessage(tx *stmtTx, log *eventLog, c Chat, a Actor, what string, args map[string]any) (MessageJSON, error) {
	sys := map[string]any{"event": what}
	if a.HUID != "" {
		sys["actor"] = UserRef{HUID: a.HUID, Name: a.Name}
	}
	for k, v := range args {
		sys[k] = v
	}
	return s.insertMessage(tx, log, c, Actor{}, newMessage{kind: "system", system: sys})
}
