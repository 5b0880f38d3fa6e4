package support

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley/templates"
)

// SettingsPage handles GET /admin/support (administrators only): the
// SLA clocks of technical support, and the way to the other desk settings.
func (h *Handler) SettingsPage(w http.ResponseWriter, r *http.Request) {
	sla, err := h.svc.SLA(r.Context())
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	p := h.site.Page(w, r, "support.settings.title")
	if r.URL.Query().Get("saved") == "1" {
		p.Notice = p.T("support.settings.saved")
	}
	view := templates.SupportSettingsView{Page: p}
	for _, pr := range Priorities {
		view.SLA = append(view.SLA, templates.SupportSLARow{Priority: string(pr), Label: priorityLabel(p.Lang, pr),
			FirstResponse: hoursText(sla[pr].FirstResponse), Resolution: hoursText(sla[pr].Resolution)})
	}
	h.site.Render(w, r, http.StatusOK, templates.SupportSettings(view))
}

func hoursText(d time.Duration) string { return strconv.FormatFloat(d.Hours(), 'f', -1, 64) }

// parseHours reads hours as people type them, with a decimal point or comma.
func parseHours(s string) (time.Duration, bool) {
	h, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	if err != nil || h != h {
		return 0, false
	}
	return time.Duration(h * float64(time.Hour)), true
}

// SaveSettingsPage handles POST /admin/support.
func (h *Handler) SaveSettingsPage(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, 16<<10) {
		return
	}
	p := h.site.Page(w, r, "support.settings.title")
	view := templates.SupportSettingsView{Page: p}
	sla := SLA{}
	bad := false
	for _, pr := range Priorities {
		row := templates.SupportSLARow{Priority: string(pr), Label: priorityLabel(p.Lang, pr),
			FirstResponse: r.PostFormValue("first_response_" + string(pr)), Resolution: r.PostFormValue("resolution_" + string(pr))}
		first, ok1 := parseHours(row.FirstResponse)
		resolve, ok2 := parseHours(row.Resolution)
		if !ok1 || !ok2 {
			row.Error = p.T("support.err.sla.number")
			bad = true
		}
		sla[pr] = Clocks{FirstResponse: first, Resolution: resolve}
		view.SLA = append(view.SLA, row)
	}
	if !bad {
		err := h.svc.SetSLA(r.Context(), viewer(r), sla)
		ve, isVE := asValidation(err)
		switch {
		case isVE:
			for i := range view.SLA {
				if ve.Field == "sla."+view.SLA[i].Priority {
					view.SLA[i].Error = errorText(p.Lang, "", ve)
				}
			}
			bad = true
		case err != nil:
			h.fail(w, r, err)
			return
		}
	}
	if bad {
		view.Error = p.T("support.form.fix")
		h.site.Render(w, r, http.StatusBadRequest, templates.SupportSettings(view))
		return
	}
	http.Redirect(w, r, "/admin/support?saved=1", http.StatusSeeOther)
}
