package chats

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"parley/server/web"
)

// managed runs fn for a chat admin of a group, channel or discussion.
func (s *Service) managed(ctx context.Context, a Actor, chatUID string, fn func(tx *stmtTx, log *eventLog, p place) error) error {
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if !p.canRead() {
			return ErrNotFound
		}
		switch p.Kind {
		case Personal, Saved:
			return web.Invalid("kind", "fixed_chat", "a personal chat and Saved Messages have no members or settings to change")
		case Global:
			if !a.ServerAdmin {
				return ErrNotAdmin
			}
		default:
			if !p.Admin() {
				return ErrNotAdmin
			}
		}
		return fn(tx, log, p)
	})
}

// AddMembers puts people in a group or channel; only its admins may.
func (s *Service) AddMembers(ctx context.Context, a Actor, chatUID string, huids []string) error {
	if len(huids) == 0 || len(huids) > MaxMembers {
		return web.Invalid("members", "required", "give the HUIDs of the people to add")
	}
	return s.managed(ctx, a, chatUID, func(tx *stmtTx, log *eventLog, p place) error {
		if p.Kind == Global || p.Kind == Discussion {
			return web.Invalid("kind", "fixed_chat", "members of this chat come from where it lives, not from a list")
		}
		ids, err := userIDs(tx, huids)
		if err != nil {
			return err
		}
		var added []addedMember
		for _, id := range ids {
			u, ok, err := s.addMember(tx, log, p.Chat, id, "member")
			if err != nil {
				return err
			}
			if ok {
				added = append(added, addedMember{id, u, "member"})
			}
		}
		if len(added) == 0 {
			return nil
		}
		announceAdded(log, p.Chat, added)
		_, err = s.systemMessage(tx, log, p.Chat, a, "members.added", listed(added))
		return err
	})
}

// RemoveMember takes someone out: an admin removes others, anyone leaves.
// The last admin cannot leave a chat that still has members.
func (s *Service) RemoveMember(ctx context.Context, a Actor, chatUID, huid string) error {
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if !p.In {
			return ErrNotFound
		}
		if p.Kind == Personal || p.Kind == Saved || p.Kind == Global {
			return web.Invalid("kind", "fixed_chat", "nobody leaves this chat; remove it from your list instead")
		}
		target, err := memberID(tx, huid)
		if err != nil {
			return err
		}
		if target != a.ID && !p.Admin() {
			return ErrNotAdmin
		}
		var role string
		err = tx.QueryRow("SELECT role FROM chat_members WHERE chat_id = ? AND user_id = ?", p.ID, target).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return web.Invalid("user", "not_member", "that person is not in the chat")
		}
		if err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if role == "admin" && p.Kind != Discussion {
			var admins, members int
			if err := tx.QueryRow("SELECT count(*) FILTER (WHERE role = 'admin'), count(*) FROM chat_members WHERE chat_id = ?", p.ID).Scan(&admins, &members); err != nil {
				return fmt.Errorf("remove member: %w", err)
			}
			if admins == 1 && members > 1 {
				return web.Invalid("user", "last_admin", "the chat's last admin cannot leave while others remain: make someone else an admin first")
			}
		}
		if _, err := tx.Exec("DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?", p.ID, target); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if _, err := tx.Exec("UPDATE chats SET members = members - 1 WHERE id = ?", p.ID); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		var u UserRef
		if err := tx.QueryRow("SELECT huid, name FROM users WHERE id = ?", target).Scan(&u.HUID, &u.Name); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		payload := map[string]any{"chat_id": p.UID, "user": u}
		// The person who left hears it too: their client drops the chat.
		log.add(event{audience: toUser, userID: target, typ: "member.removed", payload: payload})
		if p.Kind == Discussion {
			return nil
		}
		audience := toAll
		if p.Kind == Channel {
			audience = toAdmins
		}
		log.add(event{audience: audience, chatID: p.ID, typ: "member.removed", payload: payload})
		what := "member.removed"
		if target == a.ID {
			what = "member.left"
		}
		_, err = s.systemMessage(tx, log, p.Chat, a, what, map[string]any{"user": u})
		return err
	})
}

