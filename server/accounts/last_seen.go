package accounts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parley/server/store"
)

// LastSeen is when each of the users last used any session (to the
// granularity of session touches), for presence of people not connected.
func (s *Service) LastSeen(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT user_id, max(last_seen_at) FROM sessions WHERE user_id IN ("+strings.Join(list, ",")+") GROUP BY user_id")
	if err != nil {
		return nil, fmt.Errorf("last seen: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("last seen: %w", err)
		}
		if t, err := store.ParseTime(at); err == nil {
			out[id] = t
		}
	}
	return out, rows.Err()
}
