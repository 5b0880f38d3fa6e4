package jiratest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"parley/portal/jira/jiratest"
)

var (
	cloudOpts  = jiratest.Options{Cloud: true, User: "bot@example.com", Token: "api-token"}
	serverOpts = jiratest.Options{Cloud: false, Token: "personal-access-token"}
)

// client is a plain HTTP client that authenticates as opt says.
type client struct {
	t   *testing.T
	s   *jiratest.Server
	opt jiratest.Options
}

type answer struct {
	status int
	header http.Header
	raw    []byte
}

func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.raw, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", a.status, err, a.raw)
	}
	return m
}

// do sends body (marshalled unless it is a string or nil) as JSON.
func (c client) do(method, path string, body any) answer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.auth(req)
	return c.send(req)
}

func (c client) auth(req *http.Request) {
	if c.opt.User != "" {
		req.SetBasicAuth(c.opt.User, c.opt.Token)
	} else {
		req.Header.Set("Authorization", "Bearer "+c.opt.Token)
	}
}

func (c client) send(req *http.Request) answer {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, raw: raw}
}

func start(t *testing.T, opt jiratest.Options) (*jiratest.Server, client) {
	s := jiratest.New(t, opt)
	return s, client{t: t, s: s, opt: opt}
}

func goJira(t *testing.T, s *jiratest.Server, opt jiratest.Options) *gojira.Client {
	t.Helper()
	var hc *http.Client
	if opt.User != "" {
		hc = (&gojira.BasicAuthTransport{Username: opt.User, Password: opt.Token}).Client()
	} else {
		hc = (&gojira.BearerAuthTransport{Token: opt.Token}).Client()
	}
	c, err := gojira.NewClient(hc, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newIssue(project, summary string, labels ...string) *gojira.Issue {
	return &gojira.Issue{Fields: &gojira.IssueFields{
		Project: gojira.Project{Key: project},
		Type:    gojira.IssueType{Name: "Task"},
		Summary: summary,
		Labels:  labels,
	}}
}

func mustCreate(t *testing.T, jc *gojira.Client, is *gojira.Issue) *gojira.Issue {
	t.Helper()
	created, resp, err := jc.Issue.Create(is)
	if err != nil {
		t.Fatalf("create: %v (%s)", err, body(resp))
	}
	return created
}

func body(resp *gojira.Response) string {
	if resp == nil || resp.Body == nil {
		return "no answer"
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// path walks a decoded JSON value: path(m, "fields", "status", "name").
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func keysOf(t *testing.T, a answer) []string {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("search answered %d: %s", a.status, a.raw)
	}
	var keys []string
	for _, is := range a.object(t)["issues"].([]any) {
		k, _ := is.(map[string]any)["key"].(string)
		keys = append(keys, k)
	}
	return keys
}

func TestCreateAndGetWithGoJira(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		opt         jiratest.Options
		sprintShape string // how a sprint would look: objects or greenhopper strings
	}{
		{"cloud basic auth", cloudOpts, "cloud"},
		{"server PAT", serverOpts, "server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := start(t, tc.opt)
			jc := goJira(t, s, tc.opt)
			is := newIssue("SUP", "Calls drop after 30 seconds", "parley", "parley-ticket-7")
			is.Fields.Description = "Steps:\n1. call\n2. wait"
			is.Fields.Unknowns = map[string]any{"customfield_10050": "Android 14"}
			first := mustCreate(t, jc, is)
			second := mustCreate(t, jc, newIssue("SUP", "second"))
			other := mustCreate(t, jc, newIssue("TECH", "third"))
			if first.Key != "SUP-1" || second.Key != "SUP-2" || other.Key != "TECH-1" {
				t.Fatalf("keys = %s, %s, %s; want SUP-1, SUP-2, TECH-1", first.Key, second.Key, other.Key)
			}
			if first.ID == "" || first.ID == second.ID {
				t.Fatalf("ids %q and %q are not distinct", first.ID, second.ID)
			}

			got, resp, err := jc.Issue.Get("SUP-1", nil)
			if err != nil {
				t.Fatalf("get: %v (%s)", err, body(resp))
			}
			f := got.Fields
			if f.Summary != "Calls drop after 30 seconds" || f.Description != "Steps:\n1. call\n2. wait" {
				t.Errorf("summary/description = %q / %q", f.Summary, f.Description)
			}
			if f.Status == nil || f.Status.Name != "To Do" || f.Status.StatusCategory.Key != "new" {
				t.Errorf("status = %+v, want To Do (new)", f.Status)
			}
			if f.Resolution != nil {
				t.Errorf("resolution = %+v, want null", f.Resolution)
			}
			if f.Unknowns["customfield_10050"] != "Android 14" {
				t.Errorf("customfield_10050 = %v", f.Unknowns["customfield_10050"])
			}
			if v, ok := f.Unknowns["customfield_10020"]; !ok || v != nil {
				t.Errorf("sprint field = %v (present %v), want null", v, ok)
			}
			if !slices.Equal(f.Labels, []string{"parley", "parley-ticket-7"}) || f.Project.Key != "SUP" || f.Type.Name != "Task" {
				t.Errorf("labels/project/type = %v %s %s", f.Labels, f.Project.Key, f.Type.Name)
			}
			if time.Time(f.Created).IsZero() {
				t.Error("created is not a Jira timestamp")
			}

			// fields= narrows the answer; keys are case-insensitive.
			a := c.do("GET", "/rest/api/2/issue/sup-1?fields=summary,labels", nil)
			fields := path(a.object(t), "fields").(map[string]any)
			if a.status != 200 || len(fields) != 2 || fields["summary"] == nil {
				t.Errorf("fields=summary,labels gave %d %v", a.status, fields)
			}

			kept, ok := s.Issue("SUP-1")
			if !ok || kept.Fields["customfield_10050"] != "Android 14" || kept.Status != "To Do" || kept.Resolution != "" {
				t.Errorf("Issue(SUP-1) = %+v", kept)
			}
			if n := len(s.Issues()); n != 3 {
				t.Errorf("Issues() has %d, want 3", n)
			}
			if l := s.IssuesWithLabel("parley-ticket-7"); len(l) != 1 || l[0].Key != "SUP-1" {
				t.Errorf("IssuesWithLabel = %+v", l)
			}

			// Sprint field shapes follow the deployment.
			s.SetSprint("SUP-1", &jiratest.Sprint{ID: 5, Name: "Sprint 5", State: "active"}, jiratest.ShapeCloud)
			a = c.do("GET", "/rest/api/2/issue/SUP-1", nil)
			sp := path(a.object(t), "fields", "customfield_10020").([]any)
			switch tc.sprintShape {
			case "cloud":
				o, _ := sp[0].(map[string]any)
				if o["name"] != "Sprint 5" || o["state"] != "active" || o["id"] != float64(5) {
					t.Errorf("cloud sprint = %v", sp)
				}
			case "server":
				str, _ := sp[0].(string)
				if !strings.HasPrefix(str, "com.atlassian.greenhopper.service.sprint.Sprint@") ||
					!strings.Contains(str, "[id=5,rapidViewId=1,state=ACTIVE,name=Sprint 5,") {
					t.Errorf("server sprint = %v", sp)
				}
			}
		})
	}
}

func TestCreateRejectsWhatJiraRejects(t *testing.T) {
	t.Parallel()
	s, c := start(t, cloudOpts)
	fields := func(change func(map[string]any)) map[string]any {
		f := map[string]any{
			"project":   map[string]any{"key": "SUP"},
			"issuetype": map[string]any{"name": "Task"},
			"summary":   "A fine summary",
			"labels":    []string{"ok"},
		}
		change(f)
		return map[string]any{"fields": f}
	}
	for _, tc := range []struct {
		name      string
		body      map[string]any
		field     string
		wantInMsg string
	}{
		{"unknown project", fields(func(f map[string]any) { f["project"] = map[string]any{"key": "NOPE"} }), "project", "valid project"},
		{"missing project", fields(func(f map[string]any) { delete(f, "project") }), "project", "required"},
		{"unknown issue type", fields(func(f map[string]any) { f["issuetype"] = map[string]any{"name": "Epic"} }), "issuetype", "The issue type selected is invalid."},
		{"missing summary", fields(func(f map[string]any) { delete(f, "summary") }), "summary", "You must specify a summary"},
		{"blank summary", fields(func(f map[string]any) { f["summary"] = "   " }), "summary", "You must specify a summary"},
		{"summary too long", fields(func(f map[string]any) { f["summary"] = strings.Repeat("я", 256) }), "summary", "less than 255 characters"},
		{"newline in summary", fields(func(f map[string]any) { f["summary"] = "two\nlines" }), "summary", "newline"},
		{"label with a space", fields(func(f map[string]any) { f["labels"] = []string{"two words"} }), "labels", "contains spaces"},
		{"unknown custom field", fields(func(f map[string]any) { f["customfield_9"] = "x" }), "customfield_9",
			"Field 'customfield_9' cannot be set. It is not on the appropriate screen, or unknown."},
		{"sprint field is not on the create screen", fields(func(f map[string]any) { f["customfield_10020"] = 5 }), "customfield_10020", "cannot be set"},
		{"v3 document as description", fields(func(f map[string]any) { f["description"] = map[string]any{"type": "doc"} }), "description", "must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Rejected())
			a := c.do("POST", "/rest/api/2/issue", tc.body)
			if a.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", a.status, a.raw)
			}
			m := a.object(t)
			if _, ok := m["errorMessages"].([]any); !ok {
				t.Errorf("no errorMessages array in %s", a.raw)
			}
			if msg, _ := path(m, "errors", tc.field).(string); !strings.Contains(msg, tc.wantInMsg) {
				t.Errorf("errors.%s = %q, want it to contain %q (%s)", tc.field, msg, tc.wantInMsg, a.raw)
			}
			rej := s.Rejected()
			if len(rej) != before+1 || !strings.Contains(rej[len(rej)-1], tc.field) {
				t.Errorf("Rejected() did not record why: %q", rej[before:])
			}
		})
	}
	if n := len(s.Issues()); n != 0 {
		t.Errorf("%d issues were created from invalid bodies", n)
	}

	t.Run("not JSON", func(t *testing.T) {
		if a := c.do("POST", "/rest/api/2/issue", `{"fields":`); a.status != http.StatusBadRequest {
			t.Errorf("truncated JSON answered %d", a.status)
		}
		req, _ := http.NewRequest("POST", s.URL+"/rest/api/2/issue", strings.NewReader(`{"fields":{}}`))
		req.Header.Set("Content-Type", "text/plain")
		c.auth(req)
		if a := c.send(req); a.status != http.StatusUnsupportedMediaType {
			t.Errorf("text/plain answered %d, want 415", a.status)
		}
	})
}