// SetRole makes a member an admin or takes it back.
func (s *Service) SetRole(ctx context.Context, a Actor, chatUID, huid, role string) error {
	if role != "admin" && role != "member" {
		return web.Invalid("role", "bad_role", "role is admin or member")
	}
	return s.managed(ctx, a, chatUID, func(tx *stmtTx, log *eventLog, p place) error {
		target, err := memberID(tx, huid)
		if err != nil {
			return err
		}
		if role == "member" {
			var admins int
			if err := tx.QueryRow("SELECT count(*) FROM chat_members WHERE chat_id = ? AND role = 'admin' AND user_id <> ?", p.ID, target).Scan(&admins); err != nil {
				return fmt.Errorf("set role: %w", err)
			}
			if admins == 0 {
				return web.Invalid("role", "last_admin", "a chat keeps at least one admin")
			}
		}
		res, err := tx.Exec("UPDATE chat_members SET role = ? WHERE chat_id = ? AND user_id = ? AND role <> ?", role, p.ID, target, role)
		if err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var in int
			if err := tx.QueryRow("SELECT count(*) FROM chat_members WHERE chat_id = ? AND user_id = ?", p.ID, target).Scan(&in); err != nil || in == 0 {
				return web.Invalid("user", "not_member", "that person is not in the chat")
			}
			return nil
		}
		var u UserRef
		if err := tx.QueryRow("SELECT huid, name FROM users WHERE id = ?", target).Scan(&u.HUID, &u.Name); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		log.add(event{audience: toAdmins, chatID: p.ID, typ: "chat.updated", payload: map[string]any{"chat_id": p.UID, "member": u, "role": role}})
		// The member learns their new role even in a channel.
		log.add(event{audience: toUser, userID: target, typ: "chat.updated", payload: map[string]any{"chat_id": p.UID, "role": role}})
		_, err = s.systemMessage(tx, log, p.Chat, a, "member.role", map[string]any{"user": u, "role": role})
		return err
	})
}

// ChatPatch changes a chat's properties; nil fields stay.
type ChatPatch struct {
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	Avatar       *string `json:"avatar"`
	Open         *bool   `json:"open"`
	E2E          *bool   `json:"e2e"`
	Confidential *bool   `json:"confidential"`
	Discussions  *bool   `json:"discussions"`
	InviteLink   *bool   `json:"invite_link"` // true makes a new link, false revokes it
}

