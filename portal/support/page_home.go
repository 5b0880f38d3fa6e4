package support

import (
	"fmt"
	"net/http"
	"strconv"

	"parley/templates"
)

// Home handles GET /support: the requests the viewer filed or joined with
// "+1", a page at a time, the buttons that open a new one, and the way on
// for staff.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	pageNum, err := parsePage(r.URL.Query().Get("page"))
	if err != nil {
		http.Redirect(w, r, "/support", http.StatusSeeOther)
		return
	}
	list, total, err := h.svc.Mine(r.Context(), v, (pageNum-1)*MinePage, MinePage)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	p := h.site.Page(w, r, "support.home.title")
	view := templates.SupportHomeView{Page: p, IsStaff: v.Staff, IsAdmin: v.Admin, Total: total}
	view.Pager = templates.NewPager(pageNum, total, MinePage, func(n int) string {
		if n <= 1 {
			return "/support"
		}
		return "/support?page=" + strconv.Itoa(n)
	})
	for _, k := range Kinds {
		if v.CanFile(k) {
			view.NewKinds = append(view.NewKinds, templates.SupportKindLink{Kind: string(k),
				Label: templates.T(p.Lang, "support.new."+string(k)), Hint: templates.T(p.Lang, "support.kind_hint."+string(k)),
				URL: "/support/new?kind=" + string(k)})
		}
	}
	for _, t := range list {
		view.Rows = append(view.Rows, templates.SupportRow{ID: t.ID, URL: ticketPath(t.ID), Subject: t.Subject,
			Kind: string(t.Kind), KindLabel: kindLabel(p.Lang, t.Kind),
			Status: string(t.Status), StatusLabel: statusLabel(p.Lang, t.Status, false),
			JiraKey: t.JiraKey, Updated: pageTimeText(t.UpdatedAt), UpdatedISO: isoTime(t.UpdatedAt),
			PlusOnes: t.PlusOnes, Joined: t.Requester.ID != v.ID})
	}
	h.site.Render(w, r, http.StatusOK, templates.SupportHome(view))
}

// ticketPath is a ticket's page, relative, for links within the site.
func ticketPath(id int64) string { return fmt.Sprintf("/support/tickets/%d", id) }
