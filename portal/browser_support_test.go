package portal_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/portal/jira/jiratest"
	"parley/server/accounts"
	"parley/server/browsertest"
)

// TestBrowserFeatureRequestToSprint follows a feature request through the
// pages in Chromium: a user files it and is offered a help article while
// typing; support staff find it in the queue, link a diagnostics upload and
// escalate it to Jira; Jira's webhook takes it into a sprint, and the user's
// page says so.
func TestBrowserFeatureRequestToSprint(t *testing.T) {
	env, fake := jiraEnv(t)
	env.CreateUser("ann@example.org", "ann-secret-1", accounts.RoleUser)
	env.CreateUser("sam@example.org", "sam-secret-1", accounts.RoleSupport)
	sam := env.Login("sam@example.org", "sam-secret-1", nil)
	upload := apiUpload(t, env, sam, "ann-phone.log", []byte(crashLog))
	waitReady(t, env, sam, upload)

	ctx := browsertest.New(t, browsertest.Lang("en"))
	consoleErrors := browsertest.ConsoleErrors(ctx)
	signIn := func(login, password string) {
		t.Helper()
		signInChromium(t, ctx, env, login, password)
	}
	signOut := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click("#signout"), chromedp.WaitVisible("#login")); err != nil {
			t.Fatalf("sign out: %v", err)
		}
	}

	// The user starts a feature request; the subject brings up an article.
	signIn("ann@example.org", "ann-secret-1")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/support/new?kind=feature"),
		chromedp.WaitVisible("#subject"),
		chromedp.SendKeys("#subject", "Push notifications do not arrive"),
		chromedp.WaitVisible("#suggestions .suggested-article a"),
	); err != nil {
		t.Fatalf("no suggested article while typing: %v", err)
	}
	suggested, _ := chromedp.Run(ctx, chromedp.Text("#suggestions"))
	if !strings.Contains(strings.ToLower(suggested), "notification") {
		t.Errorf("suggested articles: %q", suggested)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#f-what", "Show a banner when push delivery fails"),
		chromedp.SendKeys("#f-where", "Chat list, after the phone wakes up"),
		chromedp.Click("#f-platform-android"),
		chromedp.SetValue("#f-frequency", "often"),
		chromedp.SetValue("#f-importance", "high"),
		chromedp.Click("#submit-ticket"),
		chromedp.WaitVisible("#ticket-status"),
	); err != nil {
		t.Fatalf("submit the request: %v", err)
	}
	ticketURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	ticketURL, _, _ = strings.Cut(ticketURL, "?")
	id := ticketURL[strings.LastIndex(ticketURL, "/")+1:]
	if _, err := strconv.Atoi(id); err != nil {
		t.Fatalf("ticket page %s", ticketURL)
	}
	signOut()

	// Support staff find it in the queue, link the upload and escalate.
	signIn("sam@example.org", "sam-secret-1")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/support/queue"),
		chromedp.WaitVisible("#queue"),
		chromedp.Click(`#queue a[href="/support/tickets/`+id+`"]`),
		chromedp.WaitVisible("#link-upload-id"),
		chromedp.SendKeys("#link-upload-id", strconv.FormatInt(upload, 10)),
		chromedp.Click("#link-upload-submit"),
		chromedp.WaitVisible(`#uploads a[href="/diagnostics/`+strconv.FormatInt(upload, 10)+`"]`),
		chromedp.Click("#escalate"),
		chromedp.WaitVisible("#jira-box"),
	); err != nil {
		t.Fatalf("link and escalate: %v", err)
	}
	key := waitJiraKey(t, ctx, ticketURL)
	if _, ok := fake.Issue(key); !ok {
		t.Fatalf("the page shows %s, which Jira does not have", key)
	}
	signOut()

	// Jira takes the issue into a sprint and tells Parley.
	resp, err := fake.Deliver(env.URL+"/api/v1/jira/webhook", "hook-secret-of-parley",
		fake.SetSprint(key, &jiratest.Sprint{ID: 12, Name: "Sprint 12", State: "active"}, jiratest.ShapeCloud))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}

	signIn("ann@example.org", "ann-secret-1")
	if err := chromedp.Do(ctx, chromedp.Navigate(ticketURL), chromedp.WaitVisible("#ticket-status")); err != nil {
		t.Fatal(err)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text("#ticket-status"))
	if !strings.Contains(strings.ToLower(status), "taken into a sprint") {
		t.Errorf("the user's page shows %q, want taken into a sprint", status)
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// waitJiraKey reloads the ticket page until the outbox has created the Jira
// issue and the page shows its key.
func waitJiraKey(t *testing.T, ctx context.Context, ticketURL string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		key, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("jira-key") || {}).textContent || ""`))
		if err == nil && strings.TrimSpace(key) != "" {
			return strings.TrimSpace(key)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Jira key on the ticket page after 20 s (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
		if err := chromedp.Do(ctx, chromedp.Navigate(ticketURL), chromedp.WaitVisible("#jira-box")); err != nil {
			t.Fatal(err)
		}
	}
}