// Update changes a chat's properties. Only its admins may; only a server
// administrator opens a chat, which turns end-to-end encryption off.
func (s *Service) Update(ctx context.Context, a Actor, chatUID string, patch ChatPatch) (ChatJSON, error) {
	err := s.managed(ctx, a, chatUID, func(tx *stmtTx, log *eventLog, p place) error {
		c := p.Chat
		var changed []string
		if patch.Name != nil {
			name := strings.TrimSpace(*patch.Name)
			if name == "" || len([]rune(name)) > MaxNameLen {
				return web.Invalid("name", "bad_name", fmt.Sprintf("a chat name has 1 to %d characters", MaxNameLen))
			}
			if name != c.Name {
				c.Name = name
				changed = append(changed, "name")
			}
		}
		if patch.Description != nil {
			d := strings.TrimSpace(*patch.Description)
			if len([]rune(d)) > MaxDescLen {
				return web.Invalid("description", "too_long", fmt.Sprintf("a description holds at most %d characters", MaxDescLen))
			}
			if d != c.Description {
				c.Description = d
				changed = append(changed, "description")
			}
		}
		if patch.Avatar != nil && *patch.Avatar != c.Avatar {
			if *patch.Avatar != "" {
				if err := s.checkAvatar(tx, p, *patch.Avatar); err != nil {
					return err
				}
			}
			c.Avatar = *patch.Avatar
			changed = append(changed, "avatar")
		}
		if patch.Open != nil && *patch.Open != c.Open {
			if !a.ServerAdmin {
				return ErrServerAdmin
			}
			if p.Kind != Group && p.Kind != Channel {
				return web.Invalid("open", "not_open", "only groups and channels can be open")
			}
			c.Open = *patch.Open
			changed = append(changed, "open")
			if c.Open && c.E2E {
				c.E2E = false
				changed = append(changed, "e2e")
			}
		}
		if patch.E2E != nil && *patch.E2E != c.E2E {
			if *patch.E2E && c.Open {
				return web.Invalid("e2e", "open_e2e", "an open chat cannot be end-to-end encrypted")
			}
			if *patch.E2E && c.Members > MaxMembersE2E {
				return web.Invalid("e2e", "too_many", fmt.Sprintf("end-to-end encryption needs %d members or fewer", MaxMembersE2E))
			}
			c.E2E = *patch.E2E
			changed = append(changed, "e2e")
		}
		if patch.Confidential != nil && *patch.Confidential != c.Confidential {
			c.Confidential = *patch.Confidential
			changed = append(changed, "confidential")
		}
		if patch.Discussions != nil && *patch.Discussions != c.Discussions {
			if p.Kind != Group && p.Kind != Channel {
				return web.Invalid("discussions", "not_here", "discussions are for groups and channels")
			}
			c.Discussions = *patch.Discussions
			changed = append(changed, "discussions")
		}
		var code any = nullable(c.InviteCode)
		if patch.InviteLink != nil {
			if *patch.InviteLink {
				code = newInviteCode()
			} else {
				code = nil
			}
			changed = append(changed, "invite_link")
		}
		if len(changed) == 0 {
			return nil
		}
		_, err := tx.Exec(`UPDATE chats SET name = ?, description = ?, avatar_file = nullif(?, ''), open = ?, e2e = ?, confidential = ?,
			discussions = ?, invite_code = ? WHERE id = ?`, c.Name, c.Description, c.Avatar, c.Open, c.E2E, c.Confidential, c.Discussions, code, c.ID)
		if err != nil {
			return fmt.Errorf("update chat: %w", err)
		}
		props := map[string]any{"chat_id": c.UID, "changed": changed, "name": c.Name, "description": c.Description,
			"avatar": c.Avatar, "open": c.Open, "e2e": c.E2E, "confidential": c.Confidential, "discussions": c.Discussions}
		log.add(event{audience: toAll, chatID: c.ID, typ: "chat.updated", payload: props})
		if c.Kind == Global {
			log.events[len(log.events)-1].audience = toEveryone
		}
		_, err = s.systemMessage(tx, log, c, a, "chat.updated", map[string]any{"changed": changed, "name": c.Name})
		return err
	})
	if err != nil {
		return ChatJSON{}, err
	}
	return s.Get(ctx, a, chatUID)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func newInviteCode() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Join puts the actor in an open chat from the catalog, or in any group or
// channel by its invite code. The first person to join an open chat that
// has nobody yet becomes its admin.
func (s *Service) Join(ctx context.Context, a Actor, chatUID, inviteCode string) (ChatJSON, error) {
	var uid string
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		var p place
		var err error
		if inviteCode != "" {
			p, err = s.placeBy(ctx, tx, a.ID, "c.invite_code = ?", inviteCode)
			if errors.Is(err, ErrNotFound) {
				return web.Invalid("code", "bad_invite", "this invite link is not valid any more: ask for a new one")
			}
		} else {
			p, err = s.lookup(ctx, tx, a.ID, chatUID)
			if err == nil && !p.Open && !p.In {
				err = ErrNotFound
			}
		}
		if err != nil {
			return err
		}
		uid = p.UID
		if p.In {
			_, err := tx.Exec("UPDATE chat_members SET hidden = 0 WHERE chat_id = ? AND user_id = ?", p.ID, a.ID)
			return err
		}
		if p.Kind != Group && p.Kind != Channel {
			return ErrNotFound
		}
		role := "member"
		if p.Members == 0 {
			role = "admin"
		}
		u, _, err := s.addMember(tx, log, p.Chat, a.ID, role)
		if err != nil {
			return err
		}
		announceAdded(log, p.Chat, []addedMember{{a.ID, u, role}})
		_, err = s.systemMessage(tx, log, p.Chat, a, "member.joined", nil)
		return err
	})
	if err != nil {
		return ChatJSON{}, err
	}
	return s.Get(ctx, a, uid)
}

