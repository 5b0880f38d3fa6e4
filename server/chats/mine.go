package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"parley/server/web"
)

// MySettings is a user's own view of a chat; nil fields stay.
type MySettings struct {
	Pinned *bool `json:"pinned"`
	Muted  *bool `json:"muted"`
	Notify *bool `json:"notify"`
	// Hidden removes the chat from the user's own list (chats are never
	// deleted on the server); a new message brings it back.
	Hidden *bool `json:"hidden"`
	// Labels are the user's own tags on the chat.
	Labels *[]string `json:"labels"`
}

const (
	maxLabels   = 20
	maxLabelLen = 40
)

// SetMine changes the actor's own settings of a chat; the change reaches
// their other devices as chat.updated.
func (s *Service) SetMine(ctx context.Context, a Actor, chatUID string, m MySettings) (ChatJSON, error) {
	var labels string
	if m.Labels != nil {
		clean := []string{}
		seen := map[string]bool{}
		for _, l := range *m.Labels {
			l = strings.TrimSpace(l)
			if l == "" || seen[strings.ToLower(l)] {
				continue
			}
			if len([]rune(l)) > maxLabelLen {
				return ChatJSON{}, web.Invalid("labels", "too_long", fmt.Sprintf("a label holds at most %d characters", maxLabelLen))
			}
			seen[strings.ToLower(l)] = true
			clean = append(clean, l)
		}
		if len(clean) > maxLabels {
			return ChatJSON{}, web.Invalid("labels", "too_many", fmt.Sprintf("a chat carries at most %d labels", maxLabels))
		}
		b, _ := json.Marshal(clean)
		labels = string(b)
	}
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookup(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		if !p.canRead() {
			return ErrNotFound
		}
		if !p.In {
			if _, err := tx.Exec(`INSERT INTO chat_members (chat_id, user_id, role, joined_at, joined_seq)
				VALUES (?, ?, 'member', ?, (SELECT coalesce(max(seq), 0) FROM events)) ON CONFLICT DO NOTHING`, p.ID, a.ID, ms(log.now)); err != nil {
				return fmt.Errorf("keep chat settings: %w", err)
			}
		}
		set := func(col string, v *bool) error {
			if v == nil {
				return nil
			}
			_, err := tx.Exec("UPDATE chat_members SET "+col+" = ? WHERE chat_id = ? AND user_id = ?", *v, p.ID, a.ID)
			return err
		}
		for col, v := range map[string]*bool{"pinned": m.Pinned, "muted": m.Muted, "notify": m.Notify, "hidden": m.Hidden} {
			if err := set(col, v); err != nil {
				return fmt.Errorf("chat settings: %w", err)
			}
		}
		if m.Labels != nil {
			if _, err := tx.Exec("UPDATE chat_members SET labels = ? WHERE chat_id = ? AND user_id = ?", labels, p.ID, a.ID); err != nil {
				return fmt.Errorf("chat settings: %w", err)
			}
		}
		log.add(event{audience: toUser, userID: a.ID, typ: "chat.updated", payload: map[string]any{"chat_id": p.UID, "mine": m}})
		return nil
	})
	if err != nil {
		return ChatJSON{}, err
	}
	return s.Get(ctx, a, chatUID)
}

// SavedMessages returns the actor's Saved Messages chat, making it (or
// bringing it back to their list) when needed.
func (s *Service) SavedMessages(ctx context.Context, a Actor) (ChatJSON, error) {
	var uid string
	err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		key := fmt.Sprintf("s:%d", a.ID)
		err := tx.QueryRow("SELECT uid FROM chats WHERE unique_key = ?", key).Scan(&uid)
		if err == nil {
			_, err = tx.Exec("UPDATE chat_members SET hidden = 0 WHERE user_id = ? AND chat_id = (SELECT id FROM chats WHERE uid = ?)", a.ID, uid)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("saved messages: %w", err)
		}
		c := Chat{UID: newUID(), Kind: Saved, CreatedBy: a.ID, CreatedAt: ms(log.now)}
		if err := tx.QueryRow(`INSERT INTO chats (uid, kind, unique_key, created_by, created_at) VALUES (?, 'saved', ?, ?, ?) RETURNING id`,
			c.UID, key, a.ID, c.CreatedAt).Scan(&c.ID); err != nil {
			return fmt.Errorf("saved messages: %w", err)
		}
		uid = c.UID
		u, _, err := s.addMember(tx, log, c, a.ID, "admin")
		if err == nil {
			announceAdded(log, c, []addedMember{{a.ID, u, "admin"}})
		}
		return err
	})
	if err != nil {
		return ChatJSON{}, err
	}
	return s.Get(ctx, a, uid)
}

