// Package jiratest is an in-process fake Jira for tests: it speaks the parts
// of Jira's REST API v2 that Parley uses, on a loopback httptest server, and
// can act as a person in Jira (transitions, sprints) by producing the webhook
// bodies Jira would send.
//
// What the fake copies from real Jira, as found in Atlassian's documentation,
// client libraries and their bug trackers:
//
//   - Errors have the body {"errorMessages":[…],"errors":{field: message}}; the
//     create validation messages ("Field 'customfield_9' cannot be set. It is
//     not on the appropriate screen, or unknown.", "The issue type selected is
//     invalid.", …) are Jira's.
//   - Jira Cloud removed GET|POST /rest/api/2/search (CHANGE-2046) and answers
//     410 with a message pointing to /search/jql. The replacement returns only
//     issue ids unless fields are asked for, pages with nextPageToken/isLast
//     instead of startAt/total, and refuses unbounded JQL. Server and Data
//     Center only have /search.
//   - JQL naming an issue key that does not exist is a 400, not an empty
//     result ("An issue with key 'SUP-9' does not exist for field 'key'.").
//   - go-jira v1.16.0's Issue.AddComment marshals Comment.Author and
//     UpdateAuthor (structs, so omitempty does not drop them) as
//     {"avatarUrls":{}} and Visibility as {}. Jira Cloud rejects that body with
//     400 "Invalid request payload. Refer to the REST API documentation and
//     try again." (go-jira issue #604); Server ignores the extra objects.
//   - Remote links are unique per globalId: a second POST with the same
//     globalId updates the link and answers 200 instead of 201.
//   - Webhooks are signed as X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
//     raw body> and carry X-Atlassian-Webhook-Identifier, which stays the same
//     when Jira retries a delivery.
//   - Sprint field values: Cloud (and newer Data Center) send objects
//     {"id","name","state","boardId",…}; older Server sends strings
//     "com.atlassian.greenhopper.service.sprint.Sprint@be7f5f[id=82,
//     rapidViewId=52,state=CLOSED,name=…,goal=<null>,startDate=…,…,sequence=82]".
//   - Sprint changelog items: Cloud names the field by fieldId
//     ("customfield_10020") and gives ids and names comma-separated
//     ("126, 127"); samples from real Cloud payloads sometimes carry null
//     fromString/toString, so clients must not rely on the names. Older
//     Server items have no fieldId and use null where Cloud has "".
//
// Deliberate simplifications: one board (id 1), global transitions between
// all six statuses, a small JQL subset (labels, key, project, status with =
// and IN, joined by AND, ORDER BY created|updated|key|id), no permissions
// beyond the one set of credentials.
package jiratest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options shape the fake Jira.
type Options struct {
	Cloud        bool     // true: Jira Cloud behaviour; false: Server/Data Center
	User         string   // Basic auth user (Cloud: e-mail). Empty: a PAT sent as "Authorization: Bearer TOKEN"
	Token        string   // API token or personal access token
	Projects     []string // known project keys; default {"SUP","TECH","FEAT"}
	IssueTypes   []string // default {"Task","Bug","Story"}
	CustomFields []string // custom field ids that may be set on create; default customfield_10050…10054
	SprintField  string   // default "customfield_10020"
	Seed         int64    // for the random failure rate; default 1
}

// Server is a running fake Jira. All methods are safe for concurrent use.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:41234

	tb      testing.TB
	opt     Options
	srv     *httptest.Server
	closing chan struct{}

	mu             sync.Mutex
	rng            *rand.Rand
	failRate       float64
	faults         []Fault
	injected       int
	looseLabels    bool
	failNext       int
	failNextStatus int
	failNextRetry  time.Duration
	down           bool
	delay          time.Duration
	loseCreates    int
	loseComments   int
	stall          *stall
	requests       int
	rejected       []string

	projects     []project
	issueTypes   []issueType
	customFields map[string]bool
	issues       []*issue
	keyCounter   map[string]int
	nextIssueID  int
	nextComment  int
	nextLink     int
	nextChange   int
	deliveries   int
}

type project struct{ ID, Key string }
type issueType struct{ ID, Name string }

// maxBody bounds a request body; Jira's own limit is larger, but nothing
// Parley sends comes near it.
const maxBody = 8 << 20

