package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// OnSessionsEnded registers fn, called after any of a user's sessions ended
// (signed out, ended from another device, password changed or reset,
// blocked, idle): the messenger closes the sockets of those sessions.
func (s *Service) OnSessionsEnded(fn func(userID int64)) { s.ended.Store(&fn) }

func (s *Service) sessionsEnded(userID int64) {
	s.auth.forgetUser(userID)
	if fn := s.ended.Load(); fn != nil && userID != 0 {
		(*fn)(userID)
	}
}

// EndedAmong returns which of the sessions have ended, with the reason.
func (s *Service) EndedAmong(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range ids {
		var reason string
		err := s.db.Read.QueryRowContext(ctx, "SELECT end_reason FROM sessions WHERE id = ? AND ended_at IS NOT NULL", id).Scan(&reason)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("session %d: %w", id, err)
		}
		out[id] = reason
	}
	return out, nil
}
