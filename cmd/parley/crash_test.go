package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestKilledUnderLoadLosesNoAcknowledgedMessage runs the real binary under
// load from many clients and kills it with SIGKILL. After a restart every
// message whose send returned success is there exactly once and found by
// search; sends whose answer was lost, retried with their sync_id, land
// once; and a socket that resumes with ?since= gets every message it
// missed.
func TestKilledUnderLoadLosesNoAcknowledgedMessage(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const senders = 8
	names := []string{"reader"}
	for i := range senders {
		names = append(names, fmt.Sprint("sender", i))
	}
	for _, n := range names {
		if out, code := runParley(t, "user", "create", "--data", data, "--email", n+"@example.org", "--password", "Crash-test-pass-1", "--name", n); code != 0 {
			t.Fatalf("create %s: %s", n, out)
		}
	}
	p := startServe(t, data)
	api := &apiClient{t: t}
	tokens := map[string]string{}
	huids := map[string]string{}
	for _, n := range names {
		tok, huid := api.login(p.url, n+"@example.org")
		tokens[n], huids[n] = tok, huid
	}
	// Two groups, each with half the senders and the reader.
	groups := make([]string, 2)
	for g := range groups {
		members := []string{huids["reader"]}
		for i := g; i < senders; i += 2 {
			members = append(members, huids[fmt.Sprint("sender", i)])
		}
		var c struct{ ID string }
		api.call(p.url, tokens["reader"], "POST", "/api/v1/chats", map[string]any{"kind": "group", "name": fmt.Sprint("crash ", g), "members": members}, &c)
		groups[g] = c.ID
	}

	// The reader's socket records what arrives before the kill.
	ws := dial(t, p.url, tokens["reader"], "")
	seen := map[string]int{}
	var lastSeq int64
	var seenMu sync.Mutex
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			var ev struct {
				Type    string
				Seq     int64
				Message struct {
					SyncID string `json:"sync_id"`
				}
			}
			if err := ws.ReadJSON(&ev); err != nil {
				return
			}
			seenMu.Lock()
			if ev.Seq > lastSeq {
				lastSeq = ev.Seq
			}
			if ev.Type == "message.new" {
				seen[ev.Message.SyncID]++
			}
			seenMu.Unlock()
		}
	}()

	var mu sync.Mutex
	acked := map[string]string{} // sync_id → body
	unknown := map[string][2]string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("sender", i)
			chat := groups[i%2]
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				syncID := fmt.Sprintf("%s-%d", name, n)
				body := fmt.Sprintf("crashtoken%dx%dz under load", i, n)
				b, _ := json.Marshal(map[string]any{"sync_id": syncID, "body": body})
				req, _ := http.NewRequest("POST", p.url+"/api/v1/chats/"+chat+"/messages", bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+tokens[name])
				resp, err := client.Do(req)
				mu.Lock()
				if err == nil && resp.StatusCode == http.StatusCreated {
					acked[syncID] = body
				} else {
					unknown[syncID] = [2]string{chat, body}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	// Kill once a good number of sends went through.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 400 {
			break
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	close(stop)
	wg.Wait()
	<-readerDone
	if len(acked) < 100 {
		t.Fatalf("only %d sends succeeded before the kill", len(acked))
	}

	t.Logf("killed after %d acknowledged sends; %d in flight; the reader had seen up to seq %d", len(acked), len(unknown), lastSeq)
	p = startServe(t, data)
	// Sends whose answer never came are retried with the same sync_id.
	for syncID, cb := range unknown {
		name := strings.SplitN(syncID, "-", 2)[0]
		api.call(p.url, tokens[name], "POST", "/api/v1/chats/"+cb[0]+"/messages", map[string]any{"sync_id": syncID, "body": cb[1]}, nil)
		acked[syncID] = cb[1]
	}
	// History: every acknowledged message exactly once.
	stored := map[string]int{}
	for _, chat := range groups {
		before := ""
		for {
			var page struct {
				Messages []struct {
					SyncID string `json:"sync_id"`
					Kind   string
				}
				Before *string
			}
			path := "/api/v1/chats/" + chat + "/messages?limit=200"
			if before != "" {
				path += "&before=" + before
			}
			api.call(p.url, tokens["reader"], "GET", path, nil, &page)
			for _, m := range page.Messages {
				if m.Kind == "text" {
					stored[m.SyncID]++
				}
			}
			if page.Before == nil {
				break
			}
			before = *page.Before
		}
	}
	for syncID := range acked {
		if stored[syncID] != 1 {
			t.Errorf("message %s is stored %d times", syncID, stored[syncID])
		}
	}
	if len(stored) != len(acked) {
		t.Errorf("%d messages stored, %d sent", len(stored), len(acked))
	}
	// Search finds each of them.
	missing := 0
	for syncID, body := range acked {
		var res struct {
			Messages []struct {
				SyncID string `json:"sync_id"`
			}
		}
		api.call(p.url, tokens["reader"], "GET", "/api/v1/search?q="+strings.Fields(body)[0], nil, &res)
		if len(res.Messages) != 1 || res.Messages[0].SyncID != syncID {
			missing++
			if missing < 5 {
				t.Errorf("search for %s found %+v", strings.Fields(body)[0], res.Messages)
			}
		}
	}
	// The reader resumes from its last event and gets every message it
	// had not seen, once.
	ws = dial(t, p.url, tokens["reader"], fmt.Sprint("since=", lastSeq))
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for len(seen) < len(acked) {
		var ev struct {
			Type    string
			Message struct {
				SyncID string `json:"sync_id"`
			}
		}
		if err := ws.ReadJSON(&ev); err != nil {
			break
		}
		if ev.Type == "resync" {
			t.Fatal("a resume from before the kill was told to resync")
		}
		if ev.Type == "message.new" {
			seen[ev.Message.SyncID]++
		}
	}
	for syncID := range acked {
		if seen[syncID] != 1 {
			t.Errorf("the reader got %s %d times", syncID, seen[syncID])
		}
	}
	p.stop(t)
}

type apiClient struct{ t *testing.T }

func (a *apiClient) login(base, login string) (token, huid string) {
	var out struct {
		Token string
		User  struct{ HUID string }
	}
	a.call(base, "", "POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "Crash-test-pass-1"}, &out)
	return out.Token, out.User.HUID
}

func (a *apiClient) call(base, token, method, path string, body, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

func dial(t *testing.T, base, token, query string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws"
	if query != "" {
		u += "?" + query
	}
	c, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