// New starts a fake Jira on 127.0.0.1; tb.Cleanup stops it.
func New(tb testing.TB, opt Options) *Server {
	tb.Helper()
	if len(opt.Projects) == 0 {
		opt.Projects = []string{"SUP", "TECH", "FEAT"}
	}
	if len(opt.IssueTypes) == 0 {
		opt.IssueTypes = []string{"Task", "Bug", "Story"}
	}
	if len(opt.CustomFields) == 0 {
		for n := 10050; n <= 10054; n++ {
			opt.CustomFields = append(opt.CustomFields, fmt.Sprintf("customfield_%d", n))
		}
	}
	if opt.SprintField == "" {
		opt.SprintField = "customfield_10020"
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	s := &Server{
		tb:           tb,
		opt:          opt,
		closing:      make(chan struct{}),
		rng:          rand.New(rand.NewPCG(uint64(opt.Seed), 0x6a697261)),
		faults:       statusFaults(nil),
		customFields: map[string]bool{},
		keyCounter:   map[string]int{},
		nextIssueID:  10000,
		nextComment:  10000,
		nextLink:     10000,
		nextChange:   10100,
	}
	for i, k := range opt.Projects {
		s.projects = append(s.projects, project{ID: fmt.Sprint(10000 + i), Key: k})
	}
	for i, n := range opt.IssueTypes {
		s.issueTypes = append(s.issueTypes, issueType{ID: fmt.Sprint(10001 + i), Name: n})
	}
	for _, f := range opt.CustomFields {
		s.customFields[f] = true
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	tb.Cleanup(func() {
		close(s.closing) // ends delayed answers so Close does not wait for them
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// Fault is one way the fake fails a request on purpose.
type Fault struct {
	Status     int           // what the client gets
	RetryAfter time.Duration // sent as Retry-After in whole seconds (rounded up) when > 0
	// AfterWork serves the request first and then answers Status instead of
	// Jira's answer, as a proxy that lost the answer would: the issue or
	// comment exists, and the client cannot tell.
	AfterWork bool
}

// SetFailRate makes each request fail with probability p, with a status
// picked from statuses (default 502, 503, 500). 429 answers carry
// Retry-After: 1.
func (s *Server) SetFailRate(p float64, statuses ...int) {
	s.SetFaults(p, statusFaults(statuses)...)
}

// SetFaults makes each request fail with probability p, in one of faults
// picked at random (default: 502, 503 or 500 before any work is done). The
// draws come from Options.Seed, so one goroutine sending the same requests
// meets the same failures; concurrent senders change which request meets
// which.
func (s *Server) SetFaults(p float64, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRate = p
	if len(faults) == 0 {
		faults = statusFaults(nil)
	}
	s.faults = slices.Clone(faults)
}

func statusFaults(statuses []int) []Fault {
	if len(statuses) == 0 {
		statuses = []int{502, 503, 500}
	}
	var out []Fault
	for _, st := range statuses {
		f := Fault{Status: st}
		if st == http.StatusTooManyRequests {
			f.RetryAfter = time.Second
		}
		out = append(out, f)
	}
	return out
}

// Injected is how many requests met a random fault (SetFailRate,
// SetFaults) so far.
func (s *Server) Injected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// SetLooseLabelSearch makes a JQL labels clause also match issues that
// mention the label in their summary or description, as a search index
// that tokenises text might. A client must check the labels it gets back.
func (s *Server) SetLooseLabelSearch(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.looseLabels = on
}

// FailNext makes the next n requests answer status, with a Retry-After
// header in whole seconds (rounded up) when retryAfter > 0.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failNextStatus, s.failNextRetry = n, status, retryAfter
}

// SetDown makes every request, while down, lose its TCP connection without
// an answer.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// SetDelay delays every answer by d. The work is done first, so a client
// that times out still leaves its effect behind.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// LoseCreateAnswers makes the next n issue creations succeed inside the fake
// while the client gets 502 Bad Gateway (as from a proxy) instead of 201.
func (s *Server) LoseCreateAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseCreates = n
}

// stall is an issue creation held before its work (StallNextCreate).
type stall struct {
	d        time.Duration
	taken    bool          // the held creation has arrived
	next     chan struct{} // closed when another creation arrives
	arrived  chan struct{} // closed when the held creation has arrived
	finished chan struct{} // closed when its work is done
}

// StallNextCreate holds the next issue creation, before any work, until
// another creation arrives or d has passed. Then it creates the issue
// whether or not its client still waits, as Jira does with a request it
// has taken in, and answers if it can; a creation that arrived meanwhile
// is served after it. arrived is closed once the held creation has come
// in, done once its issue exists.
func (s *Server) StallNextCreate(d time.Duration) (arrived, done <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &stall{d: d, next: make(chan struct{}), arrived: make(chan struct{}), finished: make(chan struct{})}
	s.stall = st
	return st.arrived, st.finished
}

// holdCreate applies StallNextCreate to a request: the held creation
// waits for its turn; one arriving while it waits lets it go first.
// finish, when not nil, must be called once the request's work is done.
func (s *Server) holdCreate(r *http.Request) (finish func()) {
	if r.Method != http.MethodPost || strings.Trim(r.URL.Path, "/") != "rest/api/2/issue" {
		return nil
	}
	s.mu.Lock()
	st := s.stall
	switch {
	case st == nil:
		s.mu.Unlock()
		return nil
	case !st.taken:
		st.taken = true
		s.mu.Unlock()
		close(st.arrived)
		t := time.NewTimer(st.d)
		defer t.Stop()
		select { // the client's going away does not matter
		case <-t.C:
		case <-st.next:
		case <-s.closing:
		}
		return func() {
			s.mu.Lock()
			if s.stall == st {
				s.stall = nil
			}
			s.mu.Unlock()
			close(st.finished)
		}
	default:
		select {
		case <-st.next:
		default:
			close(st.next)
		}
		s.mu.Unlock()
		select {
		case <-st.finished:
		case <-s.closing:
		}
		return nil
	}
}

// LoseCommentAnswers does the same as LoseCreateAnswers for comments.
func (s *Server) LoseCommentAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseComments = n
}

// Requests is the number of requests received, failed ones and those cut
// off while down included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Rejected lists, in order, why the fake answered 4xx of its own accord
// (bad credentials, bodies, JQL, unknown issues…). Injected failures
// (FailNext, SetFailRate) are not listed.
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejected)
}

