package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustRole(t *testing.T, s *Service, login string, role Role) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Login: login, Password: "password-1", Role: role, Kind: KindRegistered,
		Profile: Profile{Name: strings.ToUpper(login[:1]) + login[1:]}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestInviteValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	admin := mustRole(t, s, "boss", RoleAdmin)
	staff := mustRole(t, s, "helper", RoleSupport)
	plain := mustUser(t, s, "member@example.org", "password-1")
	for _, tc := range []struct {
		name    string
		inviter User
		email   string
		inName  string
		role    Role
		field   string // validation error on this field
		err     error  // or this error
	}{
		{"not an e-mail", admin, "not-an-email", "", RoleUser, "email", nil},
		{"e-mail with a name part", admin, "Anna <anna@example.org>", "", RoleUser, "email", nil},
		{"no e-mail", admin, "  ", "", RoleUser, "email", nil},
		{"existing account", admin, "MEMBER@example.org", "", RoleUser, "email", nil},
		{"administrator role", admin, "new@example.org", "", RoleAdmin, "role", nil},
		{"unknown role", admin, "new@example.org", "", Role("owner"), "role", nil},
		{"name on two lines", admin, "new@example.org", "Anna\nPetrova", RoleUser, "name", nil},
		{"support staff may not invite", staff, "new@example.org", "", RoleUser, "", ErrNotAdmin},
		{"users may not invite", plain, "new@example.org", "", RoleUser, "", ErrNotAdmin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, token, err := s.Invite(ctx, tc.inviter, tc.email, tc.inName, tc.role)
			var ve *ValidationError
			switch {
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("err = %v, want %v", err, tc.err)
			case tc.err == nil && (!errors.As(err, &ve) || ve.Field != tc.field):
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
			if token != "" {
				t.Fatal("a refused invitation has a token")
			}
		})
	}
	if list, _ := s.Invitations(ctx, 10); len(list) != 0 {
		t.Fatalf("refused invitations were recorded: %+v", list)
	}
	// The existing-account error says so in words.
	_, _, err := s.Invite(ctx, admin, "member@example.org", "", RoleUser)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing account: %v", err)
	}
}

