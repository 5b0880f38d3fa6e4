package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/server/loadtest"
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
		args := []string{"loadtest", "burst", "--server", srv.url, "--password", "load-test-password-5",
			"--users", "20", "--group", "10", "--rate", "50", "--duration", "1s", "--tokens", tokens,
			"--server-pid", strconv.Itoa(srv.cmd.Process.Pid), "--search-check", "0"}
		if run == 2 {
			// Connections from further loopback source addresses, as runs
			// beyond one address's ephemeral ports need.
			args = append(args, "--bind", "127.0.0.2,127.0.0.3")
		}
		out, code = runParley(t, args...)
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
	// A short ceiling run through the command line: its verdict depends on
	// this machine's load, so only that it runs and reports is checked here
	// (the ramp's logic is tested in server/loadtest).
	out, code = runParley(t, "loadtest", "ceiling", "--server", srv.url, "--password", "load-test-password-5",
		"--start", "10", "--step", "10", "--max", "20", "--window", "700ms", "--hold", "700ms", "--min-idle", "10ms",
		"--avg-idle", "60ms", "--tokens", tokens, "--server-pid", strconv.Itoa(srv.cmd.Process.Pid))
	if code != 0 || !strings.Contains(out, "== ceiling result") || !strings.Contains(out, "switch chat") ||
		!strings.Contains(out, "pacing: idle uniform in [10ms, 110ms)") {
		t.Fatalf("loadtest ceiling: %d\n%s", code, out)
	}

	// Idle sockets: each one is a file the server holds open.
	out, code = runParley(t, "loadtest", "idle", "--server", srv.url, "--password", "load-test-password-5", "--users", "20",
		"--settle", "200ms", "--tokens", tokens, "--server-pid", strconv.Itoa(srv.cmd.Process.Pid))
	fds := regexp.MustCompile(`server open files (\d+) → (\d+) of`).FindStringSubmatch(out)
	if code != 0 || fds == nil || !strings.Contains(out, "KiB each") {
		t.Fatalf("loadtest idle: %d\n%s", code, out)
	}
	before, _ := strconv.Atoi(fds[1])
	after, _ := strconv.Atoi(fds[2])
	if after-before < 20 {
		t.Fatalf("20 idle sockets but the server's open files went from %d to %d\n%s", before, after, out)
	}

	// seed adds the users the plan has beyond those there already, also
	// beside a running server, but refuses to write chats there.
	out, code = runParley(t, "loadtest", "seed", "--data", data, "--password", "load-test-password-5", "--users", "30",
		"--chats", "0", "--messages", "0")
	if code != 0 || !strings.Contains(out, "users: 5 created, 25 existed already") {
		t.Fatalf("loadtest seed of users: %d\n%s", code, out)
	}
	out, code = runParley(t, "loadtest", "seed", "--data", data, "--password", "load-test-password-5", "--users", "30",
		"--chats", "40", "--messages", "100")
	if code != 1 || !strings.Contains(out, "stop the server first") {
		t.Fatalf("loadtest seed of chats beside a running server: %d\n%s", code, out)
	}
	out, code = runParley(t, "loadtest", "burst", "--server", srv.url, "--users", "20")
	if code != 2 || !strings.Contains(out, "--password is required") {
		t.Fatalf("burst without --password: %d\n%s", code, out)
	}
}

// Seeding a stopped server's data directory: the chats and messages are
// there for their members after the server starts, and search finds them.
func TestLoadtestSeedFillsAStoppedDataDirectory(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	startServe(t, data).stop(t)
	out, code := runParley(t, "loadtest", "seed", "--data", data, "--password", "load-test-password-5", "--users", "40",
		"--chats", "60", "--messages", "900", "--batch", "100")
	if code != 0 || !strings.Contains(out, "users: 40 created") || !strings.Contains(out, "messages: 900 imported") {
		t.Fatalf("loadtest seed: %d\n%s", code, out)
	}
	imported := regexp.MustCompile(`chats: (\d+) imported`).FindStringSubmatch(out)
	if imported == nil {
		t.Fatalf("no chat count in\n%s", out)
	}
	if n, _ := strconv.Atoi(imported[1]); n < 50 || n > 60 {
		t.Fatalf("%d of 60 planned chats imported (only discussions may be left out)\n%s", n, out)
	}

	srv := startServe(t, data)
	plan := loadtest.SeedPlan{Users: 40, Chats: 60, Messages: 900, Seed: loadtest.DefaultSeedPlan(time.Now()).Seed}
	first := plan.ChatPlan()[0] // never a discussion: it would need an earlier chat
	code, token := login(t, srv.url, loadtest.LoadEmail(first.Members[0]), "load-test-password-5", "seed-check")
	if code != 200 {
		t.Fatalf("sign in as a seeded user: %d %s", code, token)
	}
	var list struct {
		Chats []struct {
			Name        string          `json:"name"`
			LastMessage json.RawMessage `json:"last_message"`
		} `json:"chats"`
	}
	getJSON(t, srv.url+"/api/v1/chats", token, &list)
	withHistory := 0
	for _, c := range list.Chats {
		if string(c.LastMessage) != "null" && len(c.LastMessage) > 0 {
			withHistory++
		}
	}
	if withHistory == 0 {
		t.Fatalf("user %d sees %d chats, none with messages", first.Members[0], len(list.Chats))
	}
	// The search run against the seeded directory.
	out, code = runParley(t, "loadtest", "search", "--server", srv.url, "--password", "load-test-password-5",
		"--users", "40", "--rate", "40", "--duration", "1s", "--server-pid", strconv.Itoa(srv.cmd.Process.Pid))
	if code != 0 || !strings.Contains(out, "requests in the handler:") || !strings.Contains(out, "errors 0;") {
		t.Fatalf("loadtest search: %d\n%s", code, out)
	}

	// The most common Russian word is in some of the user's messages.
	var found struct {
		Messages []json.RawMessage `json:"messages"`
	}
	getJSON(t, srv.url+"/api/v1/search?q="+url.QueryEscape(loadtest.VocabularyRU()[0]), token, &found)
	if len(found.Messages) == 0 {
		t.Fatalf("search for %q found nothing in a seeded directory", loadtest.VocabularyRU()[0])
	}
}

func getJSON(t *testing.T, u, token string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, data)
	}
}

// Like every data command, users and seed name a missing data directory
// and leave nothing behind.
func TestLoadtestDataCommandsRefuseAMissingDirectory(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nowhere")
	for _, args := range [][]string{
		{"loadtest", "users", "--data", missing, "--count", "5", "--password", "load-test-password-5"},
		{"loadtest", "seed", "--data", missing, "--password", "load-test-password-5", "--chats", "5", "--messages", "5"},
	} {
		out, code := runParley(t, args...)
		if code != 1 || !strings.Contains(out, "no Parley data directory at "+missing) {
			t.Errorf("%s: %d\n%s", strings.Join(args[:2], " "), code, out)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%s made %s", strings.Join(args[:2], " "), missing)
		}
	}
}
