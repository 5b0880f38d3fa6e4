package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/server/accounts"
	"parley/server/chats"
)

// New tickets and the Jira links of escalated ones reach the organisation's
// support channel in the messenger, where every staff member is, and nobody
// else.
func TestSupportChannelGetsNewTicketsAndJiraLinks(t *testing.T) {
	env, _ := jiraEnv(t)
	ann := env.Person("ann")
	sam := env.PersonWithRole("sam", accounts.RoleSupport)
	id := fileTicket(t, env, ann.Token, map[string]any{"kind": "feature", "subject": "Calls drop after a minute", "body": "Every call ends at 60 s.",
		"fields": map[string]string{"what": "Longer calls", "where": "Calls", "platform": "web", "frequency": "often", "priority": "high"}})

	var list chats.ChatList
	sam.Call("GET", "/api/v1/chats", nil, http.StatusOK, &list)
	var channel chats.ChatJSON
	for _, c := range list.Chats {
		if c.Kind == "channel" {
			channel = c
		}
	}
	if channel.ID == "" {
		t.Fatalf("support staff have no support channel: %+v", list.Chats)
	}
	socket := sam.Socket("")
	var page chats.Page
	sam.Call("GET", "/api/v1/chats/"+channel.ID+"/messages", nil, http.StatusOK, &page)
	last := page.Messages[len(page.Messages)-1]
	if !strings.Contains(last.Body, "Calls drop after a minute") || !strings.Contains(last.Body, fmt.Sprintf("/support/tickets/%d", id)) {
		t.Errorf("new ticket post: %q", last.Body)
	}
	// The user who asked is not in it.
	ann.Call("GET", "/api/v1/chats/"+channel.ID+"/messages", nil, http.StatusNotFound, nil)

	resp, body := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/escalate", id), sam.Token, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("escalate: %d %s", resp.StatusCode, body)
	}
	tk := waitTicket(t, env, ann.Token, id, "in Jira", func(tk apiTicket) bool { return tk.JiraKey != nil })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ev := socket.Next(time.Until(deadline))
		if ev == nil {
			break
		}
		if ev.Type() == "message.new" && strings.Contains(ev.String(), *tk.JiraKey) {
			return
		}
	}
	t.Errorf("no post with the Jira key %s reached the support channel", *tk.JiraKey)
}
