package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gojira "github.com/andygrunwald/go-jira"
)

// jiraClient talks to one Jira with one set of credentials. It uses go-jira
// where go-jira works (creating issues, remote links, requests and auth) and
// its own requests where go-jira does not: go-jira's search still calls
// /rest/api/2/search, which Jira Cloud removed, and its AddComment sends
// empty author and visibility objects that Cloud rejects.
type jiraClient struct {
	c    *gojira.Client
	base string
	now  func() time.Time
}

func (s *Service) client(ks KindSettings) (*jiraClient, error) {
	var rt http.RoundTripper
	if ks.User == "" {
		rt = &gojira.BearerAuthTransport{Token: ks.Token, Transport: s.transport}
	} else {
		rt = &gojira.BasicAuthTransport{Username: ks.User, Password: ks.Token, Transport: s.transport}
	}
	c, err := gojira.NewClient(&http.Client{Transport: rt, Timeout: s.opt.HTTPTimeout}, ks.BaseURL)
	if err != nil {
		return nil, &callError{Class: classConfig, Msg: fmt.Sprintf("the Jira address %q is not usable: %v", ks.BaseURL, err)}
	}
	return &jiraClient{c: c, base: ks.BaseURL, now: s.opt.Now}, nil
}

// errClass sorts failures by what to do about them.
type errClass string

const (
	classTransient errClass = "transient" // network, time-out, 5xx, 429: retry soon
	classConfig    errClass = "config"    // 400/401/403: an administrator must act; retry slowly
	classGone      errClass = "gone"      // 404/410: the issue no longer exists
)

// callError is a failed call to Jira, with the text staff see.
type callError struct {
	Class      errClass
	Status     int
	RetryAfter time.Duration
	Msg        string
	// AuthRefused: Jira refused the credentials themselves, so every call
	// with them would fail the same way.
	AuthRefused bool
	// MaybeDone: a call that creates something failed in a way that does
	// not say whether Jira did it (no answer, 500, 502, 504, an unreadable
	// 2xx). 429 and 503 say Jira did not take the request.
	MaybeDone bool
}

// maybeDone marks a failed creating call whose effect is unknown.
func maybeDone(err error) error {
	var ce *callError
	if errors.As(err, &ce) && ce.Class == classTransient &&
		ce.Status != http.StatusTooManyRequests && ce.Status != http.StatusServiceUnavailable {
		ce.MaybeDone = true
	}
	return err
}

func (e *callError) Error() string { return e.Msg }

// maxRetryAfter bounds a Retry-After so a silly value cannot park the outbox.
const maxRetryAfter = time.Hour

// check turns go-jira's (response, error) into nil or a *callError.
func (jc *jiraClient) check(what string, resp *gojira.Response, err error) error {
	if err == nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil
	}
	if resp == nil || resp.Response == nil {
		return &callError{Class: classTransient, Msg: fmt.Sprintf("%s: Jira did not answer: %s", what, netReason(err))}
	}
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		// The call went through but the answer was unreadable (cut off,
		// not JSON): the same as a lost answer.
		return &callError{Class: classTransient, Status: status, Msg: fmt.Sprintf("%s: Jira's answer could not be read: %s", what, netReason(err))}
	}
	detail := jiraDetail(resp, err)
	ce := &callError{Status: status, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), jc.now())}
	switch {
	case status == http.StatusTooManyRequests:
		ce.Class = classTransient
		ce.Msg = fmt.Sprintf("%s: Jira asks Parley to slow down (429)", what)
		if ce.RetryAfter > 0 {
			ce.Msg += fmt.Sprintf("; retrying after %s", ce.RetryAfter.Round(time.Second))
		}
	case status >= 500:
		ce.Class = classTransient
		ce.Msg = fmt.Sprintf("%s: Jira answered %d %s", what, status, http.StatusText(status))
	case status == http.StatusUnauthorized:
		ce.Class, ce.AuthRefused = classConfig, true
		ce.Msg = fmt.Sprintf("%s: Jira refused the credentials (401): check the user e-mail and API token, or the personal access token", what)
	case status == http.StatusForbidden && resp.Header.Get("X-Authentication-Denied-Reason") != "":
		// Jira Server after too many failed logins: the API is locked until
		// someone logs in as that user in a browser and solves the CAPTCHA.
		ce.Class, ce.AuthRefused = classConfig, true
		ce.Msg = fmt.Sprintf("%s: Jira refused the credentials (403, %s): log in to Jira once in a browser as that user, then retry",
			what, resp.Header.Get("X-Authentication-Denied-Reason"))
	case status == http.StatusForbidden:
		ce.Class = classConfig
		ce.Msg = fmt.Sprintf("%s: Jira refused access (403): check the account's permissions in the project", what)
	case status == http.StatusNotFound || status == http.StatusGone:
		ce.Class = classGone
		ce.Msg = fmt.Sprintf("%s: Jira does not know it (%d)", what, status)
	default:
		ce.Class = classConfig
		ce.Msg = fmt.Sprintf("%s: Jira rejected the request (%d)", what, status)
	}
	if detail != "" && status < 500 {
		ce.Msg += ". Jira says: " + detail
	}
	return ce
}

