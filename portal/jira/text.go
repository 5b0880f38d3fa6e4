package jira

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// featureLabels are the feature-request fields as a developer reading the
// issue should see them, in form order.
var featureLabels = []struct{ name, label string }{
	{"what", "What should change or be added"},
	{"where", "Where in the app and in which conditions"},
	{"platform", "Platforms"},
	{"frequency", "How often users ask"},
	{"priority", "Importance for the requester"},
}

// summary is the issue's one-line title: Jira allows 255 characters and no
// line breaks.
func summary(subject string, ticketID int64) string {
	s := strings.Join(strings.Fields(subject), " ")
	if s == "" {
		s = fmt.Sprintf("Parley ticket #%d", ticketID)
	}
	return truncate(s, 255)
}

// description is the issue's text: the ticket's body, a feature request's
// answers, who asked and the way back to the ticket.
func description(is Issue) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(is.Body))
	if is.Kind == KindFeature {
		var rows []string
		for _, f := range featureLabels {
			if v := strings.TrimSpace(is.Fields[f.name]); v != "" {
				rows = append(rows, "*"+f.label+":* "+v)
			}
		}
		if len(rows) > 0 {
			b.WriteString("\n\n----\n")
			b.WriteString(strings.Join(rows, "\n"))
		}
	}
	b.WriteString("\n\n----\n")
	if is.Requester != "" {
		b.WriteString("Requester: " + is.Requester + "\n")
	}
	if is.Priority != "" {
		b.WriteString("Priority in Parley: " + is.Priority + "\n")
	}
	fmt.Fprintf(&b, "Parley ticket #%d", is.TicketID)
	if is.URL != "" {
		b.WriteString(": " + is.URL)
	}
	// Jira keeps at most 32,767 characters in a text field; the ticket
	// itself has everything.
	return truncate(b.String(), 32000)
}

// commentText is a mirrored reply. Its last line names the post, which is
// how a retry recognises a comment Jira made but whose answer was lost.
func commentText(author, body string, postID int64) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(body))
	b.WriteString("\n\n")
	if author != "" {
		b.WriteString("— " + author + " · ")
	}
	b.WriteString(commentMarker(postID))
	return b.String()
}

func commentMarker(postID int64) string { return "Parley reply #" + strconv.FormatInt(postID, 10) }

var commentMarkerRe = regexp.MustCompile(`Parley reply #([0-9]+)\s*$`)

// commentPost returns the post a comment mirrors, if it carries a marker.
func commentPost(text string) (int64, bool) {
	m := commentMarkerRe.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}
