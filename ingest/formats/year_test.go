package formats

import (
	"archive/zip"
	"bytes"
	"testing"
	"time"

	"parley/ingest"
)

// A logcat that prints no year, zipped beside files that say theirs, is of
// their year, not the year it is read in; one alone, or one whose own
// messages quote a date, keeps what it says itself.
func TestYearlessLogTakesItsSiblingsYear(t *testing.T) {
	threadtime := "04-10 12:00:05.123  1234  1240 E Parley  : sync failed\n04-10 12:00:07.000  1234  1240 I Parley  : retrying\n"
	state := `{"format":"parley-client-state","version":1,"exported_at":"2019-04-10T12:05:00Z","platform":"web"}`
	quoting := "04-10 12:00:05.123  1234  1240 I Backup  : next run 2017-04-11 03:00:00\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  int // the year of the first event of a.log
	}{
		{"beside a dated state dump", map[string]string{"a.log": threadtime, "state.json": state}, 2019},
		{"its own quoted date wins", map[string]string{"a.log": quoting, "state.json": state}, 2017},
		{"no sibling dates", map[string]string{"a.log": threadtime, "b.log": threadtime}, time.Now().UTC().Year()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, name := range []string{"a.log", "b.log", "state.json"} {
				if body, ok := tc.files[name]; ok {
					w, err := zw.Create(name)
					if err != nil {
						t.Fatal(err)
					}
					w.Write([]byte(body))
				}
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			members, _, err := ingest.Expand("logs.zip", bytes.NewReader(buf.Bytes()), int64(buf.Len()), ingest.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range Units("logs.zip", members, 0) {
				if u.Name != "logs.zip/a.log" {
					continue
				}
				res, err := u.Parse(nil)
				if err != nil {
					t.Fatal(err)
				}
				got := res.First.Year()
				if tc.name == "no sibling dates" && got == tc.want-1 {
					got = tc.want // a log of 10 April read before then is of last year
				}
				if got != tc.want {
					t.Errorf("a.log starts in %d, want %d", res.First.Year(), tc.want)
				}
			}
		})
	}
}
