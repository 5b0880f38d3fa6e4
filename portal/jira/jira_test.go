package jira_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parley/portal/jira"
	"parley/portal/jira/jiratest"
)

// A filed ticket becomes one Jira issue with everything a developer needs,
// linked back to the ticket, and public replies follow as comments.
func TestCreateLinkAndComment(t *testing.T) {
	for _, cloud := range []bool{true, false} {
		t.Run(map[bool]string{true: "cloud", false: "server"}[cloud], func(t *testing.T) {
			h := newHarness(t, setup{fake: jiratest.Options{Cloud: cloud}})
			is := h.file(1, jira.KindFeature)
			key := h.waitKey(1)

			got, ok := h.fake.Issue(key)
			if !ok {
				t.Fatalf("Jira has no issue %s", key)
			}
			if got.Project != "FEAT" || got.IssueType != "Story" || got.Summary != is.Subject {
				t.Errorf("issue %s: project %s, type %s, summary %q", key, got.Project, got.IssueType, got.Summary)
			}
			for _, want := range []string{"Body of ticket 1.", "Dark mode", "Chat list, at night", "android,ios", is.URL, "Anna Petrova"} {
				if !strings.Contains(got.Description, want) {
					t.Errorf("description lacks %q:\n%s", want, got.Description)
				}
			}
			if got.Fields["customfield_10050"] != "Dark mode" || got.Fields["customfield_10054"] != "high" {
				t.Errorf("custom fields %v: want what and priority mapped", got.Fields)
			}
			if !slices.Contains(got.Labels, h.svc.Marker(1)) {
				t.Errorf("labels %v lack the marker %s", got.Labels, h.svc.Marker(1))
			}
			wantGlobal := "parley:" + h.svc.Instance() + ":ticket:1"
			if len(got.RemoteLinks) != 1 || got.RemoteLinks[0].GlobalID != wantGlobal || got.RemoteLinks[0].URL != is.URL {
				t.Errorf("remote links %+v: want one %s to %s", got.RemoteLinks, wantGlobal, is.URL)
			}
			if calls := h.linkedCalls(1); len(calls) != 1 || calls[0] != key {
				t.Errorf("OnLinked calls %v, want once with %s", calls, key)
			}
			st := h.state(1)
			if st.URL != h.fake.URL+"/browse/"+key || st.Error != "" || st.Failed {
				t.Errorf("state %+v", st)
			}

			h.reply(1, 501, "We are looking into it.\nPlease wait.")
			h.waitIdle(1)
			got, _ = h.fake.Issue(key)
			if len(got.Comments) != 1 || !strings.HasPrefix(got.Comments[0].Body, "We are looking into it.\nPlease wait.") {
				t.Fatalf("comments %+v: want the reply's plain text", got.Comments)
			}
			// Queueing the same post again changes nothing.
			h.reply(1, 501, "We are looking into it.\nPlease wait.")
			h.waitIdle(1)
			if got, _ = h.fake.Issue(key); len(got.Comments) != 1 {
				t.Errorf("%d comments after the same post was queued twice", len(got.Comments))
			}
			if r := h.fake.Rejected(); len(r) > 0 {
				t.Errorf("Jira refused calls: %v", r)
			}
		})
	}
}

// When Jira created the issue but the answer was lost, the retry finds it
// by its label (through the search endpoint the deployment has) instead of
// creating a second one; the same for comments.
func TestLostAnswersMakeNoDuplicates(t *testing.T) {
	for _, cloud := range []bool{true, false} {
		t.Run(map[bool]string{true: "cloud", false: "server"}[cloud], func(t *testing.T) {
			h := newHarness(t, setup{fake: jiratest.Options{Cloud: cloud}})
			h.fake.LoseCreateAnswers(1)
			h.file(7, jira.KindTechnical)
			key := h.waitKey(7)
			if n := len(h.issuesOf(7)); n != 1 {
				t.Fatalf("%d issues for ticket 7, want 1", n)
			}
			if calls := h.linkedCalls(7); len(calls) != 1 || calls[0] != key {
				t.Errorf("OnLinked calls %v", calls)
			}

			h.fake.LoseCommentAnswers(1)
			h.reply(7, 70, "First answer")
			h.waitIdle(7)
			got, _ := h.fake.Issue(key)
			if n := commentsFor(got, 70); n != 1 {
				t.Errorf("%d comments for post 70, want 1", n)
			}
			if r := h.fake.Rejected(); len(r) > 0 {
				t.Errorf("Jira refused calls (wrong search endpoint for the deployment?): %v", r)
			}
		})
	}
}

