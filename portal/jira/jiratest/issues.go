package jiratest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Issue is a copy of an issue as the fake holds it.
type Issue struct {
	ID, Key, Project, IssueType, Summary, Description string
	Labels                                            []string
	Fields                                            map[string]any // custom fields as sent
	Status, StatusCategory, Resolution                string         // Resolution "" while unresolved
	Sprints                                           []Sprint
	Comments                                          []Comment
	RemoteLinks                                       []RemoteLink
	Created                                           time.Time
	Updated                                           time.Time
}

// Sprint is one sprint an issue is or was in.
type Sprint struct {
	ID          int
	Name, State string // State "active", "future", "closed"
}

// Comment is one comment on an issue.
type Comment struct {
	ID, Body string
	Author   string // display name
	Created  time.Time
}

// RemoteLink is a link from an issue to something outside Jira.
type RemoteLink struct {
	ID                    int
	GlobalID, URL, Title  string
	Summary, Relationship string
}

// issue is the fake's record; the embedded Issue is what tests see.
type issue struct {
	Issue
	resolved time.Time
	links    []linkRecord
}

// linkRecord keeps a remote link as sent, for GET.
type linkRecord struct {
	id           int
	globalID     string
	application  any
	relationship string
	object       map[string]any
}

// statusDef is one workflow status. All transitions are global.
type statusDef struct {
	id, name, category, resolution, transition string
}

var statuses = []statusDef{
	{"10000", "To Do", "new", "", "11"},
	{"3", "In Progress", "indeterminate", "", "21"},
	{"10001", "Done", "done", "Done", "31"},
	{"10002", "Won't Do", "done", "Won't Do", "41"},
	{"10003", "Rejected", "done", "Rejected", "51"},
	{"10004", "Backlog", "new", "", "61"},
}

var resolutionIDs = map[string]string{
	"Done": "10000", "Won't Do": "10001", "Rejected": "10002", "Duplicate": "10003", "Cannot Reproduce": "10004",
}

func statusByName(name string) (statusDef, bool) {
	for _, st := range statuses {
		if strings.EqualFold(st.name, name) {
			return st, true
		}
	}
	return statusDef{}, false
}

func categoryJSON(key string) map[string]any {
	switch key {
	case "new":
		return map[string]any{"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"}
	case "indeterminate":
		return map[string]any{"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"}
	default:
		return map[string]any{"id": 3, "key": "done", "colorName": "green", "name": "Done"}
	}
}

func (s *Server) statusJSON(st statusDef) map[string]any {
	return map[string]any{
		"self":           s.URL + "/rest/api/2/status/" + st.id,
		"description":    "",
		"iconUrl":        s.URL + "/images/icons/statuses/generic.png",
		"name":           st.name,
		"id":             st.id,
		"statusCategory": categoryJSON(st.category),
	}
}

// find looks an issue up by key (any case) or id; s.mu is held.
func (s *Server) find(idOrKey string) *issue {
	for _, is := range s.issues {
		if strings.EqualFold(is.Key, idOrKey) || is.ID == idOrKey {
			return is
		}
	}
	return nil
}

// findOr404 answers Jira's 404 when the issue does not exist.
func (s *Server) findOr404(w http.ResponseWriter, r *http.Request, idOrKey string) *issue {
	if is := s.find(idOrKey); is != nil {
		return is
	}
	s.refuse(w, r, http.StatusNotFound, "no issue "+idOrKey,
		[]string{"Issue does not exist or you do not have permission to see it."}, nil)
	return nil
}

