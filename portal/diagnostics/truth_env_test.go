package diagnostics_test

import (
	"strings"
	"testing"
)

// An emulator's boot log beside a Motorola's tombstone: two cards, each
// with only its own device's facts and files, and, their periods years
// apart, a timeline chart for each.
func TestMixedDevicesKeepTheirOwnCardsAndCharts(t *testing.T) {
	t.Parallel()
	read := func(rel string) []byte { return readSample(t, rel) }
	_, desk := start(t)
	triage := desk.upload(file{"boot.txt", read("logcat/logcat2csv_emulator_boot_threadtime_crlf.txt")},
		file{"tombstone.txt", read("logcat/sentry_unity_android9_tombstone_sigsegv.txt")})
	for _, lang := range []string{"en", "ru"} {
		page := desk.page(triage, lang)
		first, second := text(between(page, `id="env"`, "</section>")), text(between(page, `id="env-2"`, "</section>"))
		for card, c := range map[string]struct {
			text      string
			want, not []string
		}{
			"emulator": {first, []string{"Android 6.0", "generic_x86", "boot.txt"}, []string{"Android 9", "motorola", "arm", "tombstone.txt", "io.sentry.sample"}},
			"motorola": {second, []string{"Android 9", "motorola lake_n", "arm", "io.sentry.sample", "tombstone.txt"}, []string{"Android 6.0", "generic_x86", "boot.txt"}},
		} {
			for _, w := range c.want {
				if !strings.Contains(c.text, w) {
					t.Errorf("%s: the %s card lacks %q:\n%s", lang, card, w, c.text)
				}
			}
			for _, n := range c.not {
				if strings.Contains(c.text, n) {
					t.Errorf("%s: the %s card shows %q of the other device:\n%s", lang, card, n, c.text)
				}
			}
		}
		timeline := between(page, `id="timeline"`, `id="event-filter"`)
		if n := strings.Count(timeline, `<svg`); n != 2 || !strings.Contains(timeline, `id="timeline-chart-2"`) {
			t.Errorf("%s: %d charts on the timeline, want one per device", lang, n)
		}
		if !strings.Contains(text(timeline), "motorola lake_n") || !strings.Contains(text(timeline), "generic_x86") {
			t.Errorf("%s: the charts do not name their devices: %s", lang, text(timeline))
		}
	}
}
