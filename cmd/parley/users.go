package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"parley/server/accounts"
)

// The administrator's account commands until the admin panel exists. Each
// opens the database beside a running server (see openAccounts).

// userFlags are the flags every one-account command shares.
func userFlags(name string, stderr io.Writer) (fs *flag.FlagSet, data, who *string) {
	fs = newFlagSet(name, stderr)
	data, who = new(string), new(string)
	envFlag(fs, data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	fs.StringVar(who, "email", "", "the account's e-mail (or an administrator's login) (required)")
	return fs, data, who
}

// openUser opens the accounts and finds the account --email names.
func openUser(ctx context.Context, data, who string) (*accounts.Service, accounts.User, func(), error) {
	svc, done, err := openAccounts(ctx, data)
	if err != nil {
		return nil, accounts.User{}, nil, err
	}
	u, err := svc.FindUser(ctx, who)
	if errors.Is(err, accounts.ErrNotFound) {
		done()
		return nil, accounts.User{}, nil, fmt.Errorf("no account with the e-mail or login %q (see parley user list)", who)
	}
	if err != nil {
		done()
		return nil, accounts.User{}, nil, err
	}
	return svc, u, done, nil
}

func whoOf(u accounts.User) string {
	if u.Profile.Email != "" {
		return u.Profile.Email
	}
	return u.Login
}

func runUserList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user list", stderr)
	var data string
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx := context.Background()
	svc, done, err := openAccounts(ctx, data)
	if err != nil {
		return err
	}
	defer done()
	list, err := svc.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HUID\tE-MAIL/LOGIN\tNAME\tROLE\tKIND\tBLOCKED\tLAST SIGN-IN")
	for _, u := range list {
		blocked, last := "no", "never"
		if u.BlockedAt != nil {
			blocked = "since " + u.BlockedAt.UTC().Format("2006-01-02")
		}
		if u.LastSignIn != nil {
			last = u.LastSignIn.UTC().Format("2006-01-02 15:04 UTC")
		}
		name := u.Profile.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.HUID, whoOf(u.User), name, u.Role, u.Kind, blocked, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d accounts\n", len(list))
	return nil
}

func runUserSetRole(args []string, stdout, stderr io.Writer) error {
	fs, data, who := userFlags("user set-role", stderr)
	var role string
	fs.StringVar(&role, "role", "", "new role: user, support or admin (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("email", *who, "role", role); err != nil {
		return err
	}
	r, err := accounts.ParseRole(role)
	if err != nil {
		return &usageError{"--role: " + err.Error()}
	}
	ctx := context.Background()
	svc, u, done, err := openUser(ctx, *data, *who)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.SetRole(ctx, u.ID, r); err != nil {
		return describeAdminError(err, u)
	}
	fmt.Fprintf(stdout, "%s is now %s (was %s)\n", whoOf(u), r, u.Role)
	return nil
}

// onUser runs one account command on the account named by --email: it
// reads the flags, opens the data directory and finds the account.
func onUser(name string, args []string, stderr io.Writer, fn func(ctx context.Context, svc *accounts.Service, u accounts.User) error) error {
	fs, data, who := userFlags(name, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("email", *who); err != nil {
		return err
	}
	ctx := context.Background()
	svc, u, done, err := openUser(ctx, *data, *who)
	if err != nil {
		return err
	}
	defer done()
	if err := fn(ctx, svc, u); err != nil {
		return describeAdminError(err, u)
	}
	return nil
}

func runUserBlock(args []string, stdout, stderr io.Writer) error {
	return onUser("user block", args, stderr, func(ctx context.Context, svc *accounts.Service, u accounts.User) error {
		if err := svc.Block(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "blocked %s: it cannot sign in, and every session it had has ended\n", whoOf(u))
		return nil
	})
}

func runUserUnblock(args []string, stdout, stderr io.Writer) error {
	return onUser("user unblock", args, stderr, func(ctx context.Context, svc *accounts.Service, u accounts.User) error {
		if err := svc.Unblock(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "unblocked %s: it can sign in again with its password\n", whoOf(u))
		return nil
	})
}

func runUserResetPassword(args []string, stdout, stderr io.Writer) error {
	return onUser("user reset-password", args, stderr, func(ctx context.Context, svc *accounts.Service, u accounts.User) error {
		pw, err := svc.ResetPasswordByAdmin(ctx, u.ID)
		if err != nil {
			return err
		}
		// Printed once to the administrator's console, never logged.
		fmt.Fprintf(stdout, "The password of %s was replaced and all its sessions have ended.\n", whoOf(u))
		fmt.Fprintf(stdout, "  one-time password: %s\n", pw)
		fmt.Fprintf(stdout, "Give it to the person by a safe channel (not the same mail). They sign in with it at /signin\n")
		fmt.Fprintf(stdout, "and must choose their own password at once; until then the one-time password opens nothing else.\n")
		return nil
	})
}

// describeAdminError words the refusals of the account commands.
func describeAdminError(err error, u accounts.User) error {
	var ve *accounts.ValidationError
	switch {
	case errors.Is(err, accounts.ErrLastAdmin):
		return fmt.Errorf("%s is the last server administrator: make another administrator first (parley user set-role --role admin)", whoOf(u))
	case errors.Is(err, accounts.ErrBlocked):
		return fmt.Errorf("%s is blocked: unblock it first with parley user unblock", whoOf(u))
	case errors.As(err, &ve):
		return fmt.Errorf("%s: %s", whoOf(u), ve.Message)
	}
	return err
}
