package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/templates"
)

// The sessions list shows devices, not sign-ins: a browser that signs in
// again keeps its UDID (a cookie), an app sends its own, so the sessions of
// one device make one row.

// deviceViews groups sessions (newest first, as Sessions lists them) by
// UDID: devices with an active session, this one first, and devices whose
// sessions have all ended, each shown by its latest session.
func deviceViews(lang string, sessions []Session, current int64) (active, history []templates.DeviceView) {
	type group struct {
		newest, newestActive *Session
		count                int
		since, seen          Session
	}
	groups := map[string]*group{}
	var order []string
	for i := range sessions {
		s := &sessions[i]
		g := groups[s.Device.UDID]
		if g == nil {
			g = &group{}
			groups[s.Device.UDID] = g
			order = append(order, s.Device.UDID)
		}
		if g.newest == nil {
			g.newest = s
		}
		if !s.Active() {
			continue
		}
		if g.newestActive == nil || s.ID == current {
			g.newestActive = s
		}
		if g.count == 0 || s.CreatedAt.Before(g.since.CreatedAt) {
			g.since = *s
		}
		if g.count == 0 || s.LastSeenAt.After(g.seen.LastSeenAt) {
			g.seen = *s
		}
		g.count++
	}
	for _, udid := range order {
		g := groups[udid]
		if g.newestActive != nil {
			d := deviceView(lang, *g.newestActive, g.newestActive.ID == current)
			d.Since, d.LastSeen, d.Sessions = pageTime(g.since.CreatedAt), pageTime(g.seen.LastSeenAt), g.count
			active = append(active, d)
			continue
		}
		history = append(history, deviceView(lang, *g.newest, false))
	}
	// This device first; the rest by last activity, as order already is by
	// newest sign-in.
	sort.SliceStable(active, func(i, j int) bool { return active[i].Current && !active[j].Current })
	if len(history) > 20 {
		history = history[:20]
	}
	return active, history
}

func deviceView(lang string, s Session, current bool) templates.DeviceView {
	d := templates.DeviceView{SessionID: s.ID, UDID: s.Device.UDID, Label: deviceLabel(lang, LabelDevice(s.Device)),
		Timezone: s.Device.Timezone, IP: s.IP, Since: pageTime(s.CreatedAt), LastSeen: pageTime(s.LastSeenAt),
		Sessions: 1, Current: current, Active: s.Active()}
	if s.EndedAt != nil {
		d.Ended = pageTime(*s.EndedAt)
		d.EndReason = EndReasonText(lang, s.EndReason)
	}
	var meta map[string]any
	if json.Unmarshal(s.Device.Meta, &meta) == nil {
		for k, val := range flatten("", meta) {
			d.Meta = append(d.Meta, templates.MetaItem{Key: k, Value: val})
		}
		sort.Slice(d.Meta, func(i, j int) bool { return d.Meta[i].Key < d.Meta[j].Key })
	}
	return d
}

// deviceLabel words a device in lang: "Chrome 131 on Windows", "Parley
// 3.14.0 for Android".
func deviceLabel(lang string, l DeviceLabel) string {
	os := l.OS
	if l.App == "Parley" {
		if os == "" {
			os = "Desktop"
		}
		if l.Version == "" {
			return templates.Tf(lang, "account.device.app_nover", os)
		}
		return templates.Tf(lang, "account.device.app", l.Version, os)
	}
	app := l.App
	if app != "" && l.Version != "" {
		app += " " + l.Version
	}
	switch {
	case app == "" && os == "":
		return templates.T(lang, "account.device.unknown")
	case app == "":
		app = templates.T(lang, "account.device.browser")
	case os == "":
		os = templates.T(lang, "account.device.unknown_os")
	}
	return templates.Tf(lang, "account.device.label", app, os)
}

// endReasons are the codes a session's end_reason holds.
var endReasons = map[string]bool{EndSignedOut: true, EndRemotely: true, EndPasswordChanged: true,
	EndPasswordReset: true, EndIdle: true, EndBlocked: true, EndLeaked: true}

// EndReasonText words a stored end reason in lang.
func EndReasonText(lang, code string) string {
	if !endReasons[code] {
		code = "other"
	}
	return templates.T(lang, "account.end_reason."+code)
}

// AccountEndDevice handles POST /account/sessions/{id}/end-device: every
// session of that session's device ends, as the list shows them as one.
func (h *Handler) AccountEndDevice(w http.ResponseWriter, r *http.Request) {
	h.endFromPage(w, r, h.svc.EndDevice)
}

// endFromPage reads the session id of the form's address and ends it (or
// its device) with end, for the signed-in person only: a session that is
// not theirs, or no longer active, answers 404 and nothing ends.
func (h *Handler) endFromPage(w http.ResponseWriter, r *http.Request, end func(ctx context.Context, userID, sessionID int64) error) {
	if !h.site.ReadForm(w, r, maxFormBody) {
		return
	}
	u, _ := CurrentUser(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	switch err := end(r.Context(), u.ID, id); {
	case err == nil:
		http.Redirect(w, r, "/account?done=session", http.StatusSeeOther)
	case errors.Is(err, ErrNoSession):
		h.site.ErrorPage(w, r, http.StatusNotFound, "account.session.not_found")
	default:
		h.site.Internal(w, r, err)
	}
}

// AccountEndOtherSessions handles POST /account/sessions/end-others.
func (h *Handler) AccountEndOtherSessions(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, maxFormBody) {
		return
	}
	u, _ := CurrentUser(r.Context())
	cur, _ := CurrentSession(r.Context())
	if _, err := h.svc.EndOtherSessions(r.Context(), u.ID, cur.ID); err != nil {
		h.site.Internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=others", http.StatusSeeOther)
}
