package support

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"parley/templates"
)

// queuePage is how many tickets one page of the queue shows (parseQueueFilter's).
const queuePage = 50

// QueuePage handles GET /support/queue, support staff's work list. Without
// a status in the query it shows the tickets still being worked on.
func (h *Handler) QueuePage(w http.ResponseWriter, r *http.Request) {
	v := viewer(r) // support staff: the route group lets nobody else in
	q := r.URL.Query()
	if _, ok := q["status"]; !ok {
		q.Set("status", "active")
	}
	p := h.site.Page(w, r, "support.queue.title")
	lang := p.Lang
	view := templates.SupportQueueView{Page: p, IsAdmin: v.Admin, Filter: templates.SupportQueueFilter{
		Kind: q.Get("kind"), Status: q.Get("status"), Priority: q.Get("priority"), Assignee: q.Get("assignee"),
		Query: q.Get("q"), Breached: q.Get("breached") != ""}}
	status := http.StatusOK
	f, err := parseQueueFilter(q)
	if ve, ok := asValidation(err); ok {
		view.Error = errorText(lang, "", ve)
		status = http.StatusBadRequest
	} else {
		list, total, err := h.svc.Queue(r.Context(), v, f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		now := h.svc.now()
		unread, err := h.svc.unreadIDs(r.Context(), v, list)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		view.Unread = f.Unread
		for _, t := range list {
			row := templates.SupportRow{ID: t.ID, URL: ticketPath(t.ID), Subject: t.Subject,
				Kind: string(t.Kind), KindLabel: kindLabel(lang, t.Kind),
				Status: string(t.Status), StatusLabel: statusLabel(lang, t.Status, true),
				Priority: string(t.Priority), PriorityLabel: priorityLabel(lang, t.Priority),
				Requester: t.Requester.Name, JiraKey: t.JiraKey, PlusOnes: t.PlusOnes,
				Updated: pageTimeText(t.UpdatedAt), UpdatedISO: isoTime(t.UpdatedAt), SLA: slaSummary(lang, t, now),
				Unread: unread[t.ID]}
			if t.Assignee != nil {
				row.Assignee = t.Assignee.Name
			}
			view.Rows = append(view.Rows, row)
		}
		view.Total = total
		if len(list) > 0 {
			view.From, view.To = f.Offset+1, f.Offset+len(list)
		}
		page := f.Offset/queuePage + 1
		if page > 1 {
			view.PrevURL = queueURL(q, page-1)
		}
		if f.Offset+len(list) < total {
			view.NextURL = queueURL(q, page+1)
		}
	}

	opt := func(value, label, current string) templates.SupportOption {
		return templates.SupportOption{Value: value, Label: label, Selected: value == current}
	}
	anyLabel := templates.T(lang, "help.filter_any")
	view.Kinds = append(view.Kinds, opt("", anyLabel, view.Filter.Kind))
	for _, k := range Kinds {
		view.Kinds = append(view.Kinds, opt(string(k), kindLabel(lang, k), view.Filter.Kind))
	}
	view.Statuses = append(view.Statuses, opt("active", templates.T(lang, "support.queue.active"), view.Filter.Status),
		opt("", anyLabel, view.Filter.Status))
	for _, s := range Statuses {
		view.Statuses = append(view.Statuses, opt(string(s), statusLabel(lang, s, true), view.Filter.Status))
	}
	view.Priorities = append(view.Priorities, opt("", anyLabel, view.Filter.Priority))
	for _, pr := range Priorities {
		view.Priorities = append(view.Priorities, opt(string(pr), priorityLabel(lang, pr), view.Filter.Priority))
	}
	view.Assignees = append(view.Assignees, opt("", anyLabel, view.Filter.Assignee),
		opt("me", templates.T(lang, "support.queue.mine"), view.Filter.Assignee),
		opt("none", templates.T(lang, "support.ticket.unassigned"), view.Filter.Assignee))
	members, err := h.svc.StaffMembers(r.Context())
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	for _, m := range members {
		view.Assignees = append(view.Assignees, opt(strconv.FormatInt(m.ID, 10), m.Name, view.Filter.Assignee))
	}
	h.site.Render(w, r, status, templates.SupportQueue(view))
}

// queueURL is the queue with the same filters at another page.
func queueURL(q url.Values, page int) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Set("page", fmt.Sprint(page))
	return "/support/queue?" + next.Encode()
}