// A retry's lookup takes only an issue whose labels hold the ticket's
// marker exactly: a decoy that merely mentions the marker in its text, and
// that a loose search returns first, is neither adopted nor touched.
func TestLookupTakesOnlyExactLabel(t *testing.T) {
	cases := []struct {
		name  string
		cloud bool
		lost  bool // the first create is made and its answer lost; else a 502 comes before any work
	}{
		{"cloud, lost answer", true, true},
		{"cloud, 502 before the work", true, false},
		{"server, lost answer", false, true},
		{"server, 502 before the work", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{fake: jiratest.Options{Cloud: c.cloud}})
			marker := h.svc.Marker(12)
			decoy := h.fake.CreateIssue("TECH", "Customer quoted "+marker, "See "+marker+" in their mail.", "parley")
			h.fake.SetLooseLabelSearch(true)
			if c.lost {
				h.fake.LoseCreateAnswers(1)
			} else {
				h.fake.FailNext(1, http.StatusBadGateway, 0)
			}
			h.file(12, jira.KindTechnical)
			key := h.waitKey(12)
			if key == decoy.Key {
				t.Fatalf("ticket 12 was tied to the decoy %s", decoy.Key)
			}
			mine := h.issuesOf(12)
			if len(mine) != 1 || mine[0].Key != key {
				t.Fatalf("issues labelled %s: %+v, want exactly the linked %s", marker, mine, key)
			}
			if got, _ := h.fake.Issue(decoy.Key); len(got.RemoteLinks) != 0 {
				t.Errorf("the decoy got remote links %+v", got.RemoteLinks)
			}
			if calls := h.linkedCalls(12); len(calls) != 1 || calls[0] != key {
				t.Errorf("OnLinked calls %v, want once with %s", calls, key)
			}
			if n := len(h.fake.Issues()); n != 2 {
				t.Errorf("%d issues in Jira, want the decoy and one for the ticket", n)
			}
		})
	}
}

// A create that Jira refused before doing anything (429, 503) is retried
// at once without looking the issue up; one whose outcome is unknown (502)
// looks first: Jira's deployment type, then the search.
func TestRetryLooksUpOnlyAfterUnknownOutcome(t *testing.T) {
	cases := []struct {
		status int
		calls  int // the failed create, then create and remote link, plus serverInfo and search when looking
	}{
		{http.StatusServiceUnavailable, 3},
		{http.StatusTooManyRequests, 3},
		{http.StatusBadGateway, 5},
		{http.StatusGatewayTimeout, 5},
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})
			h.fake.FailNext(1, c.status, 0)
			h.file(13, jira.KindTechnical)
			h.waitKey(13)
			if n := h.fake.Requests(); n != c.calls {
				t.Errorf("%d calls to Jira, want %d", n, c.calls)
			}
			if n := len(h.issuesOf(13)); n != 1 {
				t.Errorf("%d issues", n)
			}
		})
	}
}