// ServeHTTP answers one request: faults first (as a proxy in front of Jira
// would), then authentication, then the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	down := s.down
	s.mu.Unlock()
	if down {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away mid-body
	}
	finish := s.holdCreate(r)
	rec := &recorder{h: http.Header{}}
	s.mu.Lock()
	s.handle(rec, r, body)
	delay := s.delay
	s.mu.Unlock()
	if finish != nil {
		finish()
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	rec.flush(w)
}

// handle runs with s.mu held; it writes into a buffer, never the network.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.failNext > 0 {
		s.failNext--
		s.injectFailure(w, s.failNextStatus, s.failNextRetry)
		return
	}
	if s.failRate > 0 && s.rng.Float64() < s.failRate {
		f := s.faults[s.rng.IntN(len(s.faults))]
		s.injected++
		if f.AfterWork {
			s.serve(&recorder{h: http.Header{}}, r, body)
			lostAnswer(w, f.Status)
			return
		}
		s.injectFailure(w, f.Status, f.RetryAfter)
		return
	}
	s.serve(w, r, body)
}

// serve authenticates and answers a request; s.mu is held.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if ok, why := s.authenticate(r); !ok {
		if s.opt.Cloud {
			w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		} else {
			w.Header().Set("WWW-Authenticate", `OAuth realm="`+s.URL+`"`)
			w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		}
		s.refuse(w, r, http.StatusUnauthorized, "authentication: "+why,
			[]string{"You are not authenticated. Authentication required to perform this operation."}, nil)
		return
	}
	s.route(w, r, body)
}

// injectFailure answers an injected fault. The body is Jira-shaped so that
// clients which print Jira's explanation have something to print.
func (s *Server) injectFailure(w http.ResponseWriter, status int, retryAfter time.Duration) {
	if retryAfter > 0 {
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
	}
	msg := fmt.Sprintf("jiratest: injected failure %d %s", status, http.StatusText(status))
	if status == http.StatusTooManyRequests {
		msg = "Rate limit exceeded."
	}
	writeJSON(w, status, errorBody([]string{msg}, nil))
}

// authenticate checks Basic user:token, or a Bearer PAT when no user is set.
// The reason never contains the credentials.
func (s *Server) authenticate(r *http.Request) (bool, string) {
	same := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	h := r.Header.Get("Authorization")
	if s.opt.User != "" {
		u, p, ok := r.BasicAuth()
		switch {
		case h == "":
			return false, "no Authorization header (expected Basic user:token)"
		case !ok:
			return false, "expected Basic user:token, got another Authorization scheme"
		case !same(u, s.opt.User) || !same(p, s.opt.Token):
			return false, "wrong user or API token"
		}
		return true, ""
	}
	scheme, tok, _ := strings.Cut(h, " ")
	switch {
	case h == "":
		return false, "no Authorization header (expected Bearer personal access token)"
	case !strings.EqualFold(scheme, "Bearer"):
		return false, "expected Bearer personal access token, got " + scheme
	case !same(strings.TrimSpace(tok), s.opt.Token):
		return false, "wrong personal access token"
	}
	return true, ""
}

