package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// A database made when every migration lived in one numbered list converts
// to per-component records: what was applied is not applied again, each
// component claims its own rows, and new migrations of both still apply.
func TestOneListOfMigrationsBecomesOnePerComponent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ServerMigrations()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	// The server's first migration, and a portal table, as an old binary left them.
	exec(server[0].SQL)
	exec(`INSERT INTO schema_migrations VALUES (?, ?, '2026-11-01T00:00:00Z')`, server[0].Version, server[0].Name)
	exec(`CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT)`)
	exec(`INSERT INTO widgets (name) VALUES ('kept')`)
	exec(`INSERT INTO schema_migrations VALUES (2, '0002_widgets', '2026-11-01T00:00:00Z')`)
	exec(`INSERT INTO users (huid, kind, role, email, created_at, updated_at)
		VALUES ('0f8fad5b-d9cb-469f-a165-70867728950e', 'cts_user', 'user', 'a@example.org', 'x', 'x')`)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the old database: %v", err)
	}
	defer db.Close()
	portal := fstest.MapFS{
		"0002_widgets.sql": {Data: []byte(`CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT)`)}, // would fail if applied again
		"0010_gadgets.sql": {Data: []byte(`CREATE TABLE gadgets (id INTEGER PRIMARY KEY)`)},
	}
	if err := db.Migrate(ctx, "portal", portal); err != nil {
		t.Fatalf("portal migrations on the old database: %v", err)
	}
	rows, err := db.Read.Query("SELECT name, component FROM schema_migrations ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, comp string
		if err := rows.Scan(&name, &comp); err != nil {
			t.Fatal(err)
		}
		got = append(got, comp+":"+name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"server:" + server[0].Name, "portal:0002_widgets"}
	for _, m := range server[1:] {
		want = append(want, "server:"+m.Name)
	}
	want = append(want, "portal:0010_gadgets")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("record after conversion:\n got %v\nwant %v", got, want)
	}
	var name, email string
	if err := db.Read.QueryRow("SELECT name FROM widgets").Scan(&name); err != nil || name != "kept" {
		t.Fatalf("portal data lost: %q %v", name, err)
	}
	if err := db.Read.QueryRow("SELECT email FROM users").Scan(&email); err != nil || email != "a@example.org" {
		t.Fatalf("server data lost: %q %v", email, err)
	}

	// A component may not claim another's migration by name.
	if err := db.Migrate(ctx, "bots", fstest.MapFS{"0002_widgets.sql": {Data: []byte(`SELECT 1`)}}); err == nil ||
		!strings.Contains(err.Error(), "share a migration name") {
		t.Fatalf("a second component claimed 0002_widgets: %v", err)
	}
}
