package support

import (
	"regexp"
	"strconv"
	"strings"

	"parley/templates"
)

// The jira package records why a call to Jira failed in English, for the
// log and the outbox page. The ticket page says the same in the reader's
// language: each pattern below matches one of the jira package's fixed
// sentences and names the catalogue key that says it. Jira's own
// explanation ("Jira says: …") and any other underlying words are Jira's or
// the network's, and stay beside the text as its detail. Anything no
// pattern knows is shown as a translated "the call failed" with the
// recorded words as the detail.

type jiraPattern struct {
	re  *regexp.Regexp
	key string
	arg int // the submatch passed to the text, 0 for none
}

var jiraPatterns = []jiraPattern{
	{regexp.MustCompile(`Jira did not answer: (.*)$`), "support.jira_err.no_answer", 0},
	{regexp.MustCompile(`Jira's answer could not be read`), "support.jira_err.unreadable", 0},
	{regexp.MustCompile(`Jira's answer has no (?:issue key|status)`), "support.jira_err.unreadable", 0},
	{regexp.MustCompile(`Jira asks Parley to slow down \(429\)`), "support.jira_err.slow_down", 0},
	{regexp.MustCompile(`Jira answered (\d{3})`), "support.jira_err.server", 1},
	{regexp.MustCompile(`Jira refused the credentials \(401\)`), "support.jira_err.credentials", 0},
	{regexp.MustCompile(`Jira refused the credentials \(403, `), "support.jira_err.locked", 0},
	{regexp.MustCompile(`Jira refused access \(403\)`), "support.jira_err.access", 0},
	{regexp.MustCompile(`Jira does not know it \((\d{3})\)`), "support.jira_err.not_found", 0},
	{regexp.MustCompile(`Jira rejected the request \((\d{3})\)`), "support.jira_err.rejected", 1},
	{regexp.MustCompile(`^the Jira address .* is not usable`), "support.jira_err.address", 0},
	{regexp.MustCompile(`^Jira is not set up for \w+ tickets`), "support.jira_err.not_set_up", 0},
	{regexp.MustCompile(`^the Jira issue \S+ no longer exists`), "support.jira_err.gone", 0},
	{regexp.MustCompile(`^the Jira issue \S+ was deleted in Jira`), "support.jira_err.gone", 0},
	{regexp.MustCompile(`^the ticket's Jira issue was deleted`), "support.jira_err.gone", 0},
	{regexp.MustCompile(`^held back while Jira is unreachable`), "support.jira_err.held", 0},
	{regexp.MustCompile(`^the ticket (?:is not linked to Jira|has no Jira issue to comment on)`), "support.jira_err.not_linked", 0},
}

// jiraSays introduces Jira's own explanation in the jira package's texts.
const jiraSays = ". Jira says: "

// jiraErrorText says why a Jira call failed in the reader's language, and
// the words behind it (Jira's own, or the recorded text) as detail.
func jiraErrorText(lang, msg string) (text, detail string) {
	if msg == "" {
		return "", ""
	}
	head, says, _ := strings.Cut(msg, jiraSays)
	for _, p := range jiraPatterns {
		m := p.re.FindStringSubmatch(head)
		if m == nil {
			continue
		}
		if p.arg > 0 {
			n, _ := strconv.Atoi(m[p.arg])
			text = templates.Tf(lang, p.key, n)
		} else {
			text = templates.T(lang, p.key)
		}
		if says != "" {
			return text, says
		}
		if p.key == "support.jira_err.no_answer" {
			return text, m[1]
		}
		return text, ""
	}
	return templates.T(lang, "support.jira_err.other"), msg
}