func TestUnknownThingsAre404(t *testing.T) {
	t.Parallel()
	_, c := start(t, serverOpts)
	a := c.do("GET", "/rest/api/2/issue/SUP-404", nil)
	m := a.object(t)
	if a.status != http.StatusNotFound || path(m, "errorMessages").([]any)[0] != "Issue does not exist or you do not have permission to see it." {
		t.Errorf("unknown issue: %d %s", a.status, a.raw)
	}
	if _, ok := m["errors"].(map[string]any); !ok {
		t.Errorf("no errors object: %s", a.raw)
	}
	if a := c.do("GET", "/rest/api/2/nothing-here", nil); a.status != http.StatusNotFound {
		t.Errorf("unknown path answered %d", a.status)
	}
	if a := c.do("DELETE", "/rest/api/2/serverInfo", nil); a.status != http.StatusMethodNotAllowed {
		t.Errorf("wrong method answered %d", a.status)
	}
}

func TestServerInfoAndFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opt  jiratest.Options
		want string
	}{{cloudOpts, "Cloud"}, {serverOpts, "Server"}} {
		s, c := start(t, tc.opt)
		a := c.do("GET", "/rest/api/2/serverInfo", nil)
		if m := a.object(t); m["deploymentType"] != tc.want || m["baseUrl"] != s.URL {
			t.Errorf("serverInfo = %s", a.raw)
		}
		if a := c.do("GET", "/rest/api/2/myself", nil); a.status != 200 || a.object(t)["displayName"] == nil {
			t.Errorf("myself = %d %s", a.status, a.raw)
		}
		a = c.do("GET", "/rest/api/2/field", nil)
		type field struct {
			ID     string
			Schema struct{ Custom string }
		}
		var fields []field
		json.Unmarshal(a.raw, &fields)
		if !slices.ContainsFunc(fields, func(f field) bool {
			return f.ID == "customfield_10020" && f.Schema.Custom == "com.pyxis.greenhopper.jira:gh-sprint"
		}) {
			t.Errorf("field list has no gh-sprint field: %s", a.raw)
		}
	}
}

