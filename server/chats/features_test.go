package chats_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/server/chats"
	"parley/server/servertest"
)

func post(t *testing.T, p servertest.Person, chat, body string) chats.MessageJSON {
	t.Helper()
	var m chats.MessageJSON
	p.Call("POST", "/api/v1/chats/"+chat+"/messages", map[string]any{"sync_id": fmt.Sprintf("%s-%d", p.HUID[:8], time.Now().UnixNano()), "body": body}, http.StatusCreated, &m)
	return m
}

func newChat(t *testing.T, p servertest.Person, kind, name string, members ...servertest.Person) chats.ChatJSON {
	t.Helper()
	huids := []string{}
	for _, m := range members {
		huids = append(huids, m.HUID)
	}
	var c chats.ChatJSON
	p.Call("POST", "/api/v1/chats", map[string]any{"kind": kind, "name": name, "members": huids}, http.StatusCreated, &c)
	return c
}

func TestPersonalChatIsOnePerPairAndSavedMessagesComeBack(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	var first, again chats.ChatJSON
	ann.Call("POST", "/api/v1/chats", map[string]any{"kind": "personal", "members": []string{ben.HUID}}, 201, &first)
	ben.Call("POST", "/api/v1/chats", map[string]any{"kind": "personal", "members": []string{ann.HUID}}, 200, &again)
	if first.ID != again.ID || again.Peer == nil || again.Peer.HUID != ann.HUID {
		t.Fatalf("second personal chat %+v, first %s", again, first.ID)
	}
	var saved, restored chats.ChatJSON
	ann.Call("GET", "/api/v1/chats/saved", nil, 200, &saved)
	m := post(t, ben, first.ID, "keep this")
	ann.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/forward", first.ID, m.ID), map[string]any{"to": "saved"}, 201, nil)
	ann.Call("PATCH", "/api/v1/chats/"+saved.ID+"/me", map[string]any{"hidden": true}, 200, nil)
	var list chats.ChatList
	ann.Call("GET", "/api/v1/chats", nil, 200, &list)
	for _, c := range list.Chats {
		if c.ID == saved.ID {
			t.Fatal("a hidden Saved Messages is still listed")
		}
	}
	ann.Call("GET", "/api/v1/chats/saved", nil, 200, &restored)
	var page chats.Page
	ann.Call("GET", "/api/v1/chats/"+restored.ID+"/messages", nil, 200, &page)
	if restored.ID != saved.ID || len(page.Messages) != 1 || page.Messages[0].Body != "keep this" || page.Messages[0].Forwarded == nil {
		t.Fatalf("restored Saved Messages %s (was %s) holds %+v", restored.ID, saved.ID, page.Messages)
	}
}

func TestEditsDeletesAndReactionsReachEveryone(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := newChat(t, ann, "group", "Crew", ben)
	s := ben.Socket("")
	m := post(t, ann, g.ID, "frist post")
	s.Await("message.new")
	ann.Call("PATCH", fmt.Sprintf("/api/v1/chats/%s/messages/%d", g.ID, m.ID), map[string]any{"body": "first post"}, 200, nil)
	ev := s.Await("message.edited")
	if got := ev["message"].(map[string]any); got["body"] != "first post" || got["edited_at"] == nil {
		t.Errorf("edit event %s", ev)
	}
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reactions", g.ID, m.ID), map[string]any{"emoji": "👍"}, 200, nil)
	ann.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reactions", g.ID, m.ID), map[string]any{"emoji": "👍"}, 200, nil)
	var page chats.Page
	ben.Call("GET", "/api/v1/chats/"+g.ID+"/messages", nil, 200, &page)
	last := page.Messages[len(page.Messages)-1]
	if len(last.Reactions) != 1 || last.Reactions[0].Count != 2 || !last.Reactions[0].Mine {
		t.Errorf("reactions %+v", last.Reactions)
	}
	resp, body := env.Do("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reactions", g.ID, m.ID), ben.Token, map[string]any{"emoji": "<script>"})
	if resp.StatusCode != 400 {
		t.Errorf("a script as a reaction: %d %s", resp.StatusCode, body)
	}
	ann.Call("DELETE", fmt.Sprintf("/api/v1/chats/%s/messages/%d", g.ID, m.ID), nil, 204, nil)
	if ev := s.Await("message.deleted"); ev["message"].(map[string]any)["deleted"] != true {
		t.Errorf("delete event %s", ev)
	}
	ben.Call("GET", "/api/v1/chats/"+g.ID+"/messages", nil, 200, &page)
	last = page.Messages[len(page.Messages)-1]
	if !last.Deleted || last.Body != "" || len(last.Reactions) != 0 {
		t.Errorf("deleted message in history: %+v", last)
	}
	var found chats.SearchResult
	ben.Call("GET", "/api/v1/search?q=first", nil, 200, &found)
	if len(found.Messages) != 0 {
		t.Errorf("search still finds a deleted message: %+v", found.Messages)
	}
}

