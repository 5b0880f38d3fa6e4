package ingest

import (
	"strconv"
	"strings"
)

// Attributes the bug-report parser (parley/ingest/bugreport) sets on the
// events its findings come from. It emits them once it has read the whole
// report: a deadlock needs every thread of a dump, a stuck binder call the
// other process's threads, a crash loop the whole log.
const (
	AttrBugreportANR       = "android.anr"          // an ANR: the app's package
	AttrBugreportDeadlock  = "android.deadlock"     // a deadlock: the threads of the cycle, "a → b → …"
	AttrBugreportBinder    = "android.binder_stuck" // a binder call that cannot return: the calling process
	AttrBugreportLMK       = "android.lmk_kill"     // the low-memory killer killed this package
	AttrBugreportCrashLoop = "android.crash_loop"   // this package crashed again and again
)

// BugreportRules are the findings of an Android bug report; they are part
// of Rules.
var BugreportRules = []Rule{
	{ID: "android-java-deadlock", Severity: SeverityCritical, Article: "android-deadlock",
		Title: "Threads wait for each other's locks for ever (deadlock)",
		Event: bugreportDetail(AttrBugreportDeadlock), Attrs: []string{AttrBugreportDeadlock}},
	{ID: "android-anr", Severity: SeverityError, Article: "android-anr",
		Title: "An app did not respond (ANR)",
		Event: bugreportDetail(AttrBugreportANR), Attrs: []string{AttrBugreportANR}},
	{ID: "android-binder-stuck", Severity: SeverityError, Article: "android-deadlock",
		Title: "A binder call to another process cannot return",
		Event: bugreportDetail(AttrBugreportBinder), Attrs: []string{AttrBugreportBinder}},
	{ID: "android-crash-loop", Severity: SeverityError, Article: "android-crash-loop",
		Title: "An app crashes again and again",
		Event: bugreportDetail(AttrBugreportCrashLoop), Attrs: []string{AttrBugreportCrashLoop}},
	{ID: "android-lmk-kill", Severity: SeverityWarning, Article: "android-background",
		Title: "The low-memory killer killed an app",
		Event: lmkKill, Worst: lmkVisibility, Attrs: []string{AttrBugreportLMK}},
}

// bugreportDetail counts the events that carry attr; the detail is the
// event's first line, which the parser writes to say it all (the threads
// and locks of a deadlock, the app and its main thread of an ANR).
func bugreportDetail(attr string) func(ev *Event) (bool, string) {
	return func(ev *Event) (bool, string) {
		if len(ev.Attrs) == 0 || ev.Attrs[attr] == "" {
			return false, ""
		}
		line, _, _ := strings.Cut(ev.Message, "\n")
		return true, clipText(strings.TrimSpace(line), 1000)
	}
}

// lmkKill counts the low-memory killer's kills of apps; Android's own
// processes, which it kills and restarts all the time, do not count.
func lmkKill(ev *Event) (bool, string) {
	if len(ev.Attrs) == 0 {
		return false, ""
	}
	pkg := ev.Attrs[AttrBugreportLMK]
	if pkg == "" || systemProcess(pkg) {
		return false, ""
	}
	d := pkg
	if adj := ev.Attrs[AttrKillAdj]; adj != "" {
		d += " (oom_adj " + adj + ")"
	}
	return true, d + ": " + firstLine(ev.Message)
}

// lmkVisibility scores a kill by how visible the app was: the lower its
// oom_adj, the more the user saw of it (0 is the app in front).
func lmkVisibility(ev *Event) float64 {
	adj, err := strconv.Atoi(ev.Attrs[AttrKillAdj])
	if err != nil {
		return -1000
	}
	return float64(-adj)
}
