package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"parley/server/store"
)

// Device describes where a session was opened: the fields the admin panel's
// "activations" page shows for each sign-in.
type Device struct {
	UDID       string          `json:"udid"`
	Platform   string          `json:"platform"`
	AppVersion string          `json:"app_version"`
	UserAgent  string          `json:"user_agent"`
	Timezone   string          `json:"timezone"`
	Meta       json.RawMessage `json:"meta,omitempty"` // device meta: permissions.microphone, pushes, …
}

// Platforms a client may name.
var Platforms = []string{"web", "desktop", "android", "ios"}

// Session is one sign-in of one user on one device.
type Session struct {
	ID         int64
	UserID     int64
	Device     Device
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    *time.Time
	EndReason  string
}

// Why a session ended, as stored in sessions.end_reason: codes, which pages
// word in the reader's language (templates: account.end_reason.CODE).
const (
	EndSignedOut       = "signed_out"
	EndRemotely        = "ended_remotely" // from another session of the user
	EndPasswordChanged = "password_changed"
	EndPasswordReset   = "password_reset" // a reset link or the administrator set a new password
	EndIdle            = "idle"
	EndBlocked         = "blocked"
)

// Active reports whether the session can still be used.
func (s Session) Active() bool { return s.EndedAt == nil }

// normalizeDevice fills in what the client left out and refuses what no
// client would send.
func normalizeDevice(d Device) (Device, error) {
	d.UDID = strings.TrimSpace(d.UDID)
	if d.UDID == "" {
		d.UDID = uuid.NewString()
	}
	if len(d.UDID) > 100 || !printable(d.UDID) {
		return d, &ValidationError{Field: "device.udid", Message: "must be at most 100 printable characters"}
	}
	d.Platform = strings.ToLower(strings.TrimSpace(d.Platform))
	if d.Platform != "" && !contains(Platforms, d.Platform) {
		return d, &ValidationError{Field: "device.platform", Message: "must be one of web, desktop, android, ios"}
	}
	if len(d.AppVersion) > 50 || !printable(d.AppVersion) {
		return d, &ValidationError{Field: "device.app_version", Message: "must be at most 50 printable characters"}
	}
	d.UserAgent = truncate(strings.ToValidUTF8(d.UserAgent, ""), 512)
	if len(d.Timezone) > 64 || strings.Trim(d.Timezone, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-/:") != "" {
		return d, &ValidationError{Field: "device.timezone", Message: "must be an IANA time zone name such as Europe/Moscow"}
	}
	if len(d.Meta) > 0 {
		if len(d.Meta) > 8192 {
			return d, &ValidationError{Field: "device.meta", Message: "must be at most 8 KiB"}
		}
		var obj map[string]any
		if err := json.Unmarshal(d.Meta, &obj); err != nil || obj == nil {
			return d, &ValidationError{Field: "device.meta", Message: "must be a JSON object"}
		}
		if err := checkDeviceMeta(obj); err != nil {
			return d, err
		}
	}
	return d, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// SignIn checks a login (e-mail or admin login) and password and opens a
// session on the given device. It returns the bearer token, shown once.
func (s *Service) SignIn(ctx context.Context, login, password string, dev Device, ip string) (string, User, Session, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	switch {
	case login == "":
		return "", User{}, Session{}, &ValidationError{Field: "login", Message: "is required"}
	case password == "":
		return "", User{}, Session{}, &ValidationError{Field: "password", Message: "is required"}
	case len(login) > 254:
		return "", User{}, Session{}, &ValidationError{Field: "login", Message: "is too long"}
	}
	dev, err := normalizeDevice(dev)
	if err != nil {
		return "", User{}, Session{}, err
	}
	keys := throttleKeys(login, ip)
	if wait, err := s.throttled(ctx, keys); err != nil {
		return "", User{}, Session{}, err
	} else if wait > 0 {
		return "", User{}, Session{}, &ThrottledError{RetryAfter: wait}
	}

	u, hash, err := s.userForSignIn(ctx, login)
	ok := false
	switch {
	case errors.Is(err, ErrNotFound):
		s.hasher.Waste(password)
	case err != nil:
		return "", User{}, Session{}, err
	case u.Kind == KindBot:
		s.hasher.Waste(password) // bots authenticate with their own tokens, never a password
	default:
		ok = s.hasher.Verify(hash, password)
	}
	// Only someone who knows the password learns that the account is blocked.
	if ok && u.BlockedAt != nil {
		return "", User{}, Session{}, ErrBlocked
	}
	if !ok {
		wait, err := s.recordFailure(ctx, keys)
		if err != nil {
			return "", User{}, Session{}, err
		}
		if wait > 0 {
			return "", User{}, Session{}, &ThrottledError{RetryAfter: wait}
		}
		return "", User{}, Session{}, ErrBadCredentials
	}
	if err := s.clearFailures(ctx, login); err != nil {
		return "", User{}, Session{}, err
	}

	token := newToken()
	now := store.FormatTime(s.now())
	var sid int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if u.Kind == KindUnregistered {
			if _, err := tx.ExecContext(ctx, "UPDATE users SET kind = 'cts_user', updated_at = ? WHERE id = ?", now, u.ID); err != nil {
				return fmt.Errorf("mark user registered: %w", err)
			}
		}
		sid, err = openSession(ctx, tx, u.ID, token, dev, ip, now)
		return err
	})
	if u.Kind == KindUnregistered {
		s.auth.forgetUser(u.ID) // cached with the old kind
	}
	if err != nil {
		return "", User{}, Session{}, fmt.Errorf("open session: %w", err)
	}
	if u.Kind == KindUnregistered {
		u.Kind = KindRegistered
	}
	sess, err := s.session(ctx, sid)
	return token, u, sess, err
}

