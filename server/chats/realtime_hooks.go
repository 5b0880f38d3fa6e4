package chats

import (
	"context"
	"fmt"
	"strings"
)

// TypingAudience is who sees userID typing in the chat: the other members
// who can read it. Only those who may post there type; in a channel that
// leaves subscribers out.
func (s *Service) TypingAudience(ctx context.Context, userID int64, chatUID string) ([]int64, error) {
	p, err := s.lookup(ctx, s.db.Read, userID, chatUID)
	if err != nil {
		return nil, err
	}
	poster := false
	if p.Kind == Global {
		if poster, err = isGlobalPoster(ctx, s.db.Read, userID); err != nil {
			return nil, err
		}
	}
	if !p.canRead() || !p.canPost(poster) {
		return nil, ErrCannotPost
	}
	if p.Kind == Global || p.Members > FullMemberList {
		// Nobody follows typing in a crowd; it is not worth the traffic.
		return nil, nil
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT user_id FROM chat_members WHERE chat_id = ? AND user_id <> ?", p.ID, userID)
	if err != nil {
		return nil, fmt.Errorf("typing audience: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("typing audience: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// UserIDs resolves HUIDs to user ids, leaving out unknown ones.
func (s *Service) UserIDs(ctx context.Context, huids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, h := range huids {
		h = strings.ToLower(h)
		if _, ok := out[h]; ok || len(h) != 36 {
			continue
		}
		var id int64
		err := s.db.Read.QueryRowContext(ctx, "SELECT id FROM users WHERE huid = ?", h).Scan(&id)
		if err == nil {
			out[h] = id
		}
	}
	return out, nil
}
