package support

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"parley/server/files"
	"parley/server/web"
	"parley/templates"
)

// The ticket page's forms. Each checks its CSRF token, acts through the
// service (which authorises it), and either redirects back to the ticket
// with a notice or shows the ticket again with what went wrong.

// maxReplyBytes bounds a reply form: every attachment at its limit, and a
// megabyte for the text and the multipart framing.
const maxReplyBytes = MaxAttachments*MaxAttachmentBytes + 1<<20

// ReplyPage handles POST /support/tickets/{id}/reply (multipart: body,
// internal, files).
func (h *Handler) ReplyPage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	lang := h.site.Lang(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxReplyBytes)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.renderTicket(w, r, id, http.StatusRequestEntityTooLarge, ticketForm{reply: templates.SupportReplyForm{
				FileErr: templates.Tf(lang, "support.err.files.total", maxReplyBytes>>20)}})
			return
		}
		h.badForm(w, r)
		return
	}
	defer r.MultipartForm.RemoveAll()
	if !web.CheckCSRF(r) {
		h.badForm(w, r)
		return
	}
	np := NewPost{Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") != ""}
	watch := &fileWatch{last: -1}
	for _, fh := range r.MultipartForm.File["files"] {
		f, err := fh.Open()
		if err != nil {
			h.site.Internal(w, r, fmt.Errorf("open attached %s: %w", fh.Filename, err))
			return
		}
		defer f.Close()
		np.Files = append(np.Files, IncomingFile{Name: fh.Filename, Body: watch.add(fh.Filename, f)})
	}
	post, err := h.svc.Reply(r.Context(), viewer(r), id, np)
	if ve, ok := asValidation(err); ok {
		form := ticketForm{reply: templates.SupportReplyForm{Body: np.Body, Internal: np.Internal}}
		if ve.Field == "files" {
			form.reply.FileErr = fileRefusal(lang, ve, watch)
		} else {
			form.reply.Error = errorText(lang, "reply", ve)
		}
		h.renderTicket(w, r, id, http.StatusBadRequest, form)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	done := "replied"
	if np.Internal {
		done = "noted"
	}
	http.Redirect(w, r, fmt.Sprintf("%s?done=%s#post-%d", ticketPath(id), done, post.ID), http.StatusSeeOther)
}

// fileWatch follows the files of a reply as the service reads them. The
// service checks them in order and stops at the first it refuses, so the
// file read last is the one a refusal is about; its first bytes tell what
// its content is, as the service saw it.
type fileWatch struct {
	last  int
	files []*watchedFile
}

type watchedFile struct {
	watch *fileWatch
	index int
	name  string
	body  io.Reader
	head  []byte
}

const sniffBytes = 3072

func (fw *fileWatch) add(name string, body io.Reader) io.Reader {
	f := &watchedFile{watch: fw, index: len(fw.files), name: name, body: body}
	fw.files = append(fw.files, f)
	return f
}

func (f *watchedFile) Read(p []byte) (int, error) {
	f.watch.last = f.index
	n, err := f.body.Read(p)
	if room := sniffBytes - len(f.head); room > 0 && n > 0 {
		f.head = append(f.head, p[:min(n, room)]...)
	}
	return n, err
}

// fileRefusal says in the reader's language why a file was refused, naming it.
func fileRefusal(lang string, ve *ValidationError, fw *fileWatch) string {
	if ve.Code == "too_many" {
		return templates.Tf(lang, "support.err.files.too_many", MaxAttachments)
	}
	if fw.last < 0 {
		return errorText(lang, "reply", ve)
	}
	f := fw.files[fw.last]
	name := cleanFileName(f.name)
	switch ve.Code {
	case "forbidden_type":
		mime, err := files.Sniff(bytes.NewReader(f.head))
		if err != nil {
			mime = "?"
		}
		return templates.Tf(lang, "support.err.files.forbidden_type", name, mime)
	case "unknown_type":
		return templates.Tf(lang, "support.err.files.unknown_type", name)
	case "too_large":
		return templates.Tf(lang, "support.err.files.too_large", name, MaxAttachmentBytes>>20)
	case "empty":
		return templates.Tf(lang, "support.err.files.empty", name)
	}
	return errorText(lang, "reply", ve)
}

// UpdatePage handles POST /support/tickets/{id}/update: status, priority
// and assignee from the staff panel.
func (h *Handler) UpdatePage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	var c Change
	if s := r.PostFormValue("status"); s != "" {
		st := Status(s)
		c.Status = &st
	}
	if s := r.PostFormValue("priority"); s != "" {
		p := Priority(s)
		c.Priority = &p
	}
	if s := r.PostFormValue("assignee"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			h.renderTicket(w, r, id, http.StatusBadRequest, ticketForm{updateErr: templates.T(h.site.Lang(r), "support.err.assignee.not_staff")})
			return
		}
		c.AssigneeID = &n
	}
	_, err := h.svc.Update(r.Context(), viewer(r), id, c)
	if ve, ok := asValidation(err); ok {
		h.renderTicket(w, r, id, http.StatusBadRequest, ticketForm{updateErr: errorText(h.site.Lang(r), "", ve)})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, ticketPath(id)+"?done=updated", http.StatusSeeOther)
}