// Jira's answers to status changes come back through the signed webhook.
func TestWebhookStatus(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})
	h.file(3, jira.KindClient)
	key := h.waitKey(3)

	deliver := func(ev jiratest.Event, secret string) int {
		t.Helper()
		resp, err := h.fake.Deliver(h.hook.URL, secret, ev)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	// A forged delivery changes nothing.
	ev := h.fake.Transition(key, "In Progress")
	if code := deliver(ev, "not-the-secret"); code != http.StatusUnauthorized {
		t.Fatalf("forged webhook: %d, want 401", code)
	}
	if s := h.statusCalls(3); len(s) != 0 {
		t.Fatalf("forged webhook changed the status: %v", s)
	}
	if code := deliver(ev, testSecret); code != http.StatusOK {
		t.Fatalf("webhook: %d", code)
	}
	if got := h.lastStatus(3); got != jira.StatusInSprint {
		t.Fatalf("after In Progress: %q, want in_sprint", got)
	}
	// Jira retries deliveries with the same id: no second effect.
	if code := deliver(ev, testSecret); code != http.StatusOK {
		t.Fatalf("replayed webhook: %d", code)
	}
	if n := len(h.statusCalls(3)); n != 1 {
		t.Errorf("OnStatus called %d times after a replay, want 1", n)
	}
	st := h.state(3)
	if st.Status != jira.StatusInSprint || st.JiraStatus != "In Progress" {
		t.Errorf("state %+v", st)
	}

	steps := []struct {
		status string
		want   jira.Status
	}{
		{"To Do", jira.StatusPlanned},
		{"Done", jira.StatusDone},
		{"Backlog", jira.StatusPlanned},
		{"Won't Do", jira.StatusRejected},
		{"Rejected", jira.StatusRejected},
	}
	for _, s := range steps {
		if code := deliver(h.fake.Transition(key, s.status), testSecret); code != http.StatusOK {
			t.Fatalf("webhook for %s: %d", s.status, code)
		}
		if got := h.lastStatus(3); got != s.want {
			t.Errorf("after %s: %q, want %q", s.status, got, s.want)
		}
	}
}

func TestWebhookSprintShapes(t *testing.T) {
	for _, shape := range []jiratest.SprintShape{jiratest.ShapeCloud, jiratest.ShapeServer} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			h := newHarness(t, setup{fake: jiratest.Options{Cloud: shape == jiratest.ShapeCloud}})
			h.file(4, jira.KindFeature)
			key := h.waitKey(4)
			deliver := func(ev jiratest.Event) {
				t.Helper()
				resp, err := h.fake.Deliver(h.hook.URL, testSecret, ev)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("webhook: %d", resp.StatusCode)
				}
			}
			deliver(h.fake.Transition(key, "To Do"))
			if got := h.lastStatus(4); got != jira.StatusPlanned {
				t.Fatalf("To Do without sprint: %q, want planned", got)
			}
			deliver(h.fake.SetSprint(key, &jiratest.Sprint{ID: 5, Name: "Sprint 5", State: "active"}, shape))
			eventually(t, 5*time.Second, "in_sprint after the issue joined an active sprint", func() bool {
				return h.lastStatus(4) == jira.StatusInSprint
			})
			if st := h.state(4); st.Sprint != "Sprint 5" {
				t.Errorf("sprint %q, want Sprint 5", st.Sprint)
			}
			deliver(h.fake.SetSprint(key, nil, shape))
			eventually(t, 5*time.Second, "planned after the issue left the sprint", func() bool {
				return h.lastStatus(4) == jira.StatusPlanned
			})
		})
	}
}

func TestWebhookRefusals(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, noConfig: true})
	body := strings.NewReader(`{"webhookEvent":"jira:issue_updated"}`)
	resp, err := http.Post(h.hook.URL, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no secret configured: %d, want 403", resp.StatusCode)
	}
	h.configure(testToken)
	for _, sig := range []string{"", "sha256=", "sha256=zz", "sha1=" + strings.Repeat("0", 40), jiratest.Sign("wrong", []byte(`{}`))} {
		req, _ := http.NewRequest(http.MethodPost, h.hook.URL, strings.NewReader(`{"webhookEvent":"jira:issue_updated"}`))
		if sig != "" {
			req.Header.Set("X-Hub-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), `"error"`) {
			t.Errorf("signature %q: %d %s, want 401 with a JSON error", sig, resp.StatusCode, b)
		}
	}
}

// A status change whose webhook never arrived is caught by the re-read.
func TestRefreshCatchesMissedWebhook(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: false}})
	h.file(5, jira.KindTechnical)
	key := h.waitKey(5)
	h.fake.Transition(key, "In Progress") // the webhook is lost
	if _, err := h.svc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "in_sprint after the re-read", func() bool { return h.lastStatus(5) == jira.StatusInSprint })
	h.fake.SetSprint(key, &jiratest.Sprint{ID: 8, Name: "Sprint 8", State: "active"}, jiratest.ShapeServer)
	h.fake.Transition(key, "Done")
	h.svc.Refresh(context.Background())
	eventually(t, 5*time.Second, "done after the re-read", func() bool { return h.lastStatus(5) == jira.StatusDone })
	// Done issues are no longer re-read.
	if n, _ := h.svc.Refresh(context.Background()); n != 0 {
		t.Errorf("%d re-reads queued for a done issue", n)
	}
}

