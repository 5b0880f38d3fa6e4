package jira

import (
	"encoding/json"
	"testing"
)

// The sprint field comes in several shapes depending on the Jira; each must
// give the same answer about the issue's current sprint.
func TestSprintFieldShapes(t *testing.T) {
	cases := []struct {
		name       string
		raw        string
		recognised bool
		sprint     string
		active     bool
	}{
		{"cloud active", `[{"id":5,"name":"Sprint 5","state":"active","boardId":1,"goal":""}]`, true, "Sprint 5", true},
		{"cloud future", `[{"id":6,"name":"Sprint 6","state":"future","boardId":1}]`, true, "Sprint 6", false},
		{"cloud closed then active", `[{"id":4,"name":"Sprint 4","state":"closed","boardId":1},{"id":5,"name":"Sprint 5","state":"active","boardId":1}]`, true, "Sprint 5", true},
		{"cloud only closed", `[{"id":4,"name":"Sprint 4","state":"closed","boardId":1}]`, true, "", false},
		{"server string active", `["com.atlassian.greenhopper.service.sprint.Sprint@1a2b3c[id=5,rapidViewId=1,state=ACTIVE,name=Sprint 5,startDate=2024-05-01T10:00:00.000Z,endDate=<null>,completeDate=<null>,sequence=5,goal=]"]`, true, "Sprint 5", true},
		{"server string with comma in name", `["com.atlassian.greenhopper.service.sprint.Sprint@9[id=7,rapidViewId=2,state=FUTURE,name=Android, iOS,startDate=<null>,sequence=7]"]`, true, "Android, iOS", false},
		{"server closed", `["com.atlassian.greenhopper.service.sprint.Sprint@9[id=3,rapidViewId=2,state=CLOSED,name=Old,sequence=3]"]`, true, "", false},
		{"null", `null`, true, "", false},
		{"empty", `[]`, true, "", false},
		{"plain text field", `"Please add dark mode"`, false, "", false},
		{"select field", `{"self":"x","value":"Android","id":"10001"}`, false, "", false},
		{"labels-like array", `["a","b"]`, false, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sps, ok := parseSprints(json.RawMessage(c.raw))
			if ok != c.recognised {
				t.Fatalf("recognised = %v, want %v", ok, c.recognised)
			}
			var f issueFacts
			f.setSprints("customfield_10020", sps)
			if f.Sprint != c.sprint || f.SprintActive != c.active {
				t.Errorf("sprint %q active %v, want %q %v", f.Sprint, f.SprintActive, c.sprint, c.active)
			}
		})
	}
}

func TestReadIssueFindsSprintFieldByShape(t *testing.T) {
	var is issueJSON
	raw := `{"id":"1","key":"FEAT-1","fields":{
		"status":{"name":"To Do","statusCategory":{"key":"new"}},
		"resolution":null,
		"updated":"2024-05-01T10:00:00.000+0000",
		"customfield_10050":"Dark mode",
		"customfield_10101":[{"id":9,"name":"Sprint 9","state":"active","boardId":3}]}}`
	if err := json.Unmarshal([]byte(raw), &is); err != nil {
		t.Fatal(err)
	}
	f := readIssue(is, "")
	if !f.SprintKnown || f.SprintField != "customfield_10101" || !f.SprintActive || f.Sprint != "Sprint 9" {
		t.Fatalf("facts %+v: want the active Sprint 9 found in customfield_10101", f)
	}
	if got := mapStatus(f.Category, f.Status, f.Resolution, f.SprintActive); got != StatusInSprint {
		t.Errorf("status %s, want in_sprint", got)
	}
	if f.UpdatedMS != 1714557600000 {
		t.Errorf("updated %d", f.UpdatedMS)
	}
}

func TestMapStatus(t *testing.T) {
	cases := []struct {
		category, status, resolution string
		active                       bool
		want                         Status
	}{
		{"new", "To Do", "", false, StatusPlanned},
		{"new", "Backlog", "", false, StatusPlanned},
		{"new", "To Do", "", true, StatusInSprint},
		{"indeterminate", "In Progress", "", false, StatusInSprint},
		{"done", "Done", "Done", false, StatusDone},
		{"done", "Done", "Fixed", true, StatusDone},
		{"done", "Closed", "Won't Do", false, StatusRejected},
		{"done", "Closed", "Won’t Fix", false, StatusRejected},
		{"done", "Rejected", "", false, StatusRejected},
		{"done", "Done", "Duplicate", false, StatusRejected},
		{"done", "Done", "Cannot Reproduce", false, StatusRejected},
		{"done", "Declined", "", false, StatusRejected},
		{"", "Open", "", false, StatusPlanned}, // no category: guessed from the name
	}
	for _, c := range cases {
		cat := c.category
		if cat == "" {
			cat = categoryOf(c.status)
		}
		if got := mapStatus(cat, c.status, c.resolution, c.active); got != c.want {
			t.Errorf("%s/%s/%s active=%v: %s, want %s", c.category, c.status, c.resolution, c.active, got, c.want)
		}
	}
}

func TestCommentMarker(t *testing.T) {
	text := commentText("Anna", "It works now.\nThanks!", 12)
	if id, ok := commentPost(text); !ok || id != 12 {
		t.Fatalf("marker of %q: %d %v", text, id, ok)
	}
	if _, ok := commentPost("Parley reply #12 was quoted here, then more text"); ok {
		t.Error("a marker in the middle of a comment must not count")
	}
	if id, _ := commentPost(commentText("", "x", 1)); id != 1 {
		t.Error("marker #1 not found")
	}
}
