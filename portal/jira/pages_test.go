package jira_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/portal/jira"
	"parley/portal/jira/jiratest"
	"parley/portal/schema"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// pagesEnv is a full Parley server with the Jira pages mounted on the
// routes the portal uses.
func pagesEnv(t *testing.T, env map[string]string) (*servertest.Env, **jira.Service) {
	t.Helper()
	return pagesEnvLang(t, env, "en")
}

// pagesEnvLang is pagesEnv with the site's default language lang.
func pagesEnvLang(t *testing.T, env map[string]string, lang string) (*servertest.Env, **jira.Service) {
	t.Helper()
	var svc *jira.Service
	mount := func(r chi.Router, s *server.Server) error {
		if err := schema.Apply(context.Background(), s.DB); err != nil {
			return err
		}
		var err error
		svc, err = jira.New(s.DB, jira.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			PublicURL: "https://parley.example.org", RefreshEvery: -1, ConfigBackoffMax: time.Hour,
			BackoffBase: 5 * time.Millisecond, BackoffMax: 100 * time.Millisecond,
			Getenv: func(k string) string { return env[k] }})
		if err != nil {
			return err
		}
		s.OnClose(svc.Close)
		h := jira.NewHandler(svc, s.Site)
		r.Post("/api/v1/jira/webhook", svc.Webhook)
		r.Group(func(r chi.Router) {
			r = s.AdminRoutes(r)
			r.Get("/admin/jira", h.SettingsPage)
			r.Post("/admin/jira", h.SaveSettingsPage)
		})
		r.Group(func(r chi.Router) {
			r = s.StaffRoutes(r)
			r.Get("/support/jira-outbox", h.OutboxPage)
			r.Post("/support/jira-outbox/retry", h.RetryPage)
		})
		return nil
	}
	e := servertest.Start(t, servertest.Options{Lang: lang, Mounts: []server.Mount{mount}})
	return e, &svc
}

func signIn(t *testing.T, env *servertest.Env, login, password string) *http.Client {
	t.Helper()
	c := env.Browser()
	_, html := env.Page(c, "GET", "/signin", nil)
	resp, _ := env.Page(c, "POST", "/signin", url.Values{"_csrf": {csrfRe.FindStringSubmatch(html)[1]}, "login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", login, resp.StatusCode)
	}
	return c
}