// createIssue is POST /rest/api/2/issue.
func (s *Server) createIssue(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if !s.readJSON(w, r, body, &req) {
		return
	}
	errs := map[string]string{}
	f := req.Fields
	var ref struct{ ID, Key, Name string }

	var proj project
	if raw, ok := f["project"]; !ok || string(raw) == "null" {
		errs["project"] = "project is required"
	} else if json.Unmarshal(raw, &ref) != nil {
		errs["project"] = "Could not find project by id or key."
	} else {
		found := false
		for _, p := range s.projects {
			if (ref.Key != "" && p.Key == ref.Key) || (ref.ID != "" && p.ID == ref.ID) {
				proj, found = p, true
			}
		}
		if !found {
			errs["project"] = "Specify a valid project ID or key"
		}
	}

	var typ issueType
	ref = struct{ ID, Key, Name string }{}
	if raw, ok := f["issuetype"]; !ok || string(raw) == "null" {
		errs["issuetype"] = "Specify an issue type"
	} else if json.Unmarshal(raw, &ref) != nil {
		errs["issuetype"] = "The issue type selected is invalid."
	} else {
		found := false
		for _, t := range s.issueTypes {
			if (ref.Name != "" && t.Name == ref.Name) || (ref.ID != "" && t.ID == ref.ID) {
				typ, found = t, true
			}
		}
		if !found {
			errs["issuetype"] = "The issue type selected is invalid."
		}
	}

	var summary string
	if raw, ok := f["summary"]; !ok || string(raw) == "null" {
		errs["summary"] = "You must specify a summary of the issue."
	} else if json.Unmarshal(raw, &summary) != nil {
		errs["summary"] = "Operation value must be a string"
	} else {
		switch {
		case strings.TrimSpace(summary) == "":
			errs["summary"] = "You must specify a summary of the issue."
		case utf8.RuneCountInString(summary) > 255:
			errs["summary"] = "Summary must be less than 255 characters."
		case strings.ContainsAny(summary, "\r\n"):
			errs["summary"] = "The summary is invalid because it contains newline characters."
		}
	}

	var description string
	if raw, ok := f["description"]; ok && string(raw) != "null" {
		// API v2 takes wiki markup text; a v3 document (ADF object) is refused.
		if json.Unmarshal(raw, &description) != nil {
			errs["description"] = "Operation value must be a string"
		} else if utf8.RuneCountInString(description) > 32767 {
			errs["description"] = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
		}
	}

	var labels []string
	if raw, ok := f["labels"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &labels) != nil {
			errs["labels"] = "data was not an array"
		}
		for _, l := range labels {
			switch {
			case l == "":
				errs["labels"] = "The label '' is invalid: a label cannot be empty."
			case strings.ContainsAny(l, " \t\r\n"):
				errs["labels"] = fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
			case utf8.RuneCountInString(l) > 255:
				errs["labels"] = fmt.Sprintf("The label '%s' exceeds the maximum length for a single label of 255 characters.", l)
			}
		}
	}

	custom := map[string]any{}
	for name, raw := range f {
		switch name {
		case "project", "issuetype", "summary", "description", "labels":
			continue
		}
		if !s.customFields[name] {
			errs[name] = fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", name)
			continue
		}
		var v any
		json.Unmarshal(raw, &v) // already valid JSON
		if v != nil {
			custom[name] = v
		}
	}

	if len(errs) > 0 {
		s.refuse(w, r, http.StatusBadRequest, "invalid issue", nil, errs)
		return
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	s.keyCounter[proj.Key]++
	is := &issue{Issue: Issue{
		ID:             fmt.Sprint(s.nextIssueID),
		Key:            fmt.Sprintf("%s-%d", proj.Key, s.keyCounter[proj.Key]),
		Project:        proj.Key,
		IssueType:      typ.Name,
		Summary:        summary,
		Description:    description,
		Labels:         labels,
		Fields:         custom,
		Status:         "To Do",
		StatusCategory: "new",
		Created:        now,
		Updated:        now,
	}}
	s.nextIssueID++
	s.issues = append(s.issues, is)
	if s.loseCreates > 0 {
		s.loseCreates--
		lostAnswer(w, http.StatusBadGateway)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": is.ID, "key": is.Key, "self": s.issueSelf(is)})
}

// lostAnswer is what a client sees when a proxy loses Jira's answer.
func lostAnswer(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n", title, title)
}

func (s *Server) issueSelf(is *issue) string { return s.URL + "/rest/api/2/issue/" + is.ID }

// getIssue is GET /rest/api/2/issue/{idOrKey}.
func (s *Server) getIssue(w http.ResponseWriter, r *http.Request, idOrKey string) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.issueJSON(is, parseFieldList(r.URL.Query()["fields"]), s.defaultShape()))
}

func (s *Server) defaultShape() SprintShape {
	if s.opt.Cloud {
		return ShapeCloud
	}
	return ShapeServer
}

// fieldFilter says which fields an answer carries; nil means all.
type fieldFilter struct {
	only map[string]bool // nil: all not excluded
	not  map[string]bool
}

// parseFieldList reads fields=a,b,-c (possibly repeated). "*all" and
// "*navigable" mean everything; unknown names are ignored, as Jira does.
func parseFieldList(params []string) *fieldFilter {
	var ff fieldFilter
	given, everything := false, false
	for _, p := range params {
		for _, name := range strings.Split(p, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
				continue
			case name == "*all" || name == "*navigable":
				everything = true
			case strings.HasPrefix(name, "-"):
				if ff.not == nil {
					ff.not = map[string]bool{}
				}
				ff.not[name[1:]] = true
			default:
				if ff.only == nil {
					ff.only = map[string]bool{}
				}
				ff.only[name] = true
			}
			given = true
		}
	}
	if !given {
		return nil
	}
	if everything {
		ff.only = nil
	}
	return &ff
}

