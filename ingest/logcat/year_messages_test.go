package logcat

import (
	"os"
	"path/filepath"
	"testing"

	"parley/ingest"
)

func TestYearFromMessages(t *testing.T) {
	for _, tc := range []struct {
		log  string
		want int
	}{
		{"12-28 18:54:40.018  1288  1288 I UsageStatsService: User[0] Rollover scheduled @ 2015-12-29 00:00:00(1451347200000)\n", 2015},
		{"12-31 23:59:59.000  1  1 I Cron: next run 2021-01-01\n", 2020},
		{"01-01 00:00:01.000  1  1 I Cron: last run 2020-12-31\n", 2021},
		{"05-01 10:00:00.000  1  1 I Build: built on 2012-03-04\n", 0},                // a date long before: no tell
		{"05-01 10:00:00.000  1  1 I Id: order 12016-05-01x\n", 0},                    // not a date
		{"I/UsageStatsService(  858): Rollover scheduled @ 2014-12-23 16:00:00\n", 0}, // brief: no date of its own
	} {
		if got := yearFromMessages([]byte(tc.log)); got != tc.want {
			t.Errorf("%q: year %d, want %d", tc.log, got, tc.want)
		}
	}
}

// The emulator's boot log has no year in its timestamps; a message of its
// quotes the next day's date in 2015, so the log is of 2015, not of the
// year it is read in.
func TestYearlessLogTakesTheYearItsMessagesQuote(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "samples", "logcat", "logcat2csv_emulator_boot_threadtime_crlf.txt")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer f.Close()
	res, err := Parse("boot.txt", f, func(*ingest.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.First.Year() != 2015 || res.Last.Year() != 2015 || res.First.Month() != 12 || res.First.Day() != 28 {
		t.Errorf("the log runs %v … %v, want 28 December 2015", res.First, res.Last)
	}
}