// route dispatches /rest/api/2/… paths.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/rest/api/2/")
	if !ok {
		s.notFound(w, r)
		return
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	type endpoint map[string]func()
	var ep endpoint
	switch {
	case rest == "serverInfo":
		ep = endpoint{"GET": func() { s.serverInfo(w) }}
	case rest == "myself":
		ep = endpoint{"GET": func() { writeJSON(w, 200, s.myself()) }}
	case rest == "field":
		ep = endpoint{"GET": func() { s.listFields(w) }}
	case rest == "search":
		h := func() { s.searchServer(w, r, body) }
		ep = endpoint{"GET": h, "POST": h}
	case rest == "search/jql":
		h := func() { s.searchCloud(w, r, body) }
		ep = endpoint{"GET": h, "POST": h}
	case rest == "issue":
		ep = endpoint{"POST": func() { s.createIssue(w, r, body) }}
	case len(seg) == 2 && seg[0] == "issue":
		ep = endpoint{"GET": func() { s.getIssue(w, r, seg[1]) }}
	case len(seg) == 3 && seg[0] == "issue" && seg[2] == "comment":
		ep = endpoint{"GET": func() { s.listComments(w, r, seg[1]) }, "POST": func() { s.addComment(w, r, seg[1], body) }}
	case len(seg) == 3 && seg[0] == "issue" && seg[2] == "remotelink":
		ep = endpoint{"GET": func() { s.listRemoteLinks(w, r, seg[1]) }, "POST": func() { s.addRemoteLink(w, r, seg[1], body) }}
	case len(seg) == 3 && seg[0] == "issue" && seg[2] == "transitions":
		ep = endpoint{"GET": func() { s.listTransitions(w, r, seg[1]) }, "POST": func() { s.doTransition(w, r, seg[1], body) }}
	default:
		s.notFound(w, r)
		return
	}
	if h, ok := ep[r.Method]; ok {
		h()
		return
	}
	// Jira answers a wrong method with an empty 405.
	var allow []string
	for m := range ep {
		allow = append(allow, m)
	}
	slices.Sort(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.remember(r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed here")
	w.WriteHeader(http.StatusMethodNotAllowed)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.refuse(w, r, http.StatusNotFound, "no such endpoint",
		[]string{"null for uri: " + s.URL + r.URL.RequestURI()}, nil)
}

func (s *Server) serverInfo(w http.ResponseWriter) {
	now := time.Now()
	info := map[string]any{
		"baseUrl":     s.URL,
		"serverTime":  jiraTime(now),
		"scmInfo":     "0000000000000000000000000000000000000000",
		"serverTitle": "Jira",
	}
	if s.opt.Cloud {
		info["version"] = "1001.0.0-SNAPSHOT"
		info["versionNumbers"] = []int{1001, 0, 0}
		info["deploymentType"] = "Cloud"
		info["buildNumber"] = 100282
		info["buildDate"] = "2025-06-02T00:00:00.000+0000"
	} else {
		info["version"] = "9.12.8"
		info["versionNumbers"] = []int{9, 12, 8}
		info["deploymentType"] = "Server"
		info["buildNumber"] = 9120008
		info["buildDate"] = "2024-05-01T00:00:00.000+0000"
	}
	writeJSON(w, http.StatusOK, info)
}

// myself is the account the credentials belong to; it is also the author of
// comments made through the API.
func (s *Server) myself() map[string]any {
	if s.opt.Cloud {
		email := s.opt.User
		if email == "" {
			email = "parley@example.com"
		}
		return map[string]any{
			"self":         s.URL + "/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
			"accountId":    "5b10a2844c20165700ede21g",
			"accountType":  "atlassian",
			"emailAddress": email,
			"displayName":  "Parley integration",
			"active":       true,
			"timeZone":     "UTC",
			"locale":       "en_US",
		}
	}
	name := s.opt.User
	if name == "" {
		name = "parley"
	}
	return map[string]any{
		"self":         s.URL + "/rest/api/2/user?username=" + name,
		"key":          "JIRAUSER10000",
		"name":         name,
		"emailAddress": name + "@example.com",
		"displayName":  "Parley integration",
		"active":       true,
		"timeZone":     "UTC",
		"locale":       "en_US",
	}
}

// person is the human acting in Jira in webhooks and hand-made comments.
func (s *Server) person() map[string]any {
	if s.opt.Cloud {
		return map[string]any{
			"self":        s.URL + "/rest/api/2/user?accountId=557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
			"accountId":   "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
			"accountType": "atlassian",
			"displayName": "Dana Developer",
			"active":      true,
			"timeZone":    "UTC",
		}
	}
	return map[string]any{
		"self":        s.URL + "/rest/api/2/user?username=dana",
		"key":         "JIRAUSER10100",
		"name":        "dana",
		"displayName": "Dana Developer",
		"active":      true,
		"timeZone":    "UTC",
	}
}

// listFields is GET /rest/api/2/field: the system fields the fake knows,
// the sprint field (Jira Software's gh-sprint) and the custom fields.
func (s *Server) listFields(w http.ResponseWriter) {
	sys := func(id, name, typ string) map[string]any {
		return map[string]any{"id": id, "key": id, "name": name, "custom": false, "orderable": true,
			"navigable": true, "searchable": true, "clauseNames": []string{id}, "schema": map[string]any{"type": typ, "system": id}}
	}
	fields := []map[string]any{
		sys("summary", "Summary", "string"),
		sys("description", "Description", "string"),
		sys("labels", "Labels", "array"),
		sys("status", "Status", "status"),
		sys("resolution", "Resolution", "resolution"),
		sys("project", "Project", "project"),
		sys("issuetype", "Issue Type", "issuetype"),
		sys("created", "Created", "datetime"),
		sys("updated", "Updated", "datetime"),
	}
	custom := func(id, name string, schema map[string]any) map[string]any {
		n := strings.TrimPrefix(id, "customfield_")
		return map[string]any{"id": id, "key": id, "name": name, "custom": true, "orderable": true,
			"navigable": true, "searchable": true, "clauseNames": []string{"cf[" + n + "]", name}, "schema": schema}
	}
	items := "string"
	if s.opt.Cloud {
		items = "json"
	}
	fields = append(fields, custom(s.opt.SprintField, "Sprint", map[string]any{"type": "array", "items": items,
		"custom": "com.pyxis.greenhopper.jira:gh-sprint", "customId": customID(s.opt.SprintField)}))
	for _, f := range s.opt.CustomFields {
		fields = append(fields, custom(f, "Custom "+strings.TrimPrefix(f, "customfield_"), map[string]any{"type": "string",
			"custom": "com.atlassian.jira.plugin.system.customfieldtypes:textfield", "customId": customID(f)}))
	}
	writeJSON(w, http.StatusOK, fields)
}

func customID(field string) int {
	var n int
	fmt.Sscan(strings.TrimPrefix(field, "customfield_"), &n)
	return n
}

// errorBody is Jira's error shape; both members are always present.
func errorBody(msgs []string, errs map[string]string) map[string]any {
	if msgs == nil {
		msgs = []string{}
	}
	if errs == nil {
		errs = map[string]string{}
	}
	return map[string]any{"errorMessages": msgs, "errors": errs}
}

// refuse answers a 4xx of the fake's own choosing and remembers why.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, why string, msgs []string, errs map[string]string) {
	detail := slices.Clone(msgs)
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		detail = append(detail, k+": "+errs[k])
	}
	if len(detail) > 0 {
		why += " (" + strings.Join(detail, "; ") + ")"
	}
	s.remember(r, status, why)
	writeJSON(w, status, errorBody(msgs, errs))
}