// A 429 is answered by waiting as long as Jira asks.
func TestRateLimitRetryAfter(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})
	h.fake.FailNext(1, http.StatusTooManyRequests, time.Second)
	h.file(6, jira.KindTechnical)
	var st jira.LinkState
	eventually(t, 5*time.Second, "the 429 recorded", func() bool {
		st = h.state(6)
		return st.Attempts >= 1 && st.Error != ""
	})
	if !strings.Contains(st.Error, "429") {
		t.Errorf("error %q: want the rate limit named", st.Error)
	}
	if wait := st.NextTry.Sub(st.LastTry); wait < time.Second {
		t.Errorf("next try %s after the 429, want at least the 1s Jira asked for", wait)
	}
	// Jira answered: slowed down, not unreachable.
	if u := h.svc.Unreachable(); len(u) != 0 {
		t.Errorf("a 429 listed the Jira as unreachable: %+v", u)
	}
	h.waitKey(6)
	if n := len(h.issuesOf(6)); n != 1 {
		t.Errorf("%d issues", n)
	}
}

// Refused credentials are a configuration problem: the op waits, shows
// Jira's reason, and goes through once an administrator fixes the token.
func TestRefusedCredentialsRecoverAfterSettings(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, token: "wrong-token"})
	h.file(8, jira.KindTechnical)
	var st jira.LinkState
	eventually(t, 5*time.Second, "the refusal shown", func() bool {
		st = h.state(8)
		return st.Error != ""
	})
	if !strings.Contains(st.Error, "refused the credentials") || st.Waiting != 1 || st.Key != "" {
		t.Fatalf("state %+v: want the credentials error, still waiting", st)
	}
	if !strings.Contains(st.Error, "not authenticated") {
		t.Errorf("error %q lacks Jira's own words", st.Error)
	}
	// The long cap keeps it from retrying on its own in this test.
	if st.NextTry.Sub(st.LastTry) > time.Hour {
		t.Errorf("next try %s away", st.NextTry.Sub(st.LastTry))
	}
	before := h.fake.Requests()
	time.Sleep(50 * time.Millisecond)
	if h.fake.Requests() > before+2 {
		t.Errorf("refused calls are being hammered: %d more requests", h.fake.Requests()-before)
	}
	h.configure(testToken)
	h.waitKey(8)
	if n := len(h.issuesOf(8)); n != 1 {
		t.Errorf("%d issues", n)
	}
}

// An issue deleted in Jira fails its op with a clear message; the ticket
// stays, and escalating again makes a new issue.
func TestDeletedIssue(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})
	h.file(9, jira.KindClient)
	key := h.waitKey(9)
	h.fake.Delete(key) // its webhook is lost
	h.reply(9, 90, "Any news?")
	st := h.waitIdle(9)
	if !st.Failed || !strings.Contains(st.Error, key) || !strings.Contains(st.Error, "no longer exists") {
		t.Fatalf("state %+v: want failed with a message naming %s", st, key)
	}
	h.mu.Lock()
	msg := h.failed[9]
	h.mu.Unlock()
	if msg == "" {
		t.Error("OnFailed was not called")
	}
	h.file(9, jira.KindClient) // staff escalate again
	newKey := h.waitKey(9)
	if newKey == key {
		t.Errorf("escalating again kept the deleted issue %s", key)
	}
	if st := h.state(9); st.Failed || st.Error != "" {
		t.Errorf("state after re-escalation %+v", st)
	}
	if calls := h.linkedCalls(9); len(calls) != 2 || calls[1] != newKey {
		t.Errorf("OnLinked calls %v", calls)
	}

	// This time the deletion's webhook arrives: the link fails at once.
	resp, err := h.fake.Deliver(h.hook.URL, testSecret, h.fake.Delete(newKey))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := h.state(9); !st.Failed || !strings.Contains(st.Error, newKey) {
		t.Errorf("state after the deletion webhook: %+v", st)
	}
}

