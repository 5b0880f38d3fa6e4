package diagnostics

import (
	"net/http"
	"strconv"
	"strings"

	"parley/server/accounts"
	"parley/templates"
)

func isAdmin(r *http.Request) bool {
	u, ok := accounts.CurrentUser(r.Context())
	return ok && u.IsAdmin()
}

// Settings handles GET /admin/diagnostics (administrators only).
func (h *Handler) Settings(w http.ResponseWriter, r *http.Request) {
	days, err := h.svc.RetentionDays(r.Context())
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	v := templates.DiagSettingsView{Page: h.site.Page(w, r, "diag.settings"), Days: strconv.Itoa(days)}
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = v.T("diag.saved")
	}
	h.site.Render(w, r, http.StatusOK, templates.DiagSettings(v))
}

// SaveSettings handles POST /admin/diagnostics.
func (h *Handler) SaveSettings(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("retention_days"))
	days, err := strconv.Atoi(typed)
	if err == nil {
		err = h.svc.SetRetentionDays(r.Context(), days)
	}
	if err != nil {
		v := templates.DiagSettingsView{Page: h.site.Page(w, r, "diag.settings"), Days: typed}
		v.Error = v.T("diag.retention_bad")
		h.site.Render(w, r, http.StatusBadRequest, templates.DiagSettings(v))
		return
	}
	http.Redirect(w, r, "/admin/diagnostics?saved=1", http.StatusSeeOther)
}