// netReason says briefly why no answer came.
func netReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "No response returned: ")
}

// jiraDetail is Jira's own explanation: errorMessages and errors.
func jiraDetail(resp *gojira.Response, err error) string {
	var msgs []string
	var fields map[string]string
	var je *gojira.Error
	if errors.As(err, &je) {
		msgs, fields = je.ErrorMessages, je.Errors
	} else if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		var body struct {
			ErrorMessages []string          `json:"errorMessages"`
			Errors        map[string]string `json:"errors"`
		}
		if json.Unmarshal(b, &body) == nil {
			msgs, fields = body.ErrorMessages, body.Errors
		}
	}
	parts := slices.Clone(msgs)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+fields[k])
	}
	return truncate(strings.Join(parts, "; "), 500)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(h); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// do sends one of Parley's own requests and decodes the answer into out.
func (jc *jiraClient) do(ctx context.Context, what, method, path string, body, out any) error {
	req, err := jc.c.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return &callError{Class: classConfig, Msg: fmt.Sprintf("%s: %v", what, err)}
	}
	req.Header.Set("Accept", "application/json")
	if out == nil {
		out = &json.RawMessage{}
	}
	resp, err := jc.c.Do(req, out)
	if err != nil && errors.Is(err, io.EOF) && resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		err = nil // an empty answer (204) is a fine answer
	}
	return jc.check(what, resp, err)
}

// deploymentType asks Jira whether it is Cloud, Server or DataCenter.
func (jc *jiraClient) deploymentType(ctx context.Context) (string, error) {
	var info struct {
		DeploymentType string `json:"deploymentType"`
	}
	if err := jc.do(ctx, "read Jira's server info", http.MethodGet, "rest/api/2/serverInfo", nil, &info); err != nil {
		return "", err
	}
	if info.DeploymentType == "" {
		return "Server", nil // old Server versions do not say
	}
	return info.DeploymentType, nil
}

// findByLabel returns the oldest issue carrying label, if any. Jira Cloud
// only has the /search/jql endpoint; Server and Data Center only /search.
// Only an issue whose labels hold the label exactly counts: a search that
// also matches the label in text (or a label differing in case) must not
// tie the ticket to someone else's issue.
func (jc *jiraClient) findByLabel(ctx context.Context, cloud bool, label string) (key, id string, err error) {
	path := "rest/api/2/search"
	if cloud {
		path = "rest/api/2/search/jql"
	}
	q := url.Values{}
	q.Set("jql", fmt.Sprintf("labels = %q ORDER BY created ASC", label))
	q.Set("fields", "summary,labels")
	q.Set("maxResults", "50")
	var res struct {
		Issues []struct {
			ID     string `json:"id"`
			Key    string `json:"key"`
			Fields struct {
				Labels []string `json:"labels"`
			} `json:"fields"`
		} `json:"issues"`
	}
	if err := jc.do(ctx, "look for the issue labelled "+label, http.MethodGet, path+"?"+q.Encode(), nil, &res); err != nil {
		var ce *callError
		if errors.As(err, &ce) && ce.Class == classGone {
			ce.Class = classConfig // no search endpoint: a wrong address, not a deleted issue
		}
		return "", "", err
	}
	for _, is := range res.Issues {
		if !slices.Contains(is.Fields.Labels, label) {
			continue
		}
		key, id = is.Key, is.ID
		if key == "" && id != "" {
			// Cloud's /search/jql may answer with ids only.
			got, err := jc.getIssue(ctx, id)
			if err != nil {
				return "", "", err
			}
			key = got.Key
		}
		return key, id, nil
	}
	return "", "", nil
}