func TestCommentsAndTheGoJiraTrap(t *testing.T) {
	t.Parallel()
	t.Run("cloud refuses go-jira's AddComment, takes a plain body", func(t *testing.T) {
		s, c := start(t, cloudOpts)
		jc := goJira(t, s, cloudOpts)
		mustCreate(t, jc, newIssue("SUP", "x"))
		_, resp, err := jc.Issue.AddComment("SUP-1", &gojira.Comment{Body: "hello"})
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("go-jira AddComment on Cloud: err %v, status %v; want 400", err, resp)
		}
		var je *gojira.Error
		if !errors.As(err, &je) || len(je.ErrorMessages) == 0 || !strings.Contains(je.ErrorMessages[0], "Invalid request payload") {
			t.Errorf("error = %v, want Jira's invalid payload message", err)
		}
		if rej := s.Rejected(); len(rej) != 1 || !strings.Contains(rej[0], "author") {
			t.Errorf("Rejected() = %q, want the author object named", rej)
		}
		a := c.do("POST", "/rest/api/2/issue/SUP-1/comment", map[string]string{"body": "hello"})
		if a.status != http.StatusCreated || a.object(t)["body"] != "hello" || a.object(t)["id"] == "" {
			t.Fatalf("plain comment: %d %s", a.status, a.raw)
		}
		is, _ := s.Issue("SUP-1")
		if len(is.Comments) != 1 || is.Comments[0].Body != "hello" {
			t.Errorf("comments = %+v", is.Comments)
		}
		if a := c.do("POST", "/rest/api/2/issue/SUP-1/comment", map[string]any{"body": "x", "visibility": map[string]any{}}); a.status != 400 {
			t.Errorf("empty visibility answered %d", a.status)
		}
		if a := c.do("POST", "/rest/api/2/issue/SUP-1/comment", map[string]any{"body": " "}); a.status != 400 ||
			path(a.object(t), "errors", "comment") != "Comment body can not be empty!" {
			t.Errorf("blank comment: %d %s", a.status, a.raw)
		}
	})

	t.Run("server takes go-jira's AddComment and pages comments", func(t *testing.T) {
		s, c := start(t, serverOpts)
		jc := goJira(t, s, serverOpts)
		mustCreate(t, jc, newIssue("SUP", "x"))
		for _, text := range []string{"one", "two", "three"} {
			if _, resp, err := jc.Issue.AddComment("SUP-1", &gojira.Comment{Body: text}); err != nil {
				t.Fatalf("AddComment on Server: %v (%s)", err, body(resp))
			}
		}
		s.AddComment("SUP-1", "from a developer")
		var got []string
		for start := 0; ; {
			a := c.do("GET", "/rest/api/2/issue/SUP-1/comment?maxResults=3&startAt="+strconv.Itoa(start), nil)
			m := a.object(t)
			if m["total"] != float64(4) {
				t.Fatalf("total = %v", m["total"])
			}
			page := m["comments"].([]any)
			for _, cm := range page {
				got = append(got, cm.(map[string]any)["body"].(string))
			}
			start += len(page)
			if len(page) == 0 || start >= 4 {
				break
			}
		}
		if !slices.Equal(got, []string{"one", "two", "three", "from a developer"}) {
			t.Errorf("comments = %q", got)
		}
	})
}

