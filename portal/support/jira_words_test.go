package support

import (
	"strings"
	"testing"

	"parley/templates"
)

// The jira package's failure texts, as it records them (portal/jira's
// client.go, ops.go, outbox.go and webhook.go), read on the ticket page in
// the reader's language, with Jira's own explanation kept as the detail.
func TestJiraFailuresInTheReadersLanguage(t *testing.T) {
	for _, tc := range []struct {
		msg, key string
		arg      int
		detail   string
	}{
		{"create the issue in SUP: Jira did not answer: timed out", "support.jira_err.no_answer", 0, "timed out"},
		{"create the issue in SUP: Jira answered 503 Service Unavailable", "support.jira_err.server", 503, ""},
		{"create the issue in SUP: Jira refused the credentials (401): check the user e-mail and API token, or the personal access token",
			"support.jira_err.credentials", 0, ""},
		{"add a comment to SUP-1: Jira refused the credentials (403, CAPTCHA_CHALLENGE): log in to Jira once in a browser as that user, then retry",
			"support.jira_err.locked", 0, ""},
		{"create the issue in SUP: Jira refused access (403): check the account's permissions in the project. Jira says: You do not have permission",
			"support.jira_err.access", 0, "You do not have permission"},
		{"create the issue in SUP: Jira rejected the request (400). Jira says: summary: Field required", "support.jira_err.rejected", 400, "summary: Field required"},
		{"create the issue in SUP: Jira asks Parley to slow down (429); retrying after 30s", "support.jira_err.slow_down", 0, ""},
		{"the Jira issue SUP-7 no longer exists (deleted or moved out of reach); the ticket stays in Parley and may be escalated again",
			"support.jira_err.gone", 0, ""},
		{"the Jira issue SUP-7 was deleted in Jira; the ticket stays in Parley and may be escalated again", "support.jira_err.gone", 0, ""},
		{"held back while Jira is unreachable", "support.jira_err.held", 0, ""},
		{"Jira is not set up for client tickets: an administrator sets its address, token and project in the Jira settings",
			"support.jira_err.not_set_up", 0, ""},
		{"something Jira never said before", "support.jira_err.other", 0, "something Jira never said before"},
	} {
		for _, lang := range []string{"ru", "en"} {
			want := templates.T(lang, tc.key)
			if tc.arg != 0 {
				want = templates.Tf(lang, tc.key, tc.arg)
			}
			text, detail := jiraErrorText(lang, tc.msg)
			if text != want || detail != tc.detail {
				t.Errorf("%s: %q\n reads %q (%q)\n want %q (%q)", lang, tc.msg, text, detail, want, tc.detail)
			}
			if lang == "ru" && strings.Contains(text, "refused") {
				t.Errorf("ru: %q is English", text)
			}
		}
	}
}
