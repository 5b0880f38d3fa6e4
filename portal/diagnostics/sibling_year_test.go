package diagnostics_test

import (
	"strings"
	"testing"
)

// A log that prints no year, uploaded beside a file that prints its date,
// is dated in that year rather than the year it is read in: the events say
// so on the triage page.
func TestYearlessLogTakesItsSiblingFilesYear(t *testing.T) {
	t.Parallel()
	_, desk := start(t)
	log := "04-10 12:00:05.123  1234  1240 E Parley  : sync failed\n04-10 12:00:07.000  1234  1240 I Parley  : retrying\n"
	state := strings.Replace(clientState, "2026-05-01T10:00:00Z", "2019-04-10T12:05:00Z", 1)
	if state == clientState {
		t.Fatal("the client state fixture no longer holds the date this test replaces")
	}
	triage := desk.upload(file{"app.log", []byte(log)}, file{"state.json", []byte(state)})
	page := desk.page(triage, "en")
	events := between(page, `id="events"`, "</table>")
	if !strings.Contains(events, "2019-04-10 12:00:05") {
		t.Errorf("the log's events are not dated 2019:\n%s", text(events))
	}
}
