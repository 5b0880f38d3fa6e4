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

// "Forgot password?": a person asks for a link by mail and chooses a new
// password behind it. The link works once, for ResetLinkTTL, and stops
// working as soon as the password changes in any other way. Only a hash of
// its token is stored.

// ResetLinkTTL is how long a password reset link works.
const ResetLinkTTL = time.Hour

// ResetLimits bound the reset mail one address can receive and the requests
// one client address can make, within Window.
type ResetLimits struct {
	PerEmail   int
	PerAddress int
	Window     time.Duration
}

// DefaultResetLimits: three mails an hour reach anyone, which covers a lost
// or late mail; twenty requests an hour from one address.
var DefaultResetLimits = ResetLimits{PerEmail: 3, PerAddress: 20, Window: time.Hour}

// Errors of reset links, which the reset page tells apart.
var (
	ErrResetLinkInvalid = errors.New("this password reset link is not valid")
	ErrResetLinkExpired = errors.New("this password reset link has expired")
	ErrResetLinkUsed    = errors.New("this password reset link has already been used")
)

// PasswordReset is a valid link's account and its deadline.
type PasswordReset struct {
	ID        int64
	User      User
	ExpiresAt time.Time
}

// RequestPasswordReset records a reset link for the account an e-mail (or
// login) names and returns the account and the link's token, to be mailed.
// The token is "" when nothing is to be sent: no such account, no e-mail on
// it, a blocked account or a bot, or enough mail sent to it lately. The
// caller answers the same in every one of those cases, so that the page
// does not tell which addresses have accounts. Only too many requests from
// one client address give a *ThrottledError.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) (User, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	switch {
	case email == "":
		return User{}, "", &ValidationError{Field: "email", Code: "required", Message: "is required"}
	case len(email) > 254 || !printable(email):
		return User{}, "", &ValidationError{Field: "email", Code: "invalid", Message: "is not a valid e-mail address"}
	}
	now := s.now()
	lim := s.resetLimits
	since := store.FormatTime(now.Add(-lim.Window))
	emailKey, ipKey := "email:"+email, "ip:"+ip
	var (
		emailCount int
		wait       time.Duration
	)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM password_reset_requests WHERE at < ?", since); err != nil {
			return fmt.Errorf("forget old reset requests: %w", err)
		}
		if ip != "" {
			var n int
			var oldest sql.NullString
			if err := tx.QueryRowContext(ctx, "SELECT count(*), min(at) FROM password_reset_requests WHERE key = ? AND at >= ?",
				ipKey, since).Scan(&n, &oldest); err != nil {
				return fmt.Errorf("count reset requests: %w", err)
			}
			if n >= lim.PerAddress {
				t, err := store.ParseTime(oldest.String)
				if err != nil {
					return err
				}
				wait = max(t.Add(lim.Window).Sub(now), time.Second)
				return nil
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM password_reset_requests WHERE key = ? AND at >= ?",
			emailKey, since).Scan(&emailCount); err != nil {
			return fmt.Errorf("count reset requests: %w", err)
		}
		for _, k := range []string{emailKey, ipKey} {
			if k == "ip:" {
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO password_reset_requests (key, at) VALUES (?, ?)", k, store.FormatTime(now)); err != nil {
				return fmt.Errorf("record reset request: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return User{}, "", err
	}
	if wait > 0 {
		return User{}, "", &ThrottledError{RetryAfter: wait}
	}
	if emailCount >= lim.PerEmail {
		return User{}, "", nil
	}
	u, _, err := s.userForSignIn(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		return User{}, "", nil
	case err != nil:
		return User{}, "", err
	case u.Profile.Email == "" || u.BlockedAt != nil || u.Kind == KindBot:
		return User{}, "", nil
	}
	token := newToken()
	if _, err := s.db.Write.ExecContext(ctx, `INSERT INTO password_resets (user_id, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?)`, u.ID, hashToken(token), store.FormatTime(now), store.FormatTime(now.Add(ResetLinkTTL))); err != nil {
		return User{}, "", fmt.Errorf("record reset link: %w", err)
	}
	return u, token, nil
}

// PasswordResetByToken finds the account of a reset link, or says why the
// link cannot be used: ErrResetLinkInvalid, ErrResetLinkExpired,
// ErrResetLinkUsed or ErrBlocked.
func (s *Service) PasswordResetByToken(ctx context.Context, token string) (PasswordReset, error) {
	if token == "" || len(token) > 200 {
		return PasswordReset{}, ErrResetLinkInvalid
	}
	var (
		r       PasswordReset
		userID  int64
		expires string
		used    sql.NullString
	)
	err := s.db.Read.QueryRowContext(ctx, "SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?",
		hashToken(token)).Scan(&r.ID, &userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrResetLinkInvalid
	}
	if err != nil {
		return r, fmt.Errorf("read reset link: %w", err)
	}
	if r.ExpiresAt, err = store.ParseTime(expires); err != nil {
		return r, err
	}
	if r.User, err = s.UserByID(ctx, userID); err != nil {
		return r, err
	}
	switch {
	case used.Valid:
		return r, ErrResetLinkUsed
	case !s.now().Before(r.ExpiresAt):
		return r, ErrResetLinkExpired
	case r.User.BlockedAt != nil:
		return r, ErrBlocked
	}
	return r, nil
}

// ResetPassword sets the new password of a reset link's account, uses the
// link up, ends every session of the account (whoever had the old password
// is out) and signs the person in on dev, returning the session token as
// SignIn does.
func (s *Service) ResetPassword(ctx context.Context, token, password string, dev Device, ip string) (string, User, error) {
	r, err := s.PasswordResetByToken(ctx, token)
	if err != nil {
		return "", User{}, err
	}
	if err := CheckPasswordRules(password, r.User.Login, r.User.Profile.Email, r.User.Profile.Name); err != nil {
		return "", User{}, err
	}
	dev, err = normalizeDevice(dev)
	if err != nil {
		return "", User{}, err
	}
	hash := s.hasher.Hash(password) // slow: done before taking the write lock
	sessToken := newToken()
	now := store.FormatTime(s.now())
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Claim the link first: of two tabs submitting at once, one wins.
		res, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?",
			now, r.ID, now)
		if err != nil {
			return fmt.Errorf("use reset link: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrResetLinkUsed
		}
		res, err = tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ?,
			kind = CASE kind WHEN 'unregistered' THEN 'cts_user' ELSE kind END WHERE id = ? AND blocked_at IS NULL`,
			hash, now, r.User.ID)
		if err != nil {
			return fmt.Errorf("set new password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrBlocked
		}
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL",
			now, EndPasswordReset, r.User.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if err := voidResetLinks(ctx, tx, r.User.ID, now); err != nil {
			return err
		}
		_, err = openSession(ctx, tx, r.User.ID, sessToken, dev, ip, now)
		return err
	})
	if err != nil {
		return "", User{}, err
	}
	s.sessionsEnded(r.User.ID)
	if err := s.clearFailures(ctx, strings.ToLower(r.User.Profile.Email)); err != nil {
		return "", User{}, err
	}
	u, err := s.UserByID(ctx, r.User.ID)
	return sessToken, u, err
}

// voidResetLinks makes every unused reset link of the user stop working,
// inside the transaction that changes their password.
func voidResetLinks(ctx context.Context, tx *sql.Tx, userID int64, now string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", now, userID); err != nil {
		return fmt.Errorf("void reset links of user %d: %w", userID, err)
	}
	return nil
}
