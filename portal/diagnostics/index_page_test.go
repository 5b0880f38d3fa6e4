package diagnostics_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var summaryRe = regexp.MustCompile(`id="events-summary">([^<]*)<`)

// The event list of an upload answers the same from its index, after a
// restart, and, for an upload stored before indexes existed (no index
// beside its events), from the scan; deleting the upload takes the index
// with it.
func TestEventListIndexedRestartedAndOld(t *testing.T) {
	t.Parallel()
	env, r := start(t)
	var log strings.Builder
	for i := 0; i < 700; i++ {
		lv := "IWE"[i%3]
		fmt.Fprintf(&log, "05-01 10:%02d:%02d.%03d  4242  4242 %c Net%d: request %d timed out \"after\" C:\\tmp\n", 29+i/120, i/2%60, i%2*500, lv, i%4, i)
	}
	triage := r.upload(file{"net.log", []byte(log.String())})
	views := []string{"", "?level=E", "?tag=net1", "?q=" + "TIMED+OUT+%22AFTER%22", "?q=C%3A%5Ctmp&level=W",
		"?from=2026-05-01+10:30&to=2026-05-01+10:30", "?q=request+69&tag=Net2&from=2026-05-01+10:29:30"}
	read := func(r *reader) []string {
		var out []string
		for _, v := range views {
			page := r.page(triage+v, "en")
			m := summaryRe.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no event summary", v)
			}
			out = append(out, m[1]+" | "+strings.Join(regexp.MustCompile(`request \d+`).FindAllString(page, -1), ","))
		}
		return out
	}
	indexed := read(r)
	// Every third event is an error, a quarter have each tag, 120 fall in
	// the minute 10:30 (two a second), and "request 69" of Net2 (every
	// fourth, from the third) is requests 690, 694 and 698.
	for i, want := range []string{"Showing 200 of 700 ", "Showing 200 of 233 ", "Showing 175 of 175 ", "Showing 200 of 700 ",
		"Showing 200 of 466 ", "Showing 120 of 120 ", "Showing 3 of 3 "} {
		if !strings.HasPrefix(indexed[i], want) {
			t.Errorf("%s: %q, want %q…", views[i], indexed[i], want)
		}
	}
	dir := filepath.Join(env.DataDir, "files", "diagnostics", strings.TrimPrefix(triage, "/diagnostics/"))
	if _, err := os.Stat(filepath.Join(dir, "events.index.json")); err != nil {
		t.Fatalf("no index written: %v", err)
	}

	env2 := env.Restart()
	r2 := signIn(t, env2, "desk@example.org", "desk-secret-1")
	if got := read(r2); strings.Join(got, "\n") != strings.Join(indexed, "\n") {
		t.Errorf("after a restart:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(indexed, "\n"))
	}
	// As an upload stored before the index: only its events.
	for _, name := range []string{"events.index.json", "events.idx", "events.txt", "events.blk", "events.tri"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(r2); strings.Join(got, "\n") != strings.Join(indexed, "\n") {
		t.Errorf("without the index:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(indexed, "\n"))
	}
}