// openSession records a new session of userID inside tx and returns its id.
func openSession(ctx context.Context, tx *sql.Tx, userID int64, token string, dev Device, ip, now string) (int64, error) {
	meta := string(dev.Meta)
	if meta == "" {
		meta = "{}"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO sessions (user_id, token_hash, udid, platform, app_version, user_agent,
		timezone, device_meta, ip, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		userID, hashToken(token), dev.UDID, dev.Platform, dev.AppVersion, dev.UserAgent, dev.Timezone, meta, ip, now, now,
	).Scan(&id)
	return id, err
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Only a hash of each token is stored, so a copy of the database does not
// let anyone sign in.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

const sessionColumns = `id, user_id, udid, platform, app_version, user_agent, timezone, device_meta, ip,
	created_at, last_seen_at, ended_at, end_reason`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var (
		s             Session
		meta          string
		created, seen string
		ended         sql.NullString
	)
	err := row.Scan(&s.ID, &s.UserID, &s.Device.UDID, &s.Device.Platform, &s.Device.AppVersion, &s.Device.UserAgent,
		&s.Device.Timezone, &meta, &s.IP, &created, &seen, &ended, &s.EndReason)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNoSession
	}
	if err != nil {
		return s, fmt.Errorf("read session: %w", err)
	}
	s.Device.Meta = json.RawMessage(meta)
	if s.CreatedAt, err = store.ParseTime(created); err != nil {
		return s, err
	}
	if s.LastSeenAt, err = store.ParseTime(seen); err != nil {
		return s, err
	}
	s.EndedAt, err = store.NullTime(ended)
	return s, err
}

func (s *Service) session(ctx context.Context, id int64) (Session, error) {
	return scanSession(s.db.Read.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id))
}

// lastSeenGranularity limits last_seen_at writes to one a minute per session.
const lastSeenGranularity = time.Minute

// SessionIdleLimit ends a session nobody has used for this long, as long as
// the browser cookie lives: a token lost with an old device stops working
// on its own.
const SessionIdleLimit = 90 * 24 * time.Hour

