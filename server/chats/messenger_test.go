package chats_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/server/chats"
	"parley/server/servertest"
)

func TestGroupMessageReachesMembersOnceAndOutsidersNever(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	alice, bob, carol := env.Person("alice"), env.Person("bob"), env.Person("carol")
	var group chats.ChatJSON
	alice.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Team", "members": []string{bob.HUID}}, http.StatusCreated, &group)
	bobSocket := bob.Socket("")
	carolSocket := carol.Socket("")

	var first, again chats.MessageJSON
	send := map[string]any{"sync_id": "s-1", "body": "hello **team**"}
	alice.Call("POST", "/api/v1/chats/"+group.ID+"/messages", send, http.StatusCreated, &first)
	alice.Call("POST", "/api/v1/chats/"+group.ID+"/messages", send, http.StatusOK, &again)
	if again.ID != first.ID {
		t.Fatalf("a retried send made message %d besides %d", again.ID, first.ID)
	}
	if first.HTML != "<p>hello <strong>team</strong></p>" {
		t.Errorf("html = %q", first.HTML)
	}
	ev := bobSocket.Await("message.new")
	msg := ev["message"].(map[string]any)
	if msg["body"] != "hello **team**" || msg["sender"].(map[string]any)["huid"] != alice.HUID || ev.Seq() == 0 {
		t.Errorf("bob got %s", ev)
	}
	if extra := bobSocket.Quiet(300 * time.Millisecond); len(extra) != 0 {
		t.Errorf("bob got more after the retried send: %v", extra)
	}
	if got := carolSocket.Quiet(300 * time.Millisecond); len(got) != 0 {
		t.Errorf("carol, not a member, received %v", got)
	}

	var page chats.Page
	bob.Call("GET", "/api/v1/chats/"+group.ID+"/messages", nil, http.StatusOK, &page)
	n := 0
	for _, m := range page.Messages {
		if m.Body == "hello **team**" {
			n++
		}
	}
	if n != 1 || page.Seq < ev.Seq() {
		t.Errorf("history holds the message %d times (want 1), seq %d (event %d)", n, page.Seq, ev.Seq())
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/chats/" + group.ID + "/messages"},
		{"GET", "/api/v1/chats/" + group.ID},
		{"POST", "/api/v1/chats/" + group.ID + "/messages"},
	} {
		resp, body := env.Do(c.method, c.path, carol.Token, map[string]any{"sync_id": "x", "body": "intruder"})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("outsider %s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
}

func TestChannelSubscribersSeePostsWithoutAuthors(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	alice, bob := env.Person("alice"), env.Person("bob")
	var ch chats.ChatJSON
	alice.Call("POST", "/api/v1/chats", map[string]any{"kind": "channel", "name": "News", "members": []string{bob.HUID}}, http.StatusCreated, &ch)
	bobSocket := bob.Socket("")
	resp, body := env.Do("POST", "/api/v1/chats/"+ch.ID+"/messages", bob.Token, map[string]any{"sync_id": "b", "body": "me too"})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "cannot_post") {
		t.Fatalf("subscriber post: %d %s", resp.StatusCode, body)
	}
	alice.Call("POST", "/api/v1/chats/"+ch.ID+"/messages", map[string]any{"sync_id": "a", "body": "release 2.0 is out"}, http.StatusCreated, nil)
	ev := bobSocket.Await("message.new")
	if strings.Contains(ev.String(), alice.HUID) || ev["message"].(map[string]any)["sender"] != nil {
		t.Errorf("subscriber's event names the author: %s", ev)
	}
	var page chats.Page
	bob.Call("GET", "/api/v1/chats/"+ch.ID+"/messages", nil, http.StatusOK, &page)
	if len(page.Messages) != 1 || page.Messages[0].Sender != nil || page.Messages[0].Kind != "text" {
		t.Errorf("subscriber's history: %+v", page.Messages)
	}
	var adminPage chats.Page
	alice.Call("GET", "/api/v1/chats/"+ch.ID+"/messages", nil, http.StatusOK, &adminPage)
	if len(adminPage.Messages) < 2 || adminPage.Messages[0].Kind != "system" {
		t.Errorf("admin's history lacks the system message: %+v", adminPage.Messages)
	}
	var got chats.ChatJSON
	bob.Call("GET", "/api/v1/chats/"+ch.ID, nil, http.StatusOK, &got)
	if got.MembersCount != nil {
		t.Errorf("a subscriber sees the member count %d", *got.MembersCount)
	}
}

func TestResumeReplaysMissedEventsInOrder(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	alice, bob := env.Person("alice"), env.Person("bob")
	var group chats.ChatJSON
	alice.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Team", "members": []string{bob.HUID}}, http.StatusCreated, &group)
	s := bob.Socket("")
	alice.Call("POST", "/api/v1/chats/"+group.ID+"/messages", map[string]any{"sync_id": "first", "body": "first"}, http.StatusCreated, nil)
	last := s.Await("message.new").Seq()
	s.Conn.Close()
	for i := range 5 {
		alice.Call("POST", "/api/v1/chats/"+group.ID+"/messages", map[string]any{"sync_id": fmt.Sprint("away-", i), "body": fmt.Sprint("away ", i)}, http.StatusCreated, nil)
	}
	s = bob.Socket(fmt.Sprint("since=", last))
	prev := last
	for i := range 5 {
		ev := s.Await("message.new")
		if body := ev["message"].(map[string]any)["body"]; body != fmt.Sprint("away ", i) || ev.Seq() <= prev {
			t.Fatalf("replayed event %d: %s (previous seq %d)", i, ev, prev)
		}
		prev = ev.Seq()
	}
	if extra := s.Quiet(300 * time.Millisecond); len(extra) != 0 {
		t.Errorf("replay sent more: %v", extra)
	}
	s = bob.Socket("since=999999")
	if ev := s.Next(5 * time.Second); ev.Type() != "resync" {
		t.Errorf("a since from the future got %s, want resync", ev)
	}
}

// The writer keeps what sends read (the chat, the sender's membership, the
// recipients) between sends; every other change must be seen by the very
// next send.
func TestChangesBetweenSendsTakeEffectOnTheNextSend(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid, dan := env.Person("ann"), env.Person("ben"), env.Person("cid"), env.Person("dan")
	g := newChat(t, ann, "group", "Crew", ben)
	benSocket, cidSocket := ben.Socket(""), cid.Socket("")
	post(t, ann, g.ID, "warm up")
	post(t, ben, g.ID, "warm up too")
	benSocket.Await("message.new")

	received := func(s *servertest.Socket, body string) bool {
		for _, ev := range s.Quiet(300 * time.Millisecond) {
			if m, ok := ev["message"].(map[string]any); ok && ev.Type() == "message.new" && m["body"] == body {
				return true
			}
		}
		return false
	}
	ann.Call("POST", "/api/v1/chats/"+g.ID+"/members", map[string]any{"members": []string{cid.HUID}}, http.StatusNoContent, nil)
	post(t, ann, g.ID, "welcome, cid")
	if !received(cidSocket, "welcome, cid") {
		t.Error("a member added between two sends did not get the next message")
	}
	post(t, ben, g.ID, "hi, cid")
	ben.Call("PATCH", "/api/v1/chats/"+g.ID+"/me", map[string]any{"hidden": true}, http.StatusOK, nil)
	post(t, ann, g.ID, "are you there, ben?")
	var list chats.ChatList
	ben.Call("GET", "/api/v1/chats", nil, http.StatusOK, &list)
	listed := false
	for _, c := range list.Chats {
		listed = listed || c.ID == g.ID
	}
	if !listed {
		t.Error("a chat hidden between two sends did not come back with the next message")
	}
	ann.Call("DELETE", "/api/v1/chats/"+g.ID+"/members/"+ben.HUID, nil, http.StatusNoContent, nil)
	post(t, ann, g.ID, "ben has left")
	if received(benSocket, "ben has left") {
		t.Error("a removed member still received the next message")
	}
	if resp, body := env.Do("POST", "/api/v1/chats/"+g.ID+"/messages", ben.Token, map[string]any{"body": "still here?"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a removed member sent a message: %d %s", resp.StatusCode, body)
	}

	ch := newChat(t, ann, "channel", "News", dan)
	post(t, ann, ch.ID, "first post")
	if resp, body := env.Do("POST", "/api/v1/chats/"+ch.ID+"/messages", dan.Token, map[string]any{"body": "a subscriber's post"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a subscriber posted: %d %s", resp.StatusCode, body)
	}
	ann.Call("PUT", "/api/v1/chats/"+ch.ID+"/members/"+dan.HUID, map[string]any{"role": "admin"}, http.StatusNoContent, nil)
	post(t, dan, ch.ID, "an admin's post")

	ann.Call("PATCH", "/api/v1/chats/"+g.ID, map[string]any{"e2e": true}, http.StatusOK, nil)
	if resp, body := env.Do("POST", "/api/v1/chats/"+g.ID+"/messages", ann.Token, map[string]any{"body": "plain text"}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "e2e_required") {
		t.Errorf("plain text into a chat just made end-to-end encrypted: %d %s", resp.StatusCode, body)
	}
}
