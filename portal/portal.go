// Package portal is Parley's support and diagnostics portal: the help
// center, diagnostics triage, and the support desks linked to Jira.
package portal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/portal/diagnostics"
	"parley/portal/helpcenter"
	"parley/portal/jira"
	"parley/portal/schema"
	"parley/portal/support"
	"parley/search"
	"parley/server"
	"parley/server/mail"
	"parley/templates"
)

// Mount opens what the portal needs and adds its routes to the server.
func Mount(r chi.Router, s *server.Server) error {
	if err := schema.Apply(context.Background(), s.DB); err != nil {
		return err
	}
	base, err := kb.Load()
	if err != nil {
		return fmt.Errorf("load help articles: %w", err)
	}
	index, err := search.OpenHelp(filepath.Join(s.DataDir(), "index", "help"), base)
	if err != nil {
		return fmt.Errorf("open help index: %w", err)
	}
	s.OnClose(index.Close)
	help := helpcenter.New(base, index, s.DB, s.Site, s.Log)
	s.OnClose(help.Close)
	diag, err := diagnostics.New(s.DB, s.Files, s.DataDir(), s.Log, diagnostics.Options{EndSession: s.Accounts.EndLeakedSession})
	if err != nil {
		return fmt.Errorf("open diagnostics: %w", err)
	}
	s.OnClose(diag.Close)
	diagHTTP := diagnostics.NewHandler(diag, s.Site, base)

	desk, err := support.New(s.DB, diag, support.Options{Log: s.Log, PublicURL: s.BaseURL(), DataDir: s.DataDir(),
		Files: s.Files, Lang: s.Site.DefaultLang, Notify: func(ctx context.Context, to, subject, text string) error {
			return s.Mail.Send(ctx, mail.Message{To: to, Subject: subject, Text: text})
		}, MailConfigured: s.Mail.Configured, Announce: func(ctx context.Context, text string) error {
			_, err := s.Chats.PostToSupport(ctx, templates.T(s.Site.DefaultLang, "support.channel.name"), text)
			return err
		}})
	if err != nil {
		return fmt.Errorf("open support desks: %w", err)
	}
	jiraSvc, err := jira.New(s.DB, jira.Options{Log: s.Log, PublicURL: s.BaseURL(), Getenv: os.Getenv,
		OnLinked: desk.JiraLinked, OnStatus: desk.JiraStatus, OnFailed: desk.JiraFailed})
	if err != nil {
		return fmt.Errorf("open jira link: %w", err)
	}
	s.OnClose(jiraSvc.Close)
	desk.LinkJira(jiraSvc)
	deskHTTP := support.NewHandler(desk, s.Site, index, diagHTTP)
	s.Site.StaffUnread = deskHTTP.StaffUnread // the header's count of unread tickets, on every page
	for _, sec := range []templates.AdminSection{
		{ID: "admin-support", URL: "/admin/support", TitleKey: "support.settings.title", LeadKey: "admin.support.lead"},
		{ID: "admin-jira", URL: "/admin/jira", TitleKey: "jira.settings", LeadKey: "admin.jira.lead"},
		{ID: "admin-diagnostics", URL: "/admin/diagnostics", TitleKey: "diag.settings", LeadKey: "admin.diagnostics.lead"},
	} {
		s.AdminHome.Add(sec)
	}
	routes(r, s, help, diagHTTP, deskHTTP, jiraSvc, jira.NewHandler(jiraSvc, s.Site))
	return nil
}
