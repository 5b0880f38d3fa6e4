package jira

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/server/accounts"
	"parley/server/web"
	"parley/templates"
)

// Handler serves the Jira pages: the settings (administrators) and the
// outbox (support staff).
type Handler struct {
	svc  *Service
	site *web.Site
}

// NewHandler returns the Jira pages.
func NewHandler(svc *Service, site *web.Site) *Handler {
	return &Handler{svc: svc, site: site}
}

// pageTime is how the pages show times.
func pageTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// formFields are the inputs of each field mapping, in form order.
var formFields = []string{"what", "where", "platform", "frequency", "priority", "sprint"}

// settingsView builds the form from the settings in force; typed carries
// what the administrator typed when the form comes back with errors.
func (h *Handler) settingsView(w http.ResponseWriter, r *http.Request, typed *Settings, verr *ValidationError) (templates.JiraSettingsView, error) {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		return templates.JiraSettingsView{}, err
	}
	v := templates.JiraSettingsView{Page: h.site.Page(w, r, "jira.settings"),
		WebhookURL: h.svc.opt.PublicURL + "/api/v1/jira/webhook"}
	for _, k := range Kinds {
		ks := st.Kinds[k]
		shown := ks
		if typed != nil {
			if t, ok := typed.Kinds[k]; ok {
				shown.BaseURL, shown.User, shown.Project, shown.IssueType, shown.CreateOn, shown.Fields =
					pick(ks.FromEnv["BaseURL"], ks.BaseURL, t.BaseURL), pick(ks.FromEnv["User"], ks.User, t.User),
					pick(ks.FromEnv["Project"], ks.Project, t.Project), t.IssueType, t.CreateOn, t.Fields
			}
		}
		d := templates.JiraDeskForm{
			Kind: k, Title: templates.T(v.Lang, "jira.desk."+k), Configured: ks.Configured(),
			BaseURL: shown.BaseURL, User: shown.User, Project: shown.Project, IssueType: shown.IssueType, CreateOn: shown.CreateOn,
			TokenSet: ks.Token != "", SecretSet: ks.WebhookSecret != "",
			EnvURL: ks.FromEnv["BaseURL"], EnvUser: ks.FromEnv["User"], EnvToken: ks.FromEnv["Token"],
			EnvProject: ks.FromEnv["Project"], EnvSecret: ks.FromEnv["WebhookSecret"],
			Errors: map[string]string{},
		}
		if k == KindFeature {
			for _, name := range formFields {
				d.Fields = append(d.Fields, templates.JiraFieldInput{Name: name, Label: templates.T(v.Lang, "jira.field."+name),
					Value: shown.Fields[name]})
			}
		} else {
			d.Fields = append(d.Fields, templates.JiraFieldInput{Name: "sprint", Label: templates.T(v.Lang, "jira.field.sprint"),
				Value: shown.Fields["sprint"]})
		}
		if verr != nil {
			if kind, field := SettingError(verr); kind == k {
				d.Errors[formInput(field)] = validationText(v.Lang, field, verr)
			}
		}
		v.Desks = append(v.Desks, d)
	}
	if verr != nil {
		v.Error = templates.T(v.Lang, "jira.err.other")
	}
	return v, nil
}

func pick(fromEnv bool, current, typed string) string {
	if fromEnv {
		return current
	}
	return typed
}

// formInput names the form input of a settings field.
func formInput(field string) string {
	switch field {
	case "BaseURL":
		return "url"
	case "User":
		return "user"
	case "Token":
		return "token"
	case "Project":
		return "project"
	case "IssueType":
		return "issue_type"
	case "CreateOn":
		return "create_on"
	case "WebhookSecret":
		return "secret"
	}
	if name, ok := strings.CutPrefix(field, "Fields."); ok {
		return "field_" + name
	}
	return field
}

func validationText(lang, field string, e *ValidationError) string {
	switch {
	case e.Code == "required" && field == "BaseURL":
		return templates.T(lang, "jira.err.required_url")
	case e.Code == "required" && field == "Token":
		return templates.T(lang, "jira.err.required_token")
	case e.Code == "url":
		return templates.T(lang, "jira.err.url")
	case e.Code == "project":
		return templates.T(lang, "jira.err.project")
	case e.Code == "issue_type":
		return templates.T(lang, "jira.err.issue_type")
	case e.Code == "create_on":
		return templates.T(lang, "jira.err.create_on")
	case e.Code == "custom_field":
		return templates.T(lang, "jira.err.custom_field")
	case e.Code == "secret_short":
		return fmt.Sprintf(templates.T(lang, "jira.err.secret_short"), MinWebhookSecret)
	}
	return e.Message
}

