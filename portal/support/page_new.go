package support

import (
	"encoding/json"
	"net/http"
	"strings"

	"parley/templates"
)

// NewPage handles GET /support/new?kind=client|technical|feature.
func (h *Handler) NewPage(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	form := templates.SupportForm{Kind: r.URL.Query().Get("kind"), Subject: strings.TrimSpace(r.URL.Query().Get("subject"))}
	if k := Kind(form.Kind); !k.valid() || !v.CanFile(k) {
		form.Kind = string(KindClient)
	}
	h.renderNew(w, r, http.StatusOK, form, nil, false)
}

// CreatePage handles POST /support/new. The "Check for similar" button
// posts the same form with check=1: the page comes back with suggestions and
// everything typed, and nothing is filed.
func (h *Handler) CreatePage(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, 256<<10) {
		return
	}
	form := readTicketForm(r)
	if r.PostFormValue("check") != "" {
		h.renderNew(w, r, http.StatusOK, form, nil, true)
		return
	}
	v := viewer(r)
	nt := ticketFromForm(form)
	if problems := h.svc.CheckNew(v, nt); len(problems) > 0 {
		h.renderNew(w, r, http.StatusBadRequest, form, problems, true)
		return
	}
	t, err := h.svc.Create(r.Context(), v, nt)
	if ve, ok := asValidation(err); ok {
		h.renderNew(w, r, http.StatusBadRequest, form, []*ValidationError{ve}, true)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, ticketPath(t.ID)+"?done=created", http.StatusSeeOther)
}

// readTicketForm keeps the form exactly as typed, for showing it again.
func readTicketForm(r *http.Request) templates.SupportForm {
	return templates.SupportForm{
		Kind:       r.PostFormValue("kind"),
		Subject:    r.PostFormValue("subject"),
		Body:       r.PostFormValue("body"),
		Priority:   r.PostFormValue("priority"),
		What:       r.PostFormValue("fields.what"),
		Where:      r.PostFormValue("fields.where"),
		Platforms:  r.PostForm["fields.platform"],
		Frequency:  r.PostFormValue("fields.frequency"),
		Importance: r.PostFormValue("fields.priority"),
	}
}

// ticketFromForm takes from the form what the chosen desk asks: the form
// shows every desk's fields (without JavaScript all are visible), so the
// others' are left out.
func ticketFromForm(f templates.SupportForm) NewTicket {
	nt := NewTicket{Kind: Kind(f.Kind), Subject: f.Subject, Body: f.Body}
	switch nt.Kind {
	case KindTechnical:
		nt.Priority = Priority(f.Priority)
	case KindFeature:
		nt.Fields = map[string]string{
			FieldWhat:       f.What,
			FieldWhere:      f.Where,
			FieldPlatform:   strings.Join(f.Platforms, ","),
			FieldFrequency:  f.Frequency,
			FieldImportance: f.Importance,
		}
	}
	return nt
}

// controlOf is the id of the form control a field's error is about, for the
// error summary's links.
func controlOf(field, firstKind string) string {
	switch field {
	case "kind":
		return "kind-" + firstKind
	case "subject", "body", "priority":
		return field
	case "fields.what":
		return "f-what"
	case "fields.where":
		return "f-where"
	case "fields.platform":
		return "f-platform-" + Platforms[0]
	case "fields.frequency":
		return "f-frequency"
	case "fields.priority":
		return "f-importance"
	}
	return "feature-fields"
}

func (h *Handler) renderNew(w http.ResponseWriter, r *http.Request, status int, form templates.SupportForm, problems []*ValidationError, suggest bool) {
	v := viewer(r)
	p := h.site.Page(w, r, "support.new.title")
	lang := p.Lang
	view := templates.SupportNewView{Page: p, Form: form, Errors: map[string]string{}, MaxSubject: MaxSubject}
	for _, k := range Kinds {
		if v.CanFile(k) {
			view.Kinds = append(view.Kinds, templates.SupportOption{Value: string(k), Label: kindLabel(lang, k),
				Hint: templates.T(lang, "support.kind_hint."+string(k)), Selected: form.Kind == string(k)})
		}
	}
	for _, pr := range Priorities {
		view.Priorities = append(view.Priorities, templates.SupportOption{Value: string(pr), Label: priorityLabel(lang, pr),
			Selected: form.Priority == string(pr) || form.Priority == "" && pr == PriorityNormal})
	}
	for _, pl := range Platforms {
		view.Platforms = append(view.Platforms, templates.SupportOption{Value: pl, Label: templates.T(lang, "support.platform."+pl)})
	}
	for _, f := range Frequencies {
		view.Frequencies = append(view.Frequencies, templates.SupportOption{Value: f, Label: templates.T(lang, "support.frequency."+f),
			Selected: form.Frequency == f})
	}
	for _, im := range Importances {
		view.Importances = append(view.Importances, templates.SupportOption{Value: im, Label: templates.T(lang, "support.importance."+im),
			Selected: form.Importance == im})
	}
	firstKind := string(KindClient)
	if len(view.Kinds) > 0 {
		firstKind = view.Kinds[0].Value
	}
	for _, ve := range problems {
		msg := errorText(lang, "", ve)
		view.Errors[ve.Field] = msg
		view.Summary = append(view.Summary, templates.SupportFieldError{Target: controlOf(ve.Field, firstKind), Message: msg})
	}
	statuses := map[string]string{}
	for _, s := range Statuses {
		statuses[string(s)] = statusLabel(lang, s, false)
	}
	kinds := map[string]string{}
	for _, k := range Kinds {
		kinds[string(k)] = kindLabel(lang, k)
	}
	b, _ := json.Marshal(statuses)
	view.StatusLabels = string(b)
	b, _ = json.Marshal(kinds)
	view.KindLabels = string(b)

	if suggest && len([]rune(strings.TrimSpace(form.Subject))) >= 3 {
		articles, tickets, err := h.similar(r, strings.TrimSpace(form.Subject), lang)
		if err != nil {
			// Suggestions help; a failing search must not lose the form.
			h.site.Log.Warn("support suggestions", "err", err)
		}
		view.Suggestions.Checked = err == nil
		for _, a := range articles {
			view.Suggestions.Articles = append(view.Suggestions.Articles, templates.HelpLink{Title: a.Title, URL: a.URL})
		}
		for _, t := range tickets {
			view.Suggestions.Tickets = append(view.Suggestions.Tickets, templates.SupportSimilarTicket{ID: t.ID, URL: t.URL,
				Subject: t.Subject, KindLabel: kindLabel(lang, t.Kind), StatusLabel: statusLabel(lang, t.Status, false),
				PlusOnes: t.PlusOnes, CanPlusOne: t.Kind == KindFeature && !t.Mine})
		}
	}
	if len(problems) > 0 {
		p.Title = templates.T(lang, "support.form.fix") + " · " + p.Title
		view.Page = p
	}
	h.site.Render(w, r, status, templates.SupportNew(view))
}