func TestSearchPerDeployment(t *testing.T) {
	t.Parallel()
	seed := func(t *testing.T, opt jiratest.Options) (*jiratest.Server, client) {
		s, c := start(t, opt)
		jc := goJira(t, s, opt)
		mustCreate(t, jc, newIssue("SUP", "one", "a", "parley"))
		mustCreate(t, jc, newIssue("SUP", "two", "b"))
		mustCreate(t, jc, newIssue("TECH", "three", "a"))
		return s, c
	}

	t.Run("cloud", func(t *testing.T) {
		_, c := seed(t, cloudOpts)
		if a := c.do("GET", "/rest/api/2/search?jql=labels%3Da", nil); a.status != http.StatusGone ||
			!strings.Contains(string(a.raw), "/search/jql") {
			t.Errorf("old search on Cloud: %d %s", a.status, a.raw)
		}
		if a := c.do("POST", "/rest/api/2/search", map[string]any{"jql": "labels = a"}); a.status != http.StatusGone {
			t.Errorf("old POST search on Cloud: %d", a.status)
		}
		q := url.Values{"jql": {`labels = "a" ORDER BY created ASC`}, "fields": {"summary,labels"}}
		a := c.do("GET", "/rest/api/2/search/jql?"+q.Encode(), nil)
		if keys := keysOf(t, a); !slices.Equal(keys, []string{"SUP-1", "TECH-1"}) || a.object(t)["isLast"] != true {
			t.Errorf("search/jql = %s", a.raw)
		}
		// Without fields the new endpoint gives ids only.
		a = c.do("POST", "/rest/api/2/search/jql", map[string]any{"jql": "labels = a"})
		first := a.object(t)["issues"].([]any)[0].(map[string]any)
		if len(first) != 1 || first["id"] == nil {
			t.Errorf("search/jql without fields gave %v, want only an id", first)
		}
		// Paging by token.
		var keys []string
		token := ""
		for range 5 {
			body := map[string]any{"jql": "project = SUP ORDER BY key ASC", "maxResults": 1, "fields": []string{"summary"}}
			if token != "" {
				body["nextPageToken"] = token
			}
			a := c.do("POST", "/rest/api/2/search/jql", body)
			keys = append(keys, keysOf(t, a)...)
			m := a.object(t)
			if m["isLast"] == true {
				break
			}
			token, _ = m["nextPageToken"].(string)
		}
		if !slices.Equal(keys, []string{"SUP-1", "SUP-2"}) {
			t.Errorf("paged keys = %v", keys)
		}
		if a := c.do("POST", "/rest/api/2/search/jql", map[string]any{"jql": "ORDER BY created"}); a.status != 400 {
			t.Errorf("unbounded JQL answered %d", a.status)
		}
	})

	t.Run("server", func(t *testing.T) {
		_, c := seed(t, serverOpts)
		if a := c.do("GET", "/rest/api/2/search/jql?jql=labels%3Da", nil); a.status != http.StatusNotFound {
			t.Errorf("search/jql on Server: %d", a.status)
		}
		a := c.do("GET", "/rest/api/2/search?"+url.Values{"jql": {"labels = a ORDER BY created ASC"}}.Encode(), nil)
		m := a.object(t)
		if keys := keysOf(t, a); !slices.Equal(keys, []string{"SUP-1", "TECH-1"}) || m["total"] != float64(2) || m["startAt"] != float64(0) {
			t.Errorf("search = %s", a.raw)
		}
		a = c.do("POST", "/rest/api/2/search", map[string]any{"jql": "project = SUP", "startAt": 1, "maxResults": 1})
		if m := a.object(t); m["total"] != float64(2) || len(m["issues"].([]any)) != 1 {
			t.Errorf("POST search = %s", a.raw)
		}
	})

	t.Run("loose label search", func(t *testing.T) {
		s, c := seed(t, cloudOpts)
		decoy := s.CreateIssue("SUP", "About a", "mentions parley-x-1 in its text")
		q := url.Values{"jql": {`labels = "parley-x-1"`}, "fields": {"summary,labels"}}
		if keys := keysOf(t, c.do("GET", "/rest/api/2/search/jql?"+q.Encode(), nil)); len(keys) != 0 {
			t.Errorf("exact label search found %v", keys)
		}
		s.SetLooseLabelSearch(true)
		if keys := keysOf(t, c.do("GET", "/rest/api/2/search/jql?"+q.Encode(), nil)); !slices.Equal(keys, []string{decoy.Key}) {
			t.Errorf("loose label search found %v, want the decoy %s", keys, decoy.Key)
		}
	})

	t.Run("jql forms", func(t *testing.T) {
		s, c := seed(t, serverOpts)
		for _, tc := range []struct {
			jql    string
			want   []string // nil: expect 400
			reason string
		}{
			{`labels = "a"`, []string{"SUP-1", "TECH-1"}, ""},
			{`labels = a`, []string{"SUP-1", "TECH-1"}, ""},
			{`labels in ("a", "b")`, []string{"SUP-1", "SUP-2", "TECH-1"}, ""},
			{`key = SUP-2`, []string{"SUP-2"}, ""},
			{`key in (SUP-1, TECH-1)`, []string{"SUP-1", "TECH-1"}, ""},
			{`project = SUP`, []string{"SUP-1", "SUP-2"}, ""},
			{`project = SUP AND labels = a`, []string{"SUP-1"}, ""},
			{`labels = parley and project = sup`, []string{"SUP-1"}, ""},
			{`labels = nothing`, []string{}, ""},
			{`labels = a ORDER BY created DESC`, []string{"TECH-1", "SUP-1"}, ""},
			{`key = SUP-99`, nil, "does not exist for field 'key'"},
			{`project = NOPE`, nil, "does not exist for the field 'project'"},
			{`summary ~ "one"`, nil, "Field 'summary' does not exist"},
			{`labels = a OR labels = b`, nil, "OR"},
			{`labels ~ a`, nil, "'~'"},
			{`labels = "unclosed`, nil, "quoted string"},
			{`labels = a b`, nil, "Expecting either 'OR' or 'AND'"},
		} {
			a := c.do("GET", "/rest/api/2/search?"+url.Values{"jql": {tc.jql}, "fields": {"summary"}}.Encode(), nil)
			if tc.want == nil {
				if a.status != 400 || !strings.Contains(string(a.raw), tc.reason) {
					t.Errorf("%s: %d %s; want 400 mentioning %q", tc.jql, a.status, a.raw, tc.reason)
				}
				continue
			}
			keys := keysOf(t, a)
			if tc.jql != `labels = a ORDER BY created DESC` {
				slices.Sort(keys)
			}
			if !slices.Equal(keys, tc.want) && !(len(keys) == 0 && len(tc.want) == 0) {
				t.Errorf("%s: keys %v, want %v", tc.jql, keys, tc.want)
			}
		}
		if rej := s.Rejected(); !slices.ContainsFunc(rej, func(r string) bool { return strings.Contains(r, "SUP-99") }) {
			t.Errorf("Rejected() does not mention the bad JQL: %q", rej)
		}
	})
}

