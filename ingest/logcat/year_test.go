package logcat

import (
	"testing"
	"time"
)

func TestLogcatYearNeverInFuture(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for head, want := range map[string]int{
		"12-28 18:54:07.120  100  200 I Tag: x\n":                      2025, // December log read in November: last year
		"11-21 09:00:00.000  100  200 I Tag: x\n":                      2026,
		"11-23 09:00:00.000  100  200 I Tag: x\n":                      2026, // within a day (time zones)
		"--------- beginning of main\n01-02 03:04:05.000 1 2 I T: m\n": 2026,
		"no dates here\n": 2026,
	} {
		if got := guessYear([]byte(head), now); got != want {
			t.Errorf("%q: %d, want %d", head, got, want)
		}
	}
}