// createIssue creates the issue with go-jira.
func (jc *jiraClient) createIssue(ctx context.Context, ks KindSettings, is Issue, labels []string) (key, id string, err error) {
	custom := map[string]any{}
	for name, field := range ks.Fields {
		if name == "sprint" {
			continue
		}
		if v := strings.TrimSpace(is.Fields[name]); v != "" {
			custom[field] = v
		}
	}
	issue := &gojira.Issue{Fields: &gojira.IssueFields{
		Project:     gojira.Project{Key: ks.Project},
		Type:        gojira.IssueType{Name: ks.IssueType},
		Summary:     summary(is.Subject, is.TicketID),
		Description: description(is),
		Labels:      labels,
		Unknowns:    custom,
	}}
	created, resp, err := jc.c.Issue.CreateWithContext(ctx, issue)
	if err := maybeDone(jc.check("create the issue in "+ks.Project, resp, err)); err != nil {
		var ce *callError
		if errors.As(err, &ce) && ce.Class == classGone {
			ce.Class = classConfig // no such endpoint or project: settings, not a deleted issue
		}
		return "", "", err
	}
	if created == nil || created.Key == "" {
		return "", "", &callError{Class: classTransient, MaybeDone: true, Msg: "create the issue in " + ks.Project + ": Jira's answer has no issue key"}
	}
	return created.Key, created.ID, nil
}

// addRemoteLink links the issue back to the ticket. Jira keeps one link per
// globalId, so a repeated call updates instead of adding another.
func (jc *jiraClient) addRemoteLink(ctx context.Context, key, globalID, ticketURL, title, subject, icon string) error {
	link := &gojira.RemoteLink{
		GlobalID:     globalID,
		Application:  &gojira.RemoteLinkApplication{Type: "org.parley", Name: "Parley"},
		Relationship: "support ticket",
		Object:       &gojira.RemoteLinkObject{URL: ticketURL, Title: title, Summary: truncate(subject, 255)},
	}
	if icon != "" {
		link.Object.Icon = &gojira.RemoteLinkIcon{Url16x16: icon, Title: "Parley"}
	}
	_, resp, err := jc.c.Issue.AddRemoteLinkWithContext(ctx, key, link)
	if err != nil && resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		err = nil // linked; only the echo of the link did not decode, and nothing needs it
	}
	return jc.check("link "+key+" to the Parley ticket", resp, err)
}

type jiraComment struct {
	ID   string `json:"id"`
	Body string `json:"body"`
}

// comments reads every comment of the issue, page by page.
func (jc *jiraClient) comments(ctx context.Context, key string) ([]jiraComment, error) {
	var all []jiraComment
	for start := 0; ; {
		var page struct {
			StartAt    int           `json:"startAt"`
			MaxResults int           `json:"maxResults"`
			Total      int           `json:"total"`
			Comments   []jiraComment `json:"comments"`
		}
		path := fmt.Sprintf("rest/api/2/issue/%s/comment?startAt=%d&maxResults=100", url.PathEscape(key), start)
		if err := jc.do(ctx, "read the comments of "+key, http.MethodGet, path, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Comments...)
		start += len(page.Comments)
		if len(page.Comments) == 0 || start >= page.Total {
			return all, nil
		}
	}
}

// addComment posts a plain {"body": …} comment.
func (jc *jiraClient) addComment(ctx context.Context, key, text string) error {
	return jc.do(ctx, "add a comment to "+key, http.MethodPost, "rest/api/2/issue/"+url.PathEscape(key)+"/comment",
		map[string]string{"body": text}, nil)
}

// getIssue reads the issue with the same lenient reader the webhook uses.
func (jc *jiraClient) getIssue(ctx context.Context, key string) (issueJSON, error) {
	var is issueJSON
	err := jc.do(ctx, "read "+key, http.MethodGet, "rest/api/2/issue/"+url.PathEscape(key), nil, &is)
	return is, err
}

// sprintField finds the id of the sprint field (Jira Software's gh-sprint).
func (jc *jiraClient) sprintField(ctx context.Context) (string, error) {
	var fields []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Schema struct {
			Custom string `json:"custom"`
		} `json:"schema"`
	}
	if err := jc.do(ctx, "list Jira's fields", http.MethodGet, "rest/api/2/field", nil, &fields); err != nil {
		return "", err
	}
	for _, f := range fields {
		if f.Schema.Custom == "com.pyxis.greenhopper.jira:gh-sprint" {
			return f.ID, nil
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, "Sprint") && strings.HasPrefix(f.ID, "customfield_") {
			return f.ID, nil
		}
	}
	return "", nil
}