func TestRemoteLinksAreIdempotentByGlobalID(t *testing.T) {
	t.Parallel()
	s, c := start(t, cloudOpts)
	jc := goJira(t, s, cloudOpts)
	mustCreate(t, jc, newIssue("SUP", "x"))
	link := func(gid, title string) *gojira.Response {
		_, resp, err := jc.Issue.AddRemoteLink("SUP-1", &gojira.RemoteLink{
			GlobalID: gid,
			Object:   &gojira.RemoteLinkObject{URL: "https://parley.example/support/7", Title: title},
		})
		if err != nil {
			t.Fatalf("AddRemoteLink: %v (%s)", err, body(resp))
		}
		return resp
	}
	if resp := link("parley-ticket-7", "Ticket #7"); resp.StatusCode != http.StatusCreated {
		t.Errorf("first link answered %d", resp.StatusCode)
	}
	if resp := link("parley-ticket-7", "Ticket #7 (renamed)"); resp.StatusCode != http.StatusOK {
		t.Errorf("same globalId answered %d, want 200", resp.StatusCode)
	}
	is, _ := s.Issue("SUP-1")
	if len(is.RemoteLinks) != 1 || is.RemoteLinks[0].Title != "Ticket #7 (renamed)" || is.RemoteLinks[0].GlobalID != "parley-ticket-7" {
		t.Fatalf("links = %+v", is.RemoteLinks)
	}
	link("parley-ticket-8", "Ticket #8")
	a := c.do("GET", "/rest/api/2/issue/SUP-1/remotelink", nil)
	var links []map[string]any
	json.Unmarshal(a.raw, &links)
	if len(links) != 2 || path(links[0], "object", "url") != "https://parley.example/support/7" {
		t.Errorf("GET remotelink = %s", a.raw)
	}
	if a := c.do("POST", "/rest/api/2/issue/SUP-1/remotelink", map[string]any{"globalId": "g"}); a.status != 400 {
		t.Errorf("link without object answered %d", a.status)
	}
}

