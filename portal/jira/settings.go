package jira

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"parley/server/store"
	"parley/server/web"
)

// KindSettings is how one kind of ticket reaches Jira. A kind without a
// project key stays in Parley only.
type KindSettings struct {
	BaseURL string // https://example.atlassian.net, no trailing slash
	// User is the e-mail of the account an API token belongs to (Jira Cloud,
	// basic auth); empty when Token is a personal access token (Server/Data
	// Center, bearer auth).
	User      string
	Token     string
	Project   string // project key, e.g. SUP
	IssueType string // Task, Bug, Story, …
	// Fields maps a feature request's fields (what, where, platform,
	// frequency, priority) to Jira custom field ids (customfield_10050).
	// The key "sprint" names the sprint field when Jira's own detection
	// is not enough.
	Fields        map[string]string
	WebhookSecret string
	// CreateOn is CreateOnSubmit or CreateOnEscalate.
	CreateOn string
	// FromEnv says which fields the environment set ("BaseURL", "User",
	// "Token", "Project", "WebhookSecret"); the page shows them read-only.
	FromEnv map[string]bool
}

// When a kind's Jira issue is created.
const (
	CreateOnSubmit   = "submit"   // as soon as the ticket is filed
	CreateOnEscalate = "escalate" // when support staff escalate it
)

// MappedFields are the feature-request fields that may go to custom fields,
// plus the sprint field.
var MappedFields = []string{"what", "where", "platform", "frequency", "priority", "sprint"}

// LogValue keeps secrets out of logs whatever logs a KindSettings.
func (k KindSettings) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", k.BaseURL), slog.String("user", k.User),
		slog.Bool("token_set", k.Token != ""), slog.String("project", k.Project),
		slog.Bool("webhook_secret_set", k.WebhookSecret != ""))
}

// Configured reports whether this kind's tickets go to Jira.
func (k KindSettings) Configured() bool {
	return k.BaseURL != "" && k.Token != "" && k.Project != ""
}

// Settings are the Jira settings of every kind.
type Settings struct {
	Kinds map[Kind]KindSettings
}

// ValidationError says which setting is wrong and why: the one shape
// shared by every package. Field is "<kind>.<setting>", e.g.
// "technical.BaseURL" or "feature.Fields.what"; SettingError splits it.
type ValidationError = web.ValidationError

func invalidSetting(k Kind, field, code, msg string) error {
	return web.Invalid(string(k)+"."+field, code, msg)
}

// SettingError splits a validation error of the settings into the ticket
// kind and the setting it is about.
func SettingError(ve *ValidationError) (Kind, string) {
	k, field, _ := strings.Cut(ve.Field, ".")
	return Kind(k), field
}

func defaultIssueType(k Kind) string {
	switch k {
	case KindTechnical:
		return "Bug"
	case KindFeature:
		return "Story"
	}
	return "Task"
}

func defaultCreateOn(k Kind) string {
	if k == KindTechnical {
		return CreateOnSubmit
	}
	return CreateOnEscalate
}

// storedKind is a kind's settings as saved in the settings table.
type storedKind struct {
	URL           string            `json:"url,omitempty"`
	User          string            `json:"user,omitempty"`
	Token         string            `json:"token,omitempty"`
	Project       string            `json:"project,omitempty"`
	IssueType     string            `json:"issue_type,omitempty"`
	Fields        map[string]string `json:"fields,omitempty"`
	WebhookSecret string            `json:"webhook_secret,omitempty"`
	CreateOn      string            `json:"create_on,omitempty"`
}

func settingsKey(k Kind) string { return "jira.kind." + k }

func (s *Service) loadSettings(ctx context.Context) error {
	stored := map[Kind]KindSettings{}
	for _, k := range Kinds {
		var raw string
		err := s.db.Read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", settingsKey(k)).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			stored[k] = KindSettings{}
			continue
		}
		if err != nil {
			return fmt.Errorf("read jira settings of %s tickets: %w", k, err)
		}
		var sk storedKind
		if err := json.Unmarshal([]byte(raw), &sk); err != nil {
			return fmt.Errorf("read jira settings of %s tickets: %w", k, err)
		}
		stored[k] = KindSettings{BaseURL: sk.URL, User: sk.User, Token: sk.Token, Project: sk.Project,
			IssueType: sk.IssueType, Fields: sk.Fields, WebhookSecret: sk.WebhookSecret, CreateOn: sk.CreateOn}
	}
	merged := s.merge(stored)
	s.mu.Lock()
	s.stored, s.merged = stored, merged
	s.mu.Unlock()
	return nil
}

