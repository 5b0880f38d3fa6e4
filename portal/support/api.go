package support

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/search"
	"parley/server/web"
)

type apiPerson struct {
	HUID  string `json:"huid"`
	Name  string `json:"name"`
	Staff bool   `json:"staff"`
}

func personJSON(p *Person) *apiPerson {
	if p == nil {
		return nil
	}
	return &apiPerson{HUID: p.HUID, Name: p.Name, Staff: p.Staff}
}

type apiClock struct {
	Due      time.Time  `json:"due"`
	Met      *time.Time `json:"met"`
	Breached bool       `json:"breached"`
}

type apiSLA struct {
	FirstResponse apiClock `json:"first_response"`
	Resolution    apiClock `json:"resolution"`
}

type apiJira struct {
	State    string     `json:"state"` // none, waiting, linked, error
	Key      string     `json:"key,omitempty"`
	URL      string     `json:"url,omitempty"`
	Error    string     `json:"error,omitempty"`
	NextTry  *time.Time `json:"next_try,omitempty"`
	Status   string     `json:"jira_status,omitempty"`
	Sprint   string     `json:"sprint,omitempty"`
	Failed   bool       `json:"failed,omitempty"`
	Waiting  int        `json:"waiting,omitempty"`
	Attempts int        `json:"-"`
}

type apiAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	MIME string `json:"mime"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

type apiPost struct {
	ID          int64           `json:"id"`
	Kind        PostKind        `json:"kind"`
	Author      *apiPerson      `json:"author"`
	Body        string          `json:"body,omitempty"`
	Event       *Event          `json:"event,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	Attachments []apiAttachment `json:"attachments"`
}

type apiUpload struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	URL    string `json:"url"`
}

