package diagnostics

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/kb"
	"parley/server/accounts"
	"parley/server/web"
)

// Handler serves the diagnostics pages and API.
type Handler struct {
	svc      *Service
	site     *web.Site
	articles *kb.Base // titles for findings' help links; nil leaves the slug
}

// NewHandler returns the HTTP side of the diagnostics service; articles
// gives findings' help links their titles.
func NewHandler(svc *Service, site *web.Site, articles *kb.Base) *Handler {
	return &Handler{svc: svc, site: site, articles: articles}
}

func viewer(r *http.Request) Viewer {
	u, _ := accounts.CurrentUser(r.Context())
	return Viewer{UserID: u.ID, Staff: u.IsStaff()}
}

func uploadID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

// readUpload streams the request body into a new upload: a multipart form
// (browser, several files) or a raw body named by ?name= (command line).
// With a form, the CSRF token must be the first field, which is where the
// page's form puts it, so no file is stored before the token is checked.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request, checkCSRF bool) (int64, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes+1<<20)
	u, _ := accounts.CurrentUser(r.Context())
	mr, err := r.MultipartReader()
	if err != nil {
		if checkCSRF {
			return 0, errBadForm
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "upload"
		}
		done := false
		return h.svc.Create(r.Context(), u.ID, func() (*IncomingFile, error) {
			if done {
				return nil, nil
			}
			done = true
			return &IncomingFile{Name: name, Body: r.Body}, nil
		})
	}
	csrfOK := !checkCSRF || subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(csrfCookie(r))) == 1 && csrfCookie(r) != ""
	var part *multipart.Part
	return h.svc.Create(r.Context(), u.ID, func() (*IncomingFile, error) {
		if part != nil {
			part.Close()
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return nil, ErrTooLarge
				}
				return nil, fmt.Errorf("read form: %w", err)
			}
			if p.FormName() == web.CSRFField && p.FileName() == "" {
				tok, _ := io.ReadAll(io.LimitReader(p, 100))
				csrfOK = csrfOK || (csrfCookie(r) != "" && subtle.ConstantTimeCompare(tok, []byte(csrfCookie(r))) == 1)
				continue
			}
			if !csrfOK {
				return nil, errBadForm
			}
			if p.FileName() == "" {
				continue
			}
			part = p
			return &IncomingFile{Name: p.FileName(), Body: p}, nil
		}
	})
}

var errBadForm = web.Errorf(http.StatusForbidden, "csrf", "diag.err.bad_form", "the form had expired; please send it again")

func csrfCookie(r *http.Request) string {
	c, err := r.Cookie(web.CSRFCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

type apiUpload struct {
	ID       int64          `json:"id"`
	URL      string         `json:"url"`
	Name     string         `json:"name"`
	Status   string         `json:"status"`
	Error    string         `json:"error,omitempty"`
	Events   int            `json:"events"`
	Levels   map[string]int `json:"levels"`
	Crashes  int            `json:"crashes"`
	Findings []apiFinding   `json:"findings"`
}

type apiFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Article  string `json:"article"`
	Detail   string `json:"detail"`
	Count    int    `json:"count"`
}

func triageURL(id int64) string { return "/diagnostics/" + strconv.FormatInt(id, 10) }

// APICreate handles POST /api/v1/diagnostics/uploads.
func (h *Handler) APICreate(w http.ResponseWriter, r *http.Request) {
	id, err := h.readUpload(w, r, false)
	if err != nil {
		h.site.Fail(w, r, err)
		return
	}
	out := apiUpload{ID: id, URL: triageURL(id), Status: "processing", Levels: map[string]int{}, Findings: []apiFinding{}}
	if u, err := h.svc.Get(r.Context(), viewer(r), id); err == nil {
		out.Name = u.Name
	}
	web.JSON(w, http.StatusAccepted, out)
}

// APIGet handles GET /api/v1/diagnostics/uploads/{id}.
func (h *Handler) APIGet(w http.ResponseWriter, r *http.Request) {
	id, ok := uploadID(r)
	if !ok {
		web.JSONError(w, http.StatusNotFound, "not_found", "no such upload")
		return
	}
	u, err := h.svc.Get(r.Context(), viewer(r), id)
	if errors.Is(err, ErrNotFound) {
		web.JSONError(w, http.StatusNotFound, "not_found", "no such upload")
		return
	}
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	d, err := h.svc.Details(r.Context(), id)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	out := apiUpload{ID: u.ID, URL: triageURL(u.ID), Name: u.Name, Status: u.Status, Error: u.Error, Events: u.Events,
		Levels: u.Levels, Crashes: u.Crashes, Findings: []apiFinding{}}
	if out.Levels == nil {
		out.Levels = map[string]int{}
	}
	for _, f := range d.Findings {
		out.Findings = append(out.Findings, apiFinding{Rule: f.Rule, Severity: f.Severity.String(), Article: f.Article, Detail: f.Detail, Count: f.Count})
	}
	web.JSON(w, http.StatusOK, out)
}

// Download handles GET /diagnostics/{id}/files/{n}: the original file.
func (h *Handler) Download(w http.ResponseWriter, r *http.Request) {
	id, ok := uploadID(r)
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if !ok || err != nil {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if _, err := h.svc.Get(r.Context(), viewer(r), id); err != nil {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	originals, err := h.svc.Originals(r.Context(), id)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	for _, o := range originals {
		if o.N != n {
			continue
		}
		// Redaction puts another file behind this URL.
		w.Header().Set("Cache-Control", "private, no-cache")
		if o.FileID != "" {
			// The file store answers ranges, and "unavailable" for an
			// original that could not be redacted.
			f, err := h.svc.files.Get(r.Context(), o.FileID)
			if err == nil {
				err = h.svc.files.Serve(w, r, f)
			}
			if err != nil {
				h.site.Fail(w, r, err)
			}
			return
		}
		// Not yet moved into the file store (originals_move.go).
		f, err := h.svc.openOriginal(r.Context(), id, o)
		if err != nil {
			h.site.Fail(w, r, err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", o.Name))
		http.ServeContent(w, r, "", fileModTime(f), f)
		return
	}
	h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
}
