package realtime_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/server/chats"
	"parley/server/servertest"
)

func group(t *testing.T, owner servertest.Person, members ...servertest.Person) chats.ChatJSON {
	t.Helper()
	var huids []string
	for _, m := range members {
		huids = append(huids, m.HUID)
	}
	var c chats.ChatJSON
	owner.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "g", "members": huids}, 201, &c)
	return c
}

func TestTypingReachesOtherMembersOnly(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	g := group(t, ann, ben)
	as, bs, cs := ann.Socket(""), ben.Socket(""), cid.Socket("")
	if err := as.Conn.WriteJSON(map[string]any{"type": "typing", "chat_id": g.ID}); err != nil {
		t.Fatal(err)
	}
	ev := bs.Await("typing")
	if ev["chat_id"] != g.ID || ev["user"] != ann.HUID || ev.Seq() != 0 {
		t.Errorf("typing event %s", ev)
	}
	if got := cs.Quiet(300 * time.Millisecond); len(got) != 0 {
		t.Errorf("an outsider saw typing: %v", got)
	}
	// Typing in a chat one is not in is refused on the socket, which stays.
	if err := cs.Conn.WriteJSON(map[string]any{"type": "typing", "chat_id": g.ID}); err != nil {
		t.Fatal(err)
	}
	if ev := cs.Await("error"); ev["code"] != "typing_refused" {
		t.Errorf("refusal %s", ev)
	}
	if err := cs.Conn.WriteJSON(map[string]any{"type": "ping"}); err != nil {
		t.Fatal(err)
	}
	cs.Await("pong")
	_ = as
}

func TestPresenceGoesOnlyToSubscribers(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	as := ann.Socket("")
	cs := cid.Socket("")
	if err := as.Conn.WriteJSON(map[string]any{"type": "presence.subscribe", "users": []string{ben.HUID}}); err != nil {
		t.Fatal(err)
	}
	if ev := as.Await("presence"); ev["user"] != ben.HUID || ev["online"] != false {
		t.Errorf("initial presence %s", ev)
	}
	bs := ben.Socket("")
	if ev := as.Await("presence"); ev["online"] != true {
		t.Errorf("online presence %s", ev)
	}
	bs.Conn.Close()
	if ev := as.Await("presence"); ev["online"] != false || ev["last_seen"] == nil {
		t.Errorf("offline presence %s", ev)
	}
	for _, ev := range cs.Quiet(300 * time.Millisecond) {
		if ev.Type() == "presence" {
			t.Errorf("cid, who subscribed to nobody, got %s", ev)
		}
	}
}

func TestBrowserSocketNeedsOwnOrigin(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.Person("ann")
	c := env.SignInBrowser("ann@example.org", servertest.TestPassword)
	u := "ws" + strings.TrimPrefix(env.URL, "http") + "/api/v1/ws"
	dialer := websocket.Dialer{Jar: c.Jar}
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{env.URL, true},
		{"https://evil.example", false},
		{"", false},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		ws, resp, err := dialer.Dial(u, h)
		if tc.ok != (err == nil) {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("origin %q: err %v status %d", tc.origin, err, status)
		}
		if ws != nil {
			ws.Close()
		}
	}
}

func TestEndedSessionLosesItsSocketAtOnce(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann := env.Person("ann")
	other := ann.Again(map[string]any{"platform": "android"})
	s1, s2 := ann.Socket(""), other.Socket("")
	var sessions struct {
		Sessions []struct {
			ID      int64 `json:"id"`
			Current bool  `json:"current"`
		} `json:"sessions"`
	}
	ann.Call("GET", "/api/v1/me/sessions", nil, 200, &sessions)
	var otherID int64
	for _, s := range sessions.Sessions {
		if !s.Current {
			otherID = s.ID
		}
	}
	ann.Call("POST", fmt.Sprintf("/api/v1/me/sessions/%d/clear", otherID), map[string]any{"what": "chats"}, 204, nil)
	if ev := s2.Await("session.clear_chats"); ev.Seq() == 0 {
		t.Errorf("clear_chats is not numbered: %s", ev)
	}
	for _, ev := range s1.Quiet(300 * time.Millisecond) {
		if ev.Type() == "session.clear_chats" {
			t.Errorf("the command reached the wrong session: %s", ev)
		}
	}
	ann.Call("DELETE", fmt.Sprintf("/api/v1/me/sessions/%d", otherID), nil, 200, nil)
	if ev := s2.Await("session.ended"); ev["reason"] != "ended_remotely" {
		t.Errorf("session.ended %s", ev)
	}
	if err := s2.Ended(5 * time.Second); err == nil {
		t.Error("the ended session's socket stays open")
	}
	if got := s1.Quiet(200 * time.Millisecond); len(got) != 0 {
		for _, ev := range got {
			if ev.Type() == "session.ended" {
				t.Errorf("the current session was told it ended: %s", ev)
			}
		}
	}
	resp, body := env.Do("POST", fmt.Sprintf("/api/v1/me/sessions/%d/clear", otherID+1000), ann.Token, map[string]any{"what": "chats"})
	if resp.StatusCode != 404 {
		t.Errorf("a command to someone else's session: %d %s", resp.StatusCode, body)
	}
}

func TestSlowSocketIsCutOffAndResumes(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := group(t, ann, ben)
	// A client that never reads, with a tiny receive buffer.
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}
	slow, _, err := dialer.Dial("ws"+strings.TrimPrefix(env.URL, "http")+"/api/v1/ws", http.Header{"Authorization": {"Bearer " + ben.Token}})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := ben.Socket("")
	big := strings.Repeat("x", 15000)
	sent := 0
	for sent < 4000 && env.Server.Hub.Sockets() == 2 {
		ann.Call("POST", "/api/v1/chats/"+g.ID+"/messages", map[string]any{"sync_id": fmt.Sprint("m", sent), "body": big}, 201, nil)
		sent++
	}
	if env.Server.Hub.Sockets() != 1 {
		t.Fatalf("a socket that never reads stayed open through %d big messages", sent)
	}
	// The one that keeps up got everything, in order.
	prev := int64(0)
	for i := range sent {
		ev := fast.Await("message.new")
		if ev.Seq() <= prev {
			t.Fatalf("message %d out of order: seq %d after %d", i, ev.Seq(), prev)
		}
		prev = ev.Seq()
	}
	// The dropped client resumes from its start and misses nothing.
	resumed := ben.Socket("since=0")
	n := 0
	for ev := resumed.Next(5 * time.Second); ev != nil && n < sent; ev = resumed.Next(5 * time.Second) {
		if ev.Type() == "message.new" {
			n++
		}
	}
	if n != sent {
		t.Errorf("after resuming, %d of %d messages", n, sent)
	}
}

func TestShutdownEndsSocketsPromptly(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann := env.Person("ann")
	s := ann.Socket("")
	start := time.Now()
	go env.Server.BeginShutdown()
	err := s.Ended(5 * time.Second)
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) || time.Since(start) > 3*time.Second {
		t.Errorf("socket at shutdown: %v after %v", err, time.Since(start))
	}
}
