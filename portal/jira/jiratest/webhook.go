package jiratest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SprintShape chooses how a sprint change looks in a webhook.
type SprintShape int

const (
	// ShapeCloud: the changelog item has fieldId, ids and names are strings
	// ("4, 5"), "" when empty; the issue's sprint field holds objects.
	ShapeCloud SprintShape = iota
	// ShapeServer: older Server/Data Center. No fieldId, null instead of "",
	// and the issue's sprint field holds greenhopper strings.
	ShapeServer
)

// Event is one webhook delivery as Jira would send it.
type Event struct {
	ID   string // delivery id, sent as X-Atlassian-Webhook-Identifier
	Body []byte
}

// Transition moves an issue to status as a person in Jira would and returns
// the jira:issue_updated webhook. Statuses: "To Do" and "Backlog" (category
// new), "In Progress" (indeterminate), "Done", "Won't Do", "Rejected" (done,
// with a resolution of the same name).
func (s *Server) Transition(key, status string) Event {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		s.tb.Fatalf("jiratest: Transition: no issue %s", key)
		return Event{}
	}
	to, ok := statusByName(status)
	if !ok {
		s.tb.Fatalf("jiratest: Transition: unknown status %q", status)
		return Event{}
	}
	from, _ := statusByName(is.Status)
	oldRes := is.Resolution
	s.setStatus(is, to, to.resolution)
	var items []any
	if from.id != to.id {
		items = append(items, map[string]any{"field": "status", "fieldtype": "jira", "fieldId": "status",
			"from": from.id, "fromString": from.name, "to": to.id, "toString": to.name})
	}
	if oldRes != is.Resolution {
		item := map[string]any{"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
			"from": nil, "fromString": nil, "to": nil, "toString": nil}
		if oldRes != "" {
			item["from"], item["fromString"] = resolutionIDs[oldRes], oldRes
		}
		if is.Resolution != "" {
			item["to"], item["toString"] = resolutionIDs[is.Resolution], is.Resolution
		}
		items = append(items, item)
	}
	return s.updatedEvent(is, items, s.defaultShape())
}

// SetSprint puts an issue into sp (nil: takes it out of its open sprint) as
// a person on a board would, and returns the webhook in the given shape.
// Closed sprints stay in the field as history, as in Jira; a sprint with the
// ID of one already there is updated (e.g. to close it).
func (s *Server) SetSprint(key string, sp *Sprint, shape SprintShape) Event {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		s.tb.Fatalf("jiratest: SetSprint: no issue %s", key)
		return Event{}
	}
	if sp != nil && sp.State != "active" && sp.State != "future" && sp.State != "closed" {
		s.tb.Fatalf("jiratest: SetSprint: state %q is not active, future or closed", sp.State)
		return Event{}
	}
	old := is.Sprints
	var now []Sprint
	for _, o := range old {
		if o.State == "closed" && (sp == nil || o.ID != sp.ID) {
			now = append(now, o)
		}
	}
	if sp != nil {
		now = append(now, *sp)
	}
	is.Sprints = now
	is.Updated = time.Now().UTC().Truncate(time.Millisecond)

	ids := func(sps []Sprint) string {
		var p []string
		for _, x := range sps {
			p = append(p, strconv.Itoa(x.ID))
		}
		return strings.Join(p, ", ")
	}
	names := func(sps []Sprint) string {
		var p []string
		for _, x := range sps {
			p = append(p, x.Name)
		}
		return strings.Join(p, ", ")
	}
	var items []any
	if ids(old) != ids(now) || names(old) != names(now) {
		item := map[string]any{"field": "Sprint", "fieldtype": "custom",
			"from": ids(old), "fromString": names(old), "to": ids(now), "toString": names(now)}
		if shape == ShapeCloud {
			item["fieldId"] = s.opt.SprintField
		} else {
			for _, k := range []string{"from", "fromString", "to", "toString"} {
				if item[k] == "" {
					item[k] = nil
				}
			}
		}
		items = append(items, item)
	}
	return s.updatedEvent(is, items, shape)
}

// Delete removes an issue as a person in Jira would and returns the
// jira:issue_deleted webhook.
func (s *Server) Delete(key string) Event {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		s.tb.Fatalf("jiratest: Delete: no issue %s", key)
		return Event{}
	}
	body := map[string]any{
		"timestamp":             time.Now().UnixMilli(),
		"webhookEvent":          "jira:issue_deleted",
		"issue_event_type_name": "issue_deleted",
		"user":                  s.person(),
		"issue":                 s.issueJSON(is, nil, s.defaultShape()),
	}
	for i, x := range s.issues {
		if x == is {
			s.issues = append(s.issues[:i:i], s.issues[i+1:]...)
			break
		}
	}
	return s.event(body)
}

// updatedEvent builds a jira:issue_updated webhook; s.mu is held.
func (s *Server) updatedEvent(is *issue, items []any, shape SprintShape) Event {
	if items == nil {
		items = []any{}
	}
	body := map[string]any{
		"timestamp":             time.Now().UnixMilli(),
		"webhookEvent":          "jira:issue_updated",
		"issue_event_type_name": "issue_generic",
		"user":                  s.person(),
		"issue":                 s.issueJSON(is, nil, shape),
		"changelog":             map[string]any{"id": strconv.Itoa(s.nextChange), "items": items},
	}
	s.nextChange++
	return s.event(body)
}

func (s *Server) event(body map[string]any) Event {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		s.tb.Fatalf("jiratest: encode webhook: %v", err)
	}
	var id [12]byte
	rand.Read(id[:])
	s.deliveries++
	return Event{ID: fmt.Sprintf("%d-%s", s.deliveries, hex.EncodeToString(id[:])), Body: bytes.TrimSpace(buf.Bytes())}
}

// Sign is the X-Hub-Signature value Jira sends: "sha256=" and the hex
// HMAC-SHA256 of the body with the webhook's secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

var deliverClient = &http.Client{Timeout: 30 * time.Second}

// Deliver POSTs the event to url as Jira does: JSON, signed with secret
// (none when secret is ""), with the delivery id. Delivering the same event
// twice is what Jira's retries look like. The caller closes the body.
func (s *Server) Deliver(url, secret string, ev Event) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(ev.Body))
	if err != nil {
		return nil, fmt.Errorf("jiratest: deliver webhook %s: %w", ev.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Atlassian Webhook HTTP Client")
	req.Header.Set("X-Atlassian-Webhook-Identifier", ev.ID)
	if secret != "" {
		req.Header.Set("X-Hub-Signature", Sign(secret, ev.Body))
	}
	resp, err := deliverClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jiratest: deliver webhook %s: %w", ev.ID, err)
	}
	return resp, nil
}
