package jira

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestEnvironmentWinsAndIsNotStored(t *testing.T) {
	env := map[string]string{
		"PARLEY_JIRA_URL":               "https://env.example.net/",
		"PARLEY_JIRA_USER":              "",
		"PARLEY_JIRA_TOKEN":             "env-pat-secret",
		"PARLEY_JIRA_PROJECT_TECHNICAL": "TECH",
	}
	db := openDB(t)
	svc := newService(t, db, Options{Getenv: mapEnv(env)})
	ctx := context.Background()

	st, _ := svc.Settings(ctx)
	tech := st.Kinds[KindTechnical]
	if tech.BaseURL != "https://env.example.net" || tech.Token != "env-pat-secret" || tech.User != "" || tech.Project != "TECH" {
		t.Fatalf("technical settings %+v: want the environment's", tech)
	}
	if !tech.FromEnv["BaseURL"] || !tech.FromEnv["Token"] || !tech.FromEnv["User"] || !tech.FromEnv["Project"] {
		t.Errorf("FromEnv %v: URL, user, token and project come from the environment", tech.FromEnv)
	}
	if !svc.Configured(KindTechnical) || svc.Configured(KindClient) {
		t.Errorf("technical has a project from the environment, client has none: configured %v %v",
			svc.Configured(KindTechnical), svc.Configured(KindClient))
	}
	if !svc.CreateOnSubmit(KindTechnical) || svc.CreateOnSubmit(KindFeature) || svc.CreateOnSubmit(KindClient) {
		t.Error("default: technical on submit, client and feature on escalation")
	}

	// An administrator saves other values: the environment still wins, and
	// its token never lands in the database.
	err := svc.SaveSettings(ctx, Settings{Kinds: map[Kind]KindSettings{
		KindTechnical: {BaseURL: "https://stored.example.net", User: "a@b.c", Token: "stored-token", Project: "OTHER",
			IssueType: "Bug", CreateOn: CreateOnEscalate, WebhookSecret: "hook-secret-0123456"},
		KindFeature: {BaseURL: "https://stored.example.net", User: "a@b.c", Token: "feature-token", Project: "FEAT",
			Fields: map[string]string{"what": "customfield_10050"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ = svc.Settings(ctx)
	if tech := st.Kinds[KindTechnical]; tech.Project != "TECH" || tech.Token != "env-pat-secret" || tech.CreateOn != CreateOnEscalate || tech.WebhookSecret != "hook-secret-0123456" {
		t.Errorf("after saving: %+v", tech)
	}
	var raw string
	if err := db.Read.QueryRow("SELECT group_concat(value) FROM settings WHERE key LIKE 'jira.%'").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "env-pat-secret") {
		t.Error("the environment's token was written to the database")
	}
	if !strings.Contains(raw, "customfield_10050") {
		t.Error("the field mapping was not stored")
	}

	// A restart reads the same.
	svc.Close()
	svc2 := newService(t, db, Options{Getenv: mapEnv(env)})
	st, _ = svc2.Settings(ctx)
	if f := st.Kinds[KindFeature]; f.Project != "FEAT" || f.Fields["what"] != "customfield_10050" || f.Token != "env-pat-secret" {
		t.Errorf("after restart: %+v", f)
	}
}

func TestSaveSettingsValidation(t *testing.T) {
	svc := newService(t, openDB(t), Options{Getenv: mapEnv(nil)})
	good := KindSettings{BaseURL: "https://jira.example.net", User: "a@b.c", Token: "t", Project: "SUP", IssueType: "Task", CreateOn: CreateOnSubmit}
	cases := []struct {
		name  string
		edit  func(*KindSettings)
		field string
	}{
		{"relative url", func(k *KindSettings) { k.BaseURL = "jira.example.net" }, "BaseURL"},
		{"ftp url", func(k *KindSettings) { k.BaseURL = "ftp://jira.example.net" }, "BaseURL"},
		{"lower-case project", func(k *KindSettings) { k.Project = "sup" }, "Project"},
		{"one-letter project", func(k *KindSettings) { k.Project = "S" }, "Project"},
		{"project without url", func(k *KindSettings) { k.BaseURL = "" }, "BaseURL"},
		{"project without token", func(k *KindSettings) { k.Token = "" }, "Token"},
		{"bad custom field", func(k *KindSettings) { k.Fields = map[string]string{"what": "summary"} }, "Fields.what"},
		{"unknown mapped field", func(k *KindSettings) { k.Fields = map[string]string{"colour": "customfield_1"} }, "Fields.colour"},
		{"bad create-on", func(k *KindSettings) { k.CreateOn = "sometimes" }, "CreateOn"},
		{"15-character webhook secret", func(k *KindSettings) { k.WebhookSecret = "fifteen-chars-x" }, "WebhookSecret"},
		{"15 Cyrillic letters", func(k *KindSettings) { k.WebhookSecret = "пятнадцать-букв" }, "WebhookSecret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ks := good
			c.edit(&ks)
			err := svc.SaveSettings(context.Background(), Settings{Kinds: map[Kind]KindSettings{KindClient: ks}})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error on %s", err, c.field)
			}
			if kind, field := SettingError(ve); field != c.field || kind != KindClient {
				t.Fatalf("got %v, want a validation error on %s", err, c.field)
			}
			if svc.Configured(KindClient) {
				t.Error("refused settings took effect")
			}
		})
	}
	if err := svc.SaveSettings(context.Background(), Settings{Kinds: map[Kind]KindSettings{KindClient: good}}); err != nil {
		t.Fatal(err)
	}
	if !svc.Configured(KindClient) {
		t.Error("good settings did not take effect")
	}
	// No project: Parley only, nothing else required.
	if err := svc.SaveSettings(context.Background(), Settings{Kinds: map[Kind]KindSettings{KindClient: {}}}); err != nil {
		t.Fatal(err)
	}
	if svc.Configured(KindClient) {
		t.Error("a kind without a project stays in Parley")
	}
}

// A short PARLEY_JIRA_WEBHOOK_SECRET stops the start with a message that
// names the variable and the rule, never the secret.
func TestShortEnvironmentSecretRefusedAtStart(t *testing.T) {
	cases := []struct {
		secret string
		ok     bool
	}{
		{"", true},
		{"fifteen-chars-x", false},
		{"пятнадцать-букв", false},
		{"sixteen-chars-xy", true},
		{"шестнадцать-букв", true},
	}
	for _, c := range cases {
		t.Run(c.secret, func(t *testing.T) {
			svc, err := New(openDB(t), Options{Log: testLog(t), RefreshEvery: -1,
				Getenv: mapEnv(map[string]string{"PARLEY_JIRA_WEBHOOK_SECRET": c.secret})})
			if svc != nil {
				svc.Close()
			}
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("a short secret was taken")
			}
			msg := err.Error()
			if !strings.Contains(msg, "PARLEY_JIRA_WEBHOOK_SECRET") || !strings.Contains(msg, "at least 16") || strings.Contains(msg, c.secret) {
				t.Errorf("error %q: want the variable and the rule named, not the secret", msg)
			}
		})
	}
}
