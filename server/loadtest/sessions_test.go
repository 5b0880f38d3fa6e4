package loadtest

import (
	"path/filepath"
	"strings"
	"testing"

	"parley/server/servertest"
)

func TestWrittenSessionsSignUsersIn(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := t.Context()
	if _, err := CreateUsers(ctx, env.Server.Accounts, 1, 30, "Load-test-pass-1", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tokens.tsv")
	if n, err := WriteSessions(ctx, env.Server.Accounts, 1, 20, path, nil); err != nil || n != 20 {
		t.Fatalf("first write: %d, %v", n, err)
	}
	// A second run adds only the users the file lacks.
	if n, err := WriteSessions(ctx, env.Server.Accounts, 1, 30, path, nil); err != nil || n != 10 {
		t.Fatalf("second write: %d, %v", n, err)
	}
	tokens, err := readTokens(path)
	if err != nil || len(tokens) != 30 {
		t.Fatalf("token file holds %d users, %v", len(tokens), err)
	}
	u := tokens[LoadEmail(7)]
	resp, body := env.Do("GET", "/api/v1/me", u.Token, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), u.HUID) {
		t.Errorf("a written session: %d %s", resp.StatusCode, body)
	}
}
