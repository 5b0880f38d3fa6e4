package accounts

import (
	"context"
	"errors"
	"testing"
)

// TestLastUnblockedAdministratorStays: someone must always be able to
// administer the server, so the last administrator who can sign in can be
// neither blocked nor demoted; a blocked administrator does not count.
func TestLastUnblockedAdministratorStays(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	a := mustUser(t, s, "a@example.org", "admin-secret-1")
	b := mustUser(t, s, "b@example.org", "admin-secret-2")
	for _, u := range []User{a, b} {
		if err := s.SetRole(ctx, u.ID, RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Block(ctx, b.ID); err != nil {
		t.Fatalf("block one of two administrators: %v", err)
	}
	for name, err := range map[string]error{
		"block":  s.Block(ctx, a.ID),
		"demote": s.SetRole(ctx, a.ID, RoleSupport),
	} {
		if !errors.Is(err, ErrLastAdmin) {
			t.Errorf("%s the last unblocked administrator: %v, want ErrLastAdmin", name, err)
		}
	}
	if u, err := s.UserByID(ctx, a.ID); err != nil || u.BlockedAt != nil || u.Role != RoleAdmin {
		t.Fatalf("a refused change changed the administrator: %+v %v", u, err)
	}
	if err := s.Unblock(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, a.ID, RoleSupport); err != nil {
		t.Fatalf("demote with another administrator: %v", err)
	}
	if err := s.SetRole(ctx, a.ID, "root"); err == nil {
		t.Fatal("an unknown role was accepted")
	}
	if err := s.Block(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("block an unknown account: %v", err)
	}
}

// TestBlockedSessionsEndAndSignInIsRefused: blocking ends every session at
// once, refuses the right password with ErrBlocked and the wrong one as
// usual; unblocking lets the password work again.
func TestBlockedSessionsEndAndSignInIsRefused(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "c@example.org", "user-secret-12")
	tok, _, _, err := s.SignIn(ctx, "c@example.org", "user-secret-12", Device{UDID: "phone"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Block(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a blocked account's session still works: %v", err)
	}
	list, err := s.Sessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].EndReason != EndBlocked {
		t.Fatalf("sessions after the block: %+v %v", list, err)
	}
	if _, _, _, err := s.SignIn(ctx, "c@example.org", "user-secret-12", Device{}, ""); !errors.Is(err, ErrBlocked) {
		t.Fatalf("sign-in while blocked: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "c@example.org", "wrong-secret-12", Device{}, ""); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password while blocked: %v", err)
	}
	if err := s.Unblock(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SignIn(ctx, "c@example.org", "user-secret-12", Device{}, ""); err != nil {
		t.Fatalf("sign-in after unblock: %v", err)
	}
}