// Forward copies a message into another chat the actor may post in, saying
// where it came from. Confidential chats refuse; so does a channel
// subscriber's copy reveal no author.
func (s *Service) Forward(ctx context.Context, a Actor, fromChat string, id int64, toChat, syncID string) (MessageJSON, bool, error) {
	src, err := s.lookup(ctx, s.db.Read, a.ID, fromChat)
	if err != nil {
		return MessageJSON{}, false, err
	}
	if !src.canRead() {
		return MessageJSON{}, false, ErrNotFound
	}
	if src.Confidential || src.E2E {
		return MessageJSON{}, false, ErrConfidential
	}
	found, err := s.readMessages(ctx, s.db.Read, a.ID, "WHERE m.id = ? AND m.chat_id = ? AND m.kind = 'text'", id, src.ID)
	if err != nil {
		return MessageJSON{}, false, err
	}
	if len(found) == 0 {
		return MessageJSON{}, false, ErrNoMessage
	}
	m := src.view(found)[0]
	if m.Deleted {
		return MessageJSON{}, false, ErrDeleted
	}
	origin := map[string]any{"chat_id": src.UID, "message_id": m.ID, "created_at": m.CreatedAt}
	if m.Sender != nil {
		origin["sender"] = m.Sender
	} else if src.Kind == Channel {
		origin["channel"] = src.Name
	}
	if len(syncID) > MaxSyncID {
		return MessageJSON{}, false, web.Invalid("sync_id", "too_long", fmt.Sprintf("sync_id holds at most %d characters", MaxSyncID))
	}
	if syncID != "" {
		if prev, ok, err := s.bySyncID(ctx, s.db.Read, a, toChat, syncID); err != nil || ok {
			return prev, false, err
		}
	}
	var out MessageJSON
	created := false
	err = s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		if syncID != "" {
			prev, ok, err := s.bySyncID(ctx, tx, a, toChat, syncID)
			if err != nil || ok {
				out = prev
				return err
			}
		}
		dst, err := s.lookup(ctx, tx, a.ID, toChat)
		if err != nil {
			return err
		}
		poster := false
		if dst.Kind == Global {
			if poster, err = isGlobalPoster(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		if !dst.canPost(poster) {
			return ErrCannotPost
		}
		if dst.E2E {
			return ErrE2ERequired
		}
		var file *FileJSON
		if m.FileID != "" {
			if _, err := tx.Exec(`INSERT INTO chat_files (chat_id, file_id, uploader_id, as_file, width, height, created_at)
				SELECT ?, file_id, uploader_id, as_file, width, height, ? FROM chat_files WHERE chat_id = ? AND file_id = ?
				ON CONFLICT DO NOTHING`, dst.ID, ms(log.now), src.ID, m.FileID); err != nil {
				return fmt.Errorf("forward the file: %w", err)
			}
			if file, err = s.attachable(ctx, tx, dst.ID, dst.UID, m.FileID); err != nil {
				return err
			}
		}
		out, err = s.insertMessage(tx, log, dst.Chat, a, newMessage{syncID: syncID, body: m.Body, html: m.HTML, terms: terms(m.Body),
			forwarded: origin, fileID: m.FileID, file: file})
		created = err == nil
		return err
	})
	return out, created, err
}
