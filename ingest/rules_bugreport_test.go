package ingest

import (
	"strings"
	"testing"
)

// TestEachBugreportRule feeds every bug-report rule the event the parser
// emits for it and events that must not fire it, as TestEachRule does for
// Rules.
func TestEachBugreportRule(t *testing.T) {
	type input struct {
		events []Event
		detail string // what the finding's detail must say
	}
	cases := map[string]struct{ fire, quiet input }{
		"android-java-deadlock": {
			fire: input{events: []Event{{Level: LevelError, Message: `Deadlock in com.example.app (pid 4242): "main" (tid 1) waits to lock <0x0a1> (a com.example.Cache) held by "worker" (tid 12), which waits to lock <0x0b2> (a com.example.Db) held by "main" (tid 1)` + "\n1. …",
				Attrs: map[string]string{AttrBugreportDeadlock: `"main" (tid 1) → "worker" (tid 12)`}}},
				detail: `held by "worker" (tid 12), which waits to lock <0x0b2>`},
			quiet: input{events: []Event{{Level: LevelWarn, Message: `Thread dump (just now) of com.example.app: main thread MONITOR`, Attrs: map[string]string{"android.main_state": "MONITOR"}}}},
		},
		"android-anr": {
			fire: input{events: []Event{{Level: LevelFatal, Message: "ANR in com.example.app (pid 4242): Input dispatching timed out; main thread Blocked, waiting to lock <0x1> held by \"worker\" (tid 12)\n  at com.example.Foo.bar(Foo.java:1)",
				Attrs: map[string]string{AttrBugreportANR: "com.example.app"}}},
				detail: "main thread Blocked"},
			quiet: input{events: []Event{{Level: LevelError, Message: "[0,4242,com.example.app,1,Input dispatching timed out]", Attrs: map[string]string{"android.am": "anr"}}}},
		},
		"android-binder-stuck": {
			fire: input{events: []Event{{Level: LevelError, Message: `"main" (tid 1) of com.example.app (pid 4242) is stuck in a binder call IStore.get to "binder:900_2" (tid 3) of com.example.store (pid 900), which is Blocked`,
				Attrs: map[string]string{AttrBugreportBinder: "com.example.app"}}},
				detail: "stuck in a binder call IStore.get"},
			quiet: input{events: []Event{{Level: LevelInfo, Message: "Thread dump (just now) of com.example.app: main thread Native, in a binder call IStore.get"}}},
		},
		"android-crash-loop": {
			fire: input{events: []Event{{Level: LevelError, Message: "com.example.app crashed 4 times between 2026-05-01 10:00:00 and 2026-05-01 10:02:00",
				Attrs: map[string]string{AttrBugreportCrashLoop: "com.example.app"}}},
				detail: "crashed 4 times"},
			quiet: input{events: []Event{{Level: LevelFatal, Message: "FATAL EXCEPTION: main", Crash: &Crash{Kind: "java"}, Attrs: map[string]string{AttrProcess: "com.example.app"}}}},
		},
		"android-lmk-kill": {
			fire: input{events: []Event{
				{Level: LevelInfo, Message: "Kill 'com.example.cached' (1001), uid 10100, oom_score_adj 906 to free 40000kB", Attrs: map[string]string{AttrBugreportLMK: "com.example.cached", AttrKillAdj: "906"}},
				{Level: LevelInfo, Message: "Kill 'com.example.app' (4242), uid 10123, oom_score_adj 200 to free 90000kB", Attrs: map[string]string{AttrBugreportLMK: "com.example.app", AttrKillAdj: "200"}},
			}, detail: "com.example.app (oom_adj 200)"}, // the most visible kill
			quiet: input{events: []Event{
				{Level: LevelInfo, Message: "Kill 'com.google.android.gms' (900), oom_score_adj 800", Attrs: map[string]string{AttrBugreportLMK: "com.google.android.gms", AttrKillAdj: "800"}},
				{Level: LevelInfo, Message: "Killing 4242:com.example.app/u0a123 (adj 900): empty #17", Attrs: map[string]string{AttrKilled: "com.example.app"}},
			}},
		},
	}
	for _, r := range BugreportRules {
		c, ok := cases[r.ID]
		if !ok {
			t.Errorf("rule %s has no test case", r.ID)
			continue
		}
		if r.Article == "" || r.Title == "" {
			t.Errorf("rule %s links no article or has no title", r.ID)
		}
		run := func(in input) []Finding {
			d := NewDiagnoser([]Rule{r})
			for i := range in.events {
				d.Event(&in.events[i])
			}
			return d.Findings(Environment{})
		}
		got := run(c.fire)
		if len(got) != 1 || got[0].Rule != r.ID || !strings.Contains(got[0].Detail, c.fire.detail) {
			t.Errorf("%s did not fire with %q in its detail: %+v", r.ID, c.fire.detail, got)
		}
		for _, f := range run(c.quiet) {
			if f.Rule == r.ID { // crashes give findings of their own (rule "crash")
				t.Errorf("%s fired on a harmless input: %+v", r.ID, f)
			}
		}
	}
	// Once in Rules (where bug reports are dispatched), each is there once
	// and no other rule has its id.
	for _, r := range BugreportRules {
		n := 0
		for _, o := range Rules {
			if o.ID == r.ID {
				n++
				if o.Title != r.Title {
					t.Errorf("rule id %s is taken by another rule", r.ID)
				}
			}
		}
		if n > 1 {
			t.Errorf("rule %s is in Rules %d times", r.ID, n)
		}
	}
}

// The findings of a deadlock come before those of an ANR, and both before
// a low-memory kill: a support engineer reads the worst first.
func TestBugreportFindingsOrder(t *testing.T) {
	d := NewDiagnoser(BugreportRules)
	d.Event(&Event{Message: "Kill 'com.example.app'", Attrs: map[string]string{AttrBugreportLMK: "com.example.app", AttrKillAdj: "0"}})
	d.Event(&Event{Message: "ANR in com.example.app", Attrs: map[string]string{AttrBugreportANR: "com.example.app"}})
	d.Event(&Event{Message: "Deadlock in com.example.app", Attrs: map[string]string{AttrBugreportDeadlock: "a → b"}})
	got := d.Findings(Environment{})
	var ids []string
	for _, f := range got {
		ids = append(ids, f.Rule)
	}
	if strings.Join(ids, " ") != "android-java-deadlock android-anr android-lmk-kill" {
		t.Fatalf("order: %v", ids)
	}
}
