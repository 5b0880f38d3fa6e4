package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"parley/server/store"
)

// ThrottlePolicy bounds password guessing: after MaxFailures wrong passwords
// within Window for one login (or IPMaxFailures from one address), sign-in
// is refused for Lockout, doubling with every further failure up to MaxLockout.
type ThrottlePolicy struct {
	MaxFailures   int
	IPMaxFailures int
	Window        time.Duration
	Lockout       time.Duration
	MaxLockout    time.Duration
}

// DefaultThrottle is the production policy.
var DefaultThrottle = ThrottlePolicy{
	MaxFailures:   5,
	IPMaxFailures: 30,
	Window:        15 * time.Minute,
	Lockout:       30 * time.Second,
	MaxLockout:    15 * time.Minute,
}

// ThrottledError says sign-in is refused for now and until when.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts; try again in %s", RoundUpSeconds(e.RetryAfter))
}

// RoundUpSeconds renders d as whole seconds, never rounding down to zero.
func RoundUpSeconds(d time.Duration) time.Duration {
	return time.Duration(math.Ceil(d.Seconds())) * time.Second
}

func throttleKeys(login, ip string) []string {
	keys := []string{"login:" + login}
	if ip != "" {
		keys = append(keys, "ip:"+ip)
	}
	return keys
}

// throttled reports the longest lock among keys still in force.
func (s *Service) throttled(ctx context.Context, keys []string) (time.Duration, error) {
	now := s.now()
	var wait time.Duration
	for _, k := range keys {
		var until string
		err := s.db.Read.QueryRowContext(ctx, "SELECT locked_until FROM signin_failures WHERE key = ?", k).Scan(&until)
		if errors.Is(err, sql.ErrNoRows) || until == "" {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read sign-in throttle: %w", err)
		}
		t, err := store.ParseTime(until)
		if err != nil {
			return 0, err
		}
		if d := t.Sub(now); d > wait {
			wait = d
		}
	}
	return wait, nil
}

// recordFailure counts one failed attempt against every key and returns the
// lock it caused, if any.
func (s *Service) recordFailure(ctx context.Context, keys []string) (time.Duration, error) {
	now := s.now()
	p := s.throttle
	var wait time.Duration
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for i, k := range keys {
			limit := p.MaxFailures
			if i > 0 {
				limit = p.IPMaxFailures
			}
			var failures int
			var first string
			err := tx.QueryRowContext(ctx, "SELECT failures, first_at FROM signin_failures WHERE key = ?", k).Scan(&failures, &first)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				failures, first = 0, store.FormatTime(now)
			case err != nil:
				return fmt.Errorf("read sign-in failures: %w", err)
			default:
				if t, _ := store.ParseTime(first); now.Sub(t) > p.Window && failures < limit {
					failures, first = 0, store.FormatTime(now) // an old, harmless streak
				}
			}
			failures++
			until := ""
			if failures >= limit {
				lock := p.Lockout << min(failures-limit, 20)
				if lock > p.MaxLockout || lock <= 0 {
					lock = p.MaxLockout
				}
				until = store.FormatTime(now.Add(lock))
				wait = max(wait, lock)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO signin_failures (key, failures, first_at, locked_until) VALUES (?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at,
				locked_until = excluded.locked_until`, k, failures, first, until); err != nil {
				return fmt.Errorf("record sign-in failure: %w", err)
			}
		}
		return nil
	})
	return wait, err
}

func (s *Service) clearFailures(ctx context.Context, login string) error {
	if _, err := s.db.Write.ExecContext(ctx, "DELETE FROM signin_failures WHERE key = ?", "login:"+login); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
