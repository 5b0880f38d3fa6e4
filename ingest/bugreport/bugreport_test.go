package bugreport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/ingest"
)

// parsed is what a test keeps of a parse: the events (cloned) and the
// findings of the bug-report rules over them.
type parsed struct {
	res      ingest.Result
	events   []ingest.Event
	findings map[string]ingest.Finding
}

func parseText(t *testing.T, name string, b []byte) parsed {
	t.Helper()
	var out parsed
	d := ingest.NewDiagnoser(ingest.BugreportRules)
	res, err := Parse(name, bytes.NewReader(b), func(ev *ingest.Event) error {
		d.Event(ev)
		out.events = append(out.events, ev.Clone())
		return nil
	})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	out.res = res
	out.findings = map[string]ingest.Finding{}
	for _, f := range d.Findings(res.Env) {
		out.findings[f.Rule] = f
	}
	return out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lineOf is the 1-based number of the first line of b that starts with
// prefix after the line holding after (when after is not empty).
func lineOf(t *testing.T, b []byte, after, prefix string) int {
	t.Helper()
	seen := after == ""
	for i, l := range strings.Split(string(b), "\n") {
		if !seen {
			seen = strings.Contains(l, after)
			continue
		}
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line %q after %q", prefix, after)
	return 0
}

// withAttr lists the events that carry attribute key (with value val,
// when val is not empty).
func (p parsed) withAttr(key, val string) []ingest.Event {
	var out []ingest.Event
	for _, ev := range p.events {
		if v, ok := ev.Attrs[key]; ok && (val == "" || v == val) {
			out = append(out, ev)
		}
	}
	return out
}

// between counts the events whose line lies in [from, to).
func (p parsed) between(from, to int) int {
	n := 0
	for _, ev := range p.events {
		if ev.Line >= from && ev.Line < to && ev.Tag != tagAnalysis {
			n++
		}
	}
	return n
}

func TestDetect(t *testing.T) {
	banner := "========================================================\n== dumpstate: 2026-05-01 10:16:40\n========================================================\n"
	for _, c := range []struct {
		name string
		head string
		want bool
	}{
		{"modern banner", banner + "\nBuild: TQ3A.230805.001\n", true},
		{"CRLF", strings.ReplaceAll(banner, "\n", "\r\n"), true},
		{"byte-order mark", "\xef\xbb\xbf" + banner, true},
		{"banner alone on the first line", "== dumpstate: 2011-08-12 12:15:18\n", true},
		{"logcat", "05-01 10:00:00.000  1000  1501  1620 I ActivityManager: Start proc\n", false},
		{"tombstone", "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\nBuild fingerprint: 'a/b/c:13/X/1:user/release-keys'\n", false},
		{"banner quoted inside a line", "05-01 10:00:00.000  1000  1501  1620 I note: == dumpstate: 2026-05-01\n", false},
		{"banner far down", strings.Repeat("x\n", 3000) + banner, false},
	} {
		if got := Detect([]byte(c.head)); got != c.want {
			t.Errorf("%s: Detect = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestModernDumpstate reads an Android 13 dumpstate written for this test:
// logs with -v uid columns, the event log's ActivityManager and lmkd lines,
// an ANR whose main thread is blocked on a lock held by a thread stuck in a
// binder call, and a deadlock inside one app in the dump taken just now.
func TestModernDumpstate(t *testing.T) {
	b := fixture(t, "android13_anr_dumpstate.txt")
	p := parseText(t, "bugreport.txt", b)
	if p.res.Format != ingest.FormatBugreport {
		t.Errorf("format %q", p.res.Format)
	}
	env := p.res.Env
	if env.Platform != "android" || env.OS != "Android 13" || env.Device != "Pixel 6" {
		t.Errorf("environment: %+v", env)
	}
	for k, want := range map[string]string{"ro.product.manufacturer": "Google", "timezone": "Europe/Berlin",
		"kernel": "5.10.157-android13-4-00001-gabcdef123456-ab10100000", "build.display": "TQ3A.230805.001",
		"bugreport.taken_at": "2026-05-01 10:16:40", "network.operator": "Example Mobile", "build.id": "TQ3A.230805.001"} {
		if env.Extra[k] != want {
			t.Errorf("env %s = %q, want %q", k, env.Extra[k], want)
		}
	}
	if _, ok := env.Extra["Command line"]; ok {
		t.Error("the kernel command line is not a fact for the card")
	}

	// Events per section: every log line but the dividers and the
	// FATAL EXCEPTION's and ANR's continuation lines, which join their event.
	sec := func(title string) int { return lineOf(t, b, "", "------ "+title) }
	for _, c := range []struct {
		title, next string
		want        int
	}{
		{"SYSTEM LOG", "------ 0.156s", 10},
		{"EVENT LOG", "------ 0.049s", 9},
		{"RADIO LOG", "------ 0.010s", 2},
		{"LAST LOGCAT", "------ 0.004s", 1},
	} {
		if got := p.between(sec(c.title), lineOf(t, b, "------ "+c.title, c.next)); got != c.want {
			t.Errorf("%s: %d events, want %d", c.title, got, c.want)
		}
	}
	// The dumpsys section is not read: its "ANR in" line is no event.
	if got := p.between(sec("DUMPSYS (/system"), len(b)); got != 0 {
		t.Errorf("%d events from DUMPSYS", got)
	}
	// -v uid: the uid column is read, the pid and tid stay right.
	amANR := p.withAttr("android.am", "anr")
	if len(amANR) != 1 || amANR[0].PID != "1501" || amANR[0].Attrs["logcat.uid"] != "1000" ||
		amANR[0].Attrs[ingest.AttrProcess] != "com.example.chat" || amANR[0].Attrs["android.pid"] != "4242" ||
		amANR[0].Line != lineOf(t, b, "", "05-01 10:15:02.480") || amANR[0].Level != ingest.LevelError {
		t.Errorf("am_anr: %+v", amANR)
	}
	crash := p.withAttr("android.am", "crash")
	if len(crash) != 1 || crash[0].Attrs[attrReason] != "java.lang.OutOfMemoryError" || crash[0].Attrs[ingest.AttrProcess] != "com.example.gallery" {
		t.Errorf("am_crash: %+v", crash)
	}
	died := p.withAttr("android.am", "proc_died")
	if len(died) != 2 || died[0].Attrs[ingest.AttrKilled] != "com.example.gallery" || died[0].Attrs[ingest.AttrKillAdj] != "700" {
		t.Errorf("am_proc_died: %+v", died)
	}
	if low := p.withAttr("android.am", "low_memory"); len(low) != 1 || low[0].Level != ingest.LevelWarn {
		t.Errorf("am_low_memory: %+v", low)
	}
	// killinfo names only a pid: am_proc_start named it.
	if ki := p.withAttr("android.am", "kill"); len(ki) != 1 || ki[0].Attrs[ingest.AttrBugreportLMK] != "com.example.gallery" {
		t.Errorf("killinfo: %+v", ki)
	}

	// Thread dumps: one event per process, the main thread in its text.
	dumps := p.withAttr(attrDump, "")
	var kinds []string
	for _, ev := range dumps {
		if ev.Tag == tagTraces {
			kinds = append(kinds, ev.Attrs[attrDump]+":"+ev.PID)
		}
	}
	if strings.Join(kinds, " ") != "just now:5000 last anr:4242 last anr:3100" {
		t.Errorf("thread dumps: %v", kinds)
	}

	anr := p.findings["android-anr"]
	for _, want := range []string{"ANR in com.example.chat (pid 4242): Input dispatching timed out",
		`main thread Blocked, waiting to lock <0x0c1d2e3f> (a com.example.chat.MessageStore) held by "SyncWorker" (tid 23)`,
		"MessageStore.unreadCount(MessageStore.kt:88)"} {
		if !strings.Contains(anr.Detail, want) {
			t.Errorf("ANR finding lacks %q: %q", want, anr.Detail)
		}
	}
	if anr.Count != 1 { // am_anr, "ANR in" and the dump are one ANR
		t.Errorf("ANR count %d", anr.Count)
	}
	anrEv := p.withAttr(ingest.AttrBugreportANR, "")
	if len(anrEv) != 1 || anrEv[0].Crash != nil || anrEv[0].Line != lineOf(t, b, "VM TRACES AT LAST ANR", `"main" prio=5 tid=1 Blocked`) {
		t.Errorf("ANR event (a crash already, from the log's ANR in): %+v", anrEv)
	}
	if p.res.Crashes != 2 { // the log's "ANR in" and FATAL EXCEPTION
		t.Errorf("%d crashes", p.res.Crashes)
	}

	binder := p.findings["android-binder-stuck"]
	for _, want := range []string{`"SyncWorker" (tid 23) of com.example.chat (pid 4242) is stuck in a binder call IContactStore.query`,
		`to "binder:3100_2" (tid 9) of com.example.contacts (pid 3100), which is Blocked, waiting to lock <0x0e4f5a6b>`,
		`"DbWriter" (tid 14), which is Sleeping`} {
		if !strings.Contains(binder.Detail, want) {
			t.Errorf("binder finding lacks %q: %q", want, binder.Detail)
		}
	}

	dl := p.findings["android-java-deadlock"]
	for _, want := range []string{`Deadlock in com.example.store (pid 5000): "main" (tid 1) waits to lock <0x0a11b22c> (a com.example.store.PriceIndex) held by "IndexThread" (tid 17)`,
		`which waits to lock <0x0d33e44f> (a com.example.store.Catalog) held by "main" (tid 1)`} {
		if !strings.Contains(dl.Detail, want) {
			t.Errorf("deadlock finding lacks %q: %q", want, dl.Detail)
		}
	}
	if dl.Count != 1 {
		t.Errorf("deadlock count %d", dl.Count)
	}

	lmk := p.findings["android-lmk-kill"]
	if lmk.Count != 2 || !strings.HasPrefix(lmk.Detail, "com.example.gallery (oom_adj 700)") {
		t.Errorf("low-memory kill: %+v", lmk) // lmkd's line and killinfo; youtube is Google's own
	}
	if _, ok := p.findings["android-crash-loop"]; ok {
		t.Error("one crash is no crash loop")
	}
}

// TestCrashLoop: an app that crashed four times, each seen both as a
// FATAL EXCEPTION and as am_crash, crashed four times, not eight.
func TestCrashLoop(t *testing.T) {
	p := parseText(t, "bugreport.txt", fixture(t, "android9_crash_loop_dumpstate.txt"))
	f, ok := p.findings["android-crash-loop"]
	if !ok || f.Count != 1 {
		t.Fatalf("crash loop: %+v", p.findings)
	}
	want := "com.example.player crashed 4 times between 2026-03-14 09:20:05 and 2026-03-14 09:23:05; the last time: java.lang.IllegalStateException: codec not configured"
	if f.Detail != want {
		t.Errorf("detail %q, want %q", f.Detail, want)
	}
	if loops := p.withAttr(ingest.AttrBugreportCrashLoop, ""); len(loops) != 1 || loops[0].Attrs[ingest.AttrBugreportCrashLoop] != "com.example.player" {
		t.Errorf("loops: %+v", loops) // com.example.notes crashed once
	}
	if p.res.Crashes != 5 || p.res.Env.Device != "moto g(7)" || p.res.Env.OS != "Android 9" {
		t.Errorf("crashes %d, env %+v", p.res.Crashes, p.res.Env)
	}
	if len(p.res.Errors) != 0 {
		t.Errorf("errors: %v", p.res.Errors)
	}
}

// TestChkBugreportSample reads the real Android 2.3 bug report of a
// cross-process AIDL deadlock (../shared/samples, never copied here).
func TestChkBugreportSample(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "samples", "bugreport"))
	b, err := os.ReadFile(filepath.Join(dir, "chkbugreport_aidl_deadlock_dumpstate.txt"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("sample missing, and CI always has it: %v", err)
		}
		t.Skipf("samples folder absent (a clone elsewhere): %v", err)
	}
	if !Detect(b[:64<<10]) {
		t.Fatal("not detected as a bug report")
	}
	p := parseText(t, "bugreport.txt", b)
	env := p.res.Env
	if env.OS != "Android 2.3.5" || env.Device != "Nexus One" || env.Extra["ro.product.manufacturer"] != "HTC" ||
		env.Extra["build.display"] != "MIUI.1.8.12" || env.Extra["timezone"] != "Europe/Stockholm" {
		t.Errorf("environment: %+v", env)
	}
	sec := func(title string) int { return lineOf(t, b, "", "------ "+title) }
	for _, c := range []struct {
		from, to string
		want     int
	}{
		// Every "MM-DD HH:MM:SS.mmm L/Tag( pid): " line is an event, but the 13
		// stack-trace lines of SYSTEM LOG that continue the line before.
		{"SYSTEM LOG", "VM TRACES JUST NOW", 1089 - 13},
		{"EVENT LOG", "RADIO LOG", 843},
		{"RADIO LOG", "NETWORK INTERFACES", 102},
	} {
		if got := p.between(sec(c.from), sec(c.to)); got != c.want {
			t.Errorf("%s: %d events, want %d", c.from, got, c.want)
		}
	}
	perDump := map[string]int{}
	for _, ev := range p.events {
		if ev.Tag == tagTraces {
			perDump[ev.Attrs[attrDump]]++
		}
	}
	if perDump[dumpJustNow] != 26 || perDump[dumpLastANR] != 4 || len(perDump) != 2 { // "----- pid" lines in each
		t.Errorf("thread dumps (processes) per dump: %v", perDump)
	}
	if p.res.First.Format("2006-01-02 15:04:05") != "1980-01-06 08:00:11" || p.res.Last.Year() != 1980 {
		t.Errorf("period %v – %v (the device clock said 1980)", p.res.First, p.res.Last)
	}

	dl, ok := p.findings["android-java-deadlock"]
	if !ok || dl.Count != 1 {
		t.Fatalf("no deadlock: %+v", p.findings)
	}
	for _, want := range []string{"Deadlock across processes",
		`"main" (tid 1) of com.sonymobile.chkbugreport.testapp (pid 800) waits to lock <0x406baf80> (a java.lang.Object) held by "Binder Thread #2" (tid 8)`,
		`which waits in a binder call (IDeadlock.doStep2) on "main" (tid 1) of com.sonymobile.chkbugreport.testapp:ext1 (pid 808)`,
		`which waits to lock <0x406c6658> (a com.sonymobile.chkbugreport.testapp.AIDLDeadlockService$1)`} {
		if !strings.Contains(dl.Detail, want) {
			t.Errorf("deadlock lacks %q:\n%s", want, dl.Detail)
		}
	}
	binder := p.findings["android-binder-stuck"]
	if binder.Count != 2 || !strings.Contains(binder.Detail, `"Binder Thread #2" (tid 8) of com.sonymobile.chkbugreport.testapp (pid 800) is stuck in a binder call IDeadlock.doStep2 to "main" (tid 1) of com.sonymobile.chkbugreport.testapp:ext1 (pid 808)`) {
		t.Errorf("binder: %+v", binder)
	}
	anr := p.findings["android-anr"]
	if anr.Count != 1 || !strings.HasPrefix(anr.Detail, "ANR in com.se.mini (pid 1205); main thread SUSPENDED in com.sony.android.plusone.PlusOneWindowImpl.setDragAndResizeHandle") {
		t.Errorf("ANR: %+v", anr)
	}
	if _, ok := p.findings["android-lmk-kill"]; ok {
		t.Error("no low-memory killer ran in this report")
	}
	// Android 2.3's am_kill has no user field: [pid,process,adj,reason].
	var antispam []ingest.Event
	for _, ev := range p.withAttr("android.am", "kill") {
		if ev.Attrs[ingest.AttrKilled] == "com.miui.antispam" {
			antispam = append(antispam, ev)
		}
	}
	if len(antispam) != 1 || antispam[0].Attrs[ingest.AttrKilledPID] != "423" || antispam[0].Attrs[ingest.AttrKillAdj] != "14" ||
		antispam[0].Attrs[ingest.AttrKillReason] != "too many background" {
		t.Errorf("am_kill of 2.3: %+v", antispam)
	}
	if len(p.res.Errors) != 0 {
		t.Errorf("errors: %v", p.res.Errors)
	}
}

// TestKernelLowMemoryKiller: before lmkd (Android 9), the kernel killed
// apps itself and said so only in the kernel log.
func TestKernelLowMemoryKiller(t *testing.T) {
	text := "========================================================\n== dumpstate: 2014-06-02 11:20:00\n" +
		"========================================================\n\n" +
		"------ KERNEL LOG (dmesg) ------\n" +
		"<6>[ 8120.441062] select 4242 (com.example.chat), adj 1, size 23456, to kill\n" +
		"<6>[ 8120.441170] lowmemorykiller: Killing 'com.example.chat' (4242), adj 1,\n" +
		"<6>[ 8120.441172]    to free 93824kB on behalf of 'kswapd0' (38) because\n" +
		"<6>[ 8121.002001] lowmemorykiller: Killing 'com.android.browser' (3100), adj 15,\n" +
		"------ SYSTEM PROPERTIES ------\n"
	p := parseText(t, "bugreport.txt", []byte(text))
	kills := p.withAttr(ingest.AttrBugreportLMK, "")
	if len(kills) != 2 || kills[0].Line != 7 || kills[0].Attrs[ingest.AttrKillAdj] != "1" || kills[0].Attrs[ingest.AttrKilledPID] != "4242" {
		t.Fatalf("kills: %+v", kills)
	}
	f := p.findings["android-lmk-kill"]
	if f.Count != 1 || f.Detail != "com.example.chat (oom_adj 1): Killing 'com.example.chat' (4242), adj 1," {
		t.Errorf("finding: %+v", f) // the browser is Android's own
	}
}
