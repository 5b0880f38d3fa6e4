package diagnostics

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBuildChart(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var pts []TimelinePoint
	for i := 0; i < 300; i++ { // five hours, one point a minute
		pts = append(pts, TimelinePoint{Minute: t0.Add(time.Duration(i) * time.Minute), Level: "I", Count: 2})
	}
	pts = append(pts, TimelinePoint{Minute: t0.Add(10 * time.Minute), Level: "E", Count: 6})
	c := buildChart(pts, time.Time{}, time.Time{}, "/diagnostics/7", url.Values{"level": {"W"}})
	if len(c.Bars) == 0 || len(c.Bars) > chartBars {
		t.Fatalf("%d bars", len(c.Bars))
	}
	if c.MaxLabel != "14 / 4 min" || c.Zoomed {
		t.Errorf("peak label %q, zoomed %v", c.MaxLabel, c.Zoomed)
	}
	for _, b := range c.Bars {
		top := c.Height
		for _, s := range b.Segments {
			if s.Y < 0 || s.Y+s.Height > top+0.001 {
				t.Fatalf("segment outside the chart: %+v", s)
			}
			top = s.Y
		}
		if !strings.Contains(b.ZoomURL, "level=W") || !strings.Contains(b.ZoomURL, "from=") {
			t.Fatalf("zoom link loses filters: %s", b.ZoomURL)
		}
	}
	// Zoomed to ten minutes: one-minute bars, and a way back.
	z := buildChart(pts, t0, t0.Add(9*time.Minute+59*time.Second), "/diagnostics/7", url.Values{"from": {"x"}, "to": {"y"}})
	if len(z.Bars) != 10 || !z.Zoomed || strings.Contains(z.ResetURL, "from=") {
		t.Fatalf("zoomed: %d bars, reset %q", len(z.Bars), z.ResetURL)
	}
	if empty := buildChart(nil, time.Time{}, time.Time{}, "/d/1", nil); len(empty.Bars) != 0 {
		t.Fatal("bars from nothing")
	}
}