// A reply to a deleted issue fails for good: the link is marked failed,
// then the op. A look at the ticket's state while that happens must show
// the reply either still waiting or failed, never as gone through: the
// state of the link and of its ops are read at one moment.
func TestDeletedIssueStateNeverShowsReplyThrough(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})
	h.file(10, jira.KindClient)
	key := h.waitKey(10)
	h.fake.Delete(key) // its webhook is lost
	// Jira stops answering, so the reply waits with the link not yet failed.
	h.fake.SetDown(true)
	h.reply(10, 100, "Any news?")
	eventually(t, 10*time.Second, "the reply waiting on an unreachable Jira", func() bool {
		st := h.state(10)
		return st.Waiting == 1 && st.Error != ""
	})
	if st := h.state(10); st.Failed {
		t.Fatalf("state %+v: failed while Jira was unreachable", st)
	}
	// Between State's read of the link and its read of the ops, Jira
	// answers again and the reply fails for good.
	opState := func() string {
		var state string
		if err := h.db.Read.QueryRow("SELECT state FROM jira_ops WHERE ticket_id = 10 AND op = 'comment'").Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state
	}
	jira.SetStatesBetweenReads(h.svc, func() {
		jira.SetStatesBetweenReads(h.svc, nil)
		h.fake.SetDown(false)
		if err := h.svc.RetryNow(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the reply failed for good", func() bool { return opState() == "failed" })
	})
	if st := h.state(10); st.Waiting == 0 && !st.Failed {
		t.Errorf("state %+v: the reply shows as gone through while it failed", st)
	}
	if st := h.waitIdle(10); !st.Failed || !strings.Contains(st.Error, key) {
		t.Errorf("state %+v: want failed with a message naming %s", st, key)
	}
}

// A Jira that answers too slowly: the call times out after Jira did the
// work; the retry finds the issue instead of making a second one.
func TestTimeoutAfterJiraCreated(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{HTTPTimeout: 200 * time.Millisecond}})
	h.fake.SetDelay(time.Second)
	h.file(11, jira.KindTechnical)
	eventually(t, 5*time.Second, "the time-out recorded", func() bool { return h.state(11).Error != "" })
	if st := h.state(11); !strings.Contains(st.Error, "timed out") || st.Key != "" {
		t.Errorf("state %+v: want a time-out and no key yet", st)
	}
	h.fake.SetDelay(0)
	h.waitKey(11)
	if n := len(h.issuesOf(11)); n != 1 {
		t.Errorf("%d issues after a timed-out create, want 1", n)
	}
}

// Parley stops while Jira has taken a create in but not yet made the
// issue. Close waits for the answer instead of abandoning the call, so the
// next start finds the key stored; Jira ends with one issue. (Abandoned,
// the call would land after the next start's lookup and create: the fake
// lets it do its work as soon as another create arrives, then serves that
// one, which makes a second issue.)
func TestRestartWaitsForCreateInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{HTTPTimeout: 30 * time.Second}})
	arrived, done := h.fake.StallNextCreate(time.Second)
	h.file(21, jira.KindTechnical)
	waitClosed(t, arrived, "the create reaching Jira")
	h.restart()
	key := h.waitKey(21)
	waitClosed(t, done, "Jira's work on the held create")
	issues := h.issuesOf(21)
	if len(issues) != 1 {
		t.Fatalf("%d issues after a restart with a create in flight, want 1", len(issues))
	}
	if issues[0].Key != key {
		t.Errorf("ticket linked to %s, Jira's issue is %s", key, issues[0].Key)
	}
	if calls := h.linkedCalls(21); len(calls) != 1 || calls[0] != key {
		t.Errorf("OnLinked %v, want once with %s", calls, key)
	}
}

