package jiratest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// searchServer is GET|POST /rest/api/2/search: Server and Data Center only;
// Jira Cloud removed it.
func (s *Server) searchServer(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.opt.Cloud {
		s.refuse(w, r, http.StatusGone, "Jira Cloud removed /rest/api/2/search",
			[]string{"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"}, nil)
		return
	}
	var req struct {
		JQL        string   `json:"jql"`
		StartAt    int      `json:"startAt"`
		MaxResults *int     `json:"maxResults"`
		Fields     []string `json:"fields"`
	}
	var fieldParams []string
	if r.Method == http.MethodPost {
		if !s.readJSON(w, r, body, &req) {
			return
		}
		fieldParams = req.Fields
	} else {
		q := r.URL.Query()
		req.JQL = q.Get("jql")
		req.StartAt, _ = strconv.Atoi(q.Get("startAt"))
		if v, err := strconv.Atoi(q.Get("maxResults")); err == nil {
			req.MaxResults = &v
		}
		fieldParams = q["fields"]
	}
	found, ok := s.runJQL(w, r, req.JQL, false)
	if !ok {
		return
	}
	limit := 50
	if req.MaxResults != nil {
		limit = min(max(*req.MaxResults, 0), 1000)
	}
	start := min(max(req.StartAt, 0), len(found))
	end := min(start+limit, len(found))
	ff := parseFieldList(fieldParams)
	issues := []any{}
	for _, is := range found[start:end] {
		issues = append(issues, s.issueJSON(is, ff, s.defaultShape()))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"expand": "schema,names", "startAt": start, "maxResults": limit, "total": len(found), "issues": issues,
	})
}

// searchCloud is GET|POST /rest/api/2/search/jql: Cloud only. It pages by
// token, has no total, and returns only ids unless fields are asked for.
func (s *Server) searchCloud(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.opt.Cloud {
		s.notFound(w, r)
		return
	}
	var req struct {
		JQL           string   `json:"jql"`
		NextPageToken string   `json:"nextPageToken"`
		MaxResults    *int     `json:"maxResults"`
		Fields        []string `json:"fields"`
	}
	var fieldParams []string
	if r.Method == http.MethodPost {
		if !s.readJSON(w, r, body, &req) {
			return
		}
		fieldParams = req.Fields
	} else {
		q := r.URL.Query()
		req.JQL = q.Get("jql")
		req.NextPageToken = q.Get("nextPageToken")
		if v, err := strconv.Atoi(q.Get("maxResults")); err == nil {
			req.MaxResults = &v
		}
		fieldParams = q["fields"]
	}
	start := 0
	if req.NextPageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextPageToken, "jt-"))
		if err != nil || !strings.HasPrefix(req.NextPageToken, "jt-") || n < 0 {
			s.refuse(w, r, http.StatusBadRequest, "bad nextPageToken",
				[]string{"The provided next page token is invalid or expired."}, nil)
			return
		}
		start = n
	}
	found, ok := s.runJQL(w, r, req.JQL, true)
	if !ok {
		return
	}
	limit := 50
	if req.MaxResults != nil {
		limit = min(max(*req.MaxResults, 1), 100)
	}
	start = min(start, len(found))
	end := min(start+limit, len(found))
	ff := parseFieldList(fieldParams)
	issues := []any{}
	for _, is := range found[start:end] {
		if ff == nil {
			issues = append(issues, map[string]any{"id": is.ID})
			continue
		}
		issues = append(issues, s.issueJSON(is, ff, ShapeCloud))
	}
	res := map[string]any{"issues": issues, "isLast": end >= len(found)}
	if end < len(found) {
		res["nextPageToken"] = fmt.Sprintf("jt-%d", end)
	}
	writeJSON(w, http.StatusOK, res)
}

