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

// maxChatsInMatch bounds the chat list written into a search's match.
const maxChatsInMatch = 1000

// chatsOf lists the chats whose messages a user may search: their own and
// the global chat.
func (s *Service) chatsOf(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT chat_id FROM chat_members WHERE user_id = ?", userID)
	if err != nil {
		return nil, fmt.Errorf("chats of user %d: %w", userID, err)
	}
	defer rows.Close()
	ids := []int64{s.globalID}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("chats of user %d: %w", userID, err)
		}
		if id != s.globalID {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

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
	var chatIDs []int64
	if chatUID != "" {
		p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
		if err != nil {
			return out, err
		}
		if !p.canRead() {
			return out, ErrNotFound
		}
		chatIDs = []int64{p.ID}
	} else {
		var err error
		if chatIDs, err = s.chatsOf(ctx, a.ID); err != nil {
			return out, err
		}
	}
	// The searcher's chats go into the match itself, so the index
	// intersects the words with them; a very long list is checked by the
	// join alone.
	fts := "terms : (" + match + ")"
	if len(chatIDs) <= maxChatsInMatch {
		tokens := make([]string, len(chatIDs))
		for i, id := range chatIDs {
			tokens[i] = chatToken(id)
		}
		fts += " AND chat : (" + strings.Join(tokens, " OR ") + ")"
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.rowid FROM message_terms t JOIN messages m ON m.id = t.rowid
		WHERE message_terms MATCH ? AND m.chat_id IN (SELECT value FROM json_each(?)) AND m.deleted_at IS NULL
		ORDER BY t.rowid DESC LIMIT ?`, fts, idsJSON(chatIDs), limit)
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