func (ff *fieldFilter) wants(name string) bool {
	if ff == nil {
		return true
	}
	if ff.not[name] {
		return false
	}
	return ff.only == nil || ff.only[name]
}

// issueJSON renders an issue as GET /issue does, with the sprint field in
// the given shape; s.mu is held.
func (s *Server) issueJSON(is *issue, ff *fieldFilter, shape SprintShape) map[string]any {
	st, _ := statusByName(is.Status)
	var proj project
	for _, p := range s.projects {
		if p.Key == is.Project {
			proj = p
		}
	}
	var typ issueType
	for _, t := range s.issueTypes {
		if t.Name == is.IssueType {
			typ = t
		}
	}
	var description any
	if is.Description != "" {
		description = is.Description
	}
	labels := is.Labels
	if labels == nil {
		labels = []string{}
	}
	var resolution, resolved any
	if is.Resolution != "" {
		id := resolutionIDs[is.Resolution]
		resolution = map[string]any{"self": s.URL + "/rest/api/2/resolution/" + id, "id": id, "name": is.Resolution, "description": ""}
		resolved = jiraTime(is.resolved)
	}
	comments := []any{}
	for _, c := range is.Comments {
		comments = append(comments, s.commentJSON(is, c))
	}
	all := map[string]any{
		"summary":         is.Summary,
		"description":     description,
		"labels":          labels,
		"status":          s.statusJSON(st),
		"resolution":      resolution,
		"resolutiondate":  resolved,
		"project":         map[string]any{"self": s.URL + "/rest/api/2/project/" + proj.ID, "id": proj.ID, "key": proj.Key, "name": proj.Key},
		"issuetype":       map[string]any{"self": s.URL + "/rest/api/2/issuetype/" + typ.ID, "id": typ.ID, "name": typ.Name, "subtask": false},
		"created":         jiraTime(is.Created),
		"updated":         jiraTime(is.Updated),
		"comment":         map[string]any{"comments": comments, "maxResults": len(comments), "total": len(comments), "startAt": 0},
		s.opt.SprintField: s.sprintsJSON(is.Sprints, shape),
	}
	for _, name := range s.opt.CustomFields {
		all[name] = is.Fields[name]
	}
	fields := map[string]any{}
	for k, v := range all {
		if ff.wants(k) {
			fields[k] = v
		}
	}
	return map[string]any{
		"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
		"id":     is.ID,
		"self":   s.issueSelf(is),
		"key":    is.Key,
		"fields": fields,
	}
}

// sprintsJSON renders the sprint field: null when empty, objects on Cloud,
// greenhopper strings on older Server.
func (s *Server) sprintsJSON(sps []Sprint, shape SprintShape) any {
	if len(sps) == 0 {
		return nil
	}
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	var out []any
	for _, sp := range sps {
		start := base.AddDate(0, 0, 14*(sp.ID-1))
		end := start.AddDate(0, 0, 14)
		if shape == ShapeCloud {
			o := map[string]any{"id": sp.ID, "name": sp.Name, "state": sp.State, "boardId": 1, "goal": ""}
			if sp.State != "future" {
				o["startDate"] = start.Format("2006-01-02T15:04:05.000Z")
				o["endDate"] = end.Format("2006-01-02T15:04:05.000Z")
			}
			if sp.State == "closed" {
				o["completeDate"] = end.Format("2006-01-02T15:04:05.000Z")
			}
			out = append(out, o)
			continue
		}
		date := func(t time.Time, ok bool) string {
			if !ok {
				return "<null>"
			}
			return t.Format("2006-01-02T15:04:05.000Z07:00")
		}
		out = append(out, fmt.Sprintf("com.atlassian.greenhopper.service.sprint.Sprint@%x[id=%d,rapidViewId=1,state=%s,name=%s,goal=<null>,startDate=%s,endDate=%s,completeDate=%s,sequence=%d]",
			uint32(sp.ID)*2654435761>>8, sp.ID, strings.ToUpper(sp.State), sp.Name,
			date(start, sp.State != "future"), date(end, sp.State != "future"), date(end, sp.State == "closed"), sp.ID))
	}
	return out
}