func TestAcceptInvitationCreatesTheAccountAndSignsIn(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t)
	admin := mustRole(t, s, "boss", RoleAdmin)
	inv, token, err := s.Invite(ctx, admin, "  Olga.Smirnova@Example.org ", "Ольга", RoleSupport)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Email != "olga.smirnova@example.org" || inv.Role != RoleSupport || inv.InvitedBy != admin.ID ||
		inv.InvitedByName != "Boss" || inv.State(clk.now()) != InvitationPending {
		t.Fatalf("invitation %+v", inv)
	}
	if !inv.ExpiresAt.Equal(clk.now().Add(7 * 24 * time.Hour)) {
		t.Errorf("expires %v, want in 7 days", inv.ExpiresAt)
	}
	clk.add(time.Hour)
	sessToken, u, sess, err := s.AcceptInvitation(ctx, token, "  Ольга Смирнова ", "long-enough-1",
		Device{UDID: "browser-1", Platform: "web"}, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	if u.Kind != KindRegistered || u.Role != RoleSupport || u.Profile.Email != "olga.smirnova@example.org" ||
		u.Profile.Name != "Ольга Смирнова" || u.Login != "" {
		t.Fatalf("created user %+v", u)
	}
	if sess.Device.UDID != "browser-1" || sess.IP != "192.0.2.10" {
		t.Errorf("session %+v", sess)
	}
	au, _, err := s.Authenticate(ctx, sessToken)
	if err != nil || au.ID != u.ID {
		t.Fatalf("the returned session does not authenticate: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "olga.smirnova@example.org", "long-enough-1", Device{}, ""); err != nil {
		t.Fatalf("sign in with the chosen password: %v", err)
	}
	got, _ := s.InvitationByID(ctx, inv.ID)
	if got.State(clk.now()) != InvitationAccepted || got.UserID != u.ID || got.AcceptedAt == nil {
		t.Fatalf("after acceptance %+v", got)
	}
	// Inviting the address again is now an existing account.
	var ve *ValidationError
	if _, _, err := s.Invite(ctx, admin, "olga.smirnova@example.org", "", RoleUser); !errors.As(err, &ve) || ve.Field != "email" {
		t.Fatalf("re-invite after acceptance: %v", err)
	}
}

// The link's life: replaced, expired, revoked, reused, refused passwords.
func TestInvitationLinkScenarios(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// prepare returns the token to accept with, after doing what the scenario needs.
		prepare func(t *testing.T, s *Service, clk *clock, admin User) string
		pw      string
		want    error  // errors.Is
		field   string // or a validation error on this field
		pending bool   // the invitation must still be usable afterwards
	}{
		{"replaced invitation: old link", func(t *testing.T, s *Service, clk *clock, admin User) string {
			first, old := mustInvite(t, s, admin, "ivan@example.org")
			second, _ := mustInvite(t, s, admin, "IVAN@example.org")
			if second.ID != first.ID {
				t.Errorf("inviting again made a second invitation %d beside %d", second.ID, first.ID)
			}
			return old
		}, "long-enough-1", ErrInvitationNotFound, "", true},
		{"replaced invitation: new link", func(t *testing.T, s *Service, clk *clock, admin User) string {
			mustInvite(t, s, admin, "ivan@example.org")
			_, fresh := mustInvite(t, s, admin, "ivan@example.org")
			return fresh
		}, "long-enough-1", nil, "", false},
		{"expired", func(t *testing.T, s *Service, clk *clock, admin User) string {
			_, tok := mustInvite(t, s, admin, "ivan@example.org")
			clk.add(InvitationTTL)
			return tok
		}, "long-enough-1", ErrInvitationExpired, "", false},
		{"expired, then resent: old link", func(t *testing.T, s *Service, clk *clock, admin User) string {
			inv, tok := mustInvite(t, s, admin, "ivan@example.org")
			clk.add(InvitationTTL + time.Hour)
			if _, _, err := s.ResendInvitation(ctx, admin, inv.ID); err != nil {
				t.Fatal(err)
			}
			return tok
		}, "long-enough-1", ErrInvitationNotFound, "", true},
		{"expired, then resent: new link", func(t *testing.T, s *Service, clk *clock, admin User) string {
			inv, _ := mustInvite(t, s, admin, "ivan@example.org")
			clk.add(InvitationTTL + time.Hour)
			_, tok, err := s.ResendInvitation(ctx, admin, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "long-enough-1", nil, "", false},
		{"revoked", func(t *testing.T, s *Service, clk *clock, admin User) string {
			inv, tok := mustInvite(t, s, admin, "ivan@example.org")
			if err := s.RevokeInvitation(ctx, admin, inv.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.ResendInvitation(ctx, admin, inv.ID); !errors.Is(err, ErrInvitationNotPending) {
				t.Errorf("resend of a revoked invitation: %v", err)
			}
			return tok
		}, "long-enough-1", ErrInvitationRevoked, "", false},
		{"reused", func(t *testing.T, s *Service, clk *clock, admin User) string {
			_, tok := mustInvite(t, s, admin, "ivan@example.org")
			if _, _, _, err := s.AcceptInvitation(ctx, tok, "Ivan", "long-enough-1", Device{}, ""); err != nil {
				t.Fatal(err)
			}
			return tok
		}, "long-enough-2", ErrInvitationUsed, "", false},
		{"weak password", func(t *testing.T, s *Service, clk *clock, admin User) string {
			_, tok := mustInvite(t, s, admin, "ivan@example.org")
			return tok
		}, "short", nil, "password", true},
		{"blank password", func(t *testing.T, s *Service, clk *clock, admin User) string {
			_, tok := mustInvite(t, s, admin, "ivan@example.org")
			return tok
		}, "          ", nil, "password", true},
		{"account made meanwhile", func(t *testing.T, s *Service, clk *clock, admin User) string {
			_, tok := mustInvite(t, s, admin, "ivan@example.org")
			mustUser(t, s, "ivan@example.org", "password-1")
			return tok
		}, "long-enough-1", nil, "email", true},
		{"garbage token", func(t *testing.T, s *Service, clk *clock, admin User) string {
			mustInvite(t, s, admin, "ivan@example.org")
			return "not-a-token"
		}, "long-enough-1", ErrInvitationNotFound, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newService(t)
			admin := mustRole(t, s, "boss", RoleAdmin)
			token := tc.prepare(t, s, clk, admin)
			_, u, _, err := s.AcceptInvitation(ctx, token, "Ivan Petrov", tc.pw, Device{}, "")
			var ve *ValidationError
			switch {
			case tc.field != "":
				if !errors.As(err, &ve) || ve.Field != tc.field {
					t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			case err != nil:
				t.Fatalf("accept: %v", err)
			default:
				if u.Profile.Email != "ivan@example.org" {
					t.Fatalf("created %+v", u)
				}
			}
			list, _ := s.Invitations(ctx, 10)
			if len(list) != 1 {
				t.Fatalf("%d invitations, want 1", len(list))
			}
			if got := list[0].State(clk.now()) == InvitationPending; got != tc.pending {
				t.Errorf("invitation is %s afterwards", list[0].State(clk.now()))
			}
		})
	}
}

func mustInvite(t *testing.T, s *Service, admin User, email string) (Invitation, string) {
	t.Helper()
	inv, tok, err := s.Invite(context.Background(), admin, email, "", RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	return inv, tok
}

func TestOnlyAdminsRevokeAndResend(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	admin := mustRole(t, s, "boss", RoleAdmin)
	staff := mustRole(t, s, "helper", RoleSupport)
	inv, tok := mustInvite(t, s, admin, "ivan@example.org")
	if err := s.RevokeInvitation(ctx, staff, inv.ID); !errors.Is(err, ErrNotAdmin) {
		t.Errorf("staff revoke: %v", err)
	}
	if _, _, err := s.ResendInvitation(ctx, staff, inv.ID); !errors.Is(err, ErrNotAdmin) {
		t.Errorf("staff resend: %v", err)
	}
	if _, err := s.InvitationByToken(ctx, tok); err != nil {
		t.Errorf("the link stopped working after refused actions: %v", err)
	}
	if err := s.RevokeInvitation(ctx, admin, 9999); !errors.Is(err, ErrInvitationNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if _, _, _, err := s.AcceptInvitation(ctx, tok, "Ivan", "long-enough-1", Device{}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeInvitation(ctx, admin, inv.ID); !errors.Is(err, ErrInvitationNotPending) {
		t.Errorf("revoke accepted: %v", err)
	}
}

func TestInvitationMailText(t *testing.T) {
	inv := Invitation{Email: "ivan@example.org", Name: "Иван", ExpiresAt: time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)}
	admin := User{Login: "boss", Profile: Profile{Name: "Анна Админова"}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"ru", []string{"Здравствуйте, Иван!", "Анна Админова", "https://parley.example.org/\n",
			"https://parley.example.org/invite/TOKEN123", "2026-03-08 09:00 UTC", "«Спам»", "ivan@example.org"}},
		{"en", []string{"Hello Иван,", "Анна Админова", "https://parley.example.org/\n",
			"https://parley.example.org/invite/TOKEN123", "2026-03-08 09:00 UTC", "spam folder", "ivan@example.org"}},
	} {
		m := InvitationMail(tc.lang, "https://parley.example.org/", "TOKEN123", inv, admin)
		if m.To != "ivan@example.org" || m.Subject == "" {
			t.Errorf("%s: to %q subject %q", tc.lang, m.To, m.Subject)
		}
		for _, w := range tc.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s mail lacks %q:\n%s", tc.lang, w, m.Text)
			}
		}
	}
}
