package diagnostics

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"parley/templates"
)

func networkView(n NetworkView) *templates.DiagNetwork {
	if n.Requests == 0 {
		return nil
	}
	v := &templates.DiagNetwork{Requests: n.Requests, Failed: n.Failed}
	for _, h := range n.Hosts {
		v.Hosts = append(v.Hosts, templates.DiagHost{Host: h.Host, Requests: h.Requests, Failed: h.Failed,
			TotalMS: h.TotalMS, AvgMS: h.TotalMS / int64(max(h.Requests, 1)), MaxMS: h.MaxMS})
	}
	row := func(r Request) templates.DiagRequest {
		t := ""
		if !r.Time.IsZero() {
			t = r.Time.UTC().Format("15:04:05.000")
		}
		return templates.DiagRequest{Time: t, Method: r.Method, URL: r.URL, Status: strconv.Itoa(r.Status), Error: r.Error, MS: r.MS}
	}
	for _, r := range n.Failures {
		v.Failures = append(v.Failures, row(r))
	}
	for _, r := range n.Slowest {
		v.Slowest = append(v.Slowest, row(r))
	}
	return v
}

// callLimits are the thresholds the call view draws: the network
// requirements of calls (ping up to 100 ms, loss up to 10 %).
var callLimits = []struct {
	title string // a catalogue key, or an acronym said the same in every language
	pick  func(Sample) float64
	limit float64
	unit  string // a catalogue key, or a sign
}{
	{"RTT", func(s Sample) float64 { return s.RTT }, 100, "diag.unit.ms"},
	{"diag.chart.loss", func(s Sample) float64 { return s.Loss }, 10, "%"},
	{"diag.chart.jitter", func(s Sample) float64 { return s.Jitter }, -1, "diag.unit.ms"},
}

func callsView(lang string, c CallView) []templates.DiagConnection {
	var out []templates.DiagConnection
	for _, conn := range c.Connections {
		v := templates.DiagConnection{ID: conn.ID, File: conn.File, Pair: conn.Pair}
		for _, s := range conn.States {
			v.States = append(v.States, templates.DiagFact{Label: s.Time.UTC().Format("15:04:05.000"), Value: s.Kind + ": " + s.State})
		}
		for _, m := range callLimits {
			if line, ok := lineChart(conn.Samples, m.pick, m.limit); ok {
				line.Title = templates.T(lang, m.title)
				unit := " " + templates.T(lang, m.unit)
				line.Limit = "—"
				if m.limit >= 0 {
					line.Limit = strconv.FormatFloat(m.limit, 'f', -1, 64) + unit
				}
				line.MaxLabel += unit
				v.Charts = append(v.Charts, line)
			}
		}
		out = append(out, v)
	}
	return out
}

// lineChart draws samples as a 300×80 polyline over time, scaled so the
// limit line stays visible.
func lineChart(samples []Sample, pick func(Sample) float64, limit float64) (templates.DiagLine, bool) {
	var pts []Sample
	peak := 0.0
	for _, s := range samples {
		if v := pick(s); v >= 0 && !s.Time.IsZero() {
			pts = append(pts, s)
			peak = max(peak, v)
		}
	}
	if len(pts) == 0 {
		return templates.DiagLine{}, false
	}
	top := max(peak, limit*1.2, 1)
	t0, t1 := pts[0].Time, pts[len(pts)-1].Time
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Second
	}
	var b strings.Builder
	for _, s := range pts {
		x := float64(s.Time.Sub(t0)) / float64(span) * 300
		y := 80 - pick(s)/top*76
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	line := templates.DiagLine{Points: strings.TrimSpace(b.String()), Threshold: -1,
		MaxLabel: strconv.FormatFloat(peak, 'f', 1, 64)}
	if limit >= 0 {
		line.Threshold = 80 - limit/top*76
	}
	return line, true
}
