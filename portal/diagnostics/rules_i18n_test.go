package diagnostics

import (
	"testing"

	"parley/ingest"
	"parley/templates"
)

// Every rule's finding has a title in both languages.
func TestEveryRuleHasTitles(t *testing.T) {
	for _, r := range ingest.Rules {
		for _, lang := range []string{"ru", "en"} {
			if got := ruleTitle(lang, FindingRow{Rule: r.ID, Title: "fallback"}); got == "fallback" || got == "" {
				t.Errorf("rule %s has no %s title", r.ID, lang)
			}
		}
		if en := templates.T("en", "rule."+r.ID); en != r.Title {
			t.Errorf("rule %s: English title %q differs from the rule's %q", r.ID, en, r.Title)
		}
	}
}