// After a crash (no Close) in the middle of a create, the op goes back to
// the queue but waits for the lookup to settle, as after a lost answer: the
// create may still be on its way into Jira. Other tickets go on at once.
func TestResumeAfterCrashWaitsForLookupSettle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{LookupSettle: time.Hour}})
	if err := h.svc.Close(); err != nil {
		t.Fatal(err)
	}
	h.file(31, jira.KindTechnical)
	h.file(32, jira.KindTechnical)
	// The run that crashed had claimed ticket 31's create and sent it.
	if _, err := h.db.Write.Exec("UPDATE jira_ops SET state = 'running', attempts = 1 WHERE ticket_id = 31"); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	h.start()
	entries, err := h.svc.Outbox(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.TicketID != 31 {
			continue
		}
		found = true
		if e.State != "pending" || e.NextTry.Before(started.Add(59*time.Minute)) {
			t.Errorf("ticket 31's create after the crash: %s, next try %s; want pending for the settle (an hour)", e.State, e.NextTry.Sub(started))
		}
	}
	if !found {
		t.Fatalf("ticket 31's create is not in the outbox: %+v", entries)
	}
	h.waitKey(32)
	if st := h.state(31); st.Key != "" || st.Waiting != 1 {
		t.Errorf("ticket 31 %+v: want it waiting, no key", st)
	}
	if n := len(h.issuesOf(31)); n != 0 {
		t.Errorf("%d issues of ticket 31 before the settle", n)
	}
}

func waitClosed(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("not within 10s: %s", what)
	}
}

// A slow Jira does not serialise everyone: the workers serve different
// tickets side by side, never two calls of one ticket at once.
func TestSlowJiraServesTicketsSideBySide(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{Workers: 4}})
	h.fake.SetDelay(300 * time.Millisecond)
	for id := int64(1); id <= 8; id++ {
		h.file(id, jira.KindTechnical)
		h.reply(id, id, "Reply")
	}
	most := 0
	eventually(t, 20*time.Second, "all delivered", func() bool {
		entries, err := h.svc.Outbox(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		running := map[int64]int{}
		n := 0
		for _, e := range entries {
			if e.State == "running" {
				running[e.TicketID]++
				n++
			}
		}
		for id, k := range running {
			if k > 1 {
				t.Fatalf("ticket %d has %d calls running at once", id, k)
			}
		}
		most = max(most, n)
		return len(entries) == 0
	})
	if most != 4 {
		t.Errorf("at most %d calls ran at once, want the 4 workers busy", most)
	}
	for id := int64(1); id <= 8; id++ {
		if is := h.issuesOf(id); len(is) != 1 || commentsFor(is[0], id) != 1 {
			t.Errorf("ticket %d not delivered exactly once", id)
		}
	}
}

// While Jira is down nothing is lost; a restart in between resumes the
// outbox; afterwards every ticket and comment is in Jira exactly once.
func TestOutageAndRestart(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}})

	// Parley stops while a create is in flight and Jira has already made
	// the issue: the next start must find it, not make another.
	h.fake.SetDelay(2 * time.Second)
	h.file(100, jira.KindTechnical)
	eventually(t, 5*time.Second, "the create in flight", func() bool {
		entries, _ := h.svc.Outbox(context.Background(), 10)
		return len(entries) == 1 && entries[0].State == "running"
	})
	h.restart()
	h.fake.SetDelay(0)
	h.waitKey(100)
	if n := len(h.issuesOf(100)); n != 1 {
		t.Fatalf("%d issues after a restart mid-call, want 1", n)
	}

	h.fake.SetDown(true)
	const n = 20
	for id := int64(1); id <= n; id++ {
		h.file(id, jira.KindTechnical)
		h.reply(id, id*100, fmt.Sprintf("Reply to %d", id))
	}
	eventually(t, 5*time.Second, "failures shown while Jira is down", func() bool {
		st := h.state(1)
		return st.Error != "" && st.Waiting == 2
	})
	if st := h.state(1); !strings.Contains(st.Error, "did not answer") {
		t.Errorf("error while down: %q", st.Error)
	}
	h.restart()
	h.fake.SetDown(false)
	for id := int64(1); id <= n; id++ {
		h.waitKey(id)
	}
	for id := int64(1); id <= n; id++ {
		issues := h.issuesOf(id)
		if len(issues) != 1 {
			t.Fatalf("ticket %d: %d issues", id, len(issues))
		}
		if c := commentsFor(issues[0], id*100); c != 1 {
			t.Errorf("ticket %d: %d comments", id, c)
		}
		if calls := h.linkedCalls(id); len(calls) != 1 {
			t.Errorf("ticket %d: OnLinked %v", id, calls)
		}
	}
}

