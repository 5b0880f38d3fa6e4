package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
)

// shot saves a full-page screenshot into $PARLEY_SCREENSHOTS, when set, to
// be looked at by a person; tests assert on the page, not on pixels.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PARLEY_SCREENSHOTS")
	if dir == "" {
		return
	}
	// One picture per screenful, from the top, as a person scrolls.
	heights, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollHeight, window.innerHeight, window.scrollY]`))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	for i, y := 0, 0; y < heights[0] && i < 8; i, y = i+1, y+heights[1] {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](fmt.Sprintf("window.scrollTo(0, %d)", y))); err != nil {
			t.Fatalf("scroll for %s: %v", name, err)
		}
		img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, i+1)), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](fmt.Sprintf("window.scrollTo(0, %d)", heights[2]))); err != nil {
		t.Fatal(err)
	}
}

// noSidewaysScroll fails when the page is wider than the window.
func noSidewaysScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	wide, err := browsertest.SidewaysScroll(ctx)
	if err != nil {
		t.Fatalf("%s: measure width: %v", what, err)
	}
	if wide != "" {
		t.Errorf("%s scrolls sideways: %s", what, wide)
	}
}

// TestBrowserAccountPages opens the sign-in, forgot, reset and account pages
// at 360 and 1440 px in Russian and English: none scrolls sideways; a wrong
// current password or profile value leaves the error in view with its field
// focused; devices are one row each with a readable browser and system; and
// "End all other sessions" signs every other device out.
func TestBrowserAccountPages(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	const email, pw = "anastasia.konstantinopolskaya@example.org", "correct-horse-1"
	env.CreateUser(email, pw, accounts.RoleSupport)
	phone := env.Login(email, pw, map[string]any{"udid": "4f1c2a9e-0b7d-4c1e-9d55-6a2f3b8c7e10", "platform": "android", "app_version": "3.14.0"})
	firefoxUA := "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	laptop := []string{ // the same browser signing in twice: one device
		env.Login(email, pw, map[string]any{"udid": "laptop-firefox", "platform": "web", "user_agent": firefoxUA, "timezone": "Asia/Yekaterinburg"}),
		env.Login(email, pw, map[string]any{"udid": "laptop-firefox", "platform": "web", "user_agent": firefoxUA, "timezone": "Asia/Yekaterinburg"}),
	}
	gone := env.Login(email, pw, map[string]any{"udid": "old-tablet-with-a-rather-long-device-identifier-0123456789abcdef", "platform": "ios", "app_version": "3.1.0"})
	if resp, body := env.Do("POST", "/api/v1/auth/logout", gone, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign the tablet out: %d %s", resp.StatusCode, body)
	}
	u, err := env.Server.Accounts.FindUser(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, browsertest.Timeout(120e9))
	consoleErrors := browsertest.ConsoleErrors(ctx)
	sizes := []struct{ w, h int64 }{{360, 740}, {1440, 900}}

	// Signed out: sign-in, forgot and reset pages.
	_, token, err := env.Server.Accounts.RequestPasswordReset(t.Context(), email, "")
	if err != nil || token == "" {
		t.Fatalf("reset link: %q %v", token, err)
	}
	for _, lang := range []string{"ru", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/lang/"+lang+"?next=/signin")); err != nil {
			t.Fatal(err)
		}
		for _, size := range sizes {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct{ name, path, ready string }{
				{"signin", "/signin", "#forgot-link"},
				{"forgot", "/forgot", "#forgot-submit"},
				{"reset", "/reset/" + token, "#reset-submit"},
			} {
				if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))); err != nil {
					t.Fatalf("%s %s: %v", lang, p.name, err)
				}
				noSidewaysScroll(t, ctx, fmt.Sprintf("%s %s at %d px", lang, p.name, size.w))
				shot(t, ctx, fmt.Sprintf("%s-%s-%d", p.name, lang, size.w))
			}
		}
	}

	// Signed in, at phone width.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(env.URL+"/signin?next=/account"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), email),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("huid")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, tc := range []struct {
		lang, role, kind, firefox, phone, history, reason, phoneErr string
	}{
		{"ru", "Сотрудник поддержки", "Зарегистрированный пользователь", "Firefox 133, Windows", "Parley 3.14.0 для Android",
			"Завершённые сессии (1)", "выход из учётной записи", "Допустимы цифры"},
		{"en", "Support staff", "Registered user", "Firefox 133 on Windows", "Parley 3.14.0 for Android",
			"Ended sessions (1)", "signed out", "may contain only digits"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/lang/"+tc.lang+"?next=/account"),
			chromedp.WaitVisible(chromedp.CSS("html[lang="+tc.lang+"] #huid"))); err != nil {
			t.Fatalf("%s account page: %v", tc.lang, err)
		}
		noSidewaysScroll(t, ctx, tc.lang+" account page at 360 px")
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tc.role, tc.kind, tc.firefox, tc.phone, tc.history} {
			if !strings.Contains(text, want) {
				t.Errorf("%s account page lacks %q", tc.lang, want)
			}
		}
		for _, raw := range []string{"cts_user", firefoxUA, "ended_remotely", "signed_out"} {
			if strings.Contains(text, raw) {
				t.Errorf("%s account page shows the raw %q", tc.lang, raw)
			}
		}
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll("#sessions > li")].map(li => li.dataset.udid)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || strings.Count(strings.Join(rows, " "), "laptop-firefox") != 1 {
			t.Errorf("%s: signed-in devices %q, want this browser, the laptop once and the phone", tc.lang, rows)
		}
		reason, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#sessions-history .end-reason").textContent`))
		if err != nil || reason != tc.reason {
			t.Errorf("%s: end reason %q (%v), want %q", tc.lang, reason, err, tc.reason)
		}
		shot(t, ctx, "account-"+tc.lang+"-360")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
			t.Fatal(err)
		}
		shot(t, ctx, "account-"+tc.lang+"-1440")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
			t.Fatal(err)
		}

		// A wrong current password: the answer shows the error beside its
		// field, in view, with the field focused.
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("current_password"), "not-my-password-1"),
			chromedp.SendKeys(chromedp.ID("new_password"), "brand-new-secret-1"),
			chromedp.Submit(chromedp.ID("password-form")),
			chromedp.WaitVisible(chromedp.ID("e-current_password")),
		); err != nil {
			t.Fatalf("%s: wrong current password: %v", tc.lang, err)
		}
		assertErrorInView(t, ctx, tc.lang+" wrong current password", "current_password", "e-current_password")
		shot(t, ctx, "account-password-error-"+tc.lang+"-360")

		// The same for the profile form.
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("f-phone"), "call me maybe"),
			chromedp.Submit(chromedp.ID("profile-form")),
			chromedp.WaitVisible(chromedp.ID("e-phone")),
		); err != nil {
			t.Fatalf("%s: bad phone: %v", tc.lang, err)
		}
		assertErrorInView(t, ctx, tc.lang+" bad phone", "f-phone", "e-phone")
		if msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("e-phone"))); err != nil || !strings.Contains(msg, tc.phoneErr) {
			t.Errorf("%s: phone error %q (%v), want %q", tc.lang, msg, err, tc.phoneErr)
		}
	}

	// End all other sessions: the phone and the laptop (both its sessions)
	// are out, this browser stays.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/account"),
		chromedp.WaitVisible(chromedp.ID("end-others")),
		chromedp.Click(chromedp.ID("end-others")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	); err != nil {
		t.Fatalf("end all other sessions: %v", err)
	}
	if notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice"))); err != nil || notice != "All other sessions were ended." {
		t.Errorf("notice %q (%v)", notice, err)
	}
	for i, tok := range append([]string{phone}, laptop...) {
		if resp, _ := env.Do("GET", "/api/v1/me", tok, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("session %d still signed in after ending all others: %d", i, resp.StatusCode)
		}
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#sessions > li").length`))
	if err != nil || n != 1 {
		t.Errorf("%d signed-in devices listed after ending the others (%v)", n, err)
	}
	if others, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#end-others").length`)); err != nil || others != 0 {
		t.Errorf("the end-others button stays with nothing to end (%v)", err)
	}
	if active := env.Count("SELECT count(*) FROM sessions WHERE user_id = ? AND ended_at IS NULL", u.ID); active != 1 {
		t.Errorf("%d active sessions, want this browser's only", active)
	}
	// The refused forms answer 400 on purpose; nothing else may complain.
	var errs []string
	for _, e := range consoleErrors() {
		if !strings.Contains(e, "status of 400") {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// assertErrorInView checks that the page shows the error element inside the
// window and has its field focused.
func assertErrorInView(t *testing.T, ctx context.Context, what, fieldID, errorID string) {
	t.Helper()
	var got struct {
		Focused string  `json:"focused"`
		Top     float64 `json:"top"`
		Bottom  float64 `json:"bottom"`
		Height  float64 `json:"height"`
		ScrollY float64 `json:"scrollY"`
	}
	js := fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect();
		return {focused: document.activeElement.id, top: r.top, bottom: r.bottom, height: window.innerHeight, scrollY: window.scrollY}; })()`, errorID)
	res, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](js))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got.Focused, _ = res["focused"].(string)
	got.Top, _ = res["top"].(float64)
	got.Bottom, _ = res["bottom"].(float64)
	got.Height, _ = res["height"].(float64)
	got.ScrollY, _ = res["scrollY"].(float64)
	t.Logf("%s: focused #%s, error at %.0f–%.0f of %.0f px, scrollY %.0f", what, got.Focused, got.Top, got.Bottom, got.Height, got.ScrollY)
	if got.Focused != fieldID {
		t.Errorf("%s: focus on #%s, want #%s", what, got.Focused, fieldID)
	}
	if got.Top < 0 || got.Bottom > got.Height {
		t.Errorf("%s: the error is out of view (%.0f–%.0f in a %.0f px window, scrollY %.0f)", what, got.Top, got.Bottom, got.Height, got.ScrollY)
	}
}
