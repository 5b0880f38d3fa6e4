package portal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"parley/portal"
	"parley/server"
	"parley/server/servertest"
)

// A data directory made by the Parley of early December 2026, when every
// table's migration lived in the server's one list, opens with today's
// binary and loses nothing: the fixture was written by that version's own
// code (users, sessions, help searches, tickets with replies and a Jira
// link, a processed diagnostics upload, a retention setting).
func TestDataDirectoryFromBeforeTheSchemaSplitUpgrades(t *testing.T) {
	t.Parallel()
	dir := servertest.DataDirFixture(t, "before-split")
	env := servertest.Start(t, servertest.Options{DataDir: dir, Mounts: []server.Mount{portal.Mount}})

	// Every migration is recorded once, under the component that owns it
	// (the old records are claimed: none is left with no component).
	if n := env.Count("SELECT count(*) FROM schema_migrations WHERE component = ''"); n != 0 {
		t.Errorf("%d migrations left unclaimed", n)
	}
	for _, name := range []string{"0001_accounts", "0004_settings", "0008_mail_invitations"} {
		if n := env.Count("SELECT count(*) FROM schema_migrations WHERE name = ? AND component = 'server'", name); n != 1 {
			t.Errorf("%s is not the server's", name)
		}
	}
	for _, name := range []string{"0002_helpcenter", "0003_diagnostics", "0006_support", "0007_jira", "0009_diag_error_groups"} {
		if n := env.Count("SELECT count(*) FROM schema_migrations WHERE name = ? AND component = 'portal'", name); n != 1 {
			t.Errorf("%s is not the portal's", name)
		}
	}

	// The people of the old server sign in with their old passwords, even
	// those that today's rules would no longer accept for a new password.
	anna := env.Login("anna@example.org", "anna-pass-1", nil)
	staff := env.Login("staff@example.org", "staff-pass-1", nil)

	var mine struct {
		Tickets []struct {
			Subject string `json:"subject"`
			Kind    string `json:"kind"`
		} `json:"tickets"`
	}
	resp, body := env.Do("GET", "/api/v1/support/tickets", anna, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("own tickets: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &mine); err != nil {
		t.Fatal(err)
	}
	subjects := ""
	for _, tk := range mine.Tickets {
		subjects += tk.Subject + "|"
	}
	for _, want := range []string{"Не приходят уведомления", "Тёмная тема в веб-клиенте"} {
		if !strings.Contains(subjects, want) {
			t.Errorf("the old ticket %q is missing: %s", want, body)
		}
	}
	resp, body = env.Do("GET", "/api/v1/support/tickets/1", staff, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Проверьте настройки батареи") {
		t.Errorf("the reply on the old ticket: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do("GET", "/api/v1/diagnostics/uploads/1", anna, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ready"`) {
		t.Errorf("the old diagnostics upload: %d %s", resp.StatusCode, body)
	}
	if n := env.Count("SELECT count(*) FROM jira_links"); n != 1 {
		t.Errorf("%d Jira links, want the old one", n)
	}
	if n := env.Count("SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'diagnostics.retention_days'"); n != 45 {
		t.Errorf("retention setting %d, want the old 45", n)
	}
	// The old one-by-one help search log is folded into the daily counts.
	if n := env.Count("SELECT coalesce(sum(searches), 0) FROM help_query_stats"); n != 4 {
		t.Errorf("the daily help search counts hold %d searches, want the old log's 4", n)
	}
}
