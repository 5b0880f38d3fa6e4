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

// TestAuthorizationMatrix tries every chat endpoint as every kind of person
// and checks who is let in: outsiders read, post, edit, react, pin,
// search, list members of nothing; channel subscribers post nothing and
// learn no author, member, reader or system message; only admins manage;
// only the author edits.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	owner, member, outsider := env.Person("owner"), env.Person("member"), env.Person("outsider")
	subscriber := env.Person("subscriber")

	var group, channel chats.ChatJSON
	owner.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Secret plans", "members": []string{member.HUID}, "discussions": true}, 201, &group)
	owner.Call("POST", "/api/v1/chats", map[string]any{"kind": "channel", "name": "Announcements", "members": []string{subscriber.HUID}}, 201, &channel)
	var groupFile chats.FileJSON
	if resp, body := upload(t, env, owner, group.ID, "name=plan.txt", []byte("the plan, in words")); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	} else {
		mustJSON(t, body, &groupFile)
	}
	var gm, cm chats.MessageJSON
	owner.Call("POST", "/api/v1/chats/"+group.ID+"/messages", map[string]any{"sync_id": "g1", "body": "zanzibar launch plan"}, 201, &gm)
	owner.Call("POST", "/api/v1/chats/"+channel.ID+"/messages", map[string]any{"sync_id": "c1", "body": "quarterly kumquat report"}, 201, &cm)

	type call struct {
		name, method, path string
		body               any
	}
	msg := func(c chats.ChatJSON, m chats.MessageJSON, rest string) string {
		return fmt.Sprintf("/api/v1/chats/%s/messages/%d%s", c.ID, m.ID, rest)
	}
	groupCalls := []call{
		{"read history", "GET", "/api/v1/chats/" + group.ID + "/messages", nil},
		{"read chat", "GET", "/api/v1/chats/" + group.ID, nil},
		{"permalink", "GET", msg(group, gm, "/around"), nil},
		{"post", "POST", "/api/v1/chats/" + group.ID + "/messages", map[string]any{"sync_id": "x-" + fmt.Sprint(time.Now().UnixNano()), "body": "hi"}},
		{"edit", "PATCH", msg(group, gm, ""), map[string]any{"body": "changed"}},
		{"delete", "DELETE", msg(group, gm, ""), nil},
		{"react", "POST", msg(group, gm, "/reactions"), map[string]any{"emoji": "👍"}},
		{"pin", "PUT", "/api/v1/chats/" + group.ID + fmt.Sprintf("/pins/%d", gm.ID), nil},
		{"pins", "GET", "/api/v1/chats/" + group.ID + "/pins", nil},
		{"info", "GET", msg(group, gm, "/info"), nil},
		{"forward", "POST", msg(group, gm, "/forward"), map[string]any{"to": "saved"}},
		{"discussion", "POST", msg(group, gm, "/discussion"), nil},
		{"members", "GET", "/api/v1/chats/" + group.ID + "/members", nil},
		{"add member", "POST", "/api/v1/chats/" + group.ID + "/members", map[string]any{"members": []string{outsider.HUID}}},
		{"remove member", "DELETE", "/api/v1/chats/" + group.ID + "/members/" + member.HUID, nil},
		{"make admin", "PUT", "/api/v1/chats/" + group.ID + "/members/" + member.HUID, map[string]any{"role": "admin"}},
		{"rename", "PATCH", "/api/v1/chats/" + group.ID, map[string]any{"name": "Renamed"}},
		{"mark read", "POST", "/api/v1/chats/" + group.ID + "/read", map[string]any{"message_id": gm.ID}},
		{"own settings", "PATCH", "/api/v1/chats/" + group.ID + "/me", map[string]any{"muted": true}},
		{"search in chat", "GET", "/api/v1/search?q=zanzibar&chat=" + group.ID, nil},
		{"join", "POST", "/api/v1/chats/" + group.ID + "/join", nil},
		{"remind", "POST", msg(group, gm, "/reminder"), map[string]any{"at": time.Now().Add(time.Hour)}},
		{"upload", "POST", "/api/v1/chats/" + group.ID + "/files?name=a.txt", "plain words in a file"},
		{"download", "GET", "/api/v1/chats/" + group.ID + "/files/" + groupFile.ID, nil},
	}
	// An outsider learns nothing, not even that the chat exists.
	for _, c := range groupCalls {
		resp, body := env.Do(c.method, c.path, outsider.Token, c.body)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("outsider %s: %d %s", c.name, resp.StatusCode, body)
		}
	}
	var found chats.SearchResult
	outsider.Call("GET", "/api/v1/search?q=zanzibar", nil, 200, &found)
	if len(found.Messages) != 0 {
		t.Errorf("outsider's search found %d messages of a chat they are not in", len(found.Messages))
	}

	// A plain member reads, posts and reacts, but neither manages nor
	// edits the owner's words.
	want := map[string]int{"edit": 403, "delete": 403, "add member": 403, "make admin": 403, "rename": 403, "remove member": 204,
		"upload": 201, "download": 200}
	for _, c := range groupCalls {
		exp, special := want[c.name]
		resp, body := env.Do(c.method, c.path, member.Token, c.body)
		switch {
		case special && resp.StatusCode != exp:
			t.Errorf("member %s: %d, want %d: %s", c.name, resp.StatusCode, exp, body)
		case !special && resp.StatusCode >= 300:
			t.Errorf("member %s: %d %s", c.name, resp.StatusCode, body)
		}
		if c.name == "remove member" {
			// That was the member leaving; back in for the rest.
			owner.Call("POST", "/api/v1/chats/"+group.ID+"/members", map[string]any{"members": []string{member.HUID}}, 204, nil)
		}
	}

	// A channel subscriber: no posting, no author, members, readers or
	// system messages.
	subSocket := subscriber.Socket("")
	subCalls := []struct {
		call
		status int
	}{
		{call{"post", "POST", "/api/v1/chats/" + channel.ID + "/messages", map[string]any{"sync_id": "s1", "body": "hi"}}, 403},
		{call{"edit", "PATCH", msg(channel, cm, ""), map[string]any{"body": "x"}}, 403},
		{call{"delete", "DELETE", msg(channel, cm, ""), nil}, 403},
		{call{"pin", "PUT", "/api/v1/chats/" + channel.ID + fmt.Sprintf("/pins/%d", cm.ID), nil}, 403},
		{call{"members", "GET", "/api/v1/chats/" + channel.ID + "/members", nil}, 403},
		{call{"info", "GET", msg(channel, cm, "/info"), nil}, 403},
		{call{"add member", "POST", "/api/v1/chats/" + channel.ID + "/members", map[string]any{"members": []string{outsider.HUID}}}, 403},
		{call{"rename", "PATCH", "/api/v1/chats/" + channel.ID, map[string]any{"name": "Mine now"}}, 403},
		{call{"upload", "POST", "/api/v1/chats/" + channel.ID + "/files?name=a.txt", "a subscriber's file"}, 403},
		{call{"remind", "POST", msg(channel, cm, "/reminder"), map[string]any{"at": time.Now().Add(time.Hour)}}, 201},
		{call{"react", "POST", msg(channel, cm, "/reactions"), map[string]any{"emoji": "🎉"}}, 200},
		{call{"read", "GET", "/api/v1/chats/" + channel.ID + "/messages", nil}, 200},
		{call{"search", "GET", "/api/v1/search?q=kumquat", nil}, 200},
		{call{"chat", "GET", "/api/v1/chats/" + channel.ID, nil}, 200},
		{call{"list", "GET", "/api/v1/chats", nil}, 200},
		{call{"mark read", "POST", "/api/v1/chats/" + channel.ID + "/read", map[string]any{"message_id": cm.ID}}, 204},
	}
	for _, c := range subCalls {
		resp, body := env.Do(c.method, c.path, subscriber.Token, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("subscriber %s: %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
		}
		if resp.StatusCode < 300 && strings.Contains(string(body), owner.HUID) {
			t.Errorf("subscriber %s learns the owner's HUID: %s", c.name, body)
		}
		if strings.Contains(string(body), `"kind":"system"`) {
			t.Errorf("subscriber %s sees a system message: %s", c.name, body)
		}
	}
	// What the subscriber's socket gets while the owner posts, edits and
	// adds someone: the posts, never an author, member or system message.
	owner.Call("POST", "/api/v1/chats/"+channel.ID+"/messages", map[string]any{"sync_id": "c2", "body": "second post"}, 201, nil)
	owner.Call("POST", "/api/v1/chats/"+channel.ID+"/members", map[string]any{"members": []string{member.HUID}}, 204, nil)
	owner.Call("PATCH", msg(channel, cm, ""), map[string]any{"body": "quarterly kumquat report, corrected"}, 200, nil)
	owner.Call("PUT", "/api/v1/chats/"+channel.ID+fmt.Sprintf("/pins/%d", cm.ID), nil, 200, nil)
	seen := map[string]bool{}
	for _, ev := range subSocket.Quiet(time.Second) {
		seen[ev.Type()] = true
		s := ev.String()
		if strings.Contains(s, owner.HUID) || strings.Contains(s, member.HUID) || strings.Contains(s, `"system"`) {
			t.Errorf("subscriber's socket got %s", s)
		}
	}
	if !seen["message.new"] || !seen["message.edited"] {
		t.Errorf("subscriber's socket missed posts or edits: %v", seen)
	}
	if seen["member.added"] {
		t.Errorf("subscriber heard of another member joining")
	}
}