// EscalatePage handles POST /support/tickets/{id}/escalate: the ticket's
// Jira issue is queued in the outbox.
func (h *Handler) EscalatePage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	err := h.svc.Escalate(r.Context(), viewer(r), id)
	switch {
	case errors.Is(err, ErrNoJira):
		h.renderTicket(w, r, id, http.StatusConflict, ticketForm{actionErr: templates.T(h.site.Lang(r), "support.err.no_jira")})
	case errors.Is(err, ErrAlreadyJira):
		h.renderTicket(w, r, id, http.StatusConflict, ticketForm{actionErr: templates.T(h.site.Lang(r), "support.err.already_jira")})
	case err != nil:
		h.fail(w, r, err)
	default:
		http.Redirect(w, r, ticketPath(id)+"?done=escalated", http.StatusSeeOther)
	}
}

// PlusOnePage handles POST /support/tickets/{id}/plus-one. The form says
// what it wants (want=join or want=leave), so sending it twice does not undo
// it; without want it toggles. support-new.js posts it with
// Accept: application/json and gets {"joined", "plus_ones"}.
func (h *Handler) PlusOnePage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	asJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	if !parseForm(w, r, 16<<10) {
		if asJSON {
			web.JSONError(w, http.StatusForbidden, "csrf", "the form had expired; reload the page")
			return
		}
		h.badForm(w, r)
		return
	}
	v := viewer(r)
	_, access, err := h.svc.Get(r.Context(), v, id)
	if err != nil {
		if asJSON {
			h.apiFail(w, r, err)
			return
		}
		h.fail(w, r, err)
		return
	}
	joined := access == AccessFollower
	want := r.PostFormValue("want")
	if want == "" || (want == "join") != joined {
		joined, err = h.svc.PlusOne(r.Context(), v, id)
	}
	if err != nil {
		if asJSON {
			h.apiFail(w, r, err)
			return
		}
		if ve, ok := asValidation(err); ok {
			h.renderTicket(w, r, id, http.StatusBadRequest, ticketForm{actionErr: errorText(h.site.Lang(r), "", ve)})
			return
		}
		h.fail(w, r, err)
		return
	}
	if asJSON {
		t, _, err := h.svc.Get(r.Context(), v, id)
		if err != nil {
			h.apiFail(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"joined": joined, "plus_ones": t.PlusOnes})
		return
	}
	done := "joined"
	if !joined {
		done = "left"
	}
	http.Redirect(w, r, ticketPath(id)+"?done="+done, http.StatusSeeOther)
}

// LinkUploadPage handles POST /support/tickets/{id}/uploads: a diagnostics
// upload named by its number (upload) or picked from the requester's
// recent ones (pick).
func (h *Handler) LinkUploadPage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	lang := h.site.Lang(r)
	typed := strings.TrimSpace(r.PostFormValue("upload"))
	choice := typed
	if choice == "" {
		choice = r.PostFormValue("pick")
	}
	uploadID, err := strconv.ParseInt(strings.TrimPrefix(choice, "#"), 10, 64)
	if err != nil || uploadID <= 0 {
		h.renderTicket(w, r, id, http.StatusBadRequest, ticketForm{linkErr: templates.T(lang, "support.err.upload.number"), linkTyped: typed})
		return
	}
	err = h.svc.LinkUpload(r.Context(), viewer(r), id, uploadID)
	switch _, isVE := asValidation(err); {
	case isVE:
		h.renderTicket(w, r, id, http.StatusBadRequest, ticketForm{linkErr: templates.Tf(lang, "support.err.upload.not_found", uploadID), linkTyped: typed})
	case errors.Is(err, ErrAlreadyLinked):
		h.renderTicket(w, r, id, http.StatusConflict, ticketForm{linkErr: templates.T(lang, "support.err.upload.already"), linkTyped: typed})
	case err != nil:
		h.fail(w, r, err)
	default:
		http.Redirect(w, r, ticketPath(id)+"?done=linked#uploads", http.StatusSeeOther)
	}
}

// UploadDiagnosticsPage handles POST /support/tickets/{id}/diagnostics: a
// new diagnostics upload, sent like the diagnostics page's form (also by
// upload.js, which wants 201 and the address to go to), linked to the ticket.
func (h *Handler) UploadDiagnosticsPage(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	v := viewer(r)
	// Authorise before a byte is stored.
	if _, access, err := h.svc.Get(r.Context(), v, id); err != nil || access < AccessOwner {
		if err == nil {
			err = ErrForbidden
		}
		h.fail(w, r, err)
		return
	}
	byScript := r.Header.Get("X-Requested-With") == "upload.js"
	uploadID, err := h.diag.ReadUpload(w, r)
	if err == nil {
		err = h.svc.LinkUpload(r.Context(), v, id, uploadID)
	}
	if err != nil {
		status, msg, known := h.site.Describe(r, err)
		if !known {
			h.site.Internal(w, r, err)
			return
		}
		if byScript {
			http.Error(w, msg, status)
			return
		}
		h.renderTicket(w, r, id, status, ticketForm{actionErr: msg})
		return
	}
	next := ticketPath(id) + "?done=uploaded#uploads"
	if byScript {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Location", next)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, next)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