func TestHistoryPagesBackAndPermalinksOpenAround(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := newChat(t, ann, "group", "Log", ben)
	var ids []int64
	for i := range 120 {
		ids = append(ids, post(t, ann, g.ID, fmt.Sprint("line ", i)).ID)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		var page chats.Page
		path := "/api/v1/chats/" + g.ID + "/messages"
		if cursor != "" {
			path += "?before=" + cursor
		}
		ben.Call("GET", path, nil, 200, &page)
		if pages == 0 && len(page.Messages) != 50 {
			t.Fatalf("first page has %d messages, want the newest 50", len(page.Messages))
		}
		var bodies []string
		for _, m := range page.Messages {
			if m.Kind == "text" {
				bodies = append(bodies, m.Body)
			}
		}
		seen = append(bodies, seen...)
		if page.Before == nil {
			break
		}
		cursor = *page.Before
	}
	if len(seen) != 120 || seen[0] != "line 0" || seen[119] != "line 119" {
		t.Fatalf("paging back gave %d messages: %v … %v", len(seen), seen[:3], seen[len(seen)-3:])
	}
	var around chats.Page
	ben.Call("GET", fmt.Sprintf("/api/v1/chats/%s/messages/%d/around?limit=10", g.ID, ids[60]), nil, 200, &around)
	if len(around.Messages) != 10 || around.Before == nil || around.After == nil {
		t.Fatalf("around: %d messages, before %v after %v", len(around.Messages), around.Before, around.After)
	}
	found := false
	for _, m := range around.Messages {
		found = found || m.ID == ids[60]
	}
	if !found {
		t.Error("the permalink's page does not hold its message")
	}
	var single chats.Page
	ben.Call("GET", fmt.Sprintf("/api/v1/chats/%s/messages/%d/around?limit=1", g.ID, ids[60]), nil, 200, &single)
	if len(single.Messages) != 1 || single.Messages[0].ID != ids[60] || single.After == nil || single.Before == nil {
		t.Errorf("a permalink's page of one: %+v", single)
	}
	// From the permalink's page forward to the newest, by after=.
	last := around.Messages[len(around.Messages)-1].ID
	forward := 0
	for after := *around.After; ; {
		var page chats.Page
		ben.Call("GET", "/api/v1/chats/"+g.ID+"/messages?limit=25&after="+after, nil, 200, &page)
		for _, m := range page.Messages {
			if m.ID <= last {
				t.Fatalf("paging forward went back: message %d after %d", m.ID, last)
			}
			last = m.ID
			forward++
		}
		if page.After == nil {
			break
		}
		after = *page.After
	}
	if want := len(ids) - 1 - 65; forward != want || last != ids[len(ids)-1] {
		t.Errorf("paging forward from the permalink's page gave %d messages ending at %d, want %d ending at the newest %d", forward, last, want, ids[len(ids)-1])
	}
	for _, q := range []string{"before=abc", "after=-1", "before=5&after=3"} {
		resp, body := env.Do("GET", "/api/v1/chats/"+g.ID+"/messages?"+q, ben.Token, nil)
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestSearchFindsRussianAndEnglishWordForms(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	g := newChat(t, ann, "group", "Поиск", ben)
	other := newChat(t, cid, "group", "Elsewhere")
	post(t, ann, g.ID, "Отправил сообщения клиентам")
	post(t, ann, g.ID, "The deployments were running late")
	post(t, cid, other.ID, "сообщение из чужого чата")
	cases := []struct {
		q    string
		want int
	}{
		{"сообщение", 1},
		{"клиент", 1},
		{"deployment", 1},
		{"running", 1},
		{"run", 1},   // "running" stems to "run"
		{"сообщ", 0}, // no prefixes: whole words (any of their forms) only
		{"missing words", 0},
		{`"quoted" OR NEAR(`, 0},
	}
	for _, c := range cases {
		var res chats.SearchResult
		ben.Call("GET", "/api/v1/search?q="+strings.ReplaceAll(c.q, " ", "+"), nil, 200, &res)
		if len(res.Messages) != c.want {
			t.Errorf("search %q found %d, want %d: %+v", c.q, len(res.Messages), c.want, res.Messages)
		}
	}
	var res chats.SearchResult
	cid.Call("GET", "/api/v1/search?q=сообщение", nil, 200, &res)
	if len(res.Messages) != 1 || res.Messages[0].ChatID != other.ID {
		t.Errorf("cid's search reaches beyond their chats: %+v", res.Messages)
	}
}

func TestReadWatermarksCountUnreadAndTellWhoRead(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	g := newChat(t, ann, "group", "Reads", ben, cid)
	m1 := post(t, ann, g.ID, "one")
	post(t, ann, g.ID, "two")
	m3 := post(t, ann, g.ID, "three")
	var c chats.ChatJSON
	ben.Call("GET", "/api/v1/chats/"+g.ID, nil, 200, &c)
	if c.Unread != 3 || c.FirstUnread != m1.ID {
		t.Fatalf("unread %d first %d, want 3 from %d", c.Unread, c.FirstUnread, m1.ID)
	}
	ben.Call("POST", "/api/v1/chats/"+g.ID+"/read", map[string]any{"message_id": m3.ID}, 204, nil)
	ben.Call("POST", "/api/v1/chats/"+g.ID+"/read", map[string]any{"message_id": m1.ID}, 204, nil) // never moves back
	cid.Call("POST", "/api/v1/chats/"+g.ID+"/read", map[string]any{"message_id": m1.ID, "kind": "delivered"}, 204, nil)
	ben.Call("GET", "/api/v1/chats/"+g.ID, nil, 200, &c)
	if c.Unread != 0 || c.ReadUpto != m3.ID {
		t.Errorf("after reading: unread %d, read up to %d", c.Unread, c.ReadUpto)
	}
	var info chats.MessageInfo
	ann.Call("GET", fmt.Sprintf("/api/v1/chats/%s/messages/%d/info", g.ID, m1.ID), nil, 200, &info)
	if info.Read != 1 || info.Delivered != 2 {
		t.Errorf("info of the first message: %+v", info)
	}
	ann.Call("GET", fmt.Sprintf("/api/v1/chats/%s/messages/%d/info", g.ID, m3.ID), nil, 200, &info)
	if info.Read != 1 || info.Delivered != 1 || info.Receipts[0].User.HUID != ben.HUID || info.Receipts[0].ReadAt == nil {
		t.Errorf("info of the third message: %+v", info)
	}
}

func TestDiscussionsFollowTheSeedsRules(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	var g chats.ChatJSON
	ann.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Ideas", "members": []string{ben.HUID, cid.HUID}, "discussions": true}, 201, &g)
	cid.Call("PATCH", "/api/v1/chats/"+g.ID+"/me", map[string]any{"notify": false}, 200, nil)
	m := post(t, ann, g.ID, "a bold idea")
	var d chats.ChatJSON
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/discussion", g.ID, m.ID), nil, 200, &d)
	if d.Kind != "discussion" || d.Parent == nil || d.Parent.MessageID != m.ID {
		t.Fatalf("discussion %+v", d)
	}
	var threads chats.ThreadList
	ann.Call("GET", "/api/v1/threads", nil, 200, &threads)
	if len(threads.Threads) != 1 {
		t.Errorf("ann (notifications on) follows %d discussions, want 1", len(threads.Threads))
	}
	cid.Call("GET", "/api/v1/threads", nil, 200, &threads)
	if len(threads.Threads) != 0 {
		t.Errorf("cid (notifications off) follows %d discussions, want 0", len(threads.Threads))
	}
	post(t, ben, d.ID, "I like it")
	ann.Call("GET", "/api/v1/threads", nil, 200, &threads)
	if len(threads.Threads) != 1 || threads.Threads[0].Unread != 1 {
		t.Errorf("ann's threads after a comment: %+v", threads.Threads)
	}
	post(t, cid, d.ID, "me too")
	cid.Call("GET", "/api/v1/threads", nil, 200, &threads)
	if len(threads.Threads) != 1 {
		t.Errorf("commenting did not make cid follow: %d", len(threads.Threads))
	}
	var page chats.Page
	ann.Call("GET", "/api/v1/chats/"+g.ID+"/messages", nil, 200, &page)
	for _, pm := range page.Messages {
		if pm.ID == m.ID && (pm.Thread == nil || pm.Thread.Comments != 2) {
			t.Errorf("the message's thread: %+v", pm.Thread)
		}
	}

	// In a channel nobody is subscribed automatically.
	var ch chats.ChatJSON
	ann.Call("POST", "/api/v1/chats", map[string]any{"kind": "channel", "name": "News", "members": []string{ben.HUID}, "discussions": true}, 201, &ch)
	cm := post(t, ann, ch.ID, "news")
	var cd chats.ChatJSON
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/discussion", ch.ID, cm.ID), nil, 200, &cd)
	ben.Call("GET", "/api/v1/threads", nil, 200, &threads)
	for _, th := range threads.Threads {
		if th.ID == cd.ID {
			t.Error("a channel discussion subscribed a subscriber automatically")
		}
	}
	post(t, ben, cd.ID, "a subscriber's comment")
	resp, _ := env.Do("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/discussion", g.ID, m.ID), env.Person("dan").Token, nil)
	if resp.StatusCode != 404 {
		t.Errorf("an outsider opened a group's discussion: %d", resp.StatusCode)
	}
}

func TestOpenChatsInviteLinksAndLimits(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	root := env.PersonWithRole("root", "admin")
	resp, body := env.Do("POST", "/api/v1/chats", ann.Token, map[string]any{"kind": "group", "name": "Open", "open": true})
	if resp.StatusCode != 403 || !strings.Contains(string(body), "server_admin_only") {
		t.Errorf("a user opened a chat: %d %s", resp.StatusCode, body)
	}
	var open chats.ChatJSON
	root.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Lobby", "open": true}, 201, &open)
	var catalog struct{ Chats []chats.ChatJSON }
	ben.Call("GET", "/api/v1/catalog", nil, 200, &catalog)
	if len(catalog.Chats) != 1 || catalog.Chats[0].ID != open.ID {
		t.Fatalf("catalog %+v", catalog.Chats)
	}
	var joined chats.ChatJSON
	ben.Call("POST", "/api/v1/chats/"+open.ID+"/join", nil, 200, &joined)
	if joined.Role != "admin" {
		t.Errorf("the first to join an empty open chat is %q, want admin", joined.Role)
	}
	cid.Call("POST", "/api/v1/chats/"+open.ID+"/join", nil, 200, &joined)
	if joined.Role != "member" {
		t.Errorf("the second to join is %q", joined.Role)
	}

	g := newChat(t, ann, "group", "Invite only")
	var withLink chats.ChatJSON
	ann.Call("PATCH", "/api/v1/chats/"+g.ID, map[string]any{"invite_link": true}, 200, &withLink)
	if withLink.InviteLink == "" {
		t.Fatal("no invite link")
	}
	code := strings.TrimPrefix(withLink.InviteLink, "/join/")
	resp, _ = env.Do("POST", "/api/v1/chats/"+g.ID+"/join", cid.Token, nil)
	if resp.StatusCode != 404 {
		t.Errorf("joined a closed chat without the link: %d", resp.StatusCode)
	}
	cid.Call("POST", "/api/v1/join/"+code, nil, 200, &joined)
	ann.Call("PATCH", "/api/v1/chats/"+g.ID, map[string]any{"invite_link": false}, 200, nil)
	resp, body = env.Do("POST", "/api/v1/join/"+code, ben.Token, nil)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "bad_invite") {
		t.Errorf("a revoked link: %d %s", resp.StatusCode, body)
	}

	// End-to-end chats hold at most 128 members; opening turns E2E off.
	many := make([]string, 128)
	for i := range many {
		many[i] = env.CreateUser(fmt.Sprintf("u%d@example.org", i), servertest.TestPassword, "user").HUID
	}
	resp, body = env.Do("POST", "/api/v1/chats", ann.Token, map[string]any{"kind": "group", "name": "Too many", "e2e": true, "members": many})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "too_many") {
		t.Errorf("an E2E chat of 129: %d %s", resp.StatusCode, body)
	}
	var big chats.ChatJSON
	ann.Call("POST", "/api/v1/chats", map[string]any{"kind": "group", "name": "Big", "members": many}, 201, &big)
	var members chats.MemberList
	ben.Call("GET", "/api/v1/chats/"+big.ID+"/members", nil, 404, nil)
	env.Person("zed")
	ann.Call("GET", "/api/v1/chats/"+big.ID+"/members", nil, 200, &members)
	if !members.AdminsOnly || len(members.Members) != 1 || members.Total != 129 {
		t.Errorf("member list above 128: admins only %v, %d listed, total %d", members.AdminsOnly, len(members.Members), members.Total)
	}
	ann.Call("GET", "/api/v1/chats/"+big.ID+"/members?q=u12", nil, 200, &members)
	if len(members.Members) == 0 {
		t.Error("member search found nobody")
	}
	resp, body = env.Do("PATCH", "/api/v1/chats/"+big.ID, ann.Token, map[string]any{"e2e": true})
	if resp.StatusCode != 400 {
		t.Errorf("E2E switched on for 129 members: %d %s", resp.StatusCode, body)
	}
}