// runJQL parses, checks and runs a query; on failure it has answered 400.
func (s *Server) runJQL(w http.ResponseWriter, r *http.Request, jql string, bounded bool) ([]*issue, bool) {
	q, err := parseJQL(jql)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "bad JQL "+strconv.Quote(jql), []string{err.Error()}, nil)
		return nil, false
	}
	if bounded && len(q.clauses) == 0 {
		s.refuse(w, r, http.StatusBadRequest, "unbounded JQL "+strconv.Quote(jql),
			[]string{"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."}, nil)
		return nil, false
	}
	if msgs := s.checkJQL(&q); len(msgs) > 0 {
		s.refuse(w, r, http.StatusBadRequest, "JQL names unknown values "+strconv.Quote(jql), msgs, nil)
		return nil, false
	}
	var found []*issue
	for _, is := range s.issues {
		if q.matches(is, s.looseLabels) {
			found = append(found, is)
		}
	}
	order := q.order
	if len(order) == 0 {
		order = []ordering{{field: "created", desc: true}} // newest first, as Jira does without ORDER BY
	}
	slices.SortStableFunc(found, func(a, b *issue) int {
		for _, o := range order {
			var c int
			switch o.field {
			case "created":
				c = cmp.Or(a.Created.Compare(b.Created), cmp.Compare(idNumber(a.ID), idNumber(b.ID)))
			case "updated":
				c = a.Updated.Compare(b.Updated)
			case "key":
				c = cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(keyNumber(a.Key), keyNumber(b.Key)))
			case "id":
				c = cmp.Compare(idNumber(a.ID), idNumber(b.ID))
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return found, true
}

func idNumber(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

func keyNumber(key string) int {
	_, num, _ := strings.Cut(key, "-")
	n, _ := strconv.Atoi(num)
	return n
}

// checkJQL finds values Jira would refuse (unknown projects, statuses and
// issue keys) and turns project ids into keys.
func (s *Server) checkJQL(q *jqlQuery) []string {
	var msgs []string
	for _, c := range q.clauses {
		for i, v := range c.values {
			switch c.field {
			case "project":
				j := slices.IndexFunc(s.projects, func(p project) bool { return strings.EqualFold(p.Key, v) || p.ID == v })
				if j < 0 {
					msgs = append(msgs, fmt.Sprintf("The value '%s' does not exist for the field 'project'.", v))
				} else {
					c.values[i] = s.projects[j].Key
				}
			case "status":
				if _, ok := statusByName(v); !ok {
					msgs = append(msgs, fmt.Sprintf("The value '%s' does not exist for the field 'status'.", v))
				}
			case "key":
				if s.find(v) == nil {
					msgs = append(msgs, fmt.Sprintf("An issue with key '%s' does not exist for field 'key'.", v))
				}
			}
		}
	}
	return msgs
}

// jqlQuery is the supported JQL subset: clauses joined by AND, then an
// optional ORDER BY.
type jqlQuery struct {
	clauses []jqlClause
	order   []ordering
}

// jqlClause is field = value or field IN (values).
type jqlClause struct {
	field  string // labels, key, project, status
	values []string
}

type ordering struct {
	field string // created, updated, key, id
	desc  bool
}

// matches: with loose, a labels clause also matches text that mentions the
// label (SetLooseLabelSearch).
func (q jqlQuery) matches(is *issue, loose bool) bool {
	for _, c := range q.clauses {
		if !slices.ContainsFunc(c.values, func(v string) bool { return c.match(is, v, loose) }) {
			return false
		}
	}
	return true
}

func (c jqlClause) match(is *issue, v string, loose bool) bool {
	switch c.field {
	case "labels":
		return slices.Contains(is.Labels, v) || (loose && (strings.Contains(is.Summary, v) || strings.Contains(is.Description, v)))
	case "key":
		return strings.EqualFold(is.Key, v) || is.ID == v
	case "project":
		return is.Project == v
	case "status":
		return strings.EqualFold(is.Status, v)
	}
	return false
}

type jqlToken struct {
	kind string // word, string, op, (, ), ",", end
	text string
	pos  int
}

// jqlError is Jira's wording for a query it cannot parse.
type jqlError struct {
	msg string
	pos int
}

func (e *jqlError) Error() string {
	return fmt.Sprintf("Error in the JQL Query: %s (line 1, character %d)", e.msg, e.pos+1)
}

func lexJQL(q string) ([]jqlToken, error) {
	var toks []jqlToken
	rs := []rune(q)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, jqlToken{kind: string(c), text: string(c), pos: i})
			i++
		case c == '"' || c == '\'':
			start := i
			var b strings.Builder
			i++
			for ; i < len(rs) && rs[i] != c; i++ {
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
				}
				b.WriteRune(rs[i])
			}
			if i >= len(rs) {
				return nil, &jqlError{msg: "The quoted string has not been completed.", pos: start}
			}
			i++
			toks = append(toks, jqlToken{kind: "string", text: b.String(), pos: start})
		case strings.ContainsRune("=!<>~", c):
			start := i
			i++
			for i < len(rs) && strings.ContainsRune("=~", rs[i]) {
				i++
			}
			toks = append(toks, jqlToken{kind: "op", text: string(rs[start:i]), pos: start})
		case unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("_-.", c):
			start := i
			for i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]) || strings.ContainsRune("_-.", rs[i])) {
				i++
			}
			toks = append(toks, jqlToken{kind: "word", text: string(rs[start:i]), pos: start})
		default:
			return nil, &jqlError{msg: fmt.Sprintf("The character '%c' is a reserved JQL character. You must enclose it in a string or use the escape '\\u%04x' instead.", c, c), pos: i}
		}
	}
	return append(toks, jqlToken{kind: "end", pos: len(rs)}), nil
}

