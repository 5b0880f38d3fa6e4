package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"parley/server"
	"parley/server/accounts"
	"parley/server/store"
)

// openAccounts opens the data directory's database for the account commands.
// It takes no directory lock: SQLite serialises these few writes with a
// running server safely, so an administrator can be added to a live server.
// Only serve creates a data directory: a mistyped or forgotten --data must
// not leave a new empty one behind that nobody serves.
func openAccounts(ctx context.Context, dataDir string) (*accounts.Service, func(), error) {
	dbPath, err := existingDatabase(dataDir)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, err
	}
	return accounts.New(db, accounts.Options{}), func() { db.Close() }, nil
}

// openAccountsForCreate is openAccounts for the two create commands, which
// scripts run before the first start (DESIGN.md: a fresh directory, then
// users, then serve): given a --data (or PARLEY_DATA) that does not exist
// yet, they make it. The default ./parley-data is still never created
// behind a user's back.
func openAccountsForCreate(ctx context.Context, fs *flag.FlagSet, dataDir string) (*accounts.Service, func(), error) {
	explicit := os.Getenv("PARLEY_DATA") != ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "data" {
			explicit = true
		}
	})
	if _, err := existingDatabase(dataDir); err != nil && explicit {
		if err := store.EnsureDir(dataDir); err != nil {
			return nil, nil, err
		}
		db, err := store.Open(ctx, filepath.Join(dataDir, server.DBFile))
		if err != nil {
			return nil, nil, err
		}
		return accounts.New(db, accounts.Options{}), func() { db.Close() }, nil
	}
	return openAccounts(ctx, dataDir)
}

// existingDatabase returns the database of a data directory that serve has
// made, or an error that names the directory looked for and what to do.
func existingDatabase(dataDir string) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	dbPath := filepath.Join(abs, server.DBFile)
	if st, err := os.Stat(dbPath); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("no Parley data directory at %s: start the server once with `parley serve --data %s` or pass --data", abs, dataDir)
	}
	return dbPath, nil
}

func describeCreateError(err error) error {
	var ve *accounts.ValidationError
	switch {
	case errors.As(err, &ve):
		return &usageError{fmt.Sprintf("--%s %s", ve.Field, ve.Message)}
	case errors.Is(err, accounts.ErrTaken):
		return fmt.Errorf("an account with that e-mail or login already exists")
	}
	return err
}

func runAdminCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin create", stderr)
	var data, login, password, name string
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	fs.StringVar(&login, "login", "", "administrator's login (required)")
	fs.StringVar(&password, "password", "", fmt.Sprintf("password, at least %d characters (required)", accounts.MinPasswordLen))
	fs.StringVar(&name, "name", "", "display name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("login", login, "password", password); err != nil {
		return err
	}
	ctx := context.Background()
	svc, done, err := openAccountsForCreate(ctx, fs, data)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.CreateUser(ctx, accounts.NewUser{Login: login, Password: password, Role: accounts.RoleAdmin,
		Kind: accounts.KindRegistered, Profile: accounts.Profile{Name: name}})
	if err != nil {
		return describeCreateError(err)
	}
	fmt.Fprintf(stdout, "created administrator %s (HUID %s)\n", u.Login, u.HUID)
	return nil
}

func runUserCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user create", stderr)
	var data, email, password, name, role string
	envFlag(fs, &data, "data", "PARLEY_DATA", "./parley-data", "data directory")
	fs.StringVar(&email, "email", "", "e-mail, which is also the login (required)")
	fs.StringVar(&password, "password", "", fmt.Sprintf("password, at least %d characters (required)", accounts.MinPasswordLen))
	fs.StringVar(&name, "name", "", "full name")
	fs.StringVar(&role, "role", "user", "role: user or support")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := required("email", email, "password", password); err != nil {
		return err
	}
	if role != string(accounts.RoleUser) && role != string(accounts.RoleSupport) {
		return &usageError{fmt.Sprintf("--role must be user or support, got %q (administrators: parley admin create)", role)}
	}
	ctx := context.Background()
	svc, done, err := openAccountsForCreate(ctx, fs, data)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.CreateUser(ctx, accounts.NewUser{Password: password, Role: accounts.Role(role),
		Profile: accounts.Profile{Email: email, Name: name}})
	if err != nil {
		return describeCreateError(err)
	}
	fmt.Fprintf(stdout, "created %s %s (HUID %s)\n", u.Role, u.Profile.Email, u.HUID)
	return nil
}
