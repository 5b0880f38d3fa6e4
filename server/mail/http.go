package mail

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
	"parley/templates"
)

// Handler serves the outbox pages. Messages carry invitation links, which
// are secrets, so only administrators see them.
type Handler struct {
	svc  *Service
	site *web.Site
}

// NewHandler returns the HTTP side of the mail service.
func NewHandler(svc *Service, site *web.Site) *Handler {
	return &Handler{svc: svc, site: site}
}

// outboxPageSize is how many messages one outbox page lists.
const outboxPageSize = 50

func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func row(e Entry) templates.MailRow {
	r := templates.MailRow{ID: e.ID, URL: fmt.Sprintf("/admin/mail/%d", e.ID), To: e.To, Subject: e.Subject,
		State: string(e.State), Created: pageTime(e.CreatedAt), Error: e.Error, Attempts: e.Attempts}
	if e.State == StateNotSent {
		r.Error = "" // the state says it, in the page's language
	}
	if e.SentAt != nil {
		r.Sent = pageTime(*e.SentAt)
	}
	if e.State == StateQueued && e.Attempts > 0 {
		r.NextAttempt = pageTime(e.NextAttemptAt)
	}
	return r
}

// OutboxPage handles GET /admin/mail: every recorded message, newest first.
func (h *Handler) OutboxPage(w http.ResponseWriter, r *http.Request) {
	pageNum, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pageNum = max(pageNum, 1)
	entries, total, err := h.svc.List(r.Context(), (pageNum-1)*outboxPageSize, outboxPageSize)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	v := templates.MailOutboxView{Page: h.site.Page(w, r, "mail.outbox.title"), Configured: h.svc.Configured(),
		From: h.svc.From(), Total: total,
		Pager: templates.NewPager(pageNum, total, outboxPageSize, func(n int) string { return fmt.Sprintf("/admin/mail?page=%d", n) })}
	for _, e := range entries {
		v.Rows = append(v.Rows, row(e))
	}
	h.site.Render(w, r, http.StatusOK, templates.MailOutbox(v))
}

// MessagePage handles GET /admin/mail/{id}: one message with its whole text,
// so that an administrator can copy an invitation link out of it.
func (h *Handler) MessagePage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	e, err := h.svc.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	v := templates.MailMessageView{Page: h.site.Page(w, r, "mail.outbox.title"), Configured: h.svc.Configured(),
		From: h.svc.From(), Row: row(e), Text: e.Text}
	if e.Subject != "" {
		v.Title = e.Subject
	}
	h.site.Render(w, r, http.StatusOK, templates.MailMessage(v))
}