// parseJQL reads the supported subset; anything else is an error whose
// text says what Jira would say or, for valid JQL the fake does not know,
// that jiratest does not support it.
func parseJQL(q string) (jqlQuery, error) {
	toks, err := lexJQL(q)
	if err != nil {
		return jqlQuery{}, err
	}
	var out jqlQuery
	i := 0
	next := func() jqlToken {
		t := toks[i]
		if t.kind != "end" {
			i++
		}
		return t
	}
	peekWord := func(w string) bool { return toks[i].kind == "word" && strings.EqualFold(toks[i].text, w) }
	value := func() (string, error) {
		t := next()
		if t.kind != "word" && t.kind != "string" {
			return "", &jqlError{msg: fmt.Sprintf("Expecting either a value, list or function but got '%s'.", t.text), pos: t.pos}
		}
		return t.text, nil
	}
	if toks[i].kind != "end" && !peekWord("order") {
		for {
			ft := next()
			if ft.kind != "word" && ft.kind != "string" {
				return out, &jqlError{msg: fmt.Sprintf("Expecting a field name but got '%s'.", ft.text), pos: ft.pos}
			}
			var c jqlClause
			switch strings.ToLower(ft.text) {
			case "labels", "label":
				c.field = "labels"
			case "key", "issuekey", "issue", "id":
				c.field = "key"
			case "project":
				c.field = "project"
			case "status":
				c.field = "status"
			default:
				return out, &jqlError{msg: fmt.Sprintf("Field '%s' does not exist or you do not have permission to view it. (jiratest knows labels, key, project, status)", ft.text), pos: ft.pos}
			}
			op := next()
			switch {
			case op.kind == "op" && op.text == "=":
				v, err := value()
				if err != nil {
					return out, err
				}
				c.values = []string{v}
			case op.kind == "word" && strings.EqualFold(op.text, "in"):
				if t := next(); t.kind != "(" {
					return out, &jqlError{msg: fmt.Sprintf("Expecting '(' but got '%s'.", t.text), pos: t.pos}
				}
				for {
					v, err := value()
					if err != nil {
						return out, err
					}
					c.values = append(c.values, v)
					t := next()
					if t.kind == ")" {
						break
					}
					if t.kind != "," {
						return out, &jqlError{msg: fmt.Sprintf("Expecting ',' or ')' but got '%s'.", t.text), pos: t.pos}
					}
				}
			case op.kind == "op" || (op.kind == "word" && (strings.EqualFold(op.text, "not") || strings.EqualFold(op.text, "is") || strings.EqualFold(op.text, "was"))):
				return out, &jqlError{msg: fmt.Sprintf("jiratest supports only '=' and 'IN', not '%s'.", op.text), pos: op.pos}
			default:
				return out, &jqlError{msg: fmt.Sprintf("Expecting operator but got '%s'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.", op.text), pos: op.pos}
			}
			out.clauses = append(out.clauses, c)
			switch {
			case peekWord("and"):
				i++
				continue
			case peekWord("or"):
				return out, &jqlError{msg: "jiratest supports only AND between clauses, not OR.", pos: toks[i].pos}
			case peekWord("order"), toks[i].kind == "end":
			default:
				t := toks[i]
				return out, &jqlError{msg: fmt.Sprintf("Expecting either 'OR' or 'AND' but got '%s'.", t.text), pos: t.pos}
			}
			break
		}
	}
	if peekWord("order") {
		i++
		if !peekWord("by") {
			t := toks[i]
			return out, &jqlError{msg: fmt.Sprintf("Expecting 'by' but got '%s'.", t.text), pos: t.pos}
		}
		i++
		for {
			ft := next()
			var o ordering
			switch strings.ToLower(ft.text) {
			case "created", "createddate":
				o.field = "created"
			case "updated", "updateddate":
				o.field = "updated"
			case "key", "issuekey":
				o.field = "key"
			case "id":
				o.field = "id"
			default:
				if ft.kind == "end" {
					return out, &jqlError{msg: "Expecting a field name at the end of the query.", pos: ft.pos}
				}
				return out, &jqlError{msg: fmt.Sprintf("Not able to sort using field '%s'. (jiratest sorts by created, updated, key, id)", ft.text), pos: ft.pos}
			}
			if peekWord("asc") {
				i++
			} else if peekWord("desc") {
				o.desc = true
				i++
			}
			out.order = append(out.order, o)
			if toks[i].kind == "," {
				i++
				continue
			}
			break
		}
	}
	if t := toks[i]; t.kind != "end" {
		return out, &jqlError{msg: fmt.Sprintf("Expecting end of query but got '%s'.", t.text), pos: t.pos}
	}
	return out, nil
}
