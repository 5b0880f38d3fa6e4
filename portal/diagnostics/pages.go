package diagnostics

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
	"parley/templates"
)

func fileModTime(f *os.File) time.Time {
	if st, err := f.Stat(); err == nil {
		return st.ModTime()
	}
	return time.Time{}
}

const pageTime = "2006-01-02 15:04:05"

func when(a, b time.Time) string {
	switch {
	case a.IsZero():
		return ""
	case b.IsZero() || a.Equal(b):
		return a.UTC().Format(pageTime)
	}
	return a.UTC().Format(pageTime) + " … " + b.UTC().Format(pageTime)
}

// List handles GET /diagnostics.
func (h *Handler) List(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ListFilter{Text: strings.TrimSpace(q.Get("q")), Limit: listPageSize}
	switch st := q.Get("status"); st {
	case "processing", "ready", "partial", "failed":
		f.Status = st
	}
	pageNum, _ := strconv.Atoi(q.Get("page"))
	pageNum = max(pageNum, 1)
	f.Offset = (pageNum - 1) * listPageSize
	uploads, total, err := h.svc.List(r.Context(), viewer(r), f)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	v := templates.DiagListView{Page: h.site.Page(w, r, "diag.title"), CanAdmin: isAdmin(r),
		Status: f.Status, Text: f.Text, Total: total}
	v.Pager = templates.NewPager(pageNum, total, listPageSize, func(n int) string {
		pq := url.Values{}
		if f.Status != "" {
			pq.Set("status", f.Status)
		}
		if f.Text != "" {
			pq.Set("q", f.Text)
		}
		if n > 1 {
			pq.Set("page", strconv.Itoa(n))
		}
		if len(pq) == 0 {
			return "/diagnostics"
		}
		return "/diagnostics?" + pq.Encode()
	})
	for _, u := range uploads {
		v.Rows = append(v.Rows, templates.DiagRow{URL: triageURL(u.ID), Name: u.Name, Uploader: u.Uploader, Status: u.Status,
			StatusLabel: templates.T(v.Lang, "diag.status."+u.Status), Created: u.CreatedAt.UTC().Format(pageTime),
			Size: templates.ByteSize(v.Lang, u.Size), Events: u.Events, Crashes: u.Crashes, Findings: u.Findings})
	}
	h.site.Render(w, r, http.StatusOK, templates.DiagList(v))
}

// listPageSize is how many uploads one page of the list shows.
const listPageSize = 50

// New handles GET /diagnostics/new.
func (h *Handler) New(w http.ResponseWriter, r *http.Request) {
	p := h.site.Page(w, r, "diag.new")
	v := templates.DiagNewView{Page: p, MaxSize: templates.ByteSize(p.Lang, MaxUploadBytes), MaxBytes: MaxUploadBytes}
	h.site.Render(w, r, http.StatusOK, templates.DiagNew(v))
}

// Create handles POST /diagnostics, the upload form (also sent by upload.js
// with a progress bar).
func (h *Handler) Create(w http.ResponseWriter, r *http.Request) {
	id, err := h.readUpload(w, r, true)
	if err != nil {
		status, msg, ok := h.site.Describe(r, err)
		if !ok {
			h.site.Internal(w, r, err)
			return
		}
		if r.Header.Get("X-Requested-With") == "upload.js" {
			http.Error(w, msg, status)
			return
		}
		p := h.site.Page(w, r, "diag.new")
		v := templates.DiagNewView{Page: p, MaxSize: templates.ByteSize(p.Lang, MaxUploadBytes), MaxBytes: MaxUploadBytes, Error: msg}
		h.site.Render(w, r, status, templates.DiagNew(v))
		return
	}
	if r.Header.Get("X-Requested-With") == "upload.js" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Location", triageURL(id))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, triageURL(id))
		return
	}
	http.Redirect(w, r, triageURL(id), http.StatusSeeOther)
}