func TestSettingsPage(t *testing.T) {
	fake := jiratest.New(t, jiratest.Options{Cloud: true, User: testUser, Token: testToken})
	env, svcp := pagesEnv(t, map[string]string{"PARLEY_JIRA_URL": fake.URL, "PARLEY_JIRA_PROJECT_TECHNICAL": "TECH",
		"PARLEY_JIRA_WEBHOOK_SECRET": "env-hook-secret-0123"})
	env.CreateUser("admin@example.org", "admin-password-1", accounts.RoleAdmin)
	env.CreateUser("sam@example.org", "support-password-1", accounts.RoleSupport)
	admin := signIn(t, env, "admin@example.org", "admin-password-1")
	staff := signIn(t, env, "sam@example.org", "support-password-1")

	if resp, _ := env.Page(staff, "GET", "/admin/jira", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("support staff see the Jira settings: %d", resp.StatusCode)
	}
	resp, html := env.Page(admin, "GET", "/admin/jira", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("settings page: %d", resp.StatusCode)
	}
	for _, want := range []string{"Set by environment", fake.URL, "https://parley.example.org/api/v1/jira/webhook", `id="jira-technical-project"`} {
		if !strings.Contains(html, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	if strings.Contains(html, "env-hook-secret-0123") {
		t.Error("the page shows the webhook secret")
	}
	if strings.Contains(html, `name="technical.project"`) || strings.Contains(html, `name="client.url"`) {
		t.Error("values set by environment are editable")
	}
	csrf := csrfRe.FindStringSubmatch(html)[1]

	// Without the form token nothing is saved.
	form := url.Values{"technical.user": {testUser}, "technical.token": {"typed-secret-token"}, "technical.issue_type": {"Bug"},
		"technical.create_on": {"submit"}}
	if resp, _ := env.Page(admin, "POST", "/admin/jira", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("save without CSRF token: %d", resp.StatusCode)
	}
	form.Set("_csrf", csrf)
	form.Set("feature.field_what", "summary") // not a custom field id
	resp, html = env.Page(admin, "POST", "/admin/jira", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, "customfield_10050") {
		t.Errorf("bad field mapping: %d, want 400 with an explanation", resp.StatusCode)
	}
	if strings.Contains(html, "typed-secret-token") {
		t.Error("the page echoes a typed token")
	}
	form.Del("feature.field_what")
	resp, _ = env.Page(admin, "POST", "/admin/jira", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	svc := *svcp
	if !svc.Configured(jira.KindTechnical) {
		t.Fatal("technical desk not linked after saving a token")
	}
	_, html = env.Page(admin, "GET", "/admin/jira?saved=1", nil)
	if strings.Contains(html, "typed-secret-token") {
		t.Error("the page shows the saved token")
	}
	if !strings.Contains(html, "Set. Leave the field empty to keep it") {
		t.Error("the page does not say the token is set")
	}

	// Saving again with the token input empty keeps the token; "clear"
	// removes it.
	form.Set("technical.token", "")
	env.Page(admin, "POST", "/admin/jira", form)
	if st, _ := svc.Settings(context.Background()); st.Kinds[jira.KindTechnical].Token != "typed-secret-token" {
		t.Error("an empty token input lost the stored token")
	}
	form.Set("technical.token_clear", "1")
	resp, _ = env.Page(admin, "POST", "/admin/jira", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("clearing the token of a linked desk: %d, want 400 (a project needs a token)", resp.StatusCode)
	}
}

func TestOutboxPage(t *testing.T) {
	fake := jiratest.New(t, jiratest.Options{Cloud: true, User: testUser, Token: testToken})
	env, svcp := pagesEnv(t, map[string]string{"PARLEY_JIRA_URL": fake.URL, "PARLEY_JIRA_USER": testUser,
		"PARLEY_JIRA_TOKEN": "wrong-token", "PARLEY_JIRA_PROJECT_TECHNICAL": "TECH"})
	env.CreateUser("sam@example.org", "support-password-1", accounts.RoleSupport)
	env.CreateUser("ann@example.org", "user-password-1", accounts.RoleUser)
	staff := signIn(t, env, "sam@example.org", "support-password-1")
	user := signIn(t, env, "ann@example.org", "user-password-1")
	svc := *svcp

	err := env.Server.DB.InTx(context.Background(), func(tx *sql.Tx) error {
		return svc.EnqueueCreate(context.Background(), tx, jira.Issue{TicketID: 42, Kind: jira.KindTechnical, Subject: "Calls drop",
			Body: "Since Monday.", URL: "https://parley.example.org/support/tickets/42"})
	})
	if err != nil {
		t.Fatal(err)
	}
	svc.Kick()
	eventually(t, 5*time.Second, "the refusal recorded", func() bool {
		st, _ := svc.State(context.Background(), 42)
		return st.Error != ""
	})

	if resp, _ := env.Page(user, "GET", "/support/jira-outbox", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user sees the outbox: %d", resp.StatusCode)
	}
	resp, html := env.Page(staff, "GET", "/support/jira-outbox", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("outbox page: %d", resp.StatusCode)
	}
	for _, want := range []string{`data-ticket="42"`, "refused the credentials", "waiting for Jira", "Waiting: 1. Failed: 0."} {
		if !strings.Contains(html, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	if strings.Contains(html, "wrong-token") {
		t.Error("the outbox page shows the token")
	}
	before, _ := svc.State(context.Background(), 42)
	csrf := csrfRe.FindStringSubmatch(html)[1]
	resp, _ = env.Page(staff, "POST", "/support/jira-outbox/retry", url.Values{"_csrf": {csrf}, "ticket": {"42"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	eventually(t, 5*time.Second, "a new attempt after retry now", func() bool {
		st, _ := svc.State(context.Background(), 42)
		return st.Attempts > before.Attempts
	})
	if resp, _ := env.Page(user, "POST", "/support/jira-outbox/retry", url.Values{"_csrf": {csrf}, "ticket": {"42"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user may retry: %d", resp.StatusCode)
	}
}

// A webhook secret shorter than 16 characters is refused at its field, in
// the page's language, and the secret stored before stays in force.
func TestSettingsPageRefusesShortSecret(t *testing.T) {
	cases := []struct {
		lang, want string
	}{
		{"en", "A webhook secret needs at least 16 characters."},
		{"ru", "Секрет вебхука должен быть не короче 16 символов."},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			t.Parallel()
			fake := jiratest.New(t, jiratest.Options{Cloud: true, User: testUser, Token: testToken})
			env, svcp := pagesEnvLang(t, map[string]string{"PARLEY_JIRA_URL": fake.URL}, c.lang)
			env.CreateUser("admin@example.org", "admin-password-1", accounts.RoleAdmin)
			admin := signIn(t, env, "admin@example.org", "admin-password-1")
			_, html := env.Page(admin, "GET", "/admin/jira", nil)
			form := url.Values{"_csrf": {csrfRe.FindStringSubmatch(html)[1]}, "technical.user": {testUser}, "technical.token": {testToken},
				"technical.project": {"TECH"}, "technical.issue_type": {"Bug"}, "technical.create_on": {"submit"},
				"technical.secret": {"long-enough-secret-1"}}
			if resp, _ := env.Page(admin, "POST", "/admin/jira", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save with a 20-character secret: %d", resp.StatusCode)
			}
			for _, short := range []string{"tiny-hook-9", "fifteen-chars-x", "пятнадцать-букв"} {
				form.Set("technical.secret", short)
				resp, html := env.Page(admin, "POST", "/admin/jira", form)
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("secret %q: %d, want 400", short, resp.StatusCode)
				}
				if !strings.Contains(html, `id="jira-technical-secret-err">`+c.want) {
					t.Errorf("secret %q: the page lacks the field error %q", short, c.want)
				}
				if strings.Contains(html, short) {
					t.Errorf("the page echoes the typed secret %q", short)
				}
			}
			if st, _ := (*svcp).Settings(context.Background()); st.Kinds[jira.KindTechnical].WebhookSecret != "long-enough-secret-1" {
				t.Error("a refused secret replaced the stored one")
			}
			// Sixteen characters, in any alphabet, are enough.
			form.Set("technical.secret", "шестнадцать-букв")
			if resp, _ := env.Page(admin, "POST", "/admin/jira", form); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("save with a 16-character Cyrillic secret: %d", resp.StatusCode)
			}
		})
	}
}
