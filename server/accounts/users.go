package accounts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"parley/server/store"
)

// NewUser is what it takes to create an account.
type NewUser struct {
	Login    string // admins sign in with a login; others with their e-mail
	Password string // empty leaves the account without a password (unregistered)
	Role     Role
	Kind     Kind
	Profile  Profile
	// MustChangePassword marks one-time passwords.
	MustChangePassword bool
}

const userColumns = `id, huid, kind, role, coalesce(login, ''), coalesce(email, ''), password_hash, must_change_password,
	name, phone, company, department, position, manager, office, ad_login, ad_domain, tags, lang, created_at, updated_at, blocked_at`

func scanUser(row interface{ Scan(...any) error }) (User, string, error) {
	var (
		u                User
		hash, tags       string
		created, updated string
		blocked          sql.NullString
	)
	err := row.Scan(&u.ID, &u.HUID, &u.Kind, &u.Role, &u.Login, &u.Profile.Email, &hash, &u.MustChangePassword,
		&u.Profile.Name, &u.Profile.Phone, &u.Profile.Company, &u.Profile.Department, &u.Profile.Position,
		&u.Profile.Manager, &u.Profile.Office, &u.Profile.ADLogin, &u.Profile.ADDomain, &tags, &u.Lang, &created, &updated, &blocked)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", ErrNotFound
	}
	if err != nil {
		return u, "", fmt.Errorf("read user: %w", err)
	}
	if err := json.Unmarshal([]byte(tags), &u.Profile.Tags); err != nil {
		return u, "", fmt.Errorf("user %s tags: %w", u.HUID, err)
	}
	if u.CreatedAt, err = store.ParseTime(created); err != nil {
		return u, "", err
	}
	if u.UpdatedAt, err = store.ParseTime(updated); err != nil {
		return u, "", err
	}
	if u.BlockedAt, err = store.NullTime(blocked); err != nil {
		return u, "", err
	}
	return u, hash, nil
}

// NormalizeProfile trims the profile and reports the first invalid field.
func NormalizeProfile(p Profile) (Profile, error) {
	fields := []struct {
		name string
		v    *string
		max  int
	}{
		{"name", &p.Name, 200}, {"email", &p.Email, 254}, {"phone", &p.Phone, 40},
		{"company", &p.Company, 200}, {"department", &p.Department, 200}, {"position", &p.Position, 200},
		{"manager", &p.Manager, 200}, {"office", &p.Office, 200}, {"ad_login", &p.ADLogin, 200},
		{"ad_domain", &p.ADDomain, 200},
	}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if !utf8.ValidString(*f.v) {
			return p, &ValidationError{Field: f.name, Message: "is not valid UTF-8 text"}
		}
		if utf8.RuneCountInString(*f.v) > f.max {
			return p, &ValidationError{Field: f.name, Message: fmt.Sprintf("must be at most %d characters", f.max)}
		}
		if strings.ContainsAny(*f.v, "\x00\r\n") {
			return p, &ValidationError{Field: f.name, Message: "must be a single line of text"}
		}
	}
	if p.Email != "" {
		addr, err := mail.ParseAddress(p.Email)
		if err != nil || addr.Address != p.Email || !strings.Contains(p.Email, "@") {
			return p, &ValidationError{Field: "email", Message: "is not a valid e-mail address"}
		}
		p.Email = strings.ToLower(p.Email)
	}
	if p.Phone != "" && strings.Trim(p.Phone, "+0123456789 ()-") != "" {
		return p, &ValidationError{Field: "phone", Message: "may contain only digits, spaces, brackets, dashes and a leading +"}
	}
	tags := make([]string, 0, len(p.Tags))
	seen := map[string]bool{}
	for _, t := range p.Tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if utf8.RuneCountInString(t) > 50 {
			return p, &ValidationError{Field: "tags", Message: "each tag must be at most 50 characters"}
		}
		seen[strings.ToLower(t)] = true
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		return p, &ValidationError{Field: "tags", Message: "at most 50 tags"}
	}
	p.Tags = tags
	return p, nil
}

func normalizeLogin(login string) (string, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return "", nil
	}
	if utf8.RuneCountInString(login) > 100 || strings.ContainsAny(login, " \t\r\n\x00@") {
		return "", &ValidationError{Field: "login", Message: "must be at most 100 characters without spaces or @"}
	}
	return strings.ToLower(login), nil
}

