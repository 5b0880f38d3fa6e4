package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"parley/server/store"
)

// An administrator invites a person by e-mail; the link in the invitation
// mail lets them choose a password, which creates their account. Only a
// hash of each link's token is stored.

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// InvitationState is where an invitation stands.
type InvitationState string

const (
	InvitationPending  InvitationState = "pending"
	InvitationAccepted InvitationState = "accepted"
	InvitationExpired  InvitationState = "expired"
	InvitationRevoked  InvitationState = "revoked"
)

// Invitation is one invitation to the support portal.
type Invitation struct {
	ID            int64
	Email         string
	Name          string
	Role          Role
	InvitedBy     int64  // 0 when the inviting admin's account is gone
	InvitedByName string // as the list shows it
	CreatedAt     time.Time
	ExpiresAt     time.Time
	AcceptedAt    *time.Time
	UserID        int64 // the account created on acceptance
	RevokedAt     *time.Time
}

// State says whether the invitation can still be accepted, at time now.
func (inv Invitation) State(now time.Time) InvitationState {
	switch {
	case inv.AcceptedAt != nil:
		return InvitationAccepted
	case inv.RevokedAt != nil:
		return InvitationRevoked
	case !now.Before(inv.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// Errors of invitation links, which the set-password page tells apart.
var (
	ErrNotAdmin             = errors.New("only administrators may invite people")
	ErrInvitationNotFound   = errors.New("this invitation link is not valid")
	ErrInvitationExpired    = errors.New("this invitation link has expired")
	ErrInvitationRevoked    = errors.New("this invitation was withdrawn")
	ErrInvitationUsed       = errors.New("this invitation has already been used")
	ErrInvitationNotPending = errors.New("this invitation has already been accepted or withdrawn")
)

const invitationColumns = `i.id, i.email, i.role, i.name, coalesce(i.invited_by, 0),
	coalesce(nullif(u.name, ''), u.email, u.login, ''), i.created_at, i.expires_at, i.accepted_at,
	coalesce(i.user_id, 0), i.revoked_at`

const invitationFrom = ` FROM invitations i LEFT JOIN users u ON u.id = i.invited_by`

func scanInvitation(row interface{ Scan(...any) error }) (Invitation, error) {
	var (
		inv               Invitation
		created, expires  string
		accepted, revoked sql.NullString
	)
	err := row.Scan(&inv.ID, &inv.Email, &inv.Role, &inv.Name, &inv.InvitedBy, &inv.InvitedByName, &created, &expires,
		&accepted, &inv.UserID, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, ErrInvitationNotFound
	}
	if err != nil {
		return inv, fmt.Errorf("read invitation: %w", err)
	}
	if inv.CreatedAt, err = store.ParseTime(created); err != nil {
		return inv, err
	}
	if inv.ExpiresAt, err = store.ParseTime(expires); err != nil {
		return inv, err
	}
	if inv.AcceptedAt, err = store.NullTime(accepted); err != nil {
		return inv, err
	}
	inv.RevokedAt, err = store.NullTime(revoked)
	return inv, err
}

// Invite records an invitation of email with the given role (user or
// support) and returns it with the token of its link, which exists only in
// the returned value and the mail. Only administrators invite. A pending
// invitation of the same address is replaced: its old link stops working.
func (s *Service) Invite(ctx context.Context, inviter User, email, name string, role Role) (Invitation, string, error) {
	if inviter.Role != RoleAdmin {
		return Invitation{}, "", ErrNotAdmin
	}
	email = strings.TrimSpace(email)
	if email == "" {
		return Invitation{}, "", &ValidationError{Field: "email", Message: "is required"}
	}
	p, err := NormalizeProfile(Profile{Email: email, Name: name})
	if err != nil {
		return Invitation{}, "", err
	}
	if role == "" {
		role = RoleUser
	}
	if role != RoleUser && role != RoleSupport {
		return Invitation{}, "", &ValidationError{Field: "role", Message: "must be user or support"}
	}
	token := newToken()
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)", p.Email).Scan(&exists); err != nil {
			return fmt.Errorf("look up %s: %w", p.Email, err)
		}
		if exists {
			return &ValidationError{Field: "email", Message: "an account with this e-mail already exists"}
		}
		// Replace the open invitation in place, so the list keeps one row per person.
		err := tx.QueryRowContext(ctx, `UPDATE invitations SET role = ?, name = ?, token_hash = ?, invited_by = ?,
			created_at = ?, expires_at = ? WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id`,
			role, p.Name, hashToken(token), inviter.ID, store.FormatTime(now), store.FormatTime(now.Add(InvitationTTL)), p.Email,
		).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("replace invitation of %s: %w", p.Email, err)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO invitations (email, role, name, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.Email, role, p.Name, hashToken(token), inviter.ID, store.FormatTime(now), store.FormatTime(now.Add(InvitationTTL)),
		).Scan(&id)
		if err != nil {
			return fmt.Errorf("record invitation of %s: %w", p.Email, err)
		}
		return nil
	})
	if err != nil {
		return Invitation{}, "", err
	}
	inv, err := s.InvitationByID(ctx, id)
	return inv, token, err
}