func isAdmin(r *http.Request) bool {
	u, ok := accounts.CurrentUser(r.Context())
	return ok && u.IsAdmin()
}

// SettingsPage handles GET /admin/jira (administrators only).
func (h *Handler) SettingsPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.settingsView(w, r, nil, nil)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = v.T("jira.saved")
	}
	h.site.Render(w, r, http.StatusOK, templates.JiraSettings(v))
}

// SaveSettingsPage handles POST /admin/jira. An empty secret
// input keeps the stored secret; its "clear" box removes it.
func (h *Handler) SaveSettingsPage(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, 64<<10) {
		return
	}
	stored, err := h.svc.StoredSettings(r.Context())
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	in := Settings{Kinds: map[Kind]KindSettings{}}
	for _, k := range Kinds {
		cur := stored.Kinds[k]
		get := func(name string) string { return strings.TrimSpace(r.PostFormValue(k + "." + name)) }
		ks := KindSettings{
			BaseURL: get("url"), User: get("user"), Project: strings.ToUpper(get("project")),
			IssueType: get("issue_type"), CreateOn: get("create_on"), Fields: map[string]string{},
			Token: cur.Token, WebhookSecret: cur.WebhookSecret,
		}
		if v := get("token"); v != "" {
			ks.Token = v
		} else if get("token_clear") == "1" {
			ks.Token = ""
		}
		if v := get("secret"); v != "" {
			ks.WebhookSecret = v
		} else if get("secret_clear") == "1" {
			ks.WebhookSecret = ""
		}
		for _, name := range formFields {
			if v := get("field_" + name); v != "" {
				ks.Fields[name] = v
			}
		}
		in.Kinds[k] = ks
	}
	if err := h.svc.SaveSettings(r.Context(), in); err != nil {
		var verr *ValidationError
		if !errors.As(err, &verr) {
			h.site.Internal(w, r, err)
			return
		}
		v, err := h.settingsView(w, r, &in, verr)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		h.site.Render(w, r, http.StatusBadRequest, templates.JiraSettings(v))
		return
	}
	http.Redirect(w, r, "/admin/jira?saved=1", http.StatusSeeOther)
}

// OutboxPage handles GET /support/jira-outbox (support staff).
func (h *Handler) OutboxPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entries, err := h.svc.Outbox(ctx, 500)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	waiting, failed, err := h.svc.OutboxCounts(ctx)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	v := templates.JiraOutboxView{Page: h.site.Page(w, r, "jira.outbox"), Waiting: waiting, Failed: failed, CanSettings: isAdmin(r)}
	for _, u := range h.svc.Unreachable() {
		v.Unreachable = append(v.Unreachable, templates.JiraUnreachable{URL: u.BaseURL, Since: pageTime(u.Since), NextProbe: pageTime(u.NextProbe)})
	}
	for _, e := range entries {
		row := templates.JiraOutboxRow{TicketID: e.TicketID, TicketURL: fmt.Sprintf("/support/tickets/%d", e.TicketID), Key: e.Key,
			Op: e.Op, State: e.State, Attempts: e.Attempts, Error: e.Error, LastTry: pageTime(e.LastTry), NextTry: pageTime(e.NextTry)}
		if e.State != "pending" {
			row.NextTry = "—"
		}
		v.Rows = append(v.Rows, row)
	}
	if r.URL.Query().Get("retried") == "1" {
		v.Notice = v.T("jira.retried")
	}
	h.site.Render(w, r, http.StatusOK, templates.JiraOutbox(v))
}

// RetryPage handles POST /support/jira-outbox/retry: ticket=ID retries that
// ticket's waiting calls now, ticket=all every waiting call.
func (h *Handler) RetryPage(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	target := r.PostFormValue("ticket")
	var err error
	if target == "all" {
		err = h.svc.RetryAll(r.Context())
	} else {
		id, perr := strconv.ParseInt(target, 10, 64)
		if perr != nil || id <= 0 {
			h.site.ErrorPage(w, r, http.StatusBadRequest, "error.not_found")
			return
		}
		err = h.svc.RetryNow(r.Context(), id)
	}
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/support/jira-outbox?retried=1", http.StatusSeeOther)
}
