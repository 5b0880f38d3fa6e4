package server_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"parley/server"
	"parley/server/servertest"
	_ "parley/server/store" // registers the sqlite driver
)

// TestOldEndReasonsBecomeCodes: sessions ended before reasons were codes
// were stored with English sentences; after the upgrade they hold codes and
// a Russian page words them in Russian.
func TestOldEndReasonsBecomeCodes(t *testing.T) {
	t.Parallel()
	// A data directory made by the Parley of early December 2026.
	dir := servertest.DataDirFixture(t, "before-split")
	dbPath := filepath.Join(dir, server.DBFile)
	old, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var userID int64
	if err := old.QueryRow("SELECT id FROM users WHERE email = 'anna@example.org'").Scan(&userID); err != nil {
		t.Fatal(err)
	}
	legacy := map[string]string{"signed out": "signed_out", "ended from another session": "ended_remotely",
		"password changed": "password_changed", "unused for too long": "idle"}
	i := 0
	for text := range legacy {
		i++
		if _, err := old.Exec(`INSERT INTO sessions (user_id, token_hash, udid, platform, created_at, last_seen_at, ended_at, end_reason)
			VALUES (?, randomblob(32), ?, 'android', '2026-12-01T10:00:00.000000Z', '2026-12-01T10:00:00.000000Z', '2026-12-01T11:00:00.000000Z', ?)`,
			userID, "old-device-"+strings.Repeat("x", i), text); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	env := servertest.Start(t, servertest.Options{DataDir: dir})
	rows, err := env.Server.DB.Read.Query("SELECT end_reason FROM sessions WHERE udid LIKE 'old-device-%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		got[r] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for text, code := range legacy {
		if !got[code] {
			t.Errorf("%q did not become %q: %v", text, code, got)
		}
	}
	c := signIn(t, env, "anna@example.org", "anna-pass-1")
	_, html := page(t, c, env, "GET", "/account", nil)
	for _, want := range []string{"выход из учётной записи", "завершена с другого устройства", "пароль изменён", "долго не использовалась"} {
		if !strings.Contains(html, want) {
			t.Errorf("the account page lacks %q", want)
		}
	}
	if strings.Contains(html, "signed out") || strings.Contains(html, "signed_out") {
		t.Error("the Russian page shows an end reason in English or as a code")
	}
}
