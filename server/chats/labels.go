package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"parley/server/web"
)

// Label is one of a user's own labels and how it notifies.
type Label struct {
	Label  string `json:"label"`
	Notify bool   `json:"notify"`
	Chats  int    `json:"chats"`
}

// Labels lists the labels the actor put on chats, with their notification
// setting and how many chats carry each.
func (s *Service) Labels(ctx context.Context, a Actor) ([]Label, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT j.value, count(*), coalesce((SELECT notify FROM chat_labels l WHERE l.user_id = m.user_id AND l.label = j.value), 1)
		FROM chat_members m, json_each(m.labels) j WHERE m.user_id = ? GROUP BY j.value COLLATE NOCASE ORDER BY j.value COLLATE NOCASE`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer rows.Close()
	out := []Label{}
	for rows.Next() {
		var l Label
		if err := rows.Scan(&l.Label, &l.Chats, &l.Notify); err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetLabelNotify switches notifications of every chat carrying a label.
func (s *Service) SetLabelNotify(ctx context.Context, a Actor, label string, notify bool) error {
	label = strings.TrimSpace(label)
	if label == "" || len([]rune(label)) > maxLabelLen {
		return web.Invalid("label", "bad_label", fmt.Sprintf("a label has 1 to %d characters", maxLabelLen))
	}
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		if _, err := tx.Exec(`INSERT INTO chat_labels (user_id, label, notify) VALUES (?, ?, ?)
			ON CONFLICT (user_id, label) DO UPDATE SET notify = excluded.notify`, a.ID, label, notify); err != nil {
			return fmt.Errorf("label %q: %w", label, err)
		}
		log.add(event{audience: toUser, userID: a.ID, typ: "chat.updated", payload: map[string]any{"label": label, "notify": notify}})
		return nil
	})
}

// Notifies reports whether a chat notifies the user: its own switch, its
// mute, and the labels on it (a muted label silences its chats).
func (s *Service) Notifies(ctx context.Context, userID int64, chatUID string) (bool, error) {
	var notify, muted bool
	var labels string
	err := s.db.Read.QueryRowContext(ctx, `SELECT m.notify, m.muted, m.labels FROM chat_members m JOIN chats c ON c.id = m.chat_id
		WHERE c.uid = ? AND m.user_id = ?`, chatUID, userID).Scan(&notify, &muted, &labels)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notification setting: %w", err)
	}
	if !notify || muted {
		return false, nil
	}
	var list []string
	_ = json.Unmarshal([]byte(labels), &list)
	for _, l := range list {
		var on bool
		err := s.db.Read.QueryRowContext(ctx, "SELECT notify FROM chat_labels WHERE user_id = ? AND label = ?", userID, l).Scan(&on)
		if err == nil && !on {
			return false, nil
		}
	}
	return true, nil
}
