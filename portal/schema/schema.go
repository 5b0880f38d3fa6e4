// Package schema holds the portal's tables (help center, diagnostics,
// support desks, Jira) as embedded migrations. They are the portal's own:
// the server's schema knows nothing of them. The portal applies them when it
// mounts; tests of a single portal package apply them with Apply.
package schema

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"parley/server/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Component names the portal's migrations in the record.
const Component = "portal"

// Migrations are the portal's schema steps, NNNN_name.sql at the root.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return sub
}

// Apply brings db's portal tables up to date.
func Apply(ctx context.Context, db *store.DB) error {
	if err := db.Migrate(ctx, Component, Migrations()); err != nil {
		return fmt.Errorf("portal schema: %w", err)
	}
	return nil
}