// listTransitions is GET /rest/api/2/issue/{key}/transitions.
func (s *Server) listTransitions(w http.ResponseWriter, r *http.Request, idOrKey string) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	ts := []any{}
	for _, st := range statuses {
		if st.name == is.Status {
			continue
		}
		ts = append(ts, map[string]any{"id": st.transition, "name": st.name, "to": s.statusJSON(st),
			"hasScreen": false, "isGlobal": true, "isInitial": false, "isAvailable": true, "isConditional": false})
	}
	writeJSON(w, http.StatusOK, map[string]any{"expand": "transitions", "transitions": ts})
}

// doTransition is POST /rest/api/2/issue/{key}/transitions.
func (s *Server) doTransition(w http.ResponseWriter, r *http.Request, idOrKey string, body []byte) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	var req struct {
		Transition *struct {
			ID string `json:"id"`
		} `json:"transition"`
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if !s.readJSON(w, r, body, &req) {
		return
	}
	if req.Transition == nil || req.Transition.ID == "" {
		s.refuse(w, r, http.StatusBadRequest, "no transition", []string{"Missing 'transition' identifier"}, nil)
		return
	}
	var to statusDef
	for _, st := range statuses {
		if st.transition == req.Transition.ID && st.name != is.Status {
			to = st
		}
	}
	if to.id == "" {
		s.refuse(w, r, http.StatusBadRequest, "bad transition",
			[]string{fmt.Sprintf("Transition id '%s' is not valid for this issue.", req.Transition.ID)}, nil)
		return
	}
	resolution := to.resolution
	errs := map[string]string{}
	for name, raw := range req.Fields {
		if name != "resolution" || to.category != "done" {
			errs[name] = fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", name)
			continue
		}
		var res struct{ Name, ID string }
		json.Unmarshal(raw, &res)
		found := false
		for n, id := range resolutionIDs {
			if n == res.Name || id == res.ID {
				resolution, found = n, true
			}
		}
		if !found {
			errs["resolution"] = "Could not find valid 'id' or 'name' in resolution object."
		}
	}
	if len(errs) > 0 {
		s.refuse(w, r, http.StatusBadRequest, "invalid transition fields", nil, errs)
		return
	}
	s.setStatus(is, to, resolution)
	w.WriteHeader(http.StatusNoContent)
}

// setStatus moves an issue; s.mu is held.
func (s *Server) setStatus(is *issue, to statusDef, resolution string) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	is.Status, is.StatusCategory = to.name, to.category
	if to.category == "done" {
		if is.Resolution == "" {
			is.resolved = now
		}
		is.Resolution = resolution
	} else {
		is.Resolution, is.resolved = "", time.Time{}
	}
	is.Updated = now
}

// CreateIssue makes an issue as a person in Jira would (no request, no
// faults) and returns a copy of it.
func (s *Server) CreateIssue(project, summary, description string, labels ...string) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Truncate(time.Millisecond)
	s.keyCounter[project]++
	is := &issue{Issue: Issue{ID: fmt.Sprint(s.nextIssueID), Key: fmt.Sprintf("%s-%d", project, s.keyCounter[project]),
		Project: project, IssueType: "Task", Summary: summary, Description: description, Labels: slices.Clone(labels),
		Fields: map[string]any{}, Status: "To Do", StatusCategory: "new", Created: now, Updated: now}}
	s.nextIssueID++
	s.issues = append(s.issues, is)
	return is.copy()
}

// Issues returns copies of all issues in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, is := range s.issues {
		out = append(out, is.copy())
	}
	return out
}

// Issue returns a copy of the issue with this key (any case) or id.
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(key); is != nil {
		return is.copy(), true
	}
	return Issue{}, false
}

// IssuesWithLabel returns copies of the issues carrying label, in creation
// order.
func (s *Server) IssuesWithLabel(label string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.issues {
		if slices.Contains(is.Labels, label) {
			out = append(out, is.copy())
		}
	}
	return out
}

func (is *issue) copy() Issue {
	c := is.Issue
	c.Labels = slices.Clone(is.Labels)
	c.Fields = make(map[string]any, len(is.Fields))
	for k, v := range is.Fields {
		c.Fields[k] = cloneValue(v)
	}
	c.Sprints = slices.Clone(is.Sprints)
	c.Comments = slices.Clone(is.Comments)
	c.RemoteLinks = slices.Clone(is.RemoteLinks)
	return c
}

// cloneValue deep-copies a decoded JSON value.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := maps.Clone(v)
		for k, x := range m {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		a := slices.Clone(v)
		for i, x := range a {
			a[i] = cloneValue(x)
		}
		return a
	}
	return v
}
