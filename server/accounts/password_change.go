package accounts

import (
	"context"
	"errors"
	"strings"
)

// Errors of the password checks a signed-in user goes through.
var (
	ErrWrongPassword   = errors.New("that is not your current password")
	ErrPasswordMissing = errors.New("your current password is required for this change")
)

// ChangeOwnPassword is ChangePassword for the user themself: besides the
// general rules, the new password may not be their login, e-mail or name,
// and wrong current passwords count against the account's sign-in throttle,
// so that a stolen session cannot guess the password faster than the
// sign-in form could. It ends every session of the user but keep.
func (s *Service) ChangeOwnPassword(ctx context.Context, u User, keep int64, current, next string) error {
	if current == "" {
		return &ValidationError{Field: "current_password", Code: "required", Message: "is required"}
	}
	if err := CheckPasswordRules(next, u.Login, u.Profile.Email, u.Profile.Name); err != nil {
		ve := err.(*ValidationError)
		return &ValidationError{Field: "new_password", Code: ve.Code, Message: ve.Message}
	}
	key := ownThrottleKey(u)
	if err := s.checkThrottle(ctx, key); err != nil {
		return err
	}
	err := s.ChangePassword(ctx, u.ID, keep, current, next)
	var ve *ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "current_password":
		if err := s.ownFailure(ctx, key); err != nil {
			return err
		}
		return ve
	case err != nil:
		return err
	}
	return s.clearFailures(ctx, strings.TrimPrefix(key, "login:"))
}

// CheckOwnPassword confirms that pw is the user's current password before a
// change that needs more than a session, such as a new sign-in e-mail. It
// gives ErrPasswordMissing, ErrWrongPassword, or a *ThrottledError after
// too many wrong ones (counted with the sign-in form's).
func (s *Service) CheckOwnPassword(ctx context.Context, u User, pw string) error {
	if pw == "" {
		return ErrPasswordMissing
	}
	key := ownThrottleKey(u)
	if err := s.checkThrottle(ctx, key); err != nil {
		return err
	}
	_, hash, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", u.ID))
	if err != nil {
		return err
	}
	if !s.hasher.Verify(hash, pw) {
		if err := s.ownFailure(ctx, key); err != nil {
			return err
		}
		return ErrWrongPassword
	}
	return s.clearFailures(ctx, strings.TrimPrefix(key, "login:"))
}

// ownThrottleKey is the key SignIn counts the user's failures under: their
// e-mail, or an administrator's login.
func ownThrottleKey(u User) string {
	if u.Profile.Email != "" {
		return "login:" + u.Profile.Email
	}
	return "login:" + u.Login
}

func (s *Service) checkThrottle(ctx context.Context, key string) error {
	wait, err := s.throttled(ctx, []string{key})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// ownFailure counts a wrong current password; it gives the lock it caused.
func (s *Service) ownFailure(ctx context.Context, key string) error {
	wait, err := s.recordFailure(ctx, []string{key})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}