// InvitationByID loads one invitation.
func (s *Service) InvitationByID(ctx context.Context, id int64) (Invitation, error) {
	return scanInvitation(s.db.Read.QueryRowContext(ctx, "SELECT "+invitationColumns+invitationFrom+" WHERE i.id = ?", id))
}

// Invitations lists the latest invitations, newest first.
func (s *Service) Invitations(ctx context.Context, limit int) ([]Invitation, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+invitationColumns+invitationFrom+" ORDER BY i.created_at DESC, i.id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// InvitationByToken finds the invitation of a link and says why it cannot be
// used, if it cannot: ErrInvitationNotFound, ErrInvitationExpired,
// ErrInvitationRevoked or ErrInvitationUsed. The invitation is returned with
// the last three, so a page can still name the address.
func (s *Service) InvitationByToken(ctx context.Context, token string) (Invitation, error) {
	if token == "" || len(token) > 200 {
		return Invitation{}, ErrInvitationNotFound
	}
	inv, err := scanInvitation(s.db.Read.QueryRowContext(ctx, "SELECT "+invitationColumns+invitationFrom+" WHERE i.token_hash = ?",
		hashToken(token)))
	if err != nil {
		return inv, err
	}
	switch inv.State(s.now()) {
	case InvitationAccepted:
		return inv, ErrInvitationUsed
	case InvitationRevoked:
		return inv, ErrInvitationRevoked
	case InvitationExpired:
		return inv, ErrInvitationExpired
	}
	return inv, nil
}

// AcceptInvitation creates the invited person's account with their name and
// password, marks the invitation used and signs them in on dev, returning
// the session token as SignIn does.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string, dev Device, ip string) (string, User, Session, error) {
	inv, err := s.InvitationByToken(ctx, token)
	if err != nil {
		return "", User{}, Session{}, err
	}
	p, err := NormalizeProfile(Profile{Email: inv.Email, Name: name})
	if err != nil {
		return "", User{}, Session{}, err
	}
	if p.Name == "" {
		return "", User{}, Session{}, &ValidationError{Field: "name", Message: "is required"}
	}
	if err := CheckPasswordRules(password, p.Email, p.Name); err != nil {
		return "", User{}, Session{}, err
	}
	dev, err = normalizeDevice(dev)
	if err != nil {
		return "", User{}, Session{}, err
	}
	hash := s.hasher.Hash(password) // slow: done before taking the write lock

	sessToken := newToken()
	nowT := s.now()
	now := store.FormatTime(nowT)
	var userID, sid int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Claim the invitation first: of two tabs submitting at once, one wins.
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?`, now, inv.ID, now)
		if err != nil {
			return fmt.Errorf("accept invitation %d: %w", inv.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrInvitationNotPending
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (huid, kind, role, email, password_hash, name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			uuid.NewString(), KindRegistered, inv.Role, p.Email, hash, p.Name, now, now).Scan(&userID)
		if err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Field: "email", Message: "an account with this e-mail already exists"}
			}
			return fmt.Errorf("create invited user %s: %w", p.Email, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invitations SET user_id = ? WHERE id = ?", userID, inv.ID); err != nil {
			return fmt.Errorf("link invitation %d to its user: %w", inv.ID, err)
		}
		sid, err = openSession(ctx, tx, userID, sessToken, dev, ip, now)
		return err
	})
	if err != nil {
		return "", User{}, Session{}, err
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", User{}, Session{}, err
	}
	sess, err := s.session(ctx, sid)
	return sessToken, u, sess, err
}

// RevokeInvitation withdraws an invitation that was not accepted: its link
// stops working.
func (s *Service) RevokeInvitation(ctx context.Context, admin User, id int64) error {
	if admin.Role != RoleAdmin {
		return ErrNotAdmin
	}
	res, err := s.db.Write.ExecContext(ctx, "UPDATE invitations SET revoked_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
		store.FormatTime(s.now()), id)
	if err != nil {
		return fmt.Errorf("revoke invitation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.InvitationByID(ctx, id); err != nil {
			return err
		}
		return ErrInvitationNotPending
	}
	return nil
}

// ResendInvitation gives a pending or expired invitation a new link valid
// for another InvitationTTL; the old link stops working. The caller mails
// the new token.
func (s *Service) ResendInvitation(ctx context.Context, admin User, id int64) (Invitation, string, error) {
	if admin.Role != RoleAdmin {
		return Invitation{}, "", ErrNotAdmin
	}
	cur, err := s.InvitationByID(ctx, id)
	if err != nil {
		return Invitation{}, "", err
	}
	var exists bool
	if err := s.db.Read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)", cur.Email).Scan(&exists); err != nil {
		return Invitation{}, "", fmt.Errorf("look up %s: %w", cur.Email, err)
	}
	if exists {
		return Invitation{}, "", &ValidationError{Field: "email", Message: "an account with this e-mail already exists"}
	}
	token := newToken()
	now := s.now()
	res, err := s.db.Write.ExecContext(ctx, `UPDATE invitations SET token_hash = ?, invited_by = ?, created_at = ?, expires_at = ?
		WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
		hashToken(token), admin.ID, store.FormatTime(now), store.FormatTime(now.Add(InvitationTTL)), id)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("renew invitation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Invitation{}, "", ErrInvitationNotPending
	}
	inv, err := s.InvitationByID(ctx, id)
	return inv, token, err
}
