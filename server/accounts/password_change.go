package accounts

import (
	"context"
	"errors"
	"net/http"
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

// confirmEmailChange asks a profile form that moves the sign-in e-mail for
// the current password (pw), as PATCH /api/v1/me does. Every refusal comes
// back as a *ValidationError on the field current_password, so that the form
// shows it beside that field and keeps what was typed.
func (h *Handler) confirmEmailChange(r *http.Request, u User, email, pw string) error {
	if _, err := NormalizeProfile(Profile{Email: email}); err != nil || sameEmail(email, u.Profile.Email) {
		return nil // a malformed e-mail is refused with the rest of the form
	}
	fail := func(code, msg string) error {
		return &ValidationError{Field: "current_password", Code: code, Message: msg}
	}
	if pw == "" {
		return fail("email_password_required", "is required to change the e-mail you sign in with")
	}
	release, err := h.svc.hasher.Admit(r.Context())
	if err != nil {
		return fail("busy", "could not be checked: too many sign-ins at once; try again in a few seconds")
	}
	defer release()
	var te *ThrottledError
	switch err := h.svc.CheckOwnPassword(r.Context(), u, pw); {
	case errors.Is(err, ErrWrongPassword):
		return fail("wrong_password", "is not your current password")
	case errors.As(err, &te):
		return fail("throttled", "was wrong too many times; try again later")
	default:
		return err
	}
}
