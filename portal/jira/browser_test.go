package jira_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/portal/jira/jiratest"
	"parley/server/accounts"
	"parley/server/browsertest"
)

// An administrator who types a webhook secret that is too short sees why
// beside the field, in the page's language, on a phone and a desktop, and
// the page still fits a 360 px screen. With PARLEY_SHOTS=DIR the test saves
// what it saw for a person to look at.
func TestBrowserSettingsShortSecret(t *testing.T) {
	t.Parallel()
	fake := jiratest.New(t, jiratest.Options{Cloud: true, User: testUser, Token: testToken})
	env, _ := pagesEnv(t, map[string]string{"PARLEY_JIRA_URL": fake.URL})
	env.CreateUser("admin@example.org", "admin-password-1", accounts.RoleAdmin)
	shots := os.Getenv("PARLEY_SHOTS")
	cases := []struct{ lang, want string }{
		{"en", "A webhook secret needs at least 16 characters. Type a new one and give the Jira webhook the same."},
		{"ru", "Секрет вебхука должен быть не короче 16 символов. Введите новый и укажите его же в вебхуке Jira."},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(c.lang))
			if err := chromedp.Do(ctx,
				chromedp.Navigate(env.URL+"/signin?next=/account"),
				chromedp.WaitVisible("#login"),
				chromedp.SendKeys("#login", "admin@example.org"),
				chromedp.SendKeys("#password", "admin-password-1"),
				chromedp.Click("#signin-submit"),
				chromedp.WaitVisible("#huid"),
			); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, width := range []int64{360, 1440} {
				err := chromedp.Do(ctx,
					chromedp.EmulateViewport(width, 800),
					chromedp.Navigate(env.URL+"/admin/jira"),
					chromedp.WaitVisible("#jira-save"),
					chromedp.SendKeys("#jira-technical-project", "TECH"),
					chromedp.SendKeys("#jira-technical-user", testUser),
					chromedp.SendKeys("#jira-technical-token", testToken),
					chromedp.SendKeys("#jira-technical-secret", "tiny-hook-9"),
					chromedp.Click("#jira-save"),
					chromedp.WaitVisible("#jira-technical-secret-err"),
					chromedp.ScrollIntoView("#jira-technical-secret"),
				)
				if err != nil {
					t.Fatalf("%d px: save a short secret: %v", width, err)
				}
				got, err := chromedp.Run(ctx, chromedp.Text("#jira-technical-secret-err"))
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("%d px: field error %q, want %q", width, got, c.want)
				}
				wide, err := browsertest.SidewaysScroll(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if wide != "" && width == 360 {
					t.Errorf("the settings page with the error scrolls sideways at 360 px: %s", wide)
				}
				if shots != "" {
					if err := browsertest.SaveScreenshot(ctx, filepath.Join(shots, fmt.Sprintf("jira-secret-%s-%d.png", c.lang, width))); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