// CreateUser stores a new account with a fresh HUID.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	login, err := normalizeLogin(nu.Login)
	if err != nil {
		return User{}, err
	}
	prof, err := NormalizeProfile(nu.Profile)
	if err != nil {
		return User{}, err
	}
	if login == "" && prof.Email == "" {
		return User{}, &ValidationError{Field: "email", Message: "an e-mail or a login is required"}
	}
	if nu.Role == "" {
		nu.Role = RoleUser
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return User{}, &ValidationError{Field: "role", Message: err.Error()}
	}
	kind := nu.Kind
	if kind == "" {
		kind = KindUnregistered
	}
	hash := ""
	if nu.Password != "" {
		if err := CheckPasswordRules(nu.Password, nu.Login, prof.Email, prof.Name); err != nil {
			return User{}, err
		}
		hash = s.hasher.Hash(nu.Password)
	}
	tags, _ := json.Marshal(prof.Tags)
	now := store.FormatTime(s.now())
	huid := uuid.NewString() // lower-case by definition of its String form
	var id int64
	err = s.db.Write.QueryRowContext(ctx, `INSERT INTO users
		(huid, kind, role, login, email, password_hash, must_change_password, name, phone, company, department,
		 position, manager, office, ad_login, ad_domain, tags, created_at, updated_at)
		VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		huid, kind, nu.Role, login, prof.Email, hash, nu.MustChangePassword, prof.Name, prof.Phone, prof.Company,
		prof.Department, prof.Position, prof.Manager, prof.Office, prof.ADLogin, prof.ADDomain, string(tags), now, now,
	).Scan(&id)
	if err != nil {
		if isUniqueViolation(err) {
			return User{}, ErrTaken
		}
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return s.UserByID(ctx, id)
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// UserByID loads one user.
func (s *Service) UserByID(ctx context.Context, id int64) (User, error) {
	u, _, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	return u, err
}

// UserByHUID loads one user by HUID.
func (s *Service) UserByHUID(ctx context.Context, huid string) (User, error) {
	u, _, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE huid = ?", strings.ToLower(huid)))
	return u, err
}

// userForSignIn finds the account a sign-in names, by e-mail or login.
func (s *Service) userForSignIn(ctx context.Context, login string) (User, string, error) {
	login = strings.TrimSpace(login)
	return scanUser(s.db.Read.QueryRowContext(ctx,
		"SELECT "+userColumns+" FROM users WHERE email = ? OR login = ? ORDER BY id LIMIT 1", login, login))
}

// UpdateProfile replaces the profile; the HUID, role and sessions stay.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, p Profile) (User, error) {
	defer s.auth.forgetUser(userID) // the cached user is stale
	p, err := NormalizeProfile(p)
	if err != nil {
		return User{}, err
	}
	cur, err := s.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if p.Email == "" && cur.Login == "" {
		return User{}, &ValidationError{Field: "email", Message: "is required: it is how this account signs in"}
	}
	tags, _ := json.Marshal(p.Tags)
	res, err := s.db.Write.ExecContext(ctx, `UPDATE users SET email = nullif(?, ''), name = ?, phone = ?, company = ?,
		department = ?, position = ?, manager = ?, office = ?, ad_login = ?, ad_domain = ?, tags = ?, updated_at = ?
		WHERE id = ?`, p.Email, p.Name, p.Phone, p.Company, p.Department, p.Position, p.Manager, p.Office,
		p.ADLogin, p.ADDomain, string(tags), store.FormatTime(s.now()), userID)
	if err != nil {
		if isUniqueViolation(err) {
			return User{}, ErrTaken
		}
		return User{}, fmt.Errorf("update profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return User{}, ErrNotFound
	}
	return s.UserByID(ctx, userID)
}

// SetLang saves the user's interface language ("" follows the browser).
func (s *Service) SetLang(ctx context.Context, userID int64, lang string) error {
	defer s.auth.forgetUser(userID) // the cached user is stale
	_, err := s.db.Write.ExecContext(ctx, "UPDATE users SET lang = ?, updated_at = ? WHERE id = ?",
		lang, store.FormatTime(s.now()), userID)
	if err != nil {
		return fmt.Errorf("save language: %w", err)
	}
	return nil
}

// ChangePassword replaces the password after checking the current one, and
// ends every other session of the user: whoever knew the old password is out.
func (s *Service) ChangePassword(ctx context.Context, userID, keepSession int64, current, next string) error {
	u, hash, err := scanUser(s.db.Read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", userID))
	if err != nil {
		return err
	}
	if !s.hasher.Verify(hash, current) {
		return &ValidationError{Field: "current_password", Message: "is not your current password"}
	}
	if err := CheckPasswordRules(next, u.Login, u.Profile.Email, u.Profile.Name); err != nil {
		ve := err.(*ValidationError)
		return &ValidationError{Field: "new_password", Code: ve.Code, Message: ve.Message}
	}
	if next == current {
		return &ValidationError{Field: "new_password", Message: "must differ from the current one"}
	}
	newHash := s.hasher.Hash(next)
	now := store.FormatTime(s.now())
	defer s.sessionsEnded(userID)
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
			newHash, now, userID); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ?
			WHERE user_id = ? AND id <> ? AND ended_at IS NULL`, now, EndPasswordChanged, userID, keepSession); err != nil {
			return fmt.Errorf("end other sessions: %w", err)
		}
		return voidResetLinks(ctx, tx, userID, now)
	})
}

// SetPassword sets a password without knowing the old one (administrators,
// invitations). Reset links mailed earlier stop working.
func (s *Service) SetPassword(ctx context.Context, userID int64, pw string, mustChange bool) error {
	defer s.auth.forgetUser(userID) // the cached user is stale
	if err := CheckPasswordRules(pw); err != nil {
		return err
	}
	hash := s.hasher.Hash(pw)
	now := store.FormatTime(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?",
			hash, mustChange, now, userID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		return voidResetLinks(ctx, tx, userID, now)
	})
}

// CountAdmins tells whether the server has an administrator yet.
func (s *Service) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE role = 'admin'").Scan(&n); err != nil {
		return 0, fmt.Errorf("count administrators: %w", err)
	}
	return n, nil
}

// EnsureFirstAdmin creates the administrator "admin" with a one-time
// password when the server has no administrator at all. It returns the
// password only when it created the account.
func (s *Service) EnsureFirstAdmin(ctx context.Context) (User, string, error) {
	n, err := s.CountAdmins(ctx)
	if err != nil || n > 0 {
		return User{}, "", err
	}
	pw := RandomPassword()
	u, err := s.CreateUser(ctx, NewUser{Login: "admin", Password: pw, Role: RoleAdmin, Kind: KindRegistered,
		Profile: Profile{Name: "Administrator"}, MustChangePassword: true})
	if err != nil {
		return User{}, "", fmt.Errorf("create first administrator: %w", err)
	}
	return u, pw, nil
}
