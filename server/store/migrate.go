package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The server's own tables (accounts, settings, mail): every other component
// embeds its migrations itself and applies them with DB.Migrate, so that
// this schema knows nothing of theirs.
//
//go:embed migrations/*.sql
var serverMigrations embed.FS

// ServerComponent names the server's own migrations in the record.
const ServerComponent = "server"

// Migration is one numbered schema step of a component.
type Migration struct {
	Version int
	Name    string // file name without .sql, unique across all components
	SQL     string
}

// ServerMigrations lists the server's own migrations in the order they apply.
func ServerMigrations() ([]Migration, error) {
	sub, err := fs.Sub(serverMigrations, "migrations")
	if err != nil {
		return nil, err
	}
	return ReadMigrations(sub)
}

// ReadMigrations reads NNNN_name.sql files from the root of files, ordered
// by number.
func ReadMigrations(files fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a number and an underscore", name)
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations share version %d", out[i].Version)
		}
	}
	return out, nil
}

// SchemaVersion reports the highest applied migration of a component.
func (db *DB) SchemaVersion(ctx context.Context, component string) (int, error) {
	var v sql.NullInt64
	err := db.Read.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations WHERE component = ?", component).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// migrate brings the record of applied migrations to its current shape and
// applies the server's own.
func (db *DB) migrate(ctx context.Context) error {
	if err := db.upgradeMigrationRecord(ctx); err != nil {
		return err
	}
	sub, err := fs.Sub(serverMigrations, "migrations")
	if err != nil {
		return err
	}
	return db.Migrate(ctx, ServerComponent, sub)
}

// upgradeMigrationRecord creates schema_migrations, or converts the record
// of a data directory made before components had migrations of their own:
// there, one list numbered every table's migration. Its rows keep their
// names and numbers; the component that owns each name claims it when it
// migrates (see Migrate), so nothing is applied twice.
func (db *DB) upgradeMigrationRecord(ctx context.Context) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var hasComponent int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'component'`).Scan(&hasComponent)
		if err != nil {
			return fmt.Errorf("read the migration record: %w", err)
		}
		if hasComponent == 1 {
			return nil
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
			return fmt.Errorf("read the migration record: %w", err)
		}
		if exists == 1 {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE schema_migrations RENAME TO schema_migrations_before_components`); err != nil {
				return fmt.Errorf("keep the old migration record: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (
			name       TEXT PRIMARY KEY, -- NNNN_what, unique across components
			component  TEXT NOT NULL,    -- '' until its component claims a row recorded before components
			version    INTEGER NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		if exists == 1 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, component, version, applied_at)
				SELECT name, '', version, applied_at FROM schema_migrations_before_components`); err != nil {
				return fmt.Errorf("carry over the old migration record: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `DROP TABLE schema_migrations_before_components`); err != nil {
				return fmt.Errorf("drop the old migration record: %w", err)
			}
		}
		return nil
	})
}

// Migrate applies, each in its own transaction, every migration of a
// component (NNNN_name.sql files at the root of files) not yet recorded.
// Each component numbers its own migrations; names are unique across all.
func (db *DB) Migrate(ctx context.Context, component string, files fs.FS) error {
	migrations, err := ReadMigrations(files)
	if err != nil {
		return fmt.Errorf("%s migrations: %w", component, err)
	}
	if len(migrations) == 0 {
		return nil
	}
	applied := map[string]string{} // name → component
	newest := 0
	rows, err := db.Write.QueryContext(ctx, "SELECT name, component, version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	for rows.Next() {
		var name, comp string
		var v int
		if err := rows.Scan(&name, &comp, &v); err != nil {
			rows.Close()
			return fmt.Errorf("read applied migrations: %w", err)
		}
		applied[name] = comp
		if comp == component {
			newest = max(newest, v)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	if latest := migrations[len(migrations)-1].Version; newest > latest {
		return fmt.Errorf("the database has %s schema version %d but this binary only knows up to %d: run a newer Parley",
			component, newest, latest)
	}
	for _, m := range migrations {
		comp, done := applied[m.Name]
		switch {
		case done && comp == component:
			continue
		case done && comp == "":
			// Recorded before components had their own migrations: claim it.
			if _, err := db.Write.ExecContext(ctx, "UPDATE schema_migrations SET component = ? WHERE name = ?", component, m.Name); err != nil {
				return fmt.Errorf("claim migration %s: %w", m.Name, err)
			}
			continue
		case done:
			return fmt.Errorf("migration %s of %s is already recorded for %s: two components share a migration name", m.Name, component, comp)
		}
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (name, component, version, applied_at) VALUES (?, ?, ?, ?)",
				m.Name, component, m.Version, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply %s migration %s: %w", component, m.Name, err)
		}
	}
	return nil
}
