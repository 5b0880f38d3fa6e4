package server_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
)

// TestBrowserPasswordPages drives, in Chromium at a phone's and a desktop's
// width and in both languages, the pages issue 10 changed: the sign-in form
// while every hashing turn is taken, the profile form's current-password
// field for an e-mail change, and the error page for ending a session that
// is not one's own. None may scroll sideways at 360 px; with PARLEY_SHOTS=DIR
// their screenshots are saved there for a person to look at.
func TestBrowserPasswordPages(t *testing.T) {
	t.Parallel()
	hasher := accounts.NewHasherLimit(servertest.CheapArgon2, accounts.HashLimit{Slots: 1, Admitted: 1, Wait: 50 * time.Millisecond, RetryAfter: time.Second})
	env := servertest.Start(t, servertest.Options{Accounts: accounts.Options{Hasher: hasher}})
	const login, password = "mila@example.org", "mila-secret-1"
	env.CreateUser(login, password, accounts.RoleUser)
	env.CreateUser("other@example.org", "other-secret-1", accounts.RoleUser)
	otherSession := strconv.FormatInt(mustSession(t, env, env.Login("other@example.org", "other-secret-1", nil)), 10)
	shots := os.Getenv("PARLEY_SHOTS")

	for _, lang := range []struct{ lang, busy, emailField, notFound string }{
		{"ru", "Сейчас входит очень много людей", "нужен, только чтобы сменить почту", "нет такой активной сессии"},
		{"en", "A great many people are signing in", "needed only to change the e-mail", "no such active session"},
	} {
		t.Run(lang.lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(lang.lang))
			browsertest.ScreenshotOnFailure(t, ctx)
			check := func(name string, width int64) {
				t.Helper()
				if wide, err := browsertest.SidewaysScroll(ctx); err != nil || (wide != "" && width == 360) {
					t.Errorf("%s scrolls sideways at %d px: %s %v", name, width, wide, err)
				}
				if shots != "" {
					if err := browsertest.SaveScreens(ctx, shots, fmt.Sprintf("issue10-%s-%d-%s", lang.lang, width, name), 800); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, width := range []int64{360, 1440} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
					t.Fatal(err)
				}
				release, err := hasher.Admit(t.Context()) // a storm holds every turn
				if err != nil {
					t.Fatal(err)
				}
				err = chromedp.Do(ctx,
					chromedp.Navigate(env.URL+"/signin?next=/account"),
					chromedp.WaitVisible(chromedp.ID("login")),
					chromedp.SendKeys(chromedp.ID("login"), login),
					chromedp.SendKeys(chromedp.ID("password"), password),
					chromedp.Click(chromedp.ID("signin-submit")),
					chromedp.WaitVisible(chromedp.ID("signin-error")))
				release()
				if err != nil {
					t.Fatalf("sign in while busy: %v", err)
				}
				msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("signin-error")))
				if err != nil || !strings.Contains(msg, lang.busy) {
					t.Errorf("sign-in page while busy says %q (%v)", msg, err)
				}
				check("signin-busy", width)
			}
			if err := chromedp.Do(ctx, // the turn is free again
				chromedp.SendKeys(chromedp.ID("password"), password),
				chromedp.Click(chromedp.ID("signin-submit")),
				chromedp.WaitVisible(chromedp.ID("huid"))); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, width := range []int64{360, 1440} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/account#profile-h"), chromedp.WaitVisible(chromedp.ID("f-current_password"))); err != nil {
					t.Fatalf("account page: %v", err)
				}
				label, err := chromedp.Run(ctx, chromedp.Text(`label[for="f-current_password"]`))
				if err != nil || !strings.Contains(label, lang.emailField) {
					t.Errorf("current password field is labelled %q (%v)", label, err)
				}
				check("account-profile", width)

				// A forged form naming someone else's session.
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
					const f = document.createElement("form");
					f.method = "post"; f.action = "/account/sessions/`+otherSession+`/end";
					const c = document.createElement("input");
					c.name = "_csrf"; c.value = document.querySelector('input[name="_csrf"]').value;
					f.appendChild(c); document.body.appendChild(f); f.submit(); return true;
				})()`)); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.WaitReady("footer")); err != nil {
					t.Fatal(err)
				}
				body, err := chromedp.Run(ctx, chromedp.Text("main"))
				if err != nil || !strings.Contains(body, lang.notFound) {
					t.Errorf("ending someone else's session shows %q (%v)", body, err)
				}
				check("session-not-found", width)
			}
		})
	}
}