// Catalog lists the open chats anyone may join, largest first; q filters
// by name.
func (s *Service) Catalog(ctx context.Context, a Actor, q string) ([]ChatJSON, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(q)) + "%"
	rows, err := s.db.Read.QueryContext(ctx, `SELECT uid FROM chats WHERE open = 1 AND name LIKE ? ESCAPE '\' ORDER BY members DESC, id LIMIT 200`, like)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var uids []string
	for rows.Next() {
		var uid string
		if err := rows.Scan(&uid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("catalog: %w", err)
		}
		uids = append(uids, uid)
	}
	rows.Close()
	out := []ChatJSON{}
	for _, uid := range uids {
		c, err := s.Get(ctx, a, uid)
		if err != nil {
			return nil, err
		}
		c.LastMessage = nil
		out = append(out, c)
	}
	return out, nil
}

// MemberJSON is one member as admins (or members of a group) see them.
type MemberJSON struct {
	User UserRef `json:"user"`
	Role string  `json:"role"`
}

// MemberList is a page of a chat's members.
type MemberList struct {
	Members []MemberJSON `json:"members"`
	Total   int          `json:"total"`
	// AdminsOnly: the chat is above 128 members, so without a search only
	// its admins are listed.
	AdminsOnly bool `json:"admins_only"`
}

// Members lists who is in a chat. Channel subscribers may not see it; above
// 128 members only admins are listed unless q searches by name.
func (s *Service) Members(ctx context.Context, a Actor, chatUID, q string) (MemberList, error) {
	p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
	if err != nil {
		return MemberList{}, err
	}
	if !p.canRead() || p.Kind == Global {
		return MemberList{}, ErrNotFound
	}
	if p.subscriber() {
		return MemberList{}, ErrSubscriber
	}
	out := MemberList{Members: []MemberJSON{}, Total: p.Members}
	where := "m.chat_id = ?"
	args := []any{p.ID}
	q = strings.TrimSpace(q)
	switch {
	case q != "":
		where += ` AND (u.name LIKE ?2 ESCAPE '\' OR u.email LIKE ?2 ESCAPE '\')`
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)+"%")
	case p.Members > FullMemberList:
		where += " AND m.role = 'admin'"
		out.AdminsOnly = true
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.huid, u.name, m.role FROM chat_members m JOIN users u ON u.id = m.user_id
		WHERE `+where+` ORDER BY m.role = 'admin' DESC, u.name LIMIT 200`, args...)
	if err != nil {
		return out, fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m MemberJSON
		if err := rows.Scan(&m.User.HUID, &m.User.Name, &m.Role); err != nil {
			return out, fmt.Errorf("members: %w", err)
		}
		out.Members = append(out.Members, m)
	}
	return out, rows.Err()
}

// checkAvatar accepts as a chat's picture only an image uploaded to the chat
// itself: any other file id could point its members at a file they may not
// see.
func (s *Service) checkAvatar(tx *stmtTx, p place, fileID string) error {
	f, err := s.attachable(context.Background(), tx, p.ID, p.UID, fileID)
	if err != nil {
		var v *web.ValidationError
		if errors.As(err, &v) {
			return web.Invalid("avatar", "unknown_file", "upload the picture to this chat first (POST …/files), then make its id the avatar")
		}
		return err
	}
	if !strings.HasPrefix(f.MIME, "image/") {
		return web.Invalid("avatar", "not_image", fmt.Sprintf("a chat's avatar is a picture; this file is %s", f.MIME))
	}
	return nil
}
