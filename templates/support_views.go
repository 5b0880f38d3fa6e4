package templates

import (
	"slices"
	"strings"

	"github.com/a-h/templ"
)

// View models of the support desk pages (templates/support.templ). The
// handlers in portal/support fill them; labels arrive already translated.

// SupportOption is one choice of a select, a radio group or a checkbox group.
type SupportOption struct {
	Value, Label string
	Hint         string // a line under a radio button
	Selected     bool
}

// SupportKindLink is a "new request" button on the home page.
type SupportKindLink struct {
	Kind, Label, Hint, URL string
}

// SupportSLA is the state of a technical ticket's nearest SLA clock as a list
// shows it: Breached draws the red badge, Text says "due in 3 h" or "met".
type SupportSLA struct {
	Breached bool
	Text     string
}

// SupportRow is a ticket in the home page's list and in the queue.
type SupportRow struct {
	ID            int64
	URL           string
	Subject       string
	Kind          string
	KindLabel     string
	Status        string
	StatusLabel   string
	Priority      string
	PriorityLabel string
	Requester     string
	Assignee      string
	JiraKey       string
	Updated       string
	UpdatedISO    string
	PlusOnes      int
	Unread        bool // requester activity the staff viewer has not opened yet
	Joined        bool // the viewer follows it with "+1" (home page)
	SLA           SupportSLA
}

// SupportHomeView is /support: the viewer's own requests.
type SupportHomeView struct {
	Page
	Rows     []SupportRow
	NewKinds []SupportKindLink
	IsStaff  bool
	IsAdmin  bool
	Total    int   // the viewer's tickets on every page
	Pager    Pager // the pages of the viewer's tickets
}

// SupportFieldError is one entry of an error summary: the message and the
// id of the control it is about.
type SupportFieldError struct {
	Target  string
	Message string
}

// SupportForm is what the new-request form posts, kept as typed.
type SupportForm struct {
	Kind, Subject, Body, Priority string
	What, Where                   string
	Platforms                     []string
	Frequency, Importance         string
}

// SupportSimilarTicket is an existing request the new one may duplicate.
type SupportSimilarTicket struct {
	ID          int64
	URL         string
	Subject     string
	KindLabel   string
	StatusLabel string
	PlusOnes    int
	CanPlusOne  bool // someone else's feature request
}

// SupportSuggestions are the deflection lists: help articles and existing
// requests that may already answer what is being asked.
type SupportSuggestions struct {
	Checked  bool // the server looked (the "Check for similar" button)
	Articles []HelpLink
	Tickets  []SupportSimilarTicket
}

// SupportNewView is /support/new.
type SupportNewView struct {
	Page
	Form        SupportForm
	Kinds       []SupportOption
	Priorities  []SupportOption
	Platforms   []SupportOption
	Frequencies []SupportOption
	Importances []SupportOption
	Errors      map[string]string // form field name → message
	Summary     []SupportFieldError
	Suggestions SupportSuggestions
	// StatusLabels and KindLabels let support-new.js name what the
	// similar-requests API returns, in the page's language (JSON objects).
	StatusLabels string
	KindLabels   string
	MaxSubject   int
}

// SupportFact is one labelled value (feature request fields, ticket facts).
type SupportFact struct {
	Label, Value string
}

// SupportClock is one SLA clock of a technical ticket.
type SupportClock struct {
	Label    string
	Due      string
	DueISO   string
	Met      string // when it stopped; empty while running
	Breached bool
	Text     string // "due in 3 h", "overdue by 2 h", "met"
}

// SupportFile is an attachment.
type SupportFile struct {
	Name     string
	URL      string // empty when the viewer may not download it
	Size     string
	Internal bool
}

// SupportPost is an entry of a ticket's thread.
type SupportPost struct {
	ID        int64
	Kind      string // reply, note, event
	Author    string
	ByStaff   bool
	When      string
	WhenISO   string
	Body      string
	Event     string // an event in words
	EventLink string // a link the event names (Jira issue, diagnostics upload)
	EventText string // the link's text
	Files     []SupportFile
}