// remember records a rejection; s.mu is held.
func (s *Server) remember(r *http.Request, status int, why string) {
	s.rejected = append(s.rejected, fmt.Sprintf("%s %s → %d: %s", r.Method, r.URL.Path, status, why))
}

// readJSON checks the Content-Type and decodes the body as Jira would.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, body []byte, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		s.refuse(w, r, http.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Type %q is not application/json", r.Header.Get("Content-Type")),
			[]string{"Unsupported Media Type: send the body as application/json"}, nil)
		return false
	}
	if len(body) > maxBody {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, "body too large", []string{"Request entity too large"}, nil)
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		s.refuse(w, r, http.StatusBadRequest, "empty body",
			[]string{"No content to map due to end-of-input"}, nil)
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.refuse(w, r, http.StatusBadRequest, "body is not the JSON expected",
			[]string{"Unexpected character or structure in the request body: " + err.Error()}, nil)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("jiratest: encode answer: %v", err))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// jiraTime is Jira's timestamp format, e.g. 2024-05-01T10:00:00.000+0000.
func jiraTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// recorder holds an answer until any delay has passed.
type recorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.h }

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.buf.Write(b)
}

func (rec *recorder) flush(w http.ResponseWriter) {
	for k, v := range rec.h {
		w.Header()[k] = v
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	w.WriteHeader(rec.status)
	w.Write(rec.buf.Bytes())
}
