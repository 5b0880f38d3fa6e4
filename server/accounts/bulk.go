package accounts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"parley/server/store"
)

// CreateUsersBulk stores many registered accounts that share one password,
// for load tests and demonstration data: the password is hashed once (an
// argon2id hash per account would take minutes for 20,000 of them) and
// every row goes in through one transaction. Accounts whose e-mail or login
// is taken already are left as they are and not counted, so a run that
// stopped half-way can simply be repeated. It returns how many it created.
func (s *Service) CreateUsersBulk(ctx context.Context, password string, users []NewUser) (int, error) {
	if err := CheckPasswordRules(password); err != nil {
		return 0, err
	}
	type row struct {
		nu    NewUser
		login string
		prof  Profile
		tags  string
	}
	rows := make([]row, 0, len(users))
	for i, nu := range users {
		login, err := normalizeLogin(nu.Login)
		if err != nil {
			return 0, fmt.Errorf("user %d: %w", i+1, err)
		}
		prof, err := NormalizeProfile(nu.Profile)
		if err != nil {
			return 0, fmt.Errorf("user %d: %w", i+1, err)
		}
		if login == "" && prof.Email == "" {
			return 0, fmt.Errorf("user %d: %w", i+1, &ValidationError{Field: "email", Message: "an e-mail or a login is required"})
		}
		if nu.Role == "" {
			nu.Role = RoleUser
		}
		if _, err := ParseRole(string(nu.Role)); err != nil {
			return 0, fmt.Errorf("user %d: %w", i+1, &ValidationError{Field: "role", Message: err.Error()})
		}
		if nu.Kind == "" {
			nu.Kind = KindRegistered
		}
		tags, _ := json.Marshal(prof.Tags)
		rows = append(rows, row{nu: nu, login: login, prof: prof, tags: string(tags)})
	}
	hash := s.hasher.Hash(password)
	now := store.FormatTime(s.now())
	created := 0
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO users
			(huid, kind, role, login, email, password_hash, must_change_password, name, phone, company, department,
			 position, manager, office, ad_login, ad_domain, tags, created_at, updated_at)
			VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("prepare bulk insert: %w", err)
		}
		defer stmt.Close()
		for _, r := range rows {
			p := r.prof
			res, err := stmt.ExecContext(ctx, uuid.NewString(), r.nu.Kind, r.nu.Role, r.login, p.Email, hash,
				r.nu.MustChangePassword, p.Name, p.Phone, p.Company, p.Department, p.Position, p.Manager, p.Office,
				p.ADLogin, p.ADDomain, r.tags, now, now)
			if err != nil {
				return fmt.Errorf("create user %s: %w", p.Email+r.login, err)
			}
			n, _ := res.RowsAffected()
			created += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// BulkSession is a session opened by OpenSessionsBulk.
type BulkSession struct {
	Email, HUID, Token string
}

// OpenSessionsBulk signs the accounts with these e-mails in without their
// password, one session each on dev, in one transaction: for load tests,
// which need thousands of signed-in users and would otherwise spend minutes
// on argon2id. Unknown e-mails are skipped.
func (s *Service) OpenSessionsBulk(ctx context.Context, emails []string, dev Device) ([]BulkSession, error) {
	dev, err := normalizeDevice(dev)
	if err != nil {
		return nil, err
	}
	now := store.FormatTime(s.now())
	var out []BulkSession
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, email := range emails {
			var id int64
			var huid string
			err := tx.QueryRowContext(ctx, "SELECT id, huid FROM users WHERE email = ? AND blocked_at IS NULL", email).Scan(&id, &huid)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return fmt.Errorf("find %s: %w", email, err)
			}
			token := newToken()
			d := dev
			d.UDID = "loadtest-" + email
			if _, err := openSession(ctx, tx, id, token, d, "127.0.0.1", now); err != nil {
				return fmt.Errorf("open session of %s: %w", email, err)
			}
			out = append(out, BulkSession{Email: email, HUID: huid, Token: token})
		}
		return nil
	})
	return out, err
}
