package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley/server/store"
)

// What an administrator does to other accounts until the admin panel
// exists: from the command line, also while the server runs.

// FindUser finds an account by its e-mail or login.
func (s *Service) FindUser(ctx context.Context, emailOrLogin string) (User, error) {
	key := strings.ToLower(strings.TrimSpace(emailOrLogin))
	if key == "" {
		return User{}, ErrNotFound
	}
	u, _, err := s.userForSignIn(ctx, key)
	return u, err
}

// activeAdminsBesides counts the unblocked administrators other than userID.
func activeAdminsBesides(ctx context.Context, tx *sql.Tx, userID int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND blocked_at IS NULL AND id <> ?", userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count administrators: %w", err)
	}
	return n, nil
}

// Block keeps the account out: it cannot sign in, every session ends at
// once and its reset links stop working. The last administrator cannot be
// blocked, so that someone can always administer the server.
func (s *Service) Block(ctx context.Context, userID int64) error {
	now := store.FormatTime(s.now())
	defer s.sessionsEnded(userID)
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var role Role
		if err := tx.QueryRowContext(ctx, "SELECT role FROM users WHERE id = ?", userID).Scan(&role); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("read user %d: %w", userID, err)
		}
		if role == RoleAdmin {
			n, err := activeAdminsBesides(ctx, tx, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET blocked_at = coalesce(blocked_at, ?), updated_at = ? WHERE id = ?",
			now, now, userID); err != nil {
			return fmt.Errorf("block user %d: %w", userID, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL",
			now, EndBlocked, userID); err != nil {
			return fmt.Errorf("end sessions of user %d: %w", userID, err)
		}
		return voidResetLinks(ctx, tx, userID, now)
	})
}

// Unblock lets the account sign in again.
func (s *Service) Unblock(ctx context.Context, userID int64) error {
	defer s.auth.forgetUser(userID) // the cached user is stale
	res, err := s.db.Write.ExecContext(ctx, "UPDATE users SET blocked_at = NULL, updated_at = ? WHERE id = ?",
		store.FormatTime(s.now()), userID)
	if err != nil {
		return fmt.Errorf("unblock user %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetRole changes what the account may do. The last unblocked administrator
// keeps the role; bots have none to change.
func (s *Service) SetRole(ctx context.Context, userID int64, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return &ValidationError{Field: "role", Message: "must be user, support or admin"}
	}
	defer s.auth.forgetUser(userID)
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var cur Role
		var kind Kind
		err := tx.QueryRowContext(ctx, "SELECT role, kind FROM users WHERE id = ?", userID).Scan(&cur, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("read user %d: %w", userID, err)
		}
		if kind == KindBot {
			return &ValidationError{Field: "role", Message: "bots have no role to change"}
		}
		if cur == RoleAdmin && role != RoleAdmin {
			n, err := activeAdminsBesides(ctx, tx, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?",
			role, store.FormatTime(s.now()), userID); err != nil {
			return fmt.Errorf("set role of user %d: %w", userID, err)
		}
		return nil
	})
}

// ResetPasswordByAdmin gives the account a new one-time password, which the
// person must replace at their next sign-in, and ends all its sessions: an
// administrator's way back in for someone who lost their password.
func (s *Service) ResetPasswordByAdmin(ctx context.Context, userID int64) (string, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.BlockedAt != nil {
		return "", ErrBlocked
	}
	if u.Kind == KindBot {
		return "", &ValidationError{Field: "email", Message: "bots sign in with their own tokens, not a password"}
	}
	pw := RandomPassword()
	hash := s.hasher.Hash(pw)
	now := store.FormatTime(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ? WHERE id = ?",
			hash, now, userID); err != nil {
			return fmt.Errorf("set one-time password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL",
			now, EndPasswordReset, userID); err != nil {
			return fmt.Errorf("end sessions of user %d: %w", userID, err)
		}
		return voidResetLinks(ctx, tx, userID, now)
	})
	if err != nil {
		return "", err
	}
	s.sessionsEnded(userID)
	return pw, nil
}

// UserSummary is one line of the administrator's list of accounts.
type UserSummary struct {
	User
	LastSignIn *time.Time
}

// ListUsers lists every account, oldest first, with its last sign-in.
func (s *Service) ListUsers(ctx context.Context) ([]UserSummary, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+userColumns+
		", (SELECT max(created_at) FROM sessions WHERE user_id = users.id) FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []UserSummary
	for rows.Next() {
		var last sql.NullString
		u, _, err := scanUser(scanPlus{rows, &last})
		if err != nil {
			return nil, err
		}
		t, err := store.NullTime(last)
		if err != nil {
			return nil, err
		}
		out = append(out, UserSummary{User: u, LastSignIn: t})
	}
	return out, rows.Err()
}

// scanPlus reads a row of userColumns followed by more columns.
type scanPlus struct {
	row  interface{ Scan(...any) error }
	more any
}

func (p scanPlus) Scan(dest ...any) error { return p.row.Scan(append(dest, p.more)...) }
