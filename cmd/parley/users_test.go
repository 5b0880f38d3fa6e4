package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDataCommandsRefuseMissingDataDirectory: only serve creates a data
// directory; every other command names the directory it looked for, says
// what to do and leaves nothing behind.
func TestDataCommandsRefuseMissingDataDirectory(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	missing := filepath.Join(work, "nowhere")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"admin create", []string{"admin", "create", "--login", "ops", "--password", "ops-secret-123"}},
		{"user create", []string{"user", "create", "--email", "a@example.org", "--password", "user-secret-123"}},
		{"user list", []string{"user", "list"}},
		{"user set-role", []string{"user", "set-role", "--email", "a@example.org", "--role", "support"}},
		{"user block", []string{"user", "block", "--email", "a@example.org"}},
		{"user unblock", []string{"user", "unblock", "--email", "a@example.org"}},
		{"user reset-password", []string{"user", "reset-password", "--email", "a@example.org"}},
		{"backup", []string{"backup", "--out", filepath.Join(work, "copy.db")}},
	} {
		t.Run(tc.name+" with --data", func(t *testing.T) {
			if strings.HasSuffix(tc.name, " create") {
				return // creates the directory: TestCreateCommandsMakeTheGivenDataDirectory
			}
			out, code := runParley(t, append(tc.args, "--data", missing)...)
			if code != 1 || !strings.Contains(out, "no Parley data directory at "+missing+":") ||
				!strings.Contains(out, "parley serve --data") {
				t.Fatalf("exit %d, output:\n%s", code, out)
			}
			if _, err := os.Stat(missing); !os.IsNotExist(err) {
				t.Fatalf("%s created the data directory %s", tc.name, missing)
			}
		})
		t.Run(tc.name+" with the default directory", func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, tc.args...)
			cmd.Dir = dir
			cmd.Env = withoutEnv(os.Environ(), "PARLEY_DATA")
			b, err := cmd.CombinedOutput()
			out := string(b)
			ee, _ := err.(*exec.ExitError)
			if ee == nil || ee.ExitCode() != 1 || !strings.Contains(out, "no Parley data directory at "+filepath.Join(dir, "parley-data")+":") {
				t.Fatalf("err %v, output:\n%s", err, out)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Fatalf("%s left %d entries in the working directory, e.g. %s", tc.name, len(entries), entries[0].Name())
			}
		})
	}
	// An empty directory is no data directory either: nothing is created in it.
	empty := t.TempDir()
	out, code := runParley(t, "user", "list", "--data", empty)
	if code != 1 || !strings.Contains(out, "no Parley data directory at "+empty) {
		t.Fatalf("user list on an empty directory: %d %s", code, out)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Fatalf("user list wrote %s into an empty directory", entries[0].Name())
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// me asks the running server who a token belongs to and returns the status.
func me(t *testing.T, base, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// listRow returns the line of parley user list that names who.
func listRow(t *testing.T, data, who string) []string {
	t.Helper()
	out, code := runParley(t, "user", "list", "--data", data)
	if code != 0 {
		t.Fatalf("user list: %d %s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && f[1] == who {
			return f
		}
	}
	t.Fatalf("user list does not show %s:\n%s", who, out)
	return nil
}

// TestUserCommandsOnRunningServer drives list, set-role, block, unblock and
// reset-password against a running server and checks each through its API.
func TestUserCommandsOnRunningServer(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := startServe(t, data)
	adminPW := passwordLine.FindStringSubmatch(p.stdout.String())
	if adminPW == nil {
		t.Fatalf("no first administrator password:\n%s", p.stdout.String())
	}
	const email, pw = "lena@example.org", "lena-secret-123"
	if out, code := runParley(t, "user", "create", "--data", data, "--email", email, "--password", pw, "--name", "Лена Смирнова"); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}

	// A readable table: a header, one line per account, never signed in yet.
	out, code := runParley(t, "user", "list", "--data", data)
	if code != 0 || !regexp.MustCompile(`(?m)^HUID\s+E-MAIL/LOGIN\s+NAME\s+ROLE\s+KIND\s+BLOCKED\s+LAST SIGN-IN$`).MatchString(out) ||
		!strings.Contains(out, "2 accounts") {
		t.Fatalf("user list: %d\n%s", code, out)
	}
	row := listRow(t, data, email)
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(row[0]) || row[len(row)-1] != "never" || row[len(row)-2] != "no" ||
		!strings.Contains(strings.Join(row, " "), "Лена Смирнова user unregistered") {
		t.Fatalf("row of %s: %q", email, row)
	}
	status, token := login(t, p.url, email, pw, "phone")
	if status != 200 {
		t.Fatalf("sign-in: %d %s", status, token)
	}
	if row := listRow(t, data, email); row[len(row)-1] != "UTC" || !strings.Contains(strings.Join(row, " "), "cts_user no") {
		t.Fatalf("after signing in, row of %s: %q", email, row)
	}

	// Roles.
	if out, code := runParley(t, "user", "set-role", "--data", data, "--email", email, "--role", "support"); code != 0 || !strings.Contains(out, "is now support (was user)") {
		t.Fatalf("set-role support: %d %s", code, out)
	}
	if row := listRow(t, data, email); row[4] != "support" {
		t.Fatalf("role after set-role: %q", row)
	}
	if out, code := runParley(t, "user", "set-role", "--data", data, "--email", email, "--role", "boss"); code != 2 || !strings.Contains(out, "unknown role") {
		t.Fatalf("set-role boss: %d %s", code, out)
	}
	if out, code := runParley(t, "user", "block", "--data", data, "--email", "nobody@example.org"); code != 1 || !strings.Contains(out, `no account with the e-mail or login "nobody@example.org"`) {
		t.Fatalf("block an unknown address: %d %s", code, out)
	}

	// Blocking ends the session at once and refuses sign-in with a clear answer.
	if out, code := runParley(t, "user", "block", "--data", data, "--email", email); code != 0 || !strings.Contains(out, "blocked "+email) {
		t.Fatalf("block: %d %s", code, out)
	}
	if got := me(t, p.url, token); got != http.StatusUnauthorized {
		t.Fatalf("the blocked user's session still answers %d", got)
	}
	if status, body := login(t, p.url, email, pw, "phone"); status != http.StatusForbidden || !strings.Contains(body, "blocked") {
		t.Fatalf("sign-in while blocked: %d %s", status, body)
	}
	if row := listRow(t, data, email); !strings.Contains(strings.Join(row, " "), "since ") {
		t.Fatalf("list does not show the block: %q", row)
	}
	if out, code := runParley(t, "user", "reset-password", "--data", data, "--email", email); code != 1 || !strings.Contains(out, "is blocked") {
		t.Fatalf("reset-password of a blocked account: %d %s", code, out)
	}
	if out, code := runParley(t, "user", "unblock", "--data", data, "--email", email); code != 0 || !strings.Contains(out, "unblocked "+email) {
		t.Fatalf("unblock: %d %s", code, out)
	}
	status, token = login(t, p.url, email, pw, "phone")
	if status != 200 {
		t.Fatalf("sign-in after unblock: %d %s", status, token)
	}

	// The administrator's reset: a one-time password, every session ended.
	out, code = runParley(t, "user", "reset-password", "--data", data, "--email", email)
	m := regexp.MustCompile(`one-time password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "must choose their own password") {
		t.Fatalf("reset-password: %d %s", code, out)
	}
	if got := me(t, p.url, token); got != http.StatusUnauthorized {
		t.Fatalf("a session survived the reset: %d", got)
	}
	if status, _ := login(t, p.url, email, pw, "phone"); status != http.StatusUnauthorized {
		t.Fatalf("the old password still works: %d", status)
	}
	status, body := login(t, p.url, email, m[1], "phone")
	if status != 200 {
		t.Fatalf("sign-in with the one-time password: %d %s", status, body)
	}

	// The last administrator can be neither blocked nor demoted.
	for _, args := range [][]string{
		{"user", "block", "--data", data, "--email", "admin"},
		{"user", "set-role", "--data", data, "--email", "admin", "--role", "user"},
	} {
		out, code := runParley(t, args...)
		if code != 1 || !strings.Contains(out, "last server administrator") {
			t.Fatalf("%s: %d %s", strings.Join(args[:2], " "), code, out)
		}
	}
	if status, _ := login(t, p.url, "admin", adminPW[1], "console"); status != 200 {
		t.Fatalf("the refused block still locked the administrator out: %d", status)
	}
	// With a second administrator the first may step down.
	if out, code := runParley(t, "user", "set-role", "--data", data, "--email", email, "--role", "admin"); code != 0 {
		t.Fatalf("promote: %d %s", code, out)
	}
	if out, code := runParley(t, "user", "set-role", "--data", data, "--email", "admin", "--role", "support"); code != 0 || !strings.Contains(out, "is now support (was admin)") {
		t.Fatalf("demote with another administrator: %d %s", code, out)
	}
}

// Scripts create users in a fresh directory before the first start
// (DESIGN.md; the contract checks do exactly that), so an explicit --data
// that does not exist yet is made by the two create commands.
func TestCreateCommandsMakeTheGivenDataDirectory(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "fresh", "data")
	out, code := runParley(t, "admin", "create", "--data", fresh, "--login", "ops", "--password", "Ops-secret-1234")
	if code != 0 || !strings.Contains(out, "created administrator ops") {
		t.Fatalf("admin create in a new directory: %d %s", code, out)
	}
	out, code = runParley(t, "user", "create", "--data", fresh, "--email", "a@example.org", "--password", "User-secret-1234")
	if code != 0 || !strings.Contains(out, "created user a@example.org") {
		t.Fatalf("user create: %d %s", code, out)
	}
	out, code = runParley(t, "user", "list", "--data", fresh)
	if code != 0 || !strings.Contains(out, "a@example.org") || !strings.Contains(out, "ops") {
		t.Fatalf("user list after the creates: %d %s", code, out)
	}
}