// Triage handles GET /diagnostics/{id}.
func (h *Handler) Triage(w http.ResponseWriter, r *http.Request) {
	id, ok := uploadID(r)
	if !ok {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	u, err := h.svc.Get(r.Context(), viewer(r), id)
	if errors.Is(err, ErrNotFound) {
		h.site.ErrorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	p := h.site.Page(w, r, "diag.title")
	p.Title = u.Name
	why := uploadReason(p.Lang, u.Error)
	v := templates.DiagTriageView{Page: p, ID: u.ID, Name: u.Name, Status: u.Status,
		StatusLabel: templates.T(p.Lang, "diag.status."+u.Status), Error: why.Text, ErrorDetail: why.Detail, EventsTotal: u.Events}
	for _, rd := range u.Redactions {
		if rd.Kind == sessionsEndedKind {
			v.SessionsEnded = rd.Count
		}
	}
	switch u.Status {
	case "ready", "partial":
		if err := h.fillTriage(r, &v, u); err != nil {
			h.site.Internal(w, r, err)
			return
		}
	case "failed":
		// Why each file failed is the whole story of a failed upload.
		d, err := h.svc.Details(r.Context(), u.ID)
		if err != nil {
			h.site.Internal(w, r, err)
			return
		}
		v.Files = filesView(p.Lang, d.Parsed)
	}
	originals, err := h.svc.Originals(r.Context(), id)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	for _, o := range originals {
		v.Originals = append(v.Originals, templates.DiagOriginal{Name: o.Name, Size: templates.ByteSize(p.Lang, o.Size),
			URL: fmt.Sprintf("%s/files/%d", triageURL(id), o.N)})
	}
	h.site.Render(w, r, http.StatusOK, templates.DiagTriage(v))
}

func (h *Handler) fillTriage(r *http.Request, v *templates.DiagTriageView, u Upload) error {
	lang := v.Lang
	v.Env = append(envFacts(lang, u.Env), envFilesFact(lang, u.EnvFiles, 0)...)
	if rng := when(u.First, u.Last); rng != "" && len(u.OtherEnvs) == 0 {
		v.Env = append(v.Env, templates.DiagFact{Label: templates.T(lang, "diag.env.range"), Value: rng + " UTC"})
	}
	if len(u.OtherEnvs) > 0 {
		v.EnvTitle = envTitle(lang, u.Env)
	}
	for i, e := range u.OtherEnvs {
		title := envTitle(lang, e)
		v.MoreEnvs = append(v.MoreEnvs, templates.DiagEnvCard{Platform: title, Facts: append(envFacts(lang, e), envFilesFact(lang, u.EnvFiles, i+1)...)})
	}
	v.Network = networkView(u.Network)
	v.Calls = callsView(lang, u.Calls)
	for _, rd := range u.Redactions {
		v.Redactions = append(v.Redactions, templates.DiagFact{Label: redactionLabel(lang, rd.Kind), Key: rd.Kind, Value: strconv.Itoa(rd.Count)})
	}

	d, err := h.svc.Details(r.Context(), u.ID)
	if err != nil {
		return err
	}
	for _, f := range d.Findings {
		title := f.Article
		if h.articles != nil {
			if a, ok := h.articles.Article(lang, f.Article); ok {
				title = a.Title
			}
		}
		v.Findings = append(v.Findings, templates.DiagFinding{Severity: f.Severity.String(), SeverityLabel: severityLabel(lang, f.Severity),
			Title: ruleTitle(lang, f), Detail: findingDetail(lang, f.Detail),
			Count: f.Count, When: when(f.First, f.Last), ArticleURL: "/help/" + lang + "/" + f.Article,
			ArticleTitle: templates.T(lang, "diag.open_article") + title})
	}
	for _, c := range d.Crashes {
		v.Crashes = append(v.Crashes, templates.DiagCrash{Type: c.Type, Reason: c.Reason, Kind: crashKindLabel(lang, c.Kind), File: c.File,
			When: when(c.First, c.Last), Count: c.Count, Frames: c.Frames})
	}
	v.Errors = errorsView(d.Errors, triageURL(u.ID))
	v.Files = filesView(lang, d.Parsed)

	q := r.URL.Query()
	filter := EventFilter{Tag: strings.TrimSpace(q.Get("tag")), Text: strings.TrimSpace(q.Get("q")), Group: strings.TrimSpace(q.Get("group")), Limit: 200}
	v.Filter = templates.DiagFilter{Level: q.Get("level"), Tag: filter.Tag, Text: filter.Text, Group: filter.Group, From: q.Get("from"), To: q.Get("to")}
	if l := q.Get("level"); len(l) == 1 {
		filter.MinLevel = ingest.LevelFromLetter(l[0])
	}
	var bad string
	for _, bound := range []struct {
		param string
		t     *time.Time
		shown *string
	}{{"from", &filter.From, &v.Filter.From}, {"to", &filter.To, &v.Filter.To}} {
		raw := strings.TrimSpace(q.Get(bound.param))
		if raw == "" {
			continue
		}
		from, to, ok := parseFilterTime(raw)
		if !ok {
			bad = raw
			continue
		}
		*bound.t = from
		if bound.param == "to" {
			*bound.t = to // "10:30" reaches to 10:30:59.999…
		}
		*bound.shown = from.Format(filterTimeLayout)
	}
	if bad != "" {
		filter.From, filter.To = time.Time{}, time.Time{}
		v.Filter.Problem = templates.Tf(lang, "diag.filter_bad_time", bad)
	}
	if periods := devicePeriods(lang, u, d.Parsed); filter.From.IsZero() && filter.To.IsZero() && apart(periods) {
		// Devices whose logs are years apart would make one chart of one
		// bar each: each gets its own, over its own period.
		for i, p := range periods {
			c := buildChart(d.Timeline, p.first, p.last, triageURL(u.ID), q)
			c.Zoomed, c.Title = false, p.title
			if i > 0 {
				c.ID = fmt.Sprintf("-%d", i+1)
			}
			v.DeviceCharts = append(v.DeviceCharts, c)
		}
	} else {
		v.Chart = buildChart(d.Timeline, filter.From, filter.To, triageURL(u.ID), q)
	}
	events, matched, err := h.svc.Events(r.Context(), u.ID, filter)
	if err != nil {
		return err
	}
	v.Matched = matched
	for _, e := range events {
		t := ""
		if !e.Time.IsZero() {
			t = e.Time.UTC().Format("2006-01-02 15:04:05.000")
		}
		v.Events = append(v.Events, templates.DiagEvent{Time: t, Level: e.Level, File: e.File, Line: e.Line, Tag: e.Tag,
			Message: e.Message, Crash: e.Crash})
	}
	return nil
}

// binLabel names a bar's width: "1 min", "16 min", "4 h 16 min".
func binLabel(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h >= 48:
		return fmt.Sprintf("%d d", h/24)
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d min", m)
}

// chartBars is the most bars the chart draws; longer ranges are binned.
const chartBars = 120

// buildChart bins the per-minute counts in [from, to] into at most
// chartBars stacked bars. Each bar links to the same page zoomed to its time
// range, keeping the other filters.
func buildChart(points []TimelinePoint, from, to time.Time, base string, q url.Values) templates.DiagChart {
	const width, height = 960.0, 160.0
	c := templates.DiagChart{Width: width, Height: height}
	var inRange []TimelinePoint
	for _, p := range points {
		if (!from.IsZero() && p.Minute.Before(from.Truncate(time.Minute))) || (!to.IsZero() && p.Minute.After(to)) {
			continue
		}
		inRange = append(inRange, p)
	}
	if len(inRange) == 0 {
		return c
	}
	start, end := inRange[0].Minute, inRange[0].Minute
	for _, p := range inRange {
		if p.Minute.Before(start) {
			start = p.Minute
		}
		if p.Minute.After(end) {
			end = p.Minute
		}
	}
	end = end.Add(time.Minute)
	span := end.Sub(start)
	bin := time.Minute
	for span/bin > chartBars {
		bin *= 2
	}
	n := int((span + bin - 1) / bin)
	counts := make([]map[string]int, n)
	totals := make([]int, n)
	for _, p := range inRange {
		i := int(p.Minute.Sub(start) / bin)
		if i >= n {
			i = n - 1
		}
		if counts[i] == nil {
			counts[i] = map[string]int{}
		}
		lv := p.Level
		if lv == "V" || lv == "?" {
			lv = "D"
		}
		counts[i][lv] += p.Count
		totals[i] += p.Count
	}
	peak := 0
	for _, t := range totals {
		peak = max(peak, t)
	}
	barW := width / float64(n)
	for i := 0; i < n; i++ {
		if totals[i] == 0 {
			continue
		}
		b0 := start.Add(time.Duration(i) * bin)
		b1 := b0.Add(bin)
		zq := url.Values{}
		for k, vs := range q {
			zq[k] = vs
		}
		zq.Set("from", b0.UTC().Format(time.RFC3339))
		zq.Set("to", b1.Add(-time.Second).UTC().Format(time.RFC3339))
		bar := templates.DiagBar{X: float64(i) * barW, Width: max(barW-1, 0.5), ZoomURL: base + "?" + zq.Encode() + "#timeline",
			Label: fmt.Sprintf("%s: %d", b0.UTC().Format("2006-01-02 15:04"), totals[i])}
		y := height
		for _, lv := range []string{"D", "I", "W", "E", "F"} {
			cnt := counts[i][lv]
			if cnt == 0 {
				continue
			}
			hgt := float64(cnt) / float64(peak) * (height - 4)
			y -= hgt
			bar.Segments = append(bar.Segments, templates.DiagSegment{Y: y, Height: hgt, Level: lv, Count: cnt})
		}
		c.Bars = append(c.Bars, bar)
	}
	c.MaxLabel = fmt.Sprintf("%d / %s", peak, binLabel(bin))
	c.StartLabel = start.UTC().Format("2006-01-02 15:04")
	c.EndLabel = end.UTC().Format("2006-01-02 15:04") + " UTC"
	c.Zoomed = !from.IsZero() || !to.IsZero()
	rq := url.Values{}
	for k, vs := range q {
		if k != "from" && k != "to" {
			rq[k] = vs
		}
	}
	c.ResetURL = base + "?" + rq.Encode() + "#timeline"
	return c
}

// envFacts are the lines of an environment card.
func envFacts(lang string, env ingest.Environment) []templates.DiagFact {
	var out []templates.DiagFact
	for _, f := range []struct{ key, val string }{
		{"diag.env.platform", platformLabel(lang, env.Platform)}, {"diag.env.os", env.OS}, {"diag.env.device", env.Device},
		{"diag.env.app", env.App}, {"diag.env.app_version", env.AppVersion}, {"diag.env.server_version", env.ServerVersion},
		{"diag.env.browser", env.Browser},
	} {
		if f.val != "" {
			out = append(out, templates.DiagFact{Label: templates.T(lang, f.key), Value: f.val})
		}
	}
	if env.HUID != "" {
		out = append(out, templates.DiagFact{Label: "HUID", Value: env.HUID})
	}
	if env.UDID != "" {
		out = append(out, templates.DiagFact{Label: "UDID", Value: env.UDID})
	}
	extra := make([]string, 0, len(env.Extra))
	for k := range env.Extra {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		out = append(out, templates.DiagFact{Label: envKeyLabel(lang, k), Key: k, Value: factValue(lang, env.Extra[k])})
	}
	return out
}

// filterTimeLayout is how the filter shows a time: what a person types.
const filterTimeLayout = "2006-01-02 15:04:05"

// parseFilterTime reads a time typed into the filter or set by a zoom link
// (RFC 3339, or "2006-01-02 15:04[:05]" in UTC, with a T or a space) and
// returns the span it names: a time given to the minute or the second
// covers all of that minute or second.
func parseFilterTime(s string) (from, to time.Time, ok bool) {
	for _, l := range []struct {
		layout string
		span   time.Duration
	}{
		{time.RFC3339Nano, 0}, {"2006-01-02T15:04:05", time.Second}, {"2006-01-02 15:04:05", time.Second},
		{"2006-01-02T15:04", time.Minute}, {"2006-01-02 15:04", time.Minute}, {"2006-01-02", 24 * time.Hour},
	} {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		span := l.span
		if span == 0 && t.Nanosecond() == 0 {
			span = time.Second // a zoom link's "…:59Z" means the whole second
		}
		t = t.UTC()
		if span == 0 {
			return t, t, true
		}
		return t, t.Add(span - time.Nanosecond), true
	}
	return time.Time{}, time.Time{}, false
}

// ruleTitle is a finding's title in the page's language; the English title
// stored with it stands in for a rule the catalogue does not know.
func ruleTitle(lang string, f FindingRow) string {
	if t := templates.T(lang, "rule."+f.Rule); t != "rule."+f.Rule {
		return t
	}
	return f.Title
}

// filesView is the files of an upload with each reason one could not be
// read, in the page's language.
func filesView(lang string, parsed []ParsedRow) []templates.DiagFile {
	var out []templates.DiagFile
	for _, p := range parsed {
		f := templates.DiagFile{Name: p.Name, Format: p.Format, When: when(p.First, p.Last), Events: p.Events, Crashes: p.Crashes}
		for _, e := range p.Errors {
			why := fileReason(lang, p.Name, e)
			f.Errors = append(f.Errors, templates.DiagReason{Text: why.Text, Detail: why.Detail})
		}
		out = append(out, f)
	}
	return out
}
