package accounts

import (
	"context"
	"errors"
)

// EndLeaked is the end reason of a session whose token or cookie turned up
// where others can read it: in a diagnostics upload (a browser HAR of
// Parley itself, a client log).
const EndLeaked = "leaked"

// EndLeakedSession ends the live session whose bearer token or session
// cookie value is token, and reports whether there was one. Anything that
// is not a live session's token is no error: most values an upload holds
// are other servers' cookies.
func (s *Service) EndLeakedSession(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 200 {
		return false, nil
	}
	err := s.endSession(ctx, 0, EndLeaked, "token_hash = ?", hashToken(token))
	if errors.Is(err, ErrNoSession) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
