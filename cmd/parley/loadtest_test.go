package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The load tool against the real binary: users go into the data directory
// of a running server, then a short burst signs them in, sends, and reports
// the server's usage read from /proc apart from its own. A second run
// reuses the cached tokens instead of signing in again.
func TestLoadtestUsersAndBurstAgainstTheRealServer(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	srv := startServe(t, data)
	tokens := filepath.Join(t.TempDir(), "tokens.tsv")

	out, code := runParley(t, "loadtest", "users", "--data", data, "--count", "20", "--password", "load-test-password-5")
	if code != 0 || !strings.Contains(out, "20 users created") {
		t.Fatalf("loadtest users: %d\n%s", code, out)
	}
	out, code = runParley(t, "loadtest", "users", "--data", data, "--count", "25", "--password", "load-test-password-5")
	if code != 0 || !strings.Contains(out, "5 users created") || !strings.Contains(out, "20 existed already") {
		t.Fatalf("loadtest users again: %d\n%s", code, out)
	}

	delivered := regexp.MustCompile(`delivered to all 10 members: (\d+) `)
	for run := 1; run <= 2; run++ {
		out, code = runParley(t, "loadtest", "burst", "--server", srv.url, "--password", "load-test-password-5",
			"--users", "20", "--group", "10", "--rate", "50", "--duration", "1s", "--tokens", tokens,
			"--server-pid", strconv.Itoa(srv.cmd.Process.Pid), "--search-check", "0")
		if code != 0 {
			t.Fatalf("burst run %d: %d\n%s", run, code, out)
		}
		for _, want := range []string{"== closed loop", "== open loop at 50 messages/s", "failed 0 (0.000 %)",
			"[/proc/" + strconv.Itoa(srv.cmd.Process.Pid) + "]", "load tool: CPU"} {
			if strings.Count(out, want) < 1 {
				t.Errorf("burst run %d: no %q in\n%s", run, want, out)
			}
		}
		for _, m := range delivered.FindAllStringSubmatch(out, -1) {
			if n, _ := strconv.Atoi(m[1]); n == 0 {
				t.Errorf("burst run %d delivered nothing in a phase:\n%s", run, out)
			}
		}
	}
	cache, err := os.ReadFile(tokens)
	if err != nil {
		t.Fatal(err)
	}
	// Twenty users signed in once: the second run took the cached tokens.
	if lines := strings.Count(string(cache), "\n"); lines != 20 {
		t.Fatalf("token cache has %d lines after two runs, want 20", lines)
	}
	// seed adds the users the plan has beyond those there already.
	out, code = runParley(t, "loadtest", "seed", "--data", data, "--password", "load-test-password-5", "--users", "30",
		"--chats", "40", "--messages", "100")
	if code != 0 || !strings.Contains(out, "users: 5 created, 25 existed already") || !strings.Contains(out, "chats planned: 40") {
		t.Fatalf("loadtest seed: %d\n%s", code, out)
	}
	out, code = runParley(t, "loadtest", "burst", "--server", srv.url, "--users", "20")
	if code != 2 || !strings.Contains(out, "--password is required") {
		t.Fatalf("burst without --password: %d\n%s", code, out)
	}
}
