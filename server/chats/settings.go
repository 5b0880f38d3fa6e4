package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"parley/server/web"
)

// Settings are the messenger's administrator switches.
type Settings struct {
	// ShowAllContacts lists every corporate user in everyone's contacts,
	// not only the people they share chats with.
	ShowAllContacts bool `json:"show_all_contacts"`
	// Attachment limits in bytes: corporate users (cts_user) and users of a
	// public server (unregistered).
	AttachmentLimitCorporate int64 `json:"attachment_limit_corporate"`
	AttachmentLimitPublic    int64 `json:"attachment_limit_public"`
	// GlobalPosters may post in the global chat (HUIDs).
	GlobalPosters []string `json:"global_posters"`
}

// Limits from the seeds: 1 GB for corporate users, 25 MB on a public server.
const (
	DefaultLimitCorporate = 1 << 30
	DefaultLimitPublic    = 25 << 20
	// MaxAttachment is the most an administrator may allow.
	MaxAttachment = 4 << 30
)

func defaultSettings() Settings {
	return Settings{AttachmentLimitCorporate: DefaultLimitCorporate, AttachmentLimitPublic: DefaultLimitPublic, GlobalPosters: []string{}}
}

// Settings reads the current switches.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	out := defaultSettings()
	var raw string
	err := s.db.Read.QueryRowContext(ctx, "SELECT value FROM messenger_settings WHERE id = 1").Scan(&raw)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("messenger settings: %w", err)
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			return out, fmt.Errorf("messenger settings: %w", err)
		}
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT u.huid FROM global_posters g JOIN users u ON u.id = g.user_id ORDER BY u.huid")
	if err != nil {
		return out, fmt.Errorf("global chat posters: %w", err)
	}
	defer rows.Close()
	out.GlobalPosters = []string{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return out, fmt.Errorf("global chat posters: %w", err)
		}
		out.GlobalPosters = append(out.GlobalPosters, h)
	}
	return out, rows.Err()
}

// SettingsPatch changes some switches; nil fields stay.
type SettingsPatch struct {
	ShowAllContacts          *bool     `json:"show_all_contacts"`
	AttachmentLimitCorporate *int64    `json:"attachment_limit_corporate"`
	AttachmentLimitPublic    *int64    `json:"attachment_limit_public"`
	GlobalPosters            *[]string `json:"global_posters"`
}

// SetSettings applies an administrator's change.
func (s *Service) SetSettings(ctx context.Context, p SettingsPatch) (Settings, error) {
	cur, err := s.Settings(ctx)
	if err != nil {
		return cur, err
	}
	check := func(field string, v *int64, dst *int64) error {
		if v == nil {
			return nil
		}
		if *v < 1<<20 || *v > MaxAttachment {
			return web.Invalid(field, "out_of_range", fmt.Sprintf("%s must be from 1 MiB to 4 GiB, in bytes", field))
		}
		*dst = *v
		return nil
	}
	if err := check("attachment_limit_corporate", p.AttachmentLimitCorporate, &cur.AttachmentLimitCorporate); err != nil {
		return cur, err
	}
	if err := check("attachment_limit_public", p.AttachmentLimitPublic, &cur.AttachmentLimitPublic); err != nil {
		return cur, err
	}
	if p.ShowAllContacts != nil {
		cur.ShowAllContacts = *p.ShowAllContacts
	}
	err = s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		if p.GlobalPosters != nil {
			ids, err := userIDs(tx, *p.GlobalPosters)
			if err != nil {
				return err
			}
			if _, err := tx.Exec("DELETE FROM global_posters"); err != nil {
				return fmt.Errorf("global chat posters: %w", err)
			}
			for _, id := range ids {
				if _, err := tx.Exec("INSERT INTO global_posters (user_id) VALUES (?)", id); err != nil {
					return fmt.Errorf("global chat posters: %w", err)
				}
			}
		}
		stored := cur
		stored.GlobalPosters = nil
		b, _ := json.Marshal(stored)
		_, err := tx.Exec("INSERT INTO messenger_settings (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value", string(b))
		return err
	})
	if err != nil {
		return cur, err
	}
	return s.Settings(ctx)
}

// SetOpen opens or closes any group or channel: the server administrator's
// switch, which needs no membership. Opening turns end-to-end encryption off.
func (s *Service) SetOpen(ctx context.Context, a Actor, chatUID string, open bool) error {
	if !a.ServerAdmin {
		return ErrServerAdmin
	}
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.placeBy(ctx, tx, a.ID, "c.uid = ?", chatUID)
		if err != nil {
			return err
		}
		if p.Kind != Group && p.Kind != Channel {
			return web.Invalid("open", "not_open", "only groups and channels can be open")
		}
		if p.Open == open {
			return nil
		}
		if _, err := tx.Exec("UPDATE chats SET open = ?, e2e = CASE WHEN ? THEN 0 ELSE e2e END WHERE id = ?", open, open, p.ID); err != nil {
			return fmt.Errorf("open chat: %w", err)
		}
		changed := []string{"open"}
		if open && p.E2E {
			changed = append(changed, "e2e")
		}
		log.add(event{audience: toAll, chatID: p.ID, typ: "chat.updated", payload: map[string]any{"chat_id": p.UID, "changed": changed, "open": open, "e2e": p.E2E && !open}})
		what := "chat.opened"
		if !open {
			what = "chat.closed"
		}
		_, err = s.systemMessage(tx, log, p.Chat, a, what, nil)
		return err
	})
}
