package support

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"parley/server/web"
	"parley/templates"
)

// What the support pages share: labels in the reader's language, times and
// durations, and turning service errors into pages and words.

const pageTime = "2006-01-02 15:04"

// pageTimeText is a time as pages show it; stored times are UTC and say so.
func pageTimeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(pageTime) + " UTC"
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func kindLabel(lang string, k Kind) string { return templates.T(lang, "support.kind."+string(k)) }

// statusLabel names a status for the reader: the requester's words ("Waiting
// for your reply") or support staff's ("Waiting for the requester").
func statusLabel(lang string, s Status, staff bool) string {
	if staff {
		return templates.T(lang, "support.state."+string(s))
	}
	return templates.T(lang, "support.status."+string(s))
}

func priorityLabel(lang string, p Priority) string {
	return templates.T(lang, "support.priority."+string(p))
}

// humanDuration rounds a span to what a person needs to plan: minutes under
// an hour, hours under two days, days beyond.
func humanDuration(lang string, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if m := d.Round(time.Minute); m < time.Hour {
		return templates.Tf(lang, "support.dur.minutes", max(1, int(m/time.Minute)))
	}
	if h := d.Round(time.Hour); h < 48*time.Hour {
		return templates.Tf(lang, "support.dur.hours", int(h/time.Hour))
	}
	return templates.Tf(lang, "support.dur.days", int(d.Round(24*time.Hour)/(24*time.Hour)))
}

// clockText says where an SLA clock stands at now.
func clockText(lang string, c Clock, now time.Time) string {
	switch {
	case c.Due.IsZero():
		return ""
	case !c.Met.IsZero() && c.Met.After(c.Due):
		return templates.Tf(lang, "support.sla.met_late", humanDuration(lang, c.Met.Sub(c.Due)))
	case !c.Met.IsZero():
		return templates.T(lang, "support.sla.met")
	case now.After(c.Due):
		return templates.Tf(lang, "support.sla.overdue", humanDuration(lang, now.Sub(c.Due)))
	}
	return templates.Tf(lang, "support.sla.due_in", humanDuration(lang, c.Due.Sub(now)))
}

// slaSummary is a technical ticket's SLA as one cell of a list: a breach of
// either clock, else the clock that is still running.
func slaSummary(lang string, t Ticket, now time.Time) templates.SupportSLA {
	if t.FirstResponseDue.IsZero() && t.ResolutionDue.IsZero() {
		return templates.SupportSLA{}
	}
	first, resolve := t.Clocks(now)
	out := templates.SupportSLA{Breached: first.Breached || resolve.Breached}
	switch {
	case first.Running():
		out.Text = templates.T(lang, "support.sla.first_short") + ": " + clockText(lang, first, now)
	case resolve.Running():
		out.Text = clockText(lang, resolve, now)
	default:
		out.Text = clockText(lang, resolve, now)
	}
	return out
}

// limitOf is the length limit a too_long error is about.
func limitOf(field string) int {
	switch field {
	case "subject":
		return MaxSubject
	case "body":
		return MaxBody
	case "files":
		return MaxAttachments
	}
	if strings.HasPrefix(field, "sla.") {
		return MaxSLAHours
	}
	return MaxField
}

// errorText puts a validation error into the reader's language by its field
// and code; the service's English message is the last resort. Context (such
// as "reply") picks wording for one form.
func errorText(lang, context string, ve *ValidationError) string {
	field := ve.Field
	if strings.HasPrefix(field, "sla.") {
		field = "sla"
	}
	var keys []string
	if context != "" {
		keys = append(keys, "support.err."+context+"."+field+"."+ve.Code)
	}
	keys = append(keys, "support.err."+field+"."+ve.Code, "support.err."+ve.Code)
	for _, k := range keys {
		if s := templates.T(lang, k); s != k {
			if strings.Contains(s, "%d") {
				s = fmt.Sprintf(s, limitOf(ve.Field))
			}
			return s
		}
	}
	return ve.Message
}

// fail answers a page request whose service call failed, through the
// shared writer: known errors as themselves, anything else as a logged
// internal error.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.site.Fail(w, r, err)
}

// badForm answers a form post that could not be read or whose CSRF token
// did not match.
func (h *Handler) badForm(w http.ResponseWriter, r *http.Request) {
	h.site.ErrorPage(w, r, http.StatusForbidden, "signin.csrf")
}

// parseForm reads a small urlencoded form and checks its CSRF token.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return false
	}
	return web.CheckCSRF(r)
}

func asValidation(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}