func TestGlobalChatEveryoneReadsDesignatedPost(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	var list chats.ChatList
	ann.Call("GET", "/api/v1/chats", nil, 200, &list)
	var global string
	for _, c := range list.Chats {
		if c.Kind == "global" {
			global = c.ID
		}
	}
	if global == "" {
		t.Fatal("no global chat in the list")
	}
	resp, body := env.Do("POST", "/api/v1/chats/"+global+"/messages", ann.Token, map[string]any{"sync_id": "g", "body": "hello all"})
	if resp.StatusCode != 403 {
		t.Fatalf("a non-poster posted in the global chat: %d %s", resp.StatusCode, body)
	}
	ben.Call("GET", "/api/v1/chats/"+global+"/messages", nil, 200, nil)
}

func TestImportedHistoryReadsAndSearchesLikeSentMessages(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	ctx := t.Context()
	ids, err := env.Server.Chats.Import(ctx, []chats.ImportChat{
		{Kind: "group", Name: "Imported", Admins: []int64{ann.ID}, Members: []int64{ben.ID}},
		{Kind: "personal", Members: []int64{ann.ID, ben.ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var batch []chats.ImportMessage
	for i := range 30 {
		batch = append(batch, chats.ImportMessage{Chat: ids[i%2], Sender: ann.ID, Body: fmt.Sprint("архивное сообщение ", i), At: time.Now().Add(time.Duration(i-30) * time.Minute)})
	}
	if err := env.Server.Chats.ImportMessages(ctx, batch); err != nil {
		t.Fatal(err)
	}
	var list chats.ChatList
	ben.Call("GET", "/api/v1/chats", nil, 200, &list)
	if len(list.Chats) != 3 || list.Chats[0].LastMessage == nil || list.Chats[0].LastMessage.Body != "архивное сообщение 29" {
		t.Fatalf("ben's list after the import: %+v", list.Chats)
	}
	var found chats.SearchResult
	ben.Call("GET", "/api/v1/search?q=архивные+сообщения", nil, 200, &found)
	if len(found.Messages) != 30 || found.Messages[0].Body != "архивное сообщение 29" {
		t.Errorf("search over the import found %d, first %+v", len(found.Messages), found.Messages[:1])
	}
	// A personal chat made by import is the one a later create finds.
	var again chats.ChatJSON
	ann.Call("POST", "/api/v1/chats", map[string]any{"kind": "personal", "members": []string{ben.HUID}}, 200, &again)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

func TestReminderBringsTheMessageBackInSavedMessages(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := newChat(t, ann, "group", "Plans", ben)
	m := post(t, ann, g.ID, "submit the **report**")
	resp, body := env.Do("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reminder", g.ID, m.ID), ben.Token, map[string]any{"at": time.Now().Add(-time.Minute)})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "in_past") {
		t.Errorf("a reminder in the past: %d %s", resp.StatusCode, body)
	}
	env.Do("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reminder", g.ID, m.ID), env.Person("eve").Token, map[string]any{"at": time.Now().Add(time.Hour)})
	var later chats.Reminder
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reminder", g.ID, m.ID), map[string]any{"at": time.Now().Add(time.Hour)}, 201, &later)
	ben.Call("DELETE", fmt.Sprintf("/api/v1/reminders/%d", later.ID), nil, 204, nil)
	s := ben.Socket("")
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/reminder", g.ID, m.ID), map[string]any{"at": time.Now().Add(500 * time.Millisecond)}, 201, nil)
	var list struct{ Reminders []chats.Reminder }
	ben.Call("GET", "/api/v1/reminders", nil, 200, &list)
	if len(list.Reminders) != 1 {
		t.Errorf("waiting reminders: %+v", list.Reminders)
	}
	ev := s.Await("message.new")
	msg := ev["message"].(map[string]any)
	if msg["body"] != "submit the **report**" || !strings.Contains(ev.String(), `"reminder":true`) {
		t.Errorf("reminder arrived as %s", ev)
	}
	var saved chats.ChatJSON
	ben.Call("GET", "/api/v1/chats/saved", nil, 200, &saved)
	if msg["chat_id"] != saved.ID {
		t.Errorf("the reminder went to chat %v, not Saved Messages %s", msg["chat_id"], saved.ID)
	}
	ben.Call("GET", "/api/v1/reminders", nil, 200, &list)
	if len(list.Reminders) != 0 {
		t.Errorf("a fired reminder still waits: %+v", list.Reminders)
	}
}

func TestLabelsNotifyPerLabelAndChatLinksNeedOpenChats(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	root := env.PersonWithRole("root", "admin")
	work := newChat(t, ann, "group", "Work", ben)
	home := newChat(t, ann, "group", "Home", ben)
	ann.Call("PATCH", "/api/v1/chats/"+work.ID+"/me", map[string]any{"labels": []string{"job", "daily"}}, 200, nil)
	ann.Call("PATCH", "/api/v1/chats/"+home.ID+"/me", map[string]any{"labels": []string{"daily"}}, 200, nil)
	ann.Call("PUT", "/api/v1/me/labels/job", map[string]any{"notify": false}, 204, nil)
	var c chats.ChatJSON
	ann.Call("GET", "/api/v1/chats/"+work.ID, nil, 200, &c)
	if c.Notifies || len(c.Labels) != 2 {
		t.Errorf("a chat with a muted label: notifies %v, labels %v", c.Notifies, c.Labels)
	}
	ann.Call("GET", "/api/v1/chats/"+home.ID, nil, 200, &c)
	if !c.Notifies {
		t.Error("a chat without a muted label does not notify")
	}
	var labels struct{ Labels []chats.Label }
	ann.Call("GET", "/api/v1/me/labels", nil, 200, &labels)
	if len(labels.Labels) != 2 || labels.Labels[0].Label != "daily" || labels.Labels[0].Chats != 2 || labels.Labels[1].Notify {
		t.Errorf("labels %+v", labels.Labels)
	}

	var open chats.ChatJSON
	root.Call("POST", "/api/v1/chats", map[string]any{"kind": "channel", "name": "Everyone", "open": true}, 201, &open)
	ann.Call("POST", "/api/v1/chats/"+work.ID+"/messages", map[string]any{"sync_id": "l1", "body": "see the channel", "mentions": []string{"##" + open.ID}}, 201, nil)
	resp, body := env.Do("POST", "/api/v1/chats/"+work.ID+"/messages", ann.Token, map[string]any{"sync_id": "l2", "body": "secret", "mentions": []string{"##" + home.ID}})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "not_open") {
		t.Errorf("## to a closed chat: %d %s", resp.StatusCode, body)
	}
}

// The chat list reads every chat's last message at once; each reader must
// still get the one they may see, the way they may see it.
func TestChatListShowsTheLastMessageEachReaderMaySee(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	news := newChat(t, ann, "channel", "News", ben)
	post(t, ann, news.ID, "first news")
	ann.Call("POST", "/api/v1/chats/"+news.ID+"/members", map[string]any{"members": []string{cid.HUID}}, http.StatusNoContent, nil)
	crew := newChat(t, ann, "group", "Crew", ben)
	post(t, ben, crew.ID, "hello crew")

	lastOf := func(p servertest.Person) map[string]*chats.MessageJSON {
		var list chats.ChatList
		p.Call("GET", "/api/v1/chats", nil, http.StatusOK, &list)
		out := map[string]*chats.MessageJSON{}
		for _, c := range list.Chats {
			out[c.ID] = c.LastMessage
		}
		return out
	}
	bens := lastOf(ben)
	if m := bens[news.ID]; m == nil || m.Body != "first news" || m.Sender != nil {
		t.Errorf("a subscriber's last message in a channel: %+v (want the post, without its author, not the system message after it)", m)
	}
	if m := bens[crew.ID]; m == nil || m.Body != "hello crew" || m.Sender == nil || m.Sender.HUID != ben.HUID {
		t.Errorf("the last message of a group: %+v", m)
	}
	if m := lastOf(ann)[news.ID]; m == nil || m.Kind != "system" {
		t.Errorf("the channel admin's last message: %+v (want the system message about cid)", m)
	}
	var one chats.ChatJSON
	ben.Call("GET", "/api/v1/chats/"+news.ID, nil, http.StatusOK, &one)
	if one.LastMessage == nil || one.LastMessage.Body != "first news" || one.Unread != 1 {
		t.Errorf("one chat, as the subscriber sees it: last %+v, unread %d", one.LastMessage, one.Unread)
	}
}

func TestAMemberPathWithAnUnknownPersonNamesTheUser(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := newChat(t, ann, "group", "Crew", ben)
	nobody := "00000000-0000-4000-8000-000000000000"
	for _, c := range []struct{ method, body string }{{"DELETE", ""}, {"PUT", "admin"}} {
		var in any
		if c.body != "" {
			in = map[string]any{"role": c.body}
		}
		resp, body := env.Do(c.method, "/api/v1/chats/"+g.ID+"/members/"+nobody, ann.Token, in)
		var e struct{ Field, Reason string }
		jsonUnmarshal(body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Field != "user" || e.Reason != "unknown_user" {
			t.Errorf("%s a member nobody is: %d %s, want 400 naming the user", c.method, resp.StatusCode, body)
		}
	}
}