// The proof of the outbox: a thousand tickets and a thousand comments
// through a Jira that fails 30 % of calls and goes down for a while.
func TestReliabilityThousand(t *testing.T) {
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{Workers: 8}})
	h.fake.SetFailRate(0.3)
	// While the circuit is open each lost answer fails a probe, so a few
	// are enough to prove the point without stalling the run.
	h.fake.LoseCreateAnswers(10)
	h.fake.LoseCommentAnswers(10)
	const n = 1000
	for id := int64(1); id <= n; id++ {
		h.file(id, jira.KindTechnical)
		h.reply(id, id, fmt.Sprintf("Reply to %d", id))
		if id == n/3 {
			h.fake.SetDown(true)
		}
	}
	time.Sleep(300 * time.Millisecond) // let the outage bite
	h.fake.SetDown(false)

	eventually(t, 60*time.Second, "the outbox drained", func() bool {
		waiting, _, err := h.svc.OutboxCounts(context.Background())
		return err == nil && waiting == 0
	})
	_, failed, _ := h.svc.OutboxCounts(context.Background())
	if failed != 0 {
		t.Errorf("%d ops failed for good", failed)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	states, err := h.svc.States(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	all := h.fake.Issues()
	byLabel := map[string][]jiratest.Issue{}
	for _, is := range all {
		for _, l := range is.Labels {
			byLabel[l] = append(byLabel[l], is)
		}
	}
	for _, id := range ids {
		issues := byLabel[h.svc.Marker(id)]
		if len(issues) != 1 {
			t.Errorf("ticket %d: %d issues", id, len(issues))
			continue
		}
		if states[id].Key != issues[0].Key {
			t.Errorf("ticket %d has key %q, its issue is %s", id, states[id].Key, issues[0].Key)
		}
		if c := commentsFor(issues[0], id); c != 1 {
			t.Errorf("ticket %d: %d comments", id, c)
		}
	}
	if len(all) != n {
		t.Errorf("%d issues in Jira, want %d", len(all), n)
	}
}

// A Jira that is down opens its circuit: from then on one probe at a time
// goes out, on a doubling interval, instead of every op retrying; when it
// is back everything goes through exactly once and the circuit closes.
func TestOutageOpensCircuitAndRecovers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{fake: jiratest.Options{Cloud: true}, opt: jira.Options{Workers: 4}})
	h.fake.SetDown(true)
	const n = 20
	for id := int64(1); id <= n; id++ {
		h.file(id, jira.KindTechnical)
	}
	var open jira.CircuitState
	eventually(t, 10*time.Second, "the circuit open", func() bool {
		u := h.svc.Unreachable()
		if len(u) == 1 && !u[0].Since.IsZero() {
			open = u[0]
			return true
		}
		return false
	})
	if open.BaseURL != h.fake.URL {
		t.Errorf("open circuit of %q, want %q", open.BaseURL, h.fake.URL)
	}
	// Ten more failed calls: at most the four in flight when it opened, so
	// at least six probes, the sixth no sooner than 5+10+20+40+80 ms after
	// it opened. Twenty ops retrying on their own would take a few ms.
	eventually(t, 10*time.Second, "ten more failed calls", func() bool {
		u := h.svc.Unreachable()
		return len(u) == 1 && u[0].Failures >= open.Failures+10
	})
	if held := time.Since(open.Since); held < 150*time.Millisecond {
		t.Errorf("ten failed calls within %s of the circuit opening: the probes are not spaced", held)
	}
	h.fake.SetDown(false)
	for id := int64(1); id <= n; id++ {
		h.waitKey(id)
		if got := len(h.issuesOf(id)); got != 1 {
			t.Errorf("ticket %d: %d issues", id, got)
		}
	}
	if u := h.svc.Unreachable(); len(u) != 0 {
		t.Errorf("after recovery: %+v", u)
	}
}