// merge puts the environment over the stored settings and fills defaults.
// The URL, user, token and webhook secret of the environment apply to every
// kind; the project keys are per kind.
func (s *Service) merge(stored map[Kind]KindSettings) Settings {
	env := s.opt.Getenv
	out := Settings{Kinds: map[Kind]KindSettings{}}
	for _, k := range Kinds {
		ks := stored[k]
		ks.Fields = maps.Clone(ks.Fields)
		ks.FromEnv = map[string]bool{}
		if v := strings.TrimSpace(env("PARLEY_JIRA_URL")); v != "" {
			ks.BaseURL, ks.FromEnv["BaseURL"] = v, true
		}
		// An environment that sets a token sets the user with it: an empty
		// PARLEY_JIRA_USER then means a personal access token.
		if v := strings.TrimSpace(env("PARLEY_JIRA_TOKEN")); v != "" {
			ks.Token, ks.FromEnv["Token"] = v, true
			ks.User, ks.FromEnv["User"] = strings.TrimSpace(env("PARLEY_JIRA_USER")), true
		} else if v := strings.TrimSpace(env("PARLEY_JIRA_USER")); v != "" {
			ks.User, ks.FromEnv["User"] = v, true
		}
		if v := env("PARLEY_JIRA_WEBHOOK_SECRET"); v != "" {
			ks.WebhookSecret, ks.FromEnv["WebhookSecret"] = v, true
		}
		if v := strings.TrimSpace(env("PARLEY_JIRA_PROJECT_" + strings.ToUpper(k))); v != "" {
			ks.Project, ks.FromEnv["Project"] = v, true
		}
		ks.BaseURL = strings.TrimRight(ks.BaseURL, "/")
		if ks.IssueType == "" {
			ks.IssueType = defaultIssueType(k)
		}
		if ks.CreateOn == "" {
			ks.CreateOn = defaultCreateOn(k)
		}
		out.Kinds[k] = ks
	}
	return out
}

// Settings returns the settings in force: stored ones with the environment
// on top. They include the secrets; never render or log them.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := Settings{Kinds: map[Kind]KindSettings{}}
	for k, ks := range s.merged.Kinds {
		ks.Fields = maps.Clone(ks.Fields)
		ks.FromEnv = maps.Clone(ks.FromEnv)
		out.Kinds[k] = ks
	}
	return out, nil
}

// StoredSettings returns the settings as administrators saved them, without
// the environment: the base a form edits.
func (s *Service) StoredSettings(ctx context.Context) (Settings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := Settings{Kinds: map[Kind]KindSettings{}}
	for k, ks := range s.stored {
		ks.Fields = maps.Clone(ks.Fields)
		out.Kinds[k] = ks
	}
	return out, nil
}

func (s *Service) kindSettings(k Kind) (KindSettings, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ks, ok := s.merged.Kinds[k]
	return ks, ok
}

// Configured reports whether tickets of kind go to Jira.
func (s *Service) Configured(kind Kind) bool {
	ks, ok := s.kindSettings(kind)
	return ok && ks.Configured()
}

// CreateOnSubmit reports whether a new ticket of kind gets its Jira issue
// at once (otherwise only when staff escalate it).
func (s *Service) CreateOnSubmit(kind Kind) bool {
	ks, ok := s.kindSettings(kind)
	return ok && ks.CreateOn == CreateOnSubmit
}

// MinWebhookSecret is the least length, in characters, of a webhook
// secret: it is all that stands between the internet and the statuses
// requesters see, and Jira lets an administrator type any secret.
const MinWebhookSecret = 16

// checkEnvSecret refuses a PARLEY_JIRA_WEBHOOK_SECRET too short to trust,
// without ever naming the secret.
func checkEnvSecret(getenv func(string) string) error {
	if v := getenv("PARLEY_JIRA_WEBHOOK_SECRET"); v != "" && utf8.RuneCountInString(v) < MinWebhookSecret {
		return fmt.Errorf("PARLEY_JIRA_WEBHOOK_SECRET has %d characters; a Jira webhook secret needs at least %d: set a longer one there and in the Jira webhook, or unset the variable to set it on the Jira settings page",
			utf8.RuneCountInString(v), MinWebhookSecret)
	}
	return nil
}

var (
	projectKeyRe  = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	customFieldRe = regexp.MustCompile(`^customfield_[0-9]+$`)
)