func TestTransitionsOverREST(t *testing.T) {
	t.Parallel()
	s, c := start(t, serverOpts)
	mustCreate(t, goJira(t, s, serverOpts), newIssue("SUP", "x"))
	a := c.do("GET", "/rest/api/2/issue/SUP-1/transitions", nil)
	var list struct {
		Transitions []struct{ ID, Name string }
	}
	json.Unmarshal(a.raw, &list)
	doneID := ""
	for _, tr := range list.Transitions {
		if tr.Name == "Won't Do" {
			doneID = tr.ID
		}
	}
	if doneID == "" {
		t.Fatalf("no Won't Do transition in %s", a.raw)
	}
	if a := c.do("POST", "/rest/api/2/issue/SUP-1/transitions", map[string]any{"transition": map[string]string{"id": "999"}}); a.status != 400 {
		t.Errorf("bad transition answered %d", a.status)
	}
	if a := c.do("POST", "/rest/api/2/issue/SUP-1/transitions", map[string]any{"transition": map[string]string{"id": doneID}}); a.status != http.StatusNoContent {
		t.Fatalf("transition answered %d %s", a.status, a.raw)
	}
	is, _ := s.Issue("SUP-1")
	if is.Status != "Won't Do" || is.StatusCategory != "done" || is.Resolution != "Won't Do" {
		t.Errorf("after transition: %s/%s/%s", is.Status, is.StatusCategory, is.Resolution)
	}
}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opt  jiratest.Options
		set  func(*http.Request)
	}{
		{"no credentials", cloudOpts, func(*http.Request) {}},
		{"wrong token", cloudOpts, func(r *http.Request) { r.SetBasicAuth(cloudOpts.User, "guess") }},
		{"wrong user", cloudOpts, func(r *http.Request) { r.SetBasicAuth("someone@example.com", cloudOpts.Token) }},
		{"bearer where basic is expected", cloudOpts, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+cloudOpts.Token) }},
		{"wrong PAT", serverOpts, func(r *http.Request) { r.Header.Set("Authorization", "Bearer guess") }},
		{"basic where a PAT is expected", serverOpts, func(r *http.Request) { r.SetBasicAuth("x", serverOpts.Token) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := start(t, tc.opt)
			req, _ := http.NewRequest("GET", s.URL+"/rest/api/2/myself", nil)
			tc.set(req)
			a := c.send(req)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", a.status)
			}
			if msgs, _ := a.object(t)["errorMessages"].([]any); len(msgs) == 0 {
				t.Errorf("401 body is not Jira-shaped: %s", a.raw)
			}
			rej := s.Rejected()
			if len(rej) != 1 || !strings.Contains(rej[0], "401") {
				t.Errorf("Rejected() = %q", rej)
			}
			for _, secret := range []string{cloudOpts.Token, serverOpts.Token} {
				if strings.Contains(rej[0], secret) {
					t.Errorf("Rejected() leaks a token: %q", rej[0])
				}
			}
		})
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	t.Run("FailNext with Retry-After", func(t *testing.T) {
		s, c := start(t, cloudOpts)
		s.FailNext(2, http.StatusTooManyRequests, 1500*time.Millisecond)
		for i := range 2 {
			a := c.do("GET", "/rest/api/2/serverInfo", nil)
			if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "2" {
				t.Errorf("request %d: %d Retry-After %q; want 429 with 2", i, a.status, a.header.Get("Retry-After"))
			}
		}
		if a := c.do("GET", "/rest/api/2/serverInfo", nil); a.status != 200 {
			t.Errorf("third request answered %d", a.status)
		}
		if n := s.Requests(); n != 3 {
			t.Errorf("Requests() = %d, want 3", n)
		}
		if rej := s.Rejected(); len(rej) != 0 {
			t.Errorf("injected failures show in Rejected(): %q", rej)
		}
	})

	t.Run("fail rate", func(t *testing.T) {
		s, c := start(t, serverOpts)
		s.SetFailRate(1, http.StatusTooManyRequests)
		if a := c.do("GET", "/rest/api/2/serverInfo", nil); a.status != 429 || a.header.Get("Retry-After") != "1" {
			t.Errorf("rate 1: %d %q", a.status, a.header.Get("Retry-After"))
		}
		s.SetFailRate(1)
		if a := c.do("GET", "/rest/api/2/serverInfo", nil); a.status < 500 {
			t.Errorf("default statuses gave %d", a.status)
		}
		s.SetFailRate(0)
		if a := c.do("GET", "/rest/api/2/serverInfo", nil); a.status != 200 {
			t.Errorf("rate 0 gave %d", a.status)
		}
	})

	t.Run("random faults, one of them after the work", func(t *testing.T) {
		s, _ := start(t, cloudOpts)
		jc := goJira(t, s, cloudOpts)
		s.SetFaults(1, jiratest.Fault{Status: http.StatusBadGateway, AfterWork: true})
		_, resp, err := jc.Issue.Create(newIssue("SUP", "made anyway", "parley-ticket-3"))
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("create with a lost answer: err %v resp %v; want 502", err, resp)
		}
		if l := s.IssuesWithLabel("parley-ticket-3"); len(l) != 1 {
			t.Fatalf("issues left behind = %+v, want the one created", l)
		}
		s.SetFaults(1, jiratest.Fault{Status: http.StatusServiceUnavailable})
		if _, resp, _ := jc.Issue.Create(newIssue("SUP", "refused", "parley-ticket-4")); resp == nil || resp.StatusCode != 503 {
			t.Fatalf("create with a 503 fault: %v", resp)
		}
		if l := s.IssuesWithLabel("parley-ticket-4"); len(l) != 0 {
			t.Errorf("a 503 before the work created %+v", l)
		}
		// A third of requests fail, in each of the three ways.
		s.SetFaults(1.0/3, jiratest.Fault{Status: 503}, jiratest.Fault{Status: 429, RetryAfter: time.Second},
			jiratest.Fault{Status: 502, AfterWork: true})
		seen := map[int]int{}
		const n = 600
		for range n {
			req, _ := http.NewRequest("GET", s.URL+"/rest/api/2/serverInfo", nil)
			req.SetBasicAuth(cloudOpts.User, cloudOpts.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			seen[resp.StatusCode]++
			if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "1" {
				t.Errorf("429 with Retry-After %q, want 1", resp.Header.Get("Retry-After"))
			}
		}
		failed := n - seen[200]
		if failed != s.Injected()-2 || failed < n/5 || failed > n/2 || seen[503] == 0 || seen[429] == 0 || seen[502] == 0 {
			t.Errorf("answers %v (%d injected): want about a third failed, each way", seen, s.Injected())
		}
	})

	t.Run("down closes connections", func(t *testing.T) {
		s, c := start(t, serverOpts)
		s.SetDown(true)
		req, _ := http.NewRequest("GET", s.URL+"/rest/api/2/serverInfo", nil)
		c.auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got an answer %d while down", resp.StatusCode)
		}
		s.SetDown(false)
		if a := c.do("GET", "/rest/api/2/serverInfo", nil); a.status != 200 {
			t.Errorf("after coming back: %d", a.status)
		}
	})

	t.Run("lost create answer leaves the issue behind", func(t *testing.T) {
		s, _ := start(t, cloudOpts)
		jc := goJira(t, s, cloudOpts)
		s.LoseCreateAnswers(1)
		_, resp, err := jc.Issue.Create(newIssue("SUP", "lost", "parley-ticket-9"))
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("create with a lost answer: err %v resp %v; want 502", err, resp)
		}
		if l := s.IssuesWithLabel("parley-ticket-9"); len(l) != 1 || l[0].Key != "SUP-1" {
			t.Fatalf("issue left behind = %+v", l)
		}
		if again := mustCreate(t, jc, newIssue("SUP", "again")); again.Key != "SUP-2" {
			t.Errorf("next create = %s", again.Key)
		}
	})

	t.Run("lost comment answer leaves the comment behind", func(t *testing.T) {
		s, c := start(t, cloudOpts)
		mustCreate(t, goJira(t, s, cloudOpts), newIssue("SUP", "x"))
		s.LoseCommentAnswers(1)
		if a := c.do("POST", "/rest/api/2/issue/SUP-1/comment", map[string]string{"body": "hi"}); a.status != 502 {
			t.Errorf("lost comment answered %d", a.status)
		}
		if is, _ := s.Issue("SUP-1"); len(is.Comments) != 1 {
			t.Errorf("comments = %+v", is.Comments)
		}
	})

	t.Run("delay after the work", func(t *testing.T) {
		s, _ := start(t, cloudOpts)
		s.SetDelay(time.Minute) // ended by the client's deadline, and by Cleanup
		jc := goJira(t, s, cloudOpts)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if _, _, err := jc.Issue.CreateWithContext(ctx, newIssue("SUP", "slow")); err == nil {
			t.Fatal("create succeeded despite the delay")
		}
		if n := len(s.Issues()); n != 1 {
			t.Errorf("issues after a timed-out create = %d, want 1", n)
		}
	})
}

