package jira

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// issueJSON is an issue as Jira sends it, in a webhook or from GET issue.
// Fields stay raw: custom fields differ per Jira, and so does the sprint
// field's shape.
type issueJSON struct {
	ID     string                     `json:"id"`
	Key    string                     `json:"key"`
	Self   string                     `json:"self"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// sprint is one sprint an issue is or was in.
type sprint struct {
	ID    int64
	Name  string
	State string // active, future, closed (lower case)
}

// issueFacts is what Parley takes from an issue.
type issueFacts struct {
	HasStatus  bool
	Status     string // Jira's status name
	Category   string // new, indeterminate, done
	Resolution string
	// SprintKnown says whether the sprint field was found; without it the
	// sprint facts below mean nothing.
	SprintKnown  bool
	SprintField  string
	Sprint       string // the current sprint's name, if any
	SprintActive bool
	UpdatedMS    int64 // Jira's "updated", in ms since the epoch; 0 if absent
}

// readIssue extracts the facts. sprintField names the sprint field when
// known; otherwise a custom field holding sprint-shaped values is taken.
func readIssue(is issueJSON, sprintField string) issueFacts {
	var f issueFacts
	var status struct {
		Name     string `json:"name"`
		Category struct {
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"statusCategory"`
	}
	if raw, ok := is.Fields["status"]; ok && json.Unmarshal(raw, &status) == nil && status.Name != "" {
		f.HasStatus = true
		f.Status = status.Name
		f.Category = strings.ToLower(status.Category.Key)
		if f.Category == "" {
			f.Category = categoryOf(status.Name)
		}
	}
	var res struct {
		Name string `json:"name"`
	}
	if raw, ok := is.Fields["resolution"]; ok && json.Unmarshal(raw, &res) == nil {
		f.Resolution = res.Name
	}
	var updated string
	if raw, ok := is.Fields["updated"]; ok && json.Unmarshal(raw, &updated) == nil {
		f.UpdatedMS = parseJiraTime(updated)
	}
	if sprintField != "" {
		if raw, ok := is.Fields[sprintField]; ok {
			if sps, ok := parseSprints(raw); ok {
				f.setSprints(sprintField, sps)
			}
		}
	}
	if !f.SprintKnown {
		for name, raw := range is.Fields {
			if !strings.HasPrefix(name, "customfield_") {
				continue
			}
			if sps, ok := parseSprints(raw); ok && len(sps) > 0 {
				f.setSprints(name, sps)
				break
			}
		}
	}
	return f
}

// setSprints records the current sprint: an active one, else a future one.
// Closed sprints are history.
func (f *issueFacts) setSprints(field string, sps []sprint) {
	f.SprintKnown, f.SprintField = true, field
	f.Sprint, f.SprintActive = "", false
	for _, sp := range sps {
		if sp.State == "active" {
			f.Sprint, f.SprintActive = sp.Name, true
			return
		}
	}
	for _, sp := range sps {
		if sp.State == "future" {
			f.Sprint = sp.Name
		}
	}
}

// parseSprints reads a sprint field in any of its shapes: null or [] (no
// sprint), objects (Cloud and newer Server: {"id":5,"name":…,"state":…}), or
// Jira Software's old strings
// "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=5,rapidViewId=1,state=ACTIVE,name=Sprint 5,…]".
// ok is false when the value is not sprint-shaped at all.
func parseSprints(raw json.RawMessage) ([]sprint, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var items []json.RawMessage
	if raw[0] == '[' {
		if json.Unmarshal(raw, &items) != nil {
			return nil, false
		}
	} else {
		items = []json.RawMessage{raw}
	}
	var out []sprint
	for _, it := range items {
		it = bytes.TrimSpace(it)
		switch {
		case len(it) > 0 && it[0] == '{':
			var o struct {
				ID      json.Number `json:"id"`
				Name    string      `json:"name"`
				State   string      `json:"state"`
				BoardID *int64      `json:"boardId"`
				Origin  *int64      `json:"originBoardId"`
				RapidID *int64      `json:"rapidViewId"`
			}
			if json.Unmarshal(it, &o) != nil || o.State == "" || o.Name == "" ||
				(o.BoardID == nil && o.Origin == nil && o.RapidID == nil && o.ID == "") {
				return nil, false
			}
			id, _ := o.ID.Int64()
			out = append(out, sprint{ID: id, Name: o.Name, State: strings.ToLower(o.State)})
		case len(it) > 0 && it[0] == '"':
			var s string
			if json.Unmarshal(it, &s) != nil {
				return nil, false
			}
			sp, ok := parseGreenhopper(s)
			if !ok {
				return nil, false
			}
			out = append(out, sp)
		default:
			return nil, false
		}
	}
	return out, true
}

var greenhopperKeyRe = regexp.MustCompile(`(?:^|,)(id|rapidViewId|state|name|goal|startDate|endDate|completeDate|activatedDate|sequence|autoStartStop|synced|incompleteIssuesDestinationId|originBoardId)=`)

// parseGreenhopper reads one old-style sprint string. Names may contain
// commas, so values run up to the next known key rather than the next comma.
func parseGreenhopper(s string) (sprint, bool) {
	open, end := strings.Index(s, "["), strings.LastIndex(s, "]")
	if !strings.Contains(s, "Sprint@") || open < 0 || end < open {
		return sprint{}, false
	}
	inner := s[open+1 : end]
	locs := greenhopperKeyRe.FindAllStringSubmatchIndex(inner, -1)
	vals := map[string]string{}
	for i, loc := range locs {
		key := inner[loc[2]:loc[3]]
		stop := len(inner)
		if i+1 < len(locs) {
			stop = locs[i+1][0]
		}
		vals[key] = inner[loc[1]:stop]
	}
	if vals["state"] == "" || vals["name"] == "" {
		return sprint{}, false
	}
	id, _ := strconv.ParseInt(vals["id"], 10, 64)
	return sprint{ID: id, Name: vals["name"], State: strings.ToLower(vals["state"])}, true
}

// categoryOf guesses a status category from the name, for payloads that
// leave it out.
func categoryOf(status string) string {
	switch strings.ToLower(status) {
	case "to do", "open", "backlog", "new", "reopened", "selected for development":
		return "new"
	case "done", "closed", "resolved", "won't do", "won't fix", "rejected", "declined", "duplicate":
		return "done"
	}
	return "indeterminate"
}

// rejectedWords are resolutions (and status names) that close an issue
// without doing it.
var rejectedWords = []string{"won't do", "wont do", "won't fix", "wont fix", "rejected", "declined", "duplicate",
	"cannot reproduce", "can't reproduce", "not a bug", "invalid", "obsolete", "incomplete"}

func isRejection(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "’", "'"))
	for _, w := range rejectedWords {
		if n == w {
			return true
		}
	}
	return false
}

// mapStatus is what the requester sees: done or rejected when Jira closed
// it; in a sprint when it is in an active sprint or being worked on;
// planned otherwise (accepted and waiting).
func mapStatus(category, status, resolution string, sprintActive bool) Status {
	switch {
	case category == "done" && (isRejection(resolution) || isRejection(status)):
		return StatusRejected
	case category == "done":
		return StatusDone
	case sprintActive || category == "indeterminate":
		return StatusInSprint
	}
	return StatusPlanned
}

// parseJiraTime reads Jira's timestamps ("2024-05-01T10:00:00.000+0000")
// and RFC 3339 ones, in ms since the epoch; 0 when unreadable.
func parseJiraTime(s string) int64 {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli()
		}
	}
	return 0
}