// Authenticate resolves a bearer token or session cookie to its user and
// session. Ended sessions and unknown tokens give ErrNoSession.
func (s *Service) Authenticate(ctx context.Context, token string) (User, Session, error) {
	if token == "" || len(token) > 200 {
		return User{}, Session{}, ErrNoSession
	}
	key := string(hashToken(token))
	if e, ok := s.auth.get(key, s.now()); ok {
		return e.user, e.session, nil
	}
	epoch := s.auth.currentEpoch()
	s.authOnce.Do(func() {
		// A failed prepare leaves nil: the queries then run unprepared.
		s.authStmts.session, _ = s.db.Read.Prepare("SELECT " + sessionColumns + " FROM sessions WHERE token_hash = ? AND ended_at IS NULL")
		s.authStmts.user, _ = s.db.Read.Prepare("SELECT " + userColumns + " FROM users WHERE id = ?")
	})
	var row *sql.Row
	if st := s.authStmts.session; st != nil {
		row = st.QueryRowContext(ctx, hashToken(token))
	} else {
		row = s.db.Read.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = ? AND ended_at IS NULL", hashToken(token))
	}
	sess, err := scanSession(row)
	if err != nil {
		return User{}, Session{}, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > SessionIdleLimit {
		if err := s.endSession(ctx, sess.ID, EndIdle, "id = ?", sess.ID); err != nil && !errors.Is(err, ErrNoSession) {
			return User{}, Session{}, err
		}
		return User{}, Session{}, ErrNoSession
	}
	var u User
	if st := s.authStmts.user; st != nil {
		u, _, err = scanUser(st.QueryRowContext(ctx, sess.UserID))
	} else {
		u, err = s.UserByID(ctx, sess.UserID)
	}
	if err != nil {
		return User{}, Session{}, err
	}
	if u.BlockedAt != nil {
		// Blocking ends the sessions; this covers one opened in between.
		if err := s.endSession(ctx, sess.ID, EndBlocked, "id = ?", sess.ID); err != nil && !errors.Is(err, ErrNoSession) {
			return User{}, Session{}, err
		}
		return User{}, Session{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > lastSeenGranularity {
		// Best effort: a missed last-seen update is not worth failing a request.
		if _, err := s.db.Write.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", store.FormatTime(now), sess.ID); err == nil {
			sess.LastSeenAt = now
		}
	}
	s.auth.put(key, authEntry{user: u, session: sess, at: now}, epoch)
	return u, sess, nil
}

// SignOut ends the session the request came with.
func (s *Service) SignOut(ctx context.Context, sessionID int64) error {
	return s.endSession(ctx, sessionID, EndSignedOut, "id = ?", sessionID)
}

// EndSession ends one of the user's own sessions, as from another device.
func (s *Service) EndSession(ctx context.Context, userID, sessionID int64) error {
	return s.endSession(ctx, sessionID, EndRemotely, "id = ? AND user_id = ?", sessionID, userID)
}

// EndDevice ends every active session of the user on the device of one of
// their sessions: the sessions list shows a device as one row.
func (s *Service) EndDevice(ctx context.Context, userID, sessionID int64) error {
	return s.endSession(ctx, sessionID, EndRemotely,
		"user_id = ? AND udid = (SELECT udid FROM sessions WHERE id = ? AND user_id = ?)", userID, sessionID, userID)
}

// EndOtherSessions ends every active session of the user but keep, and
// says how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, userID, keep int64) (int, error) {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ?
		WHERE user_id = ? AND id <> ? AND ended_at IS NULL`, store.FormatTime(s.now()), EndRemotely, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("end other sessions of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.sessionsEnded(userID)
	}
	return int(n), nil
}

func (s *Service) endSession(ctx context.Context, sessionID int64, reason, where string, args ...any) error {
	rows, err := s.db.Write.QueryContext(ctx, "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL AND "+where+" RETURNING user_id",
		append([]any{store.FormatTime(s.now()), reason}, args...)...)
	if err != nil {
		return fmt.Errorf("end session %d: %w", sessionID, err)
	}
	var userID int64
	n := 0
	for rows.Next() {
		if err := rows.Scan(&userID); err != nil {
			rows.Close()
			return fmt.Errorf("end session %d: %w", sessionID, err)
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("end session %d: %w", sessionID, err)
	}
	if n == 0 {
		return ErrNoSession
	}
	s.sessionsEnded(userID)
	return nil
}

// Sessions lists the user's sessions, newest first, ended ones included
// (as the activations history keeps them).
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT 200", userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	return out, rows.Err()
}
