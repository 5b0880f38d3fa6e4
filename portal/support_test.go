package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/portal/jira/jiratest"
	"parley/server/accounts"
	"parley/server/servertest"
)

// jiraEnv starts Parley linked to a fake Jira Cloud by the environment, as
// an automated deployment would configure it.
func jiraEnv(t *testing.T) (*servertest.Env, *jiratest.Server) {
	t.Helper()
	fake := jiratest.New(t, jiratest.Options{Cloud: true, User: "bot@example.org", Token: "api-token-1"})
	t.Setenv("PARLEY_JIRA_URL", fake.URL)
	t.Setenv("PARLEY_JIRA_USER", "bot@example.org")
	t.Setenv("PARLEY_JIRA_TOKEN", "api-token-1")
	t.Setenv("PARLEY_JIRA_WEBHOOK_SECRET", "hook-secret-of-parley")
	t.Setenv("PARLEY_JIRA_PROJECT_TECHNICAL", "TECH")
	t.Setenv("PARLEY_JIRA_PROJECT_FEATURE", "FEAT")
	return start(t), fake
}

type apiTicket struct {
	ID      int64   `json:"id"`
	Kind    string  `json:"kind"`
	Status  string  `json:"status"`
	JiraKey *string `json:"jira_key"`
	Jira    *struct {
		State string `json:"state"`
		Error string `json:"error"`
	} `json:"jira"`
	Posts []struct {
		Kind string `json:"kind"`
		Body string `json:"body"`
	} `json:"posts"`
}

func getTicket(t *testing.T, env *servertest.Env, token string, id int64) apiTicket {
	t.Helper()
	resp, body := env.Do("GET", fmt.Sprintf("/api/v1/support/tickets/%d", id), token, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get ticket %d: %d %s", id, resp.StatusCode, body)
	}
	var out apiTicket
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitTicket polls until the ticket satisfies ok.
func waitTicket(t *testing.T, env *servertest.Env, token string, id int64, what string, ok func(apiTicket) bool) apiTicket {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		tk := getTicket(t, env, token, id)
		if ok(tk) {
			return tk
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket %d: still not %s: %+v", id, what, tk)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fileTicket(t *testing.T, env *servertest.Env, token string, body map[string]any) int64 {
	t.Helper()
	resp, data := env.Do("POST", "/api/v1/support/tickets", token, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("file ticket: %d %s", resp.StatusCode, data)
	}
	var out struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	json.Unmarshal(data, &out)
	if out.ID == 0 || !strings.HasSuffix(out.URL, fmt.Sprintf("/support/tickets/%d", out.ID)) {
		t.Fatalf("answer %s", data)
	}
	return out.ID
}

func TestTicketsTravelToJiraAndBack(t *testing.T) {
	env, fake := jiraEnv(t)
	env.CreateUser("ann@example.org", "correct horse battery", accounts.RoleUser)
	env.CreateUser("sam@example.org", "correct horse battery", accounts.RoleSupport)
	env.CreateUser("root@example.org", "correct horse battery", accounts.RoleAdmin)
	ann := env.Login("ann@example.org", "correct horse battery", nil)
	sam := env.Login("sam@example.org", "correct horse battery", nil)
	root := env.Login("root@example.org", "correct horse battery", nil)

	// A feature request stays in Parley until support escalates it.
	id := fileTicket(t, env, ann, map[string]any{"kind": "feature", "subject": "Pinned messages in channels",
		"fields": map[string]string{"what": "Pin a message to the channel header", "where": "Channels, desktop and web",
			"platform": "web,desktop", "frequency": "often", "priority": "high"}})
	if tk := getTicket(t, env, ann, id); tk.Status != "new" || tk.JiraKey != nil || tk.Kind != "feature" {
		t.Fatalf("new feature request: %+v", tk)
	}
	if resp, _ := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/escalate", id), ann, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the requester escalated: %d", resp.StatusCode)
	}
	if resp, body := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/escalate", id), sam, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("escalate: %d %s", resp.StatusCode, body)
	}
	tk := waitTicket(t, env, ann, id, "in Jira", func(tk apiTicket) bool { return tk.JiraKey != nil })
	key := *tk.JiraKey
	issue, ok := fake.Issue(key)
	if !ok || issue.Project != "FEAT" || issue.Summary != "Pinned messages in channels" {
		t.Fatalf("jira issue %s: %+v", key, issue)
	}
	if !strings.Contains(issue.Description, "Pin a message to the channel header") {
		t.Errorf("the description lacks the request: %q", issue.Description)
	}
	if resp, _ := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/escalate", id), sam, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second escalation: %d", resp.StatusCode)
	}

	// A public reply becomes a Jira comment; an internal note does not.
	env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/replies", id), sam, map[string]any{"body": "Developers will look at it next sprint."})
	env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/replies", id), sam, map[string]any{"body": "internal: customer is big", "internal": true})
	deadline := time.Now().Add(20 * time.Second)
	for {
		issue, _ = fake.Issue(key)
		if len(issue.Comments) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(issue.Comments) != 1 || !strings.Contains(issue.Comments[0].Body, "next sprint") {
		t.Fatalf("jira comments: %+v", issue.Comments)
	}

	// Jira takes it into a sprint; the webhook tells the requester.
	ev := fake.SetSprint(key, &jiratest.Sprint{ID: 5, Name: "Sprint 5", State: "active"}, jiratest.ShapeCloud)
	forged, err := fake.Deliver(env.URL+"/api/v1/jira/webhook", "wrong-secret", ev)
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	if forged.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged webhook: %d", forged.StatusCode)
	}
	if tk := getTicket(t, env, ann, id); tk.Status != "new" && tk.Status != "open" {
		t.Fatalf("a forged webhook changed the status to %s", tk.Status)
	}
	resp, err := fake.Deliver(env.URL+"/api/v1/jira/webhook", "hook-secret-of-parley", ev)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	tk = waitTicket(t, env, ann, id, "in a sprint", func(tk apiTicket) bool { return tk.Status == "in_sprint" })
	for _, p := range tk.Posts {
		if p.Kind == "note" {
			t.Errorf("the requester sees an internal note: %q", p.Body)
		}
	}

	// The technical desk creates its Jira issue as soon as a ticket is filed.
	tech := fileTicket(t, env, root, map[string]any{"kind": "technical", "subject": "TURN server unreachable", "body": "Calls fail since 10:00", "priority": "urgent"})
	tk = waitTicket(t, env, root, tech, "in Jira", func(tk apiTicket) bool { return tk.JiraKey != nil })
	if !strings.HasPrefix(*tk.JiraKey, "TECH-") {
		t.Errorf("technical ticket went to %s", *tk.JiraKey)
	}
	// A client ticket's desk has no project: it stays in Parley.
	client := fileTicket(t, env, ann, map[string]any{"kind": "client", "subject": "App does not start", "body": "since the update"})
	if resp, _ := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/escalate", client), sam, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("escalating a desk without Jira: %d", resp.StatusCode)
	}
	if n := len(fake.Issues()); n != 2 {
		t.Errorf("jira holds %d issues, want 2", n)
	}
}