// SaveSettings validates and stores the settings of the kinds in st. Fields
// the environment sets are not stored (the stored value stays as it was).
// Ops waiting for Jira are retried at once: a fixed setting should show.
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	s.mu.RLock()
	stored := map[Kind]KindSettings{}
	for k, ks := range s.stored {
		stored[k] = ks
	}
	s.mu.RUnlock()
	env := s.merge(map[Kind]KindSettings{}) // only to learn what the environment sets
	for k, in := range st.Kinds {
		if !slices.Contains(Kinds, k) {
			return invalidSetting(k, "Kind", "kind", "unknown ticket kind: use client, technical or feature")
		}
		cur := stored[k]
		fromEnv := env.Kinds[k].FromEnv
		next := KindSettings{
			BaseURL:       strings.TrimRight(strings.TrimSpace(in.BaseURL), "/"),
			User:          strings.TrimSpace(in.User),
			Token:         strings.TrimSpace(in.Token),
			Project:       strings.TrimSpace(in.Project),
			IssueType:     strings.TrimSpace(in.IssueType),
			WebhookSecret: in.WebhookSecret,
			CreateOn:      strings.TrimSpace(in.CreateOn),
			Fields:        map[string]string{},
		}
		for name, id := range in.Fields {
			if id = strings.TrimSpace(id); id != "" {
				next.Fields[name] = id
			}
		}
		if fromEnv["BaseURL"] {
			next.BaseURL = cur.BaseURL
		}
		if fromEnv["User"] {
			next.User = cur.User
		}
		if fromEnv["Token"] {
			next.Token = cur.Token
		}
		if fromEnv["Project"] {
			next.Project = cur.Project
		}
		if fromEnv["WebhookSecret"] {
			next.WebhookSecret = cur.WebhookSecret
		}
		stored[k] = next
	}
	merged := s.merge(stored)
	for k := range st.Kinds {
		if err := validate(k, merged.Kinds[k]); err != nil {
			return err
		}
	}
	now := store.FormatTime(s.opt.Now())
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for k := range st.Kinds {
			ks := stored[k]
			raw, err := json.Marshal(storedKind{URL: ks.BaseURL, User: ks.User, Token: ks.Token, Project: ks.Project,
				IssueType: ks.IssueType, Fields: ks.Fields, WebhookSecret: ks.WebhookSecret, CreateOn: ks.CreateOn})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				settingsKey(k), string(raw), now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE jira_ops SET next_try = ?, updated_at = ? WHERE state = 'pending' AND next_try > ?", now, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("save jira settings: %w", err)
	}
	s.mu.Lock()
	s.stored, s.merged = stored, merged
	s.mu.Unlock()
	s.circuits.probeNow()
	s.Kick()
	for k := range st.Kinds {
		s.log.Info("jira settings saved", "kind", k, "settings", merged.Kinds[k])
	}
	return nil
}

func validate(k Kind, ks KindSettings) error {
	bad := func(field, code, msg string) error {
		return invalidSetting(k, field, code, msg)
	}
	if ks.BaseURL != "" {
		u, err := url.Parse(ks.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("BaseURL", "url", "the Jira address must be an absolute http or https URL, like https://example.atlassian.net")
		}
	}
	if ks.Project != "" {
		if !projectKeyRe.MatchString(ks.Project) {
			return bad("Project", "project", "a project key is capital Latin letters, digits and _, starting with a letter, like SUP")
		}
		if ks.BaseURL == "" {
			return bad("BaseURL", "required", "a desk linked to a Jira project needs the Jira address")
		}
		if ks.Token == "" {
			return bad("Token", "required", "a desk linked to a Jira project needs an API token or a personal access token")
		}
	}
	if ks.WebhookSecret != "" && !ks.FromEnv["WebhookSecret"] && utf8.RuneCountInString(ks.WebhookSecret) < MinWebhookSecret {
		return bad("WebhookSecret", "secret_short", fmt.Sprintf("a webhook secret needs at least %d characters", MinWebhookSecret))
	}
	if ks.IssueType == "" || strings.ContainsAny(ks.IssueType, "\r\n\t") || len(ks.IssueType) > 60 {
		return bad("IssueType", "issue_type", "name the Jira issue type, like Task, Bug or Story")
	}
	if ks.CreateOn != CreateOnSubmit && ks.CreateOn != CreateOnEscalate {
		return bad("CreateOn", "create_on", "create the Jira issue on submit or on escalate")
	}
	for name, id := range ks.Fields {
		if !slices.Contains(MappedFields, name) {
			return bad("Fields."+name, "field_name", "only what, where, platform, frequency, priority and sprint map to Jira fields")
		}
		if !customFieldRe.MatchString(id) {
			return bad("Fields."+name, "custom_field", "a Jira custom field id looks like customfield_10050")
		}
	}
	return nil
}

// webhookSecrets lists the distinct webhook secrets of all kinds.
func (s *Service) webhookSecrets() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, k := range Kinds {
		if sec := s.merged.Kinds[k].WebhookSecret; sec != "" && !slices.Contains(out, sec) {
			out = append(out, sec)
		}
	}
	return out
}
