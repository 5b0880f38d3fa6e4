package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
)

// TestBrowserSignInAndEndSession signs in through the page in Chromium, ends
// another device's session from the account page and switches the language.
func TestBrowserSignInAndEndSession(t *testing.T) {
	env := servertest.Start(t)
	const login, password, phoneUDID = "anna@example.org", "correct-horse-1", "phone-udid-1"
	user := env.CreateUser(login, password, accounts.RoleUser)
	phoneToken := env.Login(login, password, map[string]any{
		"udid": phoneUDID, "platform": "android", "app_version": "3.14.0"})

	ctx := browsertest.New(t)
	consoleErrors := browsertest.ConsoleErrors(ctx)

	// Sign in through the form.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/signin?next=/account"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("huid")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	huid, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("huid")))
	if err != nil {
		t.Fatalf("read HUID: %v", err)
	}
	if strings.TrimSpace(huid) != user.HUID {
		t.Errorf("account page shows HUID %q, want %q", huid, user.HUID)
	}

	// The browser's session is stored as a web session with its time zone,
	// which the sign-in page's script reads from Intl.
	resp, body := env.Do("GET", "/api/v1/me/sessions", phoneToken, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/me/sessions: %d %s", resp.StatusCode, body)
	}
	var list struct {
		Sessions []struct {
			ID       int64  `json:"id"`
			UDID     string `json:"udid"`
			Platform string `json:"platform"`
			Timezone string `json:"timezone"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("decode sessions: %v in %s", err, body)
	}
	var webID int64
	var webTZ string
	for _, s := range list.Sessions {
		if s.Platform == "web" {
			webID, webTZ = s.ID, s.Timezone
		}
	}
	if webID == 0 {
		t.Fatalf("no web session after signing in in the browser: %s", body)
	}
	t.Logf("web session time zone: %q", webTZ)
	if webTZ == "" {
		t.Errorf("web session has no time zone; the sign-in page should send the browser's: %s", body)
	}

	// The browser's own row says it is this session and shows the time zone.
	webRow := chromedp.CSS(fmt.Sprintf("#sessions li#session-%d", webID))
	rowText, err := chromedp.Run(ctx, chromedp.Text(webRow))
	if err != nil {
		t.Fatalf("read own session row: %v", err)
	}
	if !strings.Contains(rowText, "Эта сессия") {
		t.Errorf("own session row does not say it is this session: %q", rowText)
	}
	if webTZ != "" && !strings.Contains(rowText, webTZ) {
		t.Errorf("own session row does not show time zone %q: %q", webTZ, rowText)
	}

	// End the phone's session from the page.
	phoneRow := fmt.Sprintf(`#sessions li[data-udid=%q]`, phoneUDID)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(phoneRow+" button.end-session")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	); err != nil {
		t.Fatalf("end phone session: %v", err)
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice")))
	if err != nil {
		t.Fatalf("read notice: %v", err)
	}
	if strings.TrimSpace(notice) != "Сессия завершена." {
		t.Errorf("notice after ending a session = %q", notice)
	}
	// The phone leaves the list of signed-in devices for the history.
	stillListed, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, phoneRow)))
	if err != nil {
		t.Fatalf("count phone rows: %v", err)
	}
	if stillListed != 0 {
		t.Errorf("the ended phone is still listed among signed-in devices")
	}
	phoneRow = fmt.Sprintf(`#sessions-history li[data-udid=%q]`, phoneUDID)
	class, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(phoneRow), "class"))
	if err != nil {
		t.Fatalf("read phone row: %v", err)
	}
	if !class.Exists || !strings.Contains(" "+class.Value+" ", " ended ") {
		t.Errorf("phone row class = %q, want it marked ended", class.Value)
	}
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		fmt.Sprintf(`document.querySelectorAll(%q).length`, phoneRow+" button.end-session")))
	if err != nil {
		t.Fatalf("count end buttons: %v", err)
	}
	if buttons != 0 {
		t.Errorf("ended phone row still has %d end button(s)", buttons)
	}

	// The phone's token no longer works.
	if resp, body := env.Do("GET", "/api/v1/me", phoneToken, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with the ended phone token: %d %s, want 401", resp.StatusCode, body)
	}

	// Switch the page to English.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("lang-switch")),
		chromedp.WaitVisible(chromedp.CSS("html[lang=en] h1")),
	); err != nil {
		t.Fatalf("switch language: %v", err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("read heading: %v", err)
	}
	if strings.TrimSpace(h1) != "Account" {
		t.Errorf("heading after switching to English = %q, want %q", h1, "Account")
	}

	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}
