package servertest

import (
	"compress/gzip"
	"embed"
	"io"
	"os"
	"path/filepath"
	"testing"

	"parley/server"
)

// Databases of data directories made by earlier versions of Parley, by
// those versions' own code, for upgrade tests. "before-split" is the
// Parley of early December 2026, before each component had its own
// migrations: three users (admin, staff and anna@example.org, passwords
// admin-pass-1, staff-pass-1, anna-pass-1), sessions, help searches,
// three tickets with a reply and a Jira link, a processed diagnostics
// upload and a retention setting of 45 days.
//
//go:embed fixtures/*.db.gz
var fixtures embed.FS

// DataDirFixture returns a new data directory holding the database of the
// named fixture, ready for Start(Options{DataDir: …}).
func DataDirFixture(t testing.TB, name string) string {
	t.Helper()
	f, err := fixtures.Open("fixtures/" + name + ".db.gz")
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, server.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}
