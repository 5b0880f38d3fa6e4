// Package accounts knows Parley's people and bots: their HUIDs, profiles,
// roles, passwords and the sessions they sign in with.
package accounts

import (
	"database/sql"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"parley/server/store"
	"parley/server/web"
)

// Kind is what sort of account a user is, as the admin panel's CSV export names it.
type Kind string

const (
	KindRegistered   Kind = "cts_user"     // has signed in at least once
	KindUnregistered Kind = "unregistered" // prepared by an admin, never signed in
	KindBot          Kind = "botx"
)

// Role says what a user may do beyond using the messenger.
type Role string

const (
	RoleUser    Role = "user"
	RoleSupport Role = "support" // support staff: triage and tickets
	RoleAdmin   Role = "admin"   // server administrator
)

// ParseRole accepts the names the command line and the API use.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleUser, RoleSupport, RoleAdmin:
		return Role(s), nil
	}
	return "", fmt.Errorf("unknown role %q: use user, support or admin", s)
}

// Profile is the corporate card of a user. None of it identifies the user:
// the HUID does, so every field here may change.
type Profile struct {
	Name       string   `json:"name"`
	Email      string   `json:"email"`
	Phone      string   `json:"phone"`
	Company    string   `json:"company"`
	Department string   `json:"department"`
	Position   string   `json:"position"`
	Manager    string   `json:"manager"`
	Office     string   `json:"office"`
	ADLogin    string   `json:"ad_login"`
	ADDomain   string   `json:"ad_domain"`
	Tags       []string `json:"tags"`
}

// User is one account.
type User struct {
	ID                 int64
	HUID               string
	Kind               Kind
	Role               Role
	Login              string
	Profile            Profile
	Lang               string
	MustChangePassword bool
	// BlockedAt is set while an administrator keeps the account out.
	BlockedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DisplayName is what to call the user on a page.
func (u User) DisplayName() string {
	switch {
	case u.Profile.Name != "":
		return u.Profile.Name
	case u.Profile.Email != "":
		return u.Profile.Email
	}
	return u.Login
}

// IsStaff reports whether the user may see support work of others.
func (u User) IsStaff() bool { return u.Role == RoleSupport || u.Role == RoleAdmin }

// Errors callers tell apart. Each knows its HTTP answer (web.Site.Fail).
var (
	ErrNotFound       = web.Errorf(http.StatusNotFound, "not_found", "error.not_found", "no such user")
	ErrBadCredentials = web.Errorf(http.StatusUnauthorized, "bad_credentials", "signin.bad", "wrong login or password")
	ErrNoSession      = web.Errorf(http.StatusNotFound, "no_session", "error.not_found", "no such active session")
	ErrTaken          = web.Errorf(http.StatusConflict, "taken", "error.bad_request", "that e-mail or login is already in use")
	ErrBlocked        = web.Errorf(http.StatusForbidden, "blocked", "error.forbidden", "this account is blocked: ask your administrator")
	ErrLastAdmin      = web.Errorf(http.StatusConflict, "last_admin", "error.bad_request", "this is the last server administrator: make another administrator first")
)

// ValidationError names the field a user must fix; it is the one shape
// shared by every package.
type ValidationError = web.ValidationError

// Service is the accounts domain on top of the store.
type Service struct {
	db       *store.DB
	hasher   *Hasher
	throttle ThrottlePolicy
	now      func() time.Time
	// resetLimits bound "forgot password" mail; see password_reset.go.
	resetLimits ResetLimits
	// ended is told, after commit, whose sessions just ended, so their open
	// sockets close at once (see session_end.go).
	ended atomic.Pointer[func(userID int64)]
	// authStmts are Authenticate's two queries, prepared once: every API
	// request runs them, and parsing them cost more than running them.
	authOnce  sync.Once
	authStmts struct{ session, user *sql.Stmt }
	auth      authCache
}

// Options tune a Service; the zero value gives production settings.
type Options struct {
	Hasher   *Hasher
	Throttle *ThrottlePolicy
	Now      func() time.Time
	// ResetLimits replaces DefaultResetLimits.
	ResetLimits *ResetLimits
}

// New returns the accounts service.
func New(db *store.DB, opt Options) *Service {
	s := &Service{db: db, hasher: opt.Hasher, now: opt.Now}
	if s.hasher == nil {
		s.hasher = NewHasher(DefaultArgon2)
	}
	if opt.Throttle != nil {
		s.throttle = *opt.Throttle
	} else {
		s.throttle = DefaultThrottle
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.resetLimits = DefaultResetLimits
	if opt.ResetLimits != nil {
		s.resetLimits = *opt.ResetLimits
	}
	return s
}
