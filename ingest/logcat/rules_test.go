package logcat

import (
	"strings"
	"testing"

	"parley/ingest"
)

// Android reclaiming a background app is a finding; a kill of the app while
// it was in front of the user (oom_adj 0, a force stop or after an ANR) is not.
func TestAndroidKilledOnlyInBackground(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"05-01 10:00:00.100  1000  1020 I ActivityManager: Killing 4321:ru.parley.app/u0a123 (adj 900): empty #17", true},
		{"05-01 10:00:00.100  1000  1020 I ActivityManager: Killing 4321:ru.parley.app/u0a123 (adj 0): bg anr", false},
		{"05-01 10:00:00.100  1000  1020 I ActivityManager: Killing 4321:ru.parley.app/u0a123 (adj 100): stop ru.parley.app", false},
		{"05-01 10:00:02.000   600   600 I lmkd    : Kill 'ru.parley.app' (4500), uid 10123, oom_score_adj 700 to free 5000kB rss; reason: low watermark is breached", true},
		{"05-01 10:00:04.000  1000  1100 I am_kill : [0,4700,ru.parley.app,0,force stop]", false},
		// Android 6 and older: adj from 0 to 15, cached from 9.
		{"12-28 18:54:48.823  1288  1302 I ActivityManager: Killing 1352:ru.parley.app/u0a1 (adj 13): system update done", true},
		{"12-28 18:55:03.993  1288  1312 I ActivityManager: Killing 1973:ru.parley.app/u0a47 (adj 1): stop ru.parley.app", false},
	} {
		d := ingest.NewDiagnoser(nil)
		if _, err := ParseWith("k.log", strings.NewReader(c.line+"\n"), func(ev *ingest.Event) error { d.Event(ev); return nil }, Options{Year: 2026}); err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range d.Findings(ingest.Environment{}) {
			got = got || f.Rule == "android-killed-in-background"
		}
		if got != c.want {
			t.Errorf("%s: finding %v, want %v", c.line, got, c.want)
		}
	}
}