type apiTicket struct {
	ID        int64             `json:"id"`
	Kind      Kind              `json:"kind"`
	Status    Status            `json:"status"`
	Priority  Priority          `json:"priority"`
	Subject   string            `json:"subject"`
	Body      string            `json:"body"`
	Fields    map[string]string `json:"fields"`
	URL       string            `json:"url"`
	Requester *apiPerson        `json:"requester"`
	Assignee  *apiPerson        `json:"assignee"`
	PlusOnes  int               `json:"plus_ones"`
	JiraKey   *string           `json:"jira_key"`
	Jira      *apiJira          `json:"jira,omitempty"`
	SLA       *apiSLA           `json:"sla"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Posts     []apiPost         `json:"posts,omitempty"`
	Uploads   []apiUpload       `json:"uploads,omitempty"`
}

func (h *Handler) ticketJSON(t Ticket, now time.Time) apiTicket {
	out := apiTicket{ID: t.ID, Kind: t.Kind, Status: t.Status, Priority: t.Priority, Subject: t.Subject, Body: t.Body,
		Fields: t.Fields, URL: h.svc.TicketURL(t.ID), Requester: personJSON(&t.Requester), Assignee: personJSON(t.Assignee),
		PlusOnes: t.PlusOnes, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.JiraKey != "" {
		key := t.JiraKey
		out.JiraKey = &key
	}
	if !t.FirstResponseDue.IsZero() {
		first, resolve := t.Clocks(now)
		clock := func(c Clock) apiClock {
			ac := apiClock{Due: c.Due, Breached: c.Breached}
			if !c.Met.IsZero() {
				met := c.Met
				ac.Met = &met
			}
			return ac
		}
		out.SLA = &apiSLA{FirstResponse: clock(first), Resolution: clock(resolve)}
	}
	return out
}

// jiraJSON describes the ticket's Jira link for people: "waiting" while the
// outbox still has calls to make, "error" with Jira's words when the last
// one failed.
func jiraJSON(st JiraState) *apiJira {
	if st.Key == "" && st.Waiting == 0 && st.Error == "" {
		return nil
	}
	j := &apiJira{State: "linked", Key: st.Key, URL: st.URL, Error: st.Error, Status: st.JiraStatus, Sprint: st.Sprint,
		Failed: st.Failed, Waiting: st.Waiting}
	switch {
	case st.Error != "" && (st.Waiting > 0 || st.Failed):
		j.State = "error"
	case st.Waiting > 0:
		j.State = "waiting"
	}
	if st.Waiting > 0 && !st.NextTry.IsZero() {
		next := st.NextTry
		j.NextTry = &next
	}
	return j
}

type apiNewTicket struct {
	Kind     Kind              `json:"kind"`
	Subject  string            `json:"subject"`
	Body     string            `json:"body"`
	Priority Priority          `json:"priority"`
	Fields   map[string]string `json:"fields"`
}

// APICreate handles POST /api/v1/support/tickets.
func (h *Handler) APICreate(w http.ResponseWriter, r *http.Request) {
	var in apiNewTicket
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &in) {
		return
	}
	t, err := h.svc.Create(r.Context(), viewer(r), NewTicket(in))
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"id": t.ID, "url": h.svc.TicketURL(t.ID)})
}

// APIGet handles GET /api/v1/support/tickets/{id}: the ticket with its
// thread as the caller may see it.
func (h *Handler) APIGet(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		web.JSONError(w, http.StatusNotFound, "not_found", "no such ticket")
		return
	}
	v := viewer(r)
	t, access, err := h.svc.Get(r.Context(), v, id)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	out := h.ticketJSON(t, h.svc.now())
	st, err := h.svc.JiraState(r.Context(), t.ID)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	out.Jira = jiraJSON(st)
	posts, err := h.svc.Posts(r.Context(), access, id)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	out.Posts = []apiPost{}
	for _, p := range posts {
		ap := apiPost{ID: p.ID, Kind: p.Kind, Author: personJSON(p.Author), Body: p.Body, CreatedAt: p.CreatedAt, Attachments: []apiAttachment{}}
		if p.Kind == PostEvent {
			ev := p.Event
			ap.Event = &ev
		}
		for _, a := range p.Attachments {
			ap.Attachments = append(ap.Attachments, apiAttachment{ID: a.ID, Name: a.Name, MIME: a.MIME, Size: a.Size,
				URL: fmt.Sprintf("/support/tickets/%d/files/%d", id, a.ID)})
		}
		out.Posts = append(out.Posts, ap)
	}
	if access >= AccessOwner {
		ups, err := h.svc.Uploads(r.Context(), v, id)
		if err != nil {
			h.apiFail(w, r, err)
			return
		}
		out.Uploads = []apiUpload{}
		for _, u := range ups {
			out.Uploads = append(out.Uploads, apiUpload{ID: u.ID, Name: u.Name, Status: u.Status, URL: fmt.Sprintf("/diagnostics/%d", u.ID)})
		}
	}
	web.JSON(w, http.StatusOK, out)
}

// APIList handles GET /api/v1/support/tickets: the caller's own and
// followed tickets, or with ?queue=1 (support staff) the filtered queue.
func (h *Handler) APIList(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	q := r.URL.Query()
	var list []Ticket
	total := 0
	var err error
	if q.Get("queue") != "" {
		f, ferr := parseQueueFilter(q)
		if ferr != nil {
			h.apiFail(w, r, ferr)
			return
		}
		list, total, err = h.svc.Queue(r.Context(), v, f)
	} else {
		page, perr := parsePage(q.Get("page"))
		if perr != nil {
			h.apiFail(w, r, perr)
			return
		}
		list, total, err = h.svc.Mine(r.Context(), v, (page-1)*MinePage, MinePage)
	}
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	now := h.svc.now()
	out := make([]apiTicket, 0, len(list))
	for _, t := range list {
		out = append(out, h.ticketJSON(t, now))
	}
	web.JSON(w, http.StatusOK, map[string]any{"total": total, "tickets": out})
}

type apiNewReply struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

// APIReply handles POST /api/v1/support/tickets/{id}/replies.
func (h *Handler) APIReply(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		web.JSONError(w, http.StatusNotFound, "not_found", "no such ticket")
		return
	}
	var in apiNewReply
	if !web.DecodeJSON(w, r, web.MaxJSONBody, &in) {
		return
	}
	p, err := h.svc.Reply(r.Context(), viewer(r), id, NewPost{Body: in.Body, Internal: in.Internal})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, apiPost{ID: p.ID, Kind: p.Kind, Author: personJSON(p.Author), Body: p.Body,
		CreatedAt: p.CreatedAt, Attachments: []apiAttachment{}})
}

type apiSimilarTicket struct {
	ID       int64  `json:"id"`
	Kind     Kind   `json:"kind"`
	Subject  string `json:"subject"`
	Status   Status `json:"status"`
	PlusOnes int    `json:"plus_ones"`
	Mine     bool   `json:"mine"`
	URL      string `json:"url"`
}

type apiSimilarArticle struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// APISimilar handles GET /api/v1/support/similar?q=TEXT&lang=ru|en: help
// articles and existing tickets that may already answer what is being typed.
func (h *Handler) APISimilar(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	lang := r.URL.Query().Get("lang")
	if lang != "ru" && lang != "en" {
		lang = h.site.Lang(r)
	}
	articles, tickets, err := h.similar(r, q, lang)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"query": q, "articles": articles, "tickets": tickets})
}

// similar gathers deflection suggestions for the typed text.
func (h *Handler) similar(r *http.Request, q, lang string) ([]apiSimilarArticle, []apiSimilarTicket, error) {
	articles := []apiSimilarArticle{}
	tickets := []apiSimilarTicket{}
	if len([]rune(q)) < 3 {
		return articles, tickets, nil
	}
	if len(q) > 300 {
		q = q[:300]
	}
	if h.help != nil {
		res, err := h.help.Search(r.Context(), search.HelpQuery{Text: q, Lang: lang, Limit: 3})
		if err != nil {
			return nil, nil, fmt.Errorf("search help for %q: %w", q, err)
		}
		for _, a := range res.Results {
			articles = append(articles, apiSimilarArticle{Title: a.Title, URL: a.URL})
		}
	}
	v := viewer(r)
	list, err := h.svc.Similar(r.Context(), v, q, 5)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range list {
		tickets = append(tickets, apiSimilarTicket{ID: t.ID, Kind: t.Kind, Subject: t.Subject, Status: t.Status,
			PlusOnes: t.PlusOnes, Mine: t.Requester.ID == v.ID, URL: fmt.Sprintf("/support/tickets/%d", t.ID)})
	}
	return articles, tickets, nil
}

// parseQueueFilter reads the queue's filters from a query string.
func parseQueueFilter(q map[string][]string) (QueueFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := QueueFilter{Kind: Kind(get("kind")), Status: get("status"), Priority: Priority(get("priority")),
		Breached: get("breached") != "", Assignee: get("assignee"), Query: get("q")}
	if f.Kind != "" && !f.Kind.valid() {
		return f, invalid("kind", "bad_choice", "kind is client, technical or feature")
	}
	if f.Status != "" && f.Status != "active" && !Status(f.Status).valid() {
		return f, invalid("status", "bad_choice", "unknown status "+strconv.Quote(f.Status))
	}
	if f.Priority != "" && !f.Priority.valid() {
		return f, invalid("priority", "bad_choice", "priority is low, normal, high or urgent")
	}
	if a := f.Assignee; a != "" && a != "me" && a != "none" {
		if _, err := strconv.ParseInt(a, 10, 64); err != nil {
			return f, invalid("assignee", "bad_choice", "assignee is me, none or a user id")
		}
	}
	f.Unread = get("unread") != ""
	n, err := parsePage(get("page"))
	if err != nil {
		return f, err
	}
	f.Offset = (n - 1) * queuePage
	f.Limit = queuePage
	return f, nil
}

// parsePage reads a page number of a list; none is the first page.
func parsePage(p string) (int, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 {
		return 1, invalid("page", "bad_choice", "page is a whole number from 1")
	}
	return n, nil
}

// apiFail answers an error through the shared writer, which logs the
// unexpected ones.
func (h *Handler) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	h.site.Fail(w, r, err)
}

// APIEscalate handles POST /api/v1/support/tickets/{id}/escalate (support
// staff): the ticket's Jira issue is created through the outbox.
func (h *Handler) APIEscalate(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		web.JSONError(w, http.StatusNotFound, "not_found", "no such ticket")
		return
	}
	if err := h.svc.Escalate(r.Context(), viewer(r), id); err != nil {
		h.apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusAccepted, map[string]any{"id": id, "jira": "waiting"})
}
