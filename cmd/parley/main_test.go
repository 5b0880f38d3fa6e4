package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the parley executable built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "parley")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // also proves the no-cgo build
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build parley: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running parley serve.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stdout *bytes.Buffer
	stderr *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var readyURL = regexp.MustCompile(`msg="Parley is ready" url=(\S+)`)

// startServe runs parley on a free loopback port and waits for /healthz.
func startServe(t *testing.T, dataDir string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, extra...)
	cmd := exec.Command(binary, args...)
	p := &proc{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout = p.stdout
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := readyURL.FindStringSubmatch(line); m != nil {
				urlc <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.url = <-urlc:
	case err := <-p.done:
		t.Fatalf("parley exited before it was ready: %v\n%s", err, p.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("parley did not become ready:\n%s", p.stderr.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(body) == "ok" {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered ok: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("parley exited with %v after SIGTERM:\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("parley did not stop within 20 s of SIGTERM")
	}
}

var passwordLine = regexp.MustCompile(`password: (\S+)`)

func login(t *testing.T, base, login, password, udid string) (int, string) {
	body := fmt.Sprintf(`{"login":%q,"password":%q,"device":{"udid":%q,"platform":"desktop"}}`, login, password, udid)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	json.Unmarshal(data, &out)
	if resp.StatusCode == 200 {
		return 200, out.Token
	}
	return resp.StatusCode, string(data)
}

// TestServeSignInAndStopWithoutLosingWrites starts the real binary, signs
// in, keeps writing while SIGTERM arrives, and checks after a restart that
// every write the server acknowledged is there.
func TestServeSignInAndStopWithoutLosingWrites(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := startServe(t, data)
	m := passwordLine.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("first start printed no administrator password:\n%s", p.stdout.String())
	}
	if strings.Contains(p.stderr.String(), m[1]) {
		t.Fatal("the one-time password was written to the log")
	}
	status, token := login(t, p.url, "admin", m[1], "first")
	if status != 200 {
		t.Fatalf("sign-in: %d %s", status, token)
	}
	// The writers are a user of their own: a session on a one-time password
	// may do nothing but replace it.
	const writer, writerPW = "writer@example.org", "writer-secret-1"
	if out, code := runParley(t, "user", "create", "--data", data, "--email", writer, "--password", writerPW); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}

	// Writers sign in again and again (each sign-in stores a session) while
	// the server is told to stop.
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stopAt := time.Now().Add(300 * time.Millisecond)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				udid := fmt.Sprintf("w%d-%d", w, i)
				if status, _ := login(t, p.url, writer, writerPW, udid); status == 200 {
					mu.Lock()
					acked = append(acked, udid)
					mu.Unlock()
				}
				if time.Now().After(stopAt.Add(2 * time.Second)) {
					return
				}
			}
		}(w)
	}
	time.Sleep(time.Until(stopAt))
	p.stop(t)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the stop; the test proves nothing")
	}

	// Restart: no new password, and every acknowledged session exists.
	p2 := startServe(t, data)
	if strings.Contains(p2.stdout.String(), "password:") {
		t.Fatal("second start printed an administrator password again")
	}
	if status, body := login(t, p2.url, "admin", m[1], "after-restart"); status != 200 {
		t.Fatalf("administrator sign-in after restart: %d %s", status, body)
	}
	status, token = login(t, p2.url, writer, writerPW, "after-restart")
	if status != 200 {
		t.Fatalf("sign-in after restart: %d %s", status, token)
	}
	req, _ := http.NewRequest("GET", p2.url+"/api/v1/me/sessions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/me/sessions: %d", resp.StatusCode)
	}
	var list struct {
		Sessions []struct {
			UDID string `json:"udid"`
		} `json:"sessions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, s := range list.Sessions {
		stored[s.UDID] = true
	}
	for _, udid := range acked {
		if !stored[udid] {
			t.Errorf("acknowledged sign-in %s lost across SIGTERM", udid)
		}
	}
	t.Logf("%d writes acknowledged before the stop, all present after restart", len(acked))
	p2.stop(t)
}

func TestSecondServeOnSameDataRefused(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	startServe(t, data)
	out, code := runParley(t, "serve", "--addr", "127.0.0.1:0", "--data", data)
	if code != 1 || !strings.Contains(out, "in use by another Parley process") {
		t.Fatalf("second serve: exit %d\n%s", code, out)
	}
}

func runParley(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestBadInvocations(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	plainFile := filepath.Join(tmp, "file")
	os.WriteFile(plainFile, []byte("x"), 0o600)
	corrupt := filepath.Join(tmp, "corrupt")
	os.MkdirAll(corrupt, 0o700)
	os.WriteFile(filepath.Join(corrupt, "parley.db"), bytes.Repeat([]byte("garbage "), 1000), 0o600)
	busy := startServe(t, filepath.Join(tmp, "busy"))
	busyAddr := strings.TrimPrefix(busy.url, "http://")
	users := filepath.Join(tmp, "busy") // account commands work beside a running server
	if out, code := runParley(t, "user", "create", "--data", users, "--email", "dup@example.org", "--password", "secret-pass-1"); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"stray argument", []string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{"unknown language", []string{"serve", "--lang", "de", "--data", tmp}, 2, "unknown language"},
		{"bad log level", []string{"serve", "--log-level", "loud", "--data", tmp}, 2, "unknown level"},
		{"bad base URL", []string{"serve", "--base-url", "parley.example.org", "--data", tmp}, 2, "must start with http"},
		{"bad trusted proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/33", "--data", tmp}, 2, "--trusted-proxies"},
		{"data dir under a file", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(plainFile, "d")}, 1, "cannot create data directory"},
		{"corrupt database", []string{"serve", "--addr", "127.0.0.1:0", "--data", corrupt}, 1, "damaged or is not a SQLite database"},
		{"port in use", []string{"serve", "--addr", busyAddr, "--data", filepath.Join(tmp, "other")}, 1, "already in use"},
		{"admin without login", []string{"admin", "create", "--data", users, "--password", "secret-pass-1"}, 2, "--login is required"},
		{"admin short password", []string{"admin", "create", "--data", users, "--login", "root", "--password", "short"}, 2, "at least"},
		{"admin 12345678", []string{"admin", "create", "--data", users, "--login", "root", "--password", "12345678"}, 2, "at least 10 characters"},
		{"user common password", []string{"user", "create", "--data", users, "--email", "c@example.org", "--password", "Password123"}, 2, "most common passwords"},
		{"user with admin role", []string{"user", "create", "--data", users, "--email", "a@example.org", "--password", "secret-pass-1", "--role", "admin"}, 2, "--role must be user or support"},
		{"user with bad email", []string{"user", "create", "--data", users, "--email", "nope", "--password", "secret-pass-1"}, 2, "not a valid e-mail"},
		{"duplicate user", []string{"user", "create", "--data", users, "--email", "DUP@example.org", "--password", "secret-pass-1"}, 1, "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runParley(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d with %q; output:\n%s", code, tc.code, tc.want, out)
			}
			for _, bad := range []string{"goroutine ", "panic:", ".go:"} {
				if strings.Contains(out, bad) {
					t.Fatalf("output shows internals (%q):\n%s", bad, out)
				}
			}
		})
	}
	// The damaged database was left as it was.
	if b, _ := os.ReadFile(filepath.Join(corrupt, "parley.db")); !bytes.HasPrefix(b, []byte("garbage ")) {
		t.Fatal("parley changed the damaged database")
	}
}

func TestAdminAndUserCreateThenSignIn(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := startServe(t, data)
	if out, code := runParley(t, "admin", "create", "--data", data, "--login", "ops", "--password", "ops-secret-1"); code != 0 || !strings.Contains(out, "created administrator ops") {
		t.Fatalf("admin create: %d %s", code, out)
	}
	if out, code := runParley(t, "user", "create", "--data", data, "--email", "desk@example.org", "--password", "desk-secret-1", "--role", "support", "--name", "Help Desk"); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}
	for _, who := range [][2]string{{"ops", "ops-secret-1"}, {"desk@example.org", "desk-secret-1"}} {
		if status, body := login(t, p.url, who[0], who[1], "cli"); status != 200 {
			t.Errorf("sign-in as %s: %d %s", who[0], status, body)
		}
	}
	// Accounts can be added while the server runs.
	if out, code := runParley(t, "user", "create", "--data", data, "--email", "late@example.org", "--password", "late-secret-1"); code != 0 {
		t.Fatalf("user create on a running server: %d %s", code, out)
	}
	if status, body := login(t, p.url, "late@example.org", "late-secret-1", "cli"); status != 200 {
		t.Errorf("sign-in as late: %d %s", status, body)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	out, code := runParley(t, "--help")
	for _, want := range []string{"serve", "admin create", "user create", "version", "PARLEY_ADDR", "PARLEY_DATA", "--base-url", "-lang"} {
		if code != 0 || !strings.Contains(out, strings.TrimPrefix(want, "--")) {
			t.Errorf("--help lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	out, code = runParley(t, "version")
	if code != 0 || !strings.HasPrefix(out, "parley ") {
		t.Errorf("version: %d %s", code, out)
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "PARLEY_ADDR=127.0.0.1:0", "PARLEY_DATA="+data, "PARLEY_LANG=en")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for readyURL.FindStringSubmatch(stderr.String()) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("not ready:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	url := readyURL.FindStringSubmatch(stderr.String())[1]
	if !strings.Contains(stderr.String(), "data="+data) {
		t.Fatalf("PARLEY_DATA ignored:\n%s", stderr.String())
	}
	resp, err := http.Get(url + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Sign in to Parley") {
		t.Fatal("PARLEY_LANG=en did not make English the default")
	}
}

func TestBackupWhileServingRestoresAccounts(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := startServe(t, data)
	if out, code := runParley(t, "user", "create", "--data", data, "--email", "b@example.org", "--password", "backup-secret-1"); code != 0 {
		t.Fatalf("user create: %s", out)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if out, code := runParley(t, "backup", "--data", data, "--out", copyPath); code != 0 {
		t.Fatalf("backup while serving: %d %s", code, out)
	}
	if out, code := runParley(t, "backup", "--data", data, "--out", copyPath); code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("backup over an existing file: %d %s", code, out)
	}
	p.stop(t)
	restored := t.TempDir()
	b, _ := os.ReadFile(copyPath)
	os.WriteFile(filepath.Join(restored, "parley.db"), b, 0o600)
	p2 := startServe(t, restored)
	if status, body := login(t, p2.url, "b@example.org", "backup-secret-1", "restored"); status != 200 {
		t.Fatalf("sign-in on the restored copy: %d %s", status, body)
	}
}
