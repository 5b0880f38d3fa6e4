package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"parley/server"
	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
)

// supportStub stands in for the support portal's home page, where an
// accepted invitation lands.
func supportStub(r chi.Router, _ *server.Server) error {
	r.With(accounts.RequireUserPage).Get("/support", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!DOCTYPE html><title>Support</title><link rel="icon" href="/static/img/parley.svg" type="image/svg+xml"><h1 id="support-home">Support</h1>`))
	})
	return nil
}

// TestBrowserInvitation: an administrator invites a person in Chromium,
// copies the link from the outbox page (no SMTP here), and the person
// follows it, chooses a password and lands signed in.
func TestBrowserInvitation(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Mounts: []server.Mount{supportStub}})
	env.CreateUser("boss@example.org", "admin-pass-1", accounts.RoleAdmin)

	ctx := browsertest.New(t)
	consoleErrors := browsertest.ConsoleErrors(ctx)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/signin?next=/account"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "boss@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-pass-1"),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("huid")),
	); err != nil {
		t.Fatalf("admin signs in: %v", err)
	}

	// Invite by e-mail.
	const email = "vera.kim@example.org"
	row := chromedp.CSS(`#invitations tr[data-email="` + email + `"]`)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/admin/invitations"),
		chromedp.WaitVisible(chromedp.ID("invite-form")),
		chromedp.SendKeys(chromedp.ID("invite-email"), email),
		chromedp.SendKeys(chromedp.ID("invite-name"), "Вера Ким"),
		chromedp.SetValue(chromedp.ID("invite-role"), "support"),
		chromedp.Click(chromedp.ID("invite-submit")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
		chromedp.WaitVisible(row),
	); err != nil {
		t.Fatalf("invite: %v", err)
	}
	rowText, err := chromedp.Run(ctx, chromedp.Text(row))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rowText, "Ожидает ответа") || !strings.Contains(rowText, "Сотрудник поддержки") {
		t.Errorf("invitation row reads %q", rowText)
	}

	// Read the unsent mail on the outbox page and take its link.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/admin/mail"),
		chromedp.WaitVisible(chromedp.ID("mail-not-configured")),
		chromedp.Click(chromedp.CSS("#outbox tbody tr a")),
		chromedp.WaitVisible(chromedp.ID("mail-text")),
	); err != nil {
		t.Fatalf("open the outbox message: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("mail-text")))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https?://\S+/invite/[A-Za-z0-9_-]+`).FindString(text)
	if link == "" || !strings.Contains(text, "Спам") {
		t.Fatalf("the mail has no link or no spam hint:\n%s", text)
	}

	// The administrator signs out; the invited person opens the link.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("signout")),
		chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("invite-accept-form")),
	); err != nil {
		t.Fatalf("open the invitation: %v", err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("invite-login")))
	if err != nil || shown != email {
		t.Fatalf("the set-password page shows %q (%v), want %s", shown, err, email)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), "vera-secret-1"),
		chromedp.SendKeys(chromedp.ID("password2"), "vera-secret-1"),
		chromedp.Click(chromedp.ID("invite-accept-submit")),
		chromedp.WaitVisible(chromedp.ID("support-home")),
		chromedp.Navigate(env.URL+"/account"),
		chromedp.WaitVisible(chromedp.ID("huid")),
	); err != nil {
		t.Fatalf("set the password: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-email")))
	if err != nil || got != email {
		t.Errorf("signed in as %q (%v), want %s", got, err, email)
	}
	name, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-name")))
	if name != "Вера Ким" {
		t.Errorf("account name %q", name)
	}

	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}