// A stalled create does its work even after its client gave up, and
// before the create that let it go, as a Jira that took a request in would.
func TestStallNextCreate(t *testing.T) {
	t.Parallel()
	s, _ := start(t, cloudOpts)
	jc := goJira(t, s, cloudOpts)
	arrived, done := s.StallNextCreate(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, _, err := jc.Issue.CreateWithContext(ctx, newIssue("TECH", "abandoned"))
		gaveUp <- err
	}()
	wait := func(c <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-c:
		case <-time.After(10 * time.Second):
			t.Fatalf("not within 10s: %s", what)
		}
	}
	wait(arrived, "the stalled create arriving")
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("the abandoned create got an answer")
	}
	if n := len(s.Issues()); n != 0 {
		t.Fatalf("%d issues while the create is held, want 0", n)
	}
	second := mustCreate(t, jc, newIssue("TECH", "second"))
	wait(done, "the stalled create's work")
	var got []string
	for _, is := range s.Issues() {
		got = append(got, is.Key+" "+is.Summary)
	}
	if want := []string{"TECH-1 abandoned", "TECH-2 second"}; !slices.Equal(got, want) || second.Key != "TECH-2" {
		t.Errorf("issues %q, second answered %s; want %q", got, second.Key, want)
	}

	// Without another create, the stall ends after its time.
	_, done = s.StallNextCreate(10 * time.Millisecond)
	third := mustCreate(t, jc, newIssue("TECH", "third"))
	wait(done, "the third create's work")
	if third.Key != "TECH-3" {
		t.Errorf("third create answered %s, want TECH-3", third.Key)
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	const secret = "webhook-secret"
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), b}
	}))
	t.Cleanup(receiver.Close)

	s, _ := start(t, cloudOpts)
	mustCreate(t, goJira(t, s, cloudOpts), newIssue("SUP", "x"))

	t.Run("transition event, signed delivery", func(t *testing.T) {
		ev := s.Transition("SUP-1", "Done")
		resp, err := s.Deliver(receiver.URL, secret, ev)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		d := <-got
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(d.body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); d.header.Get("X-Hub-Signature") != want || jiratest.Sign(secret, d.body) != want {
			t.Errorf("signature %q, want %q", d.header.Get("X-Hub-Signature"), want)
		}
		if d.header.Get("X-Atlassian-Webhook-Identifier") != ev.ID || d.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers = %v", d.header)
		}
		var m map[string]any
		if err := json.Unmarshal(d.body, &m); err != nil {
			t.Fatal(err)
		}
		if m["webhookEvent"] != "jira:issue_updated" || path(m, "issue", "fields", "status", "name") != "Done" ||
			path(m, "issue", "fields", "resolution", "name") != "Done" || m["timestamp"] == nil {
			t.Errorf("event = %s", d.body)
		}
		items := path(m, "changelog", "items").([]any)
		want := []map[string]any{
			{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "10000", "fromString": "To Do", "to": "10001", "toString": "Done"},
			{"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "from": nil, "fromString": nil, "to": "10000", "toString": "Done"},
		}
		if len(items) != 2 {
			t.Fatalf("items = %v", items)
		}
		for i, w := range want {
			for k, v := range w {
				if items[i].(map[string]any)[k] != v {
					t.Errorf("item %d %s = %v, want %v", i, k, items[i].(map[string]any)[k], v)
				}
			}
		}
		if again := s.Transition("SUP-1", "In Progress"); again.ID == ev.ID {
			t.Error("two events share an ID")
		}
	})

	t.Run("unsigned delivery", func(t *testing.T) {
		ev := s.Transition("SUP-1", "To Do")
		resp, err := s.Deliver(receiver.URL, "", ev)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if d := <-got; d.header.Get("X-Hub-Signature") != "" {
			t.Errorf("unsigned delivery carries %q", d.header.Get("X-Hub-Signature"))
		}
	})

	t.Run("sprint shapes", func(t *testing.T) {
		item := func(ev jiratest.Event) (map[string]any, any) {
			var m map[string]any
			json.Unmarshal(ev.Body, &m)
			items := path(m, "changelog", "items").([]any)
			if len(items) != 1 {
				t.Fatalf("items = %v", items)
			}
			return items[0].(map[string]any), path(m, "issue", "fields", "customfield_10020")
		}
		it, field := item(s.SetSprint("SUP-1", &jiratest.Sprint{ID: 4, Name: "Sprint 4", State: "active"}, jiratest.ShapeCloud))
		if it["fieldId"] != "customfield_10020" || it["from"] != "" || it["fromString"] != "" || it["to"] != "4" || it["toString"] != "Sprint 4" {
			t.Errorf("cloud item = %v", it)
		}
		if o, _ := field.([]any)[0].(map[string]any); o["state"] != "active" {
			t.Errorf("cloud field = %v", field)
		}

		s.SetSprint("SUP-1", &jiratest.Sprint{ID: 4, Name: "Sprint 4", State: "closed"}, jiratest.ShapeCloud)
		it, _ = item(s.SetSprint("SUP-1", &jiratest.Sprint{ID: 5, Name: "Sprint 5", State: "active"}, jiratest.ShapeCloud))
		if it["from"] != "4" || it["to"] != "4, 5" || it["toString"] != "Sprint 4, Sprint 5" {
			t.Errorf("closed sprint is not kept as history: %v", it)
		}

		it, field = item(s.SetSprint("SUP-1", nil, jiratest.ShapeServer))
		if _, has := it["fieldId"]; has || it["field"] != "Sprint" || it["from"] != "4, 5" || it["to"] != "4" {
			t.Errorf("server item = %v", it)
		}
		if str, _ := field.([]any)[0].(string); !strings.Contains(str, "state=CLOSED,name=Sprint 4,") {
			t.Errorf("server field = %v", field)
		}

		fresh := mustCreate(t, goJira(t, s, cloudOpts), newIssue("SUP", "fresh"))
		it, _ = item(s.SetSprint(fresh.Key, &jiratest.Sprint{ID: 6, Name: "Sprint 6", State: "future"}, jiratest.ShapeServer))
		if v, has := it["from"]; !has || v != nil || it["fromString"] != nil || it["to"] != "6" {
			t.Errorf("server item from nothing = %v", it)
		}
		if is, _ := s.Issue(fresh.Key); len(is.Sprints) != 1 || is.Sprints[0].State != "future" {
			t.Errorf("sprints = %+v", is.Sprints)
		}
	})
}
