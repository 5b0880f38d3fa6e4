package support

import (
	"fmt"
	"net/http"
	"strings"

	"parley/portal/diagnostics"
	"parley/templates"
)

// TicketPage handles GET /support/tickets/{id}.
func (h *Handler) TicketPage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	h.renderTicket(w, r, id, http.StatusOK, ticketForm{})
}

// ticketForm is what a failed action brings back to the ticket page: the
// reply as typed, and the words for what went wrong where.
type ticketForm struct {
	reply     templates.SupportReplyForm
	actionErr string
	updateErr string
	linkErr   string
	linkTyped string
}

// doneNotices are the confirmations a finished action redirects to.
var doneNotices = map[string]string{
	"created":   "support.done.created",
	"replied":   "support.done.replied",
	"noted":     "support.done.noted",
	"updated":   "support.done.updated",
	"escalated": "support.done.escalated",
	"linked":    "support.done.linked",
	"uploaded":  "support.done.uploaded",
	"joined":    "support.plus_one.joined",
	"left":      "support.done.left",
}

func (h *Handler) renderTicket(w http.ResponseWriter, r *http.Request, id int64, status int, form ticketForm) {
	ctx := r.Context()
	v := viewer(r)
	t, access, err := h.svc.Get(ctx, v, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Before the page's header counts what is unread: this one is read now.
	if err := h.svc.MarkRead(ctx, v, id); err != nil {
		h.site.Internal(w, r, err)
		return
	}
	posts, err := h.svc.Posts(ctx, access, id)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	js, err := h.svc.JiraState(ctx, id)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	var uploads []LinkedUpload
	if access >= AccessOwner {
		if uploads, err = h.svc.Uploads(ctx, v, id); err != nil {
			h.site.Internal(w, r, err)
			return
		}
	}

	p := h.site.Page(w, r, "support.ticket.title")
	lang := p.Lang
	p.Title = fmt.Sprintf("#%d %s", t.ID, t.Subject)
	if key, ok := doneNotices[r.URL.Query().Get("done")]; ok && status == http.StatusOK {
		if key == "support.done.created" && !h.svc.MailConfigured() {
			key = "support.done.created_nomail" // no mail leaves the server: the answer is here
		}
		p.Notice = templates.T(lang, key)
	}
	staff := access == AccessStaff
	now := h.svc.now()
	view := templates.SupportTicketView{Page: p, ID: t.ID, URL: ticketPath(t.ID), Subject: t.Subject, Body: t.Body,
		Kind: string(t.Kind), KindLabel: kindLabel(lang, t.Kind),
		Status: string(t.Status), StatusLabel: statusLabel(lang, t.Status, staff),
		Requester: t.Requester.Name, Created: pageTimeText(t.CreatedAt), CreatedISO: isoTime(t.CreatedAt),
		IsStaff: staff, PlusOnes: t.PlusOnes,
		CanPlusOne: t.Kind == KindFeature && t.Requester.ID != v.ID,
		Joined:     access == AccessFollower,
		CanReply:   access >= AccessOwner, Reply: form.reply,
		MaxFiles: MaxAttachments, MaxFileSize: templates.ByteSize(lang, MaxAttachmentBytes),
		CanUpload: access >= AccessOwner, MaxUploadSize: templates.ByteSize(lang, diagnostics.MaxUploadBytes),
		ActionError: form.actionErr, LinkUploadErr: form.linkErr, LinkUploadValue: form.linkTyped,
		Jira: jiraBox(lang, js)}
	if t.Assignee != nil {
		view.Assignee = t.Assignee.Name
	}
	if t.Kind == KindTechnical || staff {
		view.PriorityLabel = priorityLabel(lang, t.Priority)
	}
	if t.Kind == KindTechnical && !t.FirstResponseDue.IsZero() {
		first, resolve := t.Clocks(now)
		for _, c := range []struct {
			key   string
			clock Clock
		}{{"support.sla.first_response", first}, {"support.sla.resolution", resolve}} {
			view.Clocks = append(view.Clocks, templates.SupportClock{Label: templates.T(lang, c.key),
				Due: pageTimeText(c.clock.Due), DueISO: isoTime(c.clock.Due), Met: pageTimeText(c.clock.Met),
				Breached: c.clock.Breached, Text: clockText(lang, c.clock, now)})
		}
	}
	if t.Kind == KindFeature {
		view.Fields = featureFacts(lang, t.Fields)
	}
	for _, post := range posts {
		view.Posts = append(view.Posts, h.postView(lang, t.ID, post, access))
		for _, a := range post.Attachments {
			view.Files = append(view.Files, fileView(lang, t.ID, a, access))
		}
	}
	for _, u := range uploads {
		view.Uploads = append(view.Uploads, templates.SupportUpload{ID: u.ID, Name: u.Name, Status: u.Status,
			StatusLabel: templates.T(lang, "diag.status."+u.Status), URL: fmt.Sprintf("/diagnostics/%d", u.ID),
			Linked: templates.Tf(lang, "support.uploads.linked_at", pageTimeText(u.LinkedAt))})
	}
	if access >= AccessOwner {
		recent, err := h.svc.RecentUploads(ctx, v, t, 20)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		linked := map[int64]bool{}
		for _, u := range uploads {
			linked[u.ID] = true
		}
		for _, u := range recent {
			if !linked[u.ID] {
				view.RecentUploads = append(view.RecentUploads, templates.SupportOption{Value: fmt.Sprint(u.ID),
					Label: fmt.Sprintf("#%d %s (%s)", u.ID, u.Name, pageTimeText(u.CreatedAt))})
			}
		}
	}
	if staff {
		panel, err := h.staffPanel(r, lang, t, js, v)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		panel.UpdateError = form.updateErr
		view.Staff = &panel
	}
	h.site.Render(w, r, status, templates.SupportTicket(view))
}

// jiraBox describes the ticket's Jira side; its error is for staff only,
// which the template decides.
func jiraBox(lang string, st JiraState) templates.SupportJira {
	box := templates.SupportJira{State: "none", Key: st.Key, URL: st.URL, Pending: st.Waiting > 0,
		JiraStatus: st.JiraStatus, Sprint: st.Sprint}
	box.Error, box.ErrorDetail = jiraErrorText(lang, st.Error)
	switch {
	case st.Error != "" && (st.Waiting > 0 || st.Failed):
		box.State = "error"
	case st.Waiting > 0:
		box.State = "waiting"
	case st.Key != "":
		box.State = "linked"
	}
	if st.Waiting > 0 && !st.NextTry.IsZero() {
		box.NextTry = pageTimeText(st.NextTry)
	}
	return box
}

// featureFacts are a feature request's answers in words.
func featureFacts(lang string, fields map[string]string) []templates.SupportFact {
	var out []templates.SupportFact
	for _, name := range FeatureFields {
		val := fields[name]
		if val == "" {
			continue
		}
		switch name {
		case FieldPlatform:
			var names []string
			for _, p := range strings.Split(val, ",") {
				names = append(names, templates.T(lang, "support.platform."+p))
			}
			val = strings.Join(names, ", ")
		case FieldFrequency:
			val = templates.T(lang, "support.frequency."+val)
		case FieldImportance:
			val = templates.T(lang, "support.importance."+val)
		}
		out = append(out, templates.SupportFact{Label: templates.T(lang, "support.field."+featureLabel(name)), Value: val})
	}
	return out
}

// featureLabel is the text key of a feature field: "priority" is the
// requester's view of importance, not a ticket priority.
func featureLabel(name string) string {
	if name == FieldImportance {
		return "importance"
	}
	return name
}

// fileView is an attachment as the viewer may reach it: followers of a
// feature request see names but may not download the requester's files.
func fileView(lang string, ticketID int64, a Attachment, access Access) templates.SupportFile {
	f := templates.SupportFile{Name: a.Name, Size: templates.ByteSize(lang, a.Size), Internal: a.Internal}
	if access >= AccessOwner {
		f.URL = fmt.Sprintf("/support/tickets/%d/files/%d", ticketID, a.ID)
	}
	return f
}

func (h *Handler) postView(lang string, ticketID int64, p Post, access Access) templates.SupportPost {
	out := templates.SupportPost{ID: p.ID, Kind: string(p.Kind), Body: p.Body, When: pageTimeText(p.CreatedAt),
		WhenISO: isoTime(p.CreatedAt)}
	if p.Author != nil {
		out.Author, out.ByStaff = p.Author.Name, p.Author.Staff
	}
	if p.Kind == PostEvent {
		out.Event, out.EventLink, out.EventText = eventWords(lang, p.Event, access == AccessStaff)
	}
	for _, a := range p.Attachments {
		out.Files = append(out.Files, fileView(lang, ticketID, a, access))
	}
	return out
}

// eventWords tells a thread event in the reader's language, with the link
// it names, if any.
func eventWords(lang string, ev Event, staff bool) (text, link, linkText string) {
	a := ev.Args
	switch ev.Code {
	case "status":
		text = templates.Tf(lang, "support.event.status", statusLabel(lang, Status(a["from"]), staff), statusLabel(lang, Status(a["to"]), staff))
		if a["jira"] != "" {
			text += " " + templates.Tf(lang, "support.event.by_jira", a["jira"])
		}
	case "priority":
		text = templates.Tf(lang, "support.event.priority", priorityLabel(lang, Priority(a["from"])), priorityLabel(lang, Priority(a["to"])))
	case "assignee":
		if a["to"] == "" {
			text = templates.T(lang, "support.event.unassigned")
		} else {
			text = templates.Tf(lang, "support.event.assignee", a["to"])
		}
	case "escalated":
		text = templates.T(lang, "support.event.escalated")
	case "jira_linked":
		text, link, linkText = templates.T(lang, "support.event.jira_linked"), a["url"], a["key"]
	case "jira_failed":
		if staff {
			why, _ := jiraErrorText(lang, a["error"])
			text = templates.Tf(lang, "support.event.jira_failed", a["key"]+": "+why)
		} else {
			text = templates.T(lang, "support.event.jira_delayed")
		}
	case "upload_linked":
		text, link, linkText = templates.T(lang, "support.event.upload_linked"), "/diagnostics/"+a["upload"], a["name"]
		if linkText == "" {
			linkText = "#" + a["upload"]
		}
	default:
		text = ev.Code
	}
	return text, link, linkText
}

// staffPanel fills the side panel support staff work the ticket from.
func (h *Handler) staffPanel(r *http.Request, lang string, t Ticket, js JiraState, v Viewer) (templates.SupportStaffPanel, error) {
	panel := templates.SupportStaffPanel{IsAdmin: v.Admin}
	for _, s := range Statuses {
		panel.Statuses = append(panel.Statuses, templates.SupportOption{Value: string(s), Label: statusLabel(lang, s, true),
			Selected: s == t.Status})
	}
	for _, p := range Priorities {
		panel.Priorities = append(panel.Priorities, templates.SupportOption{Value: string(p), Label: priorityLabel(lang, p),
			Selected: p == t.Priority})
	}
	members, err := h.svc.StaffMembers(r.Context())
	if err != nil {
		return panel, err
	}
	panel.Assignees = append(panel.Assignees, templates.SupportOption{Value: "0", Label: templates.T(lang, "support.ticket.unassigned"),
		Selected: t.Assignee == nil})
	for _, m := range members {
		label := m.Name
		if m.ID == v.ID {
			label = templates.Tf(lang, "support.staff.me", m.Name)
		}
		panel.Assignees = append(panel.Assignees, templates.SupportOption{Value: fmt.Sprint(m.ID), Label: label,
			Selected: t.Assignee != nil && t.Assignee.ID == m.ID})
	}
	inJira := js.Waiting > 0 || (js.Key != "" && !js.Failed)
	switch {
	case !h.svc.JiraConfigured(t.Kind):
		panel.EscalateWhy = templates.Tf(lang, "support.staff.no_jira", kindLabel(lang, t.Kind))
	case inJira:
		panel.EscalateWhy = templates.T(lang, "support.staff.in_jira")
	default:
		panel.CanEscalate = true
	}
	return panel, nil
}
