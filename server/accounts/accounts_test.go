package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/server/store"
)

var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(t *testing.T) (*Service, *clock) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return New(db, Options{Hasher: NewHasher(cheap), Now: c.now}), c
}

func mustUser(t *testing.T, s *Service, email, pw string) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Password: pw, Profile: Profile{Email: email}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var huidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestHUIDSurvivesEveryProfileChange(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "ivan@example.org", "password-1")
	if !huidPattern.MatchString(u.HUID) {
		t.Fatalf("HUID %q is not a lower-case UUID", u.HUID)
	}
	changes := []struct {
		name string
		edit func(p *Profile)
	}{
		{"name", func(p *Profile) { p.Name = "Иван Петров" }},
		{"email", func(p *Profile) { p.Email = "i.petrov@example.org" }},
		{"phone", func(p *Profile) { p.Phone = "+7 (900) 123-45-67" }},
		{"company", func(p *Profile) { p.Company = "ООО Ромашка" }},
		{"department", func(p *Profile) { p.Department = "ИТ" }},
		{"position", func(p *Profile) { p.Position = "Инженер" }},
		{"manager", func(p *Profile) { p.Manager = "Сидоров" }},
		{"office", func(p *Profile) { p.Office = "Москва, 5 этаж" }},
		{"ad login and domain", func(p *Profile) { p.ADLogin, p.ADDomain = "ipetrov", "corp.example.org" }},
		{"tags", func(p *Profile) { p.Tags = []string{"support", "duty"} }},
		{"everything cleared but email", func(p *Profile) { *p = Profile{Email: "x@example.org"} }},
	}
	p := u.Profile
	for _, c := range changes {
		c.edit(&p)
		got, err := s.UpdateProfile(ctx, u.ID, p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.HUID != u.HUID {
			t.Fatalf("%s changed the HUID from %s to %s", c.name, u.HUID, got.HUID)
		}
		again, _ := s.UserByHUID(ctx, u.HUID)
		if again.ID != u.ID {
			t.Fatalf("%s: user no longer found by HUID", c.name)
		}
	}
	// Even a direct SQL attempt cannot change it.
	if _, err := s.db.Write.Exec("UPDATE users SET huid = '00000000-0000-4000-8000-000000000000' WHERE id = ?", u.ID); err == nil {
		t.Fatal("the database allowed the HUID to change")
	}
}

func TestProfileValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "olga@example.org", "password-1")
	mustUser(t, s, "taken@example.org", "password-1")
	for _, tc := range []struct {
		name  string
		p     Profile
		field string
		err   error
	}{
		{"bad email", Profile{Email: "not-an-email"}, "email", nil},
		{"email with name part", Profile{Email: "Olga <olga@example.org>"}, "email", nil},
		{"letters in phone", Profile{Email: "olga@example.org", Phone: "call me"}, "phone", nil},
		{"multi-line name", Profile{Email: "olga@example.org", Name: "a\nb"}, "name", nil},
		{"very long position", Profile{Email: "olga@example.org", Position: strings.Repeat("я", 201)}, "position", nil},
		{"no email left", Profile{}, "email", nil},
		{"someone else's email", Profile{Email: "TAKEN@example.org"}, "", ErrTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateProfile(ctx, u.ID, tc.p)
			var ve *ValidationError
			switch {
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			case !errors.As(err, &ve) || ve.Field != tc.field:
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
			// Nothing stored changed.
			again, _ := s.UserByID(ctx, u.ID)
			if again.Profile.Email != "olga@example.org" {
				t.Fatalf("a refused update changed the e-mail to %q", again.Profile.Email)
			}
		})
	}
}

func TestSignInMarksRegisteredAndRecordsDevice(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "new@example.org", "password-1")
	if u.Kind != KindUnregistered {
		t.Fatalf("a prepared account is %s, want unregistered", u.Kind)
	}
	dev := Device{UDID: "udid-1", Platform: "Android", AppVersion: "3.14.2", Timezone: "Europe/Moscow",
		Meta: json.RawMessage(`{"permissions":{"microphone":true,"notifications":false},"pushes":true}`)}
	token, got, sess, err := s.SignIn(ctx, "  NEW@example.org ", "password-1", dev, "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != KindRegistered || token == "" {
		t.Fatalf("after sign-in kind=%s token=%q", got.Kind, token)
	}
	if sess.Device.Platform != "android" || sess.Device.UDID != "udid-1" || sess.IP != "10.0.0.7" || sess.Device.Timezone != "Europe/Moscow" {
		t.Fatalf("session device not recorded: %+v", sess)
	}
	stored, _ := s.UserByID(ctx, u.ID)
	if stored.Kind != KindRegistered {
		t.Fatalf("stored kind %s", stored.Kind)
	}
	au, asess, err := s.Authenticate(ctx, token)
	if err != nil || au.ID != u.ID || asess.ID != sess.ID {
		t.Fatalf("authenticate: %v", err)
	}
	var meta map[string]any
	json.Unmarshal(asess.Device.Meta, &meta)
	if meta["pushes"] != true {
		t.Fatalf("device meta lost: %s", asess.Device.Meta)
	}
}

func TestDeviceValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	mustUser(t, s, "d@example.org", "password-1")
	for _, tc := range []struct {
		name  string
		dev   Device
		field string
	}{
		{"unknown platform", Device{Platform: "symbian"}, "device.platform"},
		{"meta not an object", Device{Meta: json.RawMessage(`[1,2]`)}, "device.meta"},
		{"time zone with spaces", Device{Timezone: "Moscow time"}, "device.timezone"},
		{"control chars in udid", Device{UDID: "a\x00b"}, "device.udid"},
	} {
		_, _, _, err := s.SignIn(ctx, "d@example.org", "password-1", tc.dev, "")
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v, want validation error on %s", tc.name, err, tc.field)
		}
	}
}

func TestSessionsEndOnSignOutAndFromAnotherDevice(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "p@example.org", "password-1")
	laptop, _, laptopSess, err := s.SignIn(ctx, "p@example.org", "password-1", Device{UDID: "laptop", Platform: "web"}, "")
	if err != nil {
		t.Fatal(err)
	}
	phone, _, phoneSess, _ := s.SignIn(ctx, "p@example.org", "password-1", Device{UDID: "phone", Platform: "ios"}, "")
	tablet, _, tabletSess, _ := s.SignIn(ctx, "p@example.org", "password-1", Device{UDID: "tablet", Platform: "android"}, "")

	// The laptop ends the phone's session.
	if err := s.EndSession(ctx, u.ID, phoneSess.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, phone); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ended phone session still works: %v", err)
	}
	// The tablet signs itself out.
	if err := s.SignOut(ctx, tabletSess.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, tablet); !errors.Is(err, ErrNoSession) {
		t.Fatalf("signed-out tablet session still works: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, laptop); err != nil {
		t.Fatalf("the laptop lost its session: %v", err)
	}
	// Ended sessions stay in the history, with their reasons.
	list, _ := s.Sessions(ctx, u.ID)
	if len(list) != 3 {
		t.Fatalf("%d sessions listed, want 3", len(list))
	}
	reasons := map[string]string{}
	for _, x := range list {
		reasons[x.Device.UDID] = x.EndReason
		if x.ID == laptopSess.ID && !x.Active() {
			t.Error("laptop listed as ended")
		}
	}
	if reasons["phone"] != EndRemotely || reasons["tablet"] != EndSignedOut {
		t.Fatalf("end reasons: %v", reasons)
	}
	// Another user cannot end my session.
	other := mustUser(t, s, "q@example.org", "password-1")
	if err := s.EndSession(ctx, other.ID, laptopSess.ID); !errors.Is(err, ErrNoSession) {
		t.Fatalf("another user ended my session: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, laptop); err != nil {
		t.Fatalf("laptop session lost: %v", err)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u := mustUser(t, s, "c@example.org", "password-1")
	keep, _, keepSess, _ := s.SignIn(ctx, "c@example.org", "password-1", Device{}, "")
	other, _, _, _ := s.SignIn(ctx, "c@example.org", "password-1", Device{}, "")
	if err := s.ChangePassword(ctx, u.ID, keepSess.ID, "wrong", "password-2"); err == nil {
		t.Fatal("changed password without the current one")
	}
	if err := s.ChangePassword(ctx, u.ID, keepSess.ID, "password-1", "short"); err == nil {
		t.Fatal("accepted a 5-character password")
	}
	if err := s.ChangePassword(ctx, u.ID, keepSess.ID, "password-1", "password-2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, keep); err != nil {
		t.Fatalf("the session that changed the password was ended: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, other); !errors.Is(err, ErrNoSession) {
		t.Fatalf("other session survived a password change: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "c@example.org", "password-1", Device{}, ""); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "c@example.org", "password-2", Device{}, ""); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
}

func TestThrottleAfterRepeatedWrongPasswords(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t)
	mustUser(t, s, "t@example.org", "password-1")
	p := DefaultThrottle
	for i := 1; i < p.MaxFailures; i++ {
		_, _, _, err := s.SignIn(ctx, "t@example.org", "wrong", Device{}, "10.0.0.1")
		if !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v, want plain bad credentials", i, err)
		}
	}
	_, _, _, err := s.SignIn(ctx, "t@example.org", "wrong", Device{}, "10.0.0.1")
	var te *ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != p.Lockout {
		t.Fatalf("attempt %d: %v, want throttled for %s", p.MaxFailures, err, p.Lockout)
	}
	if !strings.Contains(te.Error(), "try again in 30s") {
		t.Errorf("message does not say when to retry: %q", te.Error())
	}
	// Even the right password waits until the lock ends, from any address.
	clk.add(10 * time.Second)
	_, _, _, err = s.SignIn(ctx, "t@example.org", "password-1", Device{}, "10.9.9.9")
	if !errors.As(err, &te) || te.RetryAfter != 20*time.Second {
		t.Fatalf("during lock: %v, want throttled with 20s left", err)
	}
	// Another account is not affected.
	mustUser(t, s, "u@example.org", "password-1")
	if _, _, _, err := s.SignIn(ctx, "u@example.org", "password-1", Device{}, "10.9.9.9"); err != nil {
		t.Fatalf("another account throttled: %v", err)
	}
	// After the lock, one more failure doubles it.
	clk.add(21 * time.Second)
	_, _, _, err = s.SignIn(ctx, "t@example.org", "wrong", Device{}, "10.0.0.1")
	if !errors.As(err, &te) || te.RetryAfter != 2*p.Lockout {
		t.Fatalf("after lock: %v, want throttled for %s", err, 2*p.Lockout)
	}
	// The right password after the lock succeeds and clears the counter.
	clk.add(2 * p.Lockout)
	if _, _, _, err := s.SignIn(ctx, "t@example.org", "password-1", Device{}, "10.0.0.1"); err != nil {
		t.Fatalf("after lock, right password: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "t@example.org", "wrong", Device{}, "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("counter not cleared by success: %v", err)
	}
}

func TestThrottleByAddressAndForUnknownLogins(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	mustUser(t, s, "v@example.org", "password-1")
	p := DefaultThrottle
	// Spraying many different logins from one address trips the address limit.
	var err error
	for i := 0; i < p.IPMaxFailures; i++ {
		_, _, _, err = s.SignIn(ctx, "nobody"+strings.Repeat("x", i)+"@example.org", "guess", Device{}, "192.0.2.1")
	}
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("after %d failures from one address: %v, want throttled", p.IPMaxFailures, err)
	}
	if _, _, _, err := s.SignIn(ctx, "v@example.org", "password-1", Device{}, "192.0.2.1"); !errors.As(err, &te) {
		t.Fatalf("the spraying address can still sign in: %v", err)
	}
	if _, _, _, err := s.SignIn(ctx, "v@example.org", "password-1", Device{}, "198.51.100.2"); err != nil {
		t.Fatalf("another address is blocked too: %v", err)
	}
}

func TestFirstAdminOnlyOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	u, pw, err := s.EnsureFirstAdmin(ctx)
	if err != nil || pw == "" || u.Role != RoleAdmin || !u.MustChangePassword {
		t.Fatalf("first admin: %+v %q %v", u, pw, err)
	}
	if _, _, _, err := s.SignIn(ctx, "admin", pw, Device{}, ""); err != nil {
		t.Fatalf("one-time password does not work: %v", err)
	}
	_, pw2, err := s.EnsureFirstAdmin(ctx)
	if err != nil || pw2 != "" {
		t.Fatalf("second call created another admin: %q %v", pw2, err)
	}
}

func TestBotsCannotSignInWithPassword(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	_, err := s.CreateUser(ctx, NewUser{Login: "helpdesk-bot", Password: "password-1", Kind: KindBot})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SignIn(ctx, "helpdesk-bot", "password-1", Device{}, ""); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("bot signed in with a password: %v", err)
	}
}

func TestPasswordHashFormat(t *testing.T) {
	h := NewHasher(DefaultArgon2)
	enc := h.Hash("correct horse")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=2$") {
		t.Fatalf("hash %q does not record argon2id and its cost", enc)
	}
	if !h.Verify(enc, "correct horse") || h.Verify(enc, "correct horsE") {
		t.Fatal("verify is wrong")
	}
	if h.Verify("", "") || h.Verify("$bcrypt$junk", "x") {
		t.Fatal("verify accepted a non-hash")
	}
}

// A session nobody used for longer than SessionIdleLimit ends by itself;
// one in use lives on.
func TestIdleSessionsEnd(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	mustUser(t, s, "idle@example.org", "password-1")
	active, _, _, err := s.SignIn(ctx, "idle@example.org", "password-1", Device{UDID: "phone", Platform: "android"}, "")
	if err != nil {
		t.Fatal(err)
	}
	forgotten, _, forgottenSess, err := s.SignIn(ctx, "idle@example.org", "password-1", Device{UDID: "old-laptop", Platform: "web"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.add(SessionIdleLimit / 2)
		if _, _, err := s.Authenticate(ctx, active); err != nil {
			t.Fatalf("a session in use ended: %v", err)
		}
	}
	if _, _, err := s.Authenticate(ctx, forgotten); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a session unused for %v still works: %v", 3*SessionIdleLimit/2, err)
	}
	sess, err := s.session(ctx, forgottenSess.ID)
	if err != nil || sess.Active() || sess.EndReason == "" {
		t.Errorf("the idle session is not recorded as ended: %+v, %v", sess, err)
	}
}
