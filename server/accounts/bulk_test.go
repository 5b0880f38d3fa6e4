package accounts

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestCreateUsersBulkSignsEveryoneInWithTheSharedPassword(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	taken := mustUser(t, s, "load2@example.org", "own-password-7")

	batch := make([]NewUser, 5)
	for i := range batch {
		batch[i] = NewUser{Profile: Profile{Email: fmt.Sprintf("Load%d@example.org", i+1), Name: fmt.Sprintf("Load %d", i+1)}}
	}
	n, err := s.CreateUsersBulk(ctx, "shared-secret-42", batch)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("created %d accounts, want 4 (load2 existed already)", n)
	}
	for i := range batch {
		email := fmt.Sprintf("load%d@example.org", i+1)
		pw := "shared-secret-42"
		if email == taken.Profile.Email {
			pw = "own-password-7" // the existing account keeps its own password
		}
		_, u, _, err := s.SignIn(ctx, email, pw, Device{}, "")
		if err != nil {
			t.Fatalf("sign in %s: %v", email, err)
		}
		if !huidPattern.MatchString(u.HUID) || u.Kind != KindRegistered || u.Role != RoleUser {
			t.Fatalf("%s: huid %q kind %s role %s", email, u.HUID, u.Kind, u.Role)
		}
	}
	// Running the same batch again creates nothing and fails nothing.
	if n, err := s.CreateUsersBulk(ctx, "shared-secret-42", batch); err != nil || n != 0 {
		t.Fatalf("second run: created %d, err %v; want 0, nil", n, err)
	}
	list, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Fatalf("%d accounts stored, want 5", len(list))
	}
}

func TestCreateUsersBulkRefusesBadInputAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		password string
		users    []NewUser
		field    string
	}{
		{"weak password", "short", []NewUser{{Profile: Profile{Email: "a@example.org"}}}, "password"},
		{"bad e-mail in the middle", "shared-secret-42", []NewUser{
			{Profile: Profile{Email: "a@example.org"}}, {Profile: Profile{Email: "not an address"}}}, "email"},
		{"neither e-mail nor login", "shared-secret-42", []NewUser{{Profile: Profile{Name: "Nobody"}}}, "email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newService(t)
			_, err := s.CreateUsersBulk(ctx, c.password, c.users)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Fatalf("err = %v, want a validation error on %s", err, c.field)
			}
			list, err := s.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Fatalf("%d accounts stored after a refused batch", len(list))
			}
		})
	}
}