// SupportUpload is a diagnostics upload linked to a ticket.
type SupportUpload struct {
	ID          int64
	Name        string
	Status      string
	StatusLabel string
	URL         string
	Linked      string
}

// SupportJira is the Jira box of a ticket page.
type SupportJira struct {
	State   string // none, waiting, linked, error
	Key     string
	URL     string
	Pending bool // calls still on their way to Jira
	NextTry string
	Error   string // shown to staff only
	// ErrorDetail is the words behind Error: Jira's own explanation, or the
	// recorded text of a failure the catalogue has no words for.
	ErrorDetail string
	JiraStatus  string
	Sprint      string
}

// SupportReplyForm is the reply form, kept as typed after an error.
type SupportReplyForm struct {
	Body     string
	Internal bool
	Error    string // about the text
	FileErr  string // about the files
}

// SupportStaffPanel is what support staff see beside a ticket.
type SupportStaffPanel struct {
	Statuses    []SupportOption
	Priorities  []SupportOption
	Assignees   []SupportOption
	UpdateError string
	CanEscalate bool
	EscalateWhy string // why escalation is not offered
	IsAdmin     bool
}

// SupportTicketView is /support/tickets/{id}.
type SupportTicketView struct {
	Page
	ID            int64
	URL           string
	Subject       string
	Body          string
	Kind          string
	KindLabel     string
	Status        string
	StatusLabel   string
	PriorityLabel string // empty when the desk has no priorities to show
	Requester     string
	Assignee      string
	Created       string
	CreatedISO    string
	Clocks        []SupportClock
	Fields        []SupportFact
	Posts         []SupportPost
	Files         []SupportFile
	Uploads       []SupportUpload
	Jira          SupportJira
	IsStaff       bool
	// +1: others' feature requests.
	PlusOnes   int
	CanPlusOne bool
	Joined     bool
	// The requester and staff reply, attach and upload diagnostics.
	CanReply        bool
	Reply           SupportReplyForm
	MaxFiles        int
	MaxFileSize     string
	CanUpload       bool
	MaxUploadSize   string
	RecentUploads   []SupportOption // the requester's uploads, to link
	LinkUploadValue string
	LinkUploadErr   string
	ActionError     string // an action that failed (escalation, +1, …)
	Staff           *SupportStaffPanel
}

// SupportQueueFilter is the queue's filter form, as submitted.
type SupportQueueFilter struct {
	Kind, Status, Priority, Assignee, Query string
	Breached                                bool
}

// SupportQueueView is /support/queue.
type SupportQueueView struct {
	Page
	Filter     SupportQueueFilter
	Kinds      []SupportOption
	Statuses   []SupportOption
	Priorities []SupportOption
	Assignees  []SupportOption
	Error      string
	Rows       []SupportRow
	Total      int
	From, To   int
	PrevURL    string
	NextURL    string
	IsAdmin    bool
	Unread     bool // the list is the viewer's unread tickets
}

// SupportSLARow is one priority's clocks in the settings form.
type SupportSLARow struct {
	Priority      string
	Label         string
	FirstResponse string
	Resolution    string
	Error         string
}

// SupportSettingsView is /admin/support, for administrators.
type SupportSettingsView struct {
	Page
	SLA   []SupportSLARow
	Error string
}

// supportInvalid describes a control: aria-describedby names its hint and,
// when msg is set, its error message, which also marks it invalid.
func supportInvalid(msg, errID, hintID string) templ.Attributes {
	a := templ.Attributes{}
	var ids []string
	if hintID != "" {
		ids = append(ids, hintID)
	}
	if msg != "" {
		a["aria-invalid"] = "true"
		ids = append(ids, errID)
	}
	if len(ids) > 0 {
		a["aria-describedby"] = strings.Join(ids, " ")
	}
	return a
}

func (v SupportNewView) err(field string) string { return v.Errors[field] }

func (v SupportNewView) platformChosen(p string) bool { return slices.Contains(v.Form.Platforms, p) }
