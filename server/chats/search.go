package chats

import (
	"context"
	"fmt"
	"strings"

	"parley/server/web"
)

// SearchResult is a page of messages found, newest first.
type SearchResult struct {
	Query    string        `json:"query"`
	Messages []MessageJSON `json:"messages"`
}

const maxSearchResults = 50

// Search finds messages by words (Russian and English word forms alike) in
// the chats the actor reads, or in one of them; newest first. Chats the
// actor is not in are never searched.
func (s *Service) Search(ctx context.Context, a Actor, q, chatUID string, limit int) (SearchResult, error) {
	q = strings.TrimSpace(q)
	out := SearchResult{Query: q, Messages: []MessageJSON{}}
	if q == "" {
		return out, web.Invalid("q", "required", "type the words to look for")
	}
	if len(q) > 200 {
		return out, web.Invalid("q", "too_long", "a search holds at most 200 characters")
	}
	match := matchQuery(q)
	if match == "" {
		return out, nil
	}
	if limit <= 0 || limit > maxSearchResults {
		limit = maxSearchResults
	}
	scope := `m.chat_id IN (SELECT chat_id FROM chat_members WHERE user_id = ?2 UNION ALL SELECT ?3)`
	args := []any{match, a.ID, s.globalID}
	var p place
	if chatUID != "" {
		var err error
		if p, err = s.lookup(ctx, s.db.Read, a.ID, chatUID); err != nil {
			return out, err
		}
		if !p.canRead() {
			return out, ErrNotFound
		}
		scope = "m.chat_id = ?2"
		args = []any{match, p.ID}
	}
	args = append(args, limit)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.rowid FROM message_terms t JOIN messages m ON m.id = t.rowid
		WHERE message_terms MATCH ?1 AND `+scope+` AND m.deleted_at IS NULL ORDER BY t.rowid DESC LIMIT ?`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return out, fmt.Errorf("search %q: %w", q, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return out, fmt.Errorf("search: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("search: %w", err)
	}
	ms, err := s.messagesByID(ctx, s.db.Read, a.ID, ids)
	if err != nil {
		return out, err
	}
	// Channel posts found by a subscriber carry no author.
	subscriberOf := map[string]bool{}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		sub, ok := subscriberOf[m.ChatID]
		if !ok {
			cp, err := s.lookup(ctx, s.db.Read, a.ID, m.ChatID)
			if err != nil {
				continue
			}
			sub = cp.subscriber()
			subscriberOf[m.ChatID] = sub
		}
		if sub {
			m = m.forSubscriber()
		}
		out.Messages = append(out.Messages, m)
	}
	return out, nil
}