func TestTicketAPIRefusesBadInputClearly(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("ann@example.org", "correct horse battery", accounts.RoleUser)
	env.CreateUser("bob@example.org", "correct horse battery", accounts.RoleUser)
	ann := env.Login("ann@example.org", "correct horse battery", nil)
	bob := env.Login("bob@example.org", "correct horse battery", nil)
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"technical desk for a user", map[string]any{"kind": "technical", "subject": "x", "body": "y"}, "kind"},
		{"no subject", map[string]any{"kind": "client", "body": "y"}, "subject"},
		{"feature without platform", map[string]any{"kind": "feature", "subject": "x", "fields": map[string]string{"what": "a", "where": "b", "frequency": "often", "priority": "low"}}, "fields.platform"},
		{"wrong type", map[string]any{"kind": "client", "subject": 5}, "subject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := env.Do("POST", "/api/v1/support/tickets", ann, c.body)
			var e struct{ Error, Field string }
			json.Unmarshal(body, &e)
			if resp.StatusCode != http.StatusBadRequest || e.Field != c.field || e.Error == "" {
				t.Errorf("%d %s; want 400 on %s", resp.StatusCode, body, c.field)
			}
		})
	}
	id := fileTicket(t, env, ann, map[string]any{"kind": "client", "subject": "Crash", "body": "on start"})
	if resp, _ := env.Do("GET", fmt.Sprintf("/api/v1/support/tickets/%d", id), bob, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user reads the ticket: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", fmt.Sprintf("/api/v1/support/tickets/%d", id), "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous read: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/support/tickets?queue=1", ann, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user read the queue: %d", resp.StatusCode)
	}
}

// The mail a requester gets links to their ticket; following it signed out
// leads through the sign-in page straight back to the ticket.
func TestMailLinkLeadsToTheTicket(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("ann@example.org", "correct horse battery", accounts.RoleUser)
	ann := env.Login("ann@example.org", "correct horse battery", nil)
	id := fileTicket(t, env, ann, map[string]any{"kind": "client", "subject": "Calls drop after a minute", "body": "on Wi-Fi"})

	mails, _, err := env.Server.Mail.List(context.Background(), 0, 10)
	if err != nil || len(mails) != 1 || mails[0].To != "ann@example.org" {
		t.Fatalf("outbox: %+v, %v", mails, err)
	}
	link := regexp.MustCompile(`https?://\S+/support/tickets/\d+`).FindString(mails[0].Text)
	if !strings.HasSuffix(link, fmt.Sprintf("/support/tickets/%d", id)) {
		t.Fatalf("no ticket link in %q", mails[0].Text)
	}
	path := link[strings.Index(link, "/support/"):]

	c := env.Browser()
	resp, _ := env.Page(c, "GET", path, nil)
	signin := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(signin, "/signin?next=") {
		t.Fatalf("signed out: %d → %q", resp.StatusCode, signin)
	}
	_, html := env.Page(c, "GET", signin, nil)
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(html)
	if csrf == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, _ = env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrf[1]}, "login": {"ann@example.org"},
		"password": {"correct horse battery"}, "next": {path}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("after sign-in: %d → %q, want %s", resp.StatusCode, resp.Header.Get("Location"), path)
	}
	resp, html = env.Page(c, "GET", path, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, "Calls drop after a minute") {
		t.Errorf("ticket page: %d", resp.StatusCode)
	}
}
