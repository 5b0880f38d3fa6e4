package logcat

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

// The real files of ../shared/samples (see its SOURCES.md). The expected
// figures below were counted from the files with grep and awk, not taken
// from the parser's output.

const samplesDir = ingesttest.SamplesDir

// sampleFile opens a sample, skipping the test when the samples are not
// there (a clone elsewhere) unless CI is set.
func sampleFile(t *testing.T, rel string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, rel))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("sample %s: %v (CI always has ../shared/samples)", rel, err)
		}
		t.Skipf("sample %s not available (%v): skipping", rel, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type sampleRun struct {
	res    ingest.Result
	events []ingest.Event
	crash  []ingest.Event
	killed map[string]int
}

func runSample(t *testing.T, rel string, parse func(string, io.Reader, ingest.Sink) (ingest.Result, error)) sampleRun {
	t.Helper()
	f := sampleFile(t, rel)
	run := sampleRun{killed: map[string]int{}}
	res, err := parse(filepath.Base(rel), f, func(ev *ingest.Event) error {
		kept := ev.Clone() // kept past the sink's return
		run.events = append(run.events, kept)
		if kept.Crash != nil {
			run.crash = append(run.crash, kept)
		}
		if k := kept.Attrs[ingest.AttrKilled]; k != "" {
			run.killed[k]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	run.res = res
	return run
}

func year(y int) func(string, io.Reader, ingest.Sink) (ingest.Result, error) {
	return func(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
		return ParseWith(name, r, sink, Options{Year: y})
	}
}

func checkLevels(t *testing.T, got map[string]int, want map[string]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("levels %v, want %v", got, want)
	}
}

func TestSampleBriefFatalException(t *testing.T) {
	run := runSample(t, "logcat/aosp_settings_fork_brief_fatal_exception.txt", Parse)
	res := run.res
	// 3124 lines - 3 dividers - 143 lines joined to the event before them.
	if res.Events != 2978 || len(res.Errors) != 0 {
		t.Errorf("events %d errors %v, want 2978 and none", res.Events, res.Errors)
	}
	// F: the 4 crashes and 2 F/SystemServer lines ("BOOT FAILURE…").
	checkLevels(t, res.Levels, map[string]int{"D": 746, "E": 344, "F": 6, "I": 1442, "V": 65, "W": 375})
	if !res.First.IsZero() || !res.Last.IsZero() {
		t.Errorf("brief format has no times: %v %v", res.First, res.Last)
	}
	if res.Crashes != 4 || len(run.crash) != 4 {
		t.Fatalf("crashes %d", res.Crashes)
	}
	c := run.crash[0]
	if c.Line != 2500 || c.PID != "4850" || c.Crash.Kind != "java" || c.Crash.Type != "java.lang.RuntimeException" ||
		!strings.HasPrefix(c.Crash.Reason, "Unable to start activity ComponentInfo{com.android.settings/com.android.settings.SubSettings}: java.lang.NullPointerException") {
		t.Errorf("first crash %d %s %+v", c.Line, c.PID, c.Crash)
	}
	if c.Attrs[ingest.AttrProcess] != "com.android.settings" || !strings.HasPrefix(c.Attrs[ingest.AttrCause], "java.lang.NullPointerException: Attempt to invoke virtual method") ||
		c.Attrs[ingest.AttrLogcatBuffer] != "crash" {
		t.Errorf("attrs %v", c.Attrs)
	}
	if len(c.Crash.Frames) != 11 || c.Crash.Frames[0] != "android.app.ActivityThread.performLaunchActivity(ActivityThread.java:2298)" {
		t.Errorf("frames %d %q", len(c.Crash.Frames), c.Crash.Frames)
	}
	if !strings.Contains(c.Message, "\nCaused by: java.lang.NullPointerException") || !strings.HasSuffix(c.Message, "... 10 more") {
		t.Errorf("message should hold the whole trace: %q", c.Message)
	}
	// The four crashes are one bug.
	fp := ingest.Fingerprint(c.Crash, c.Message)
	for _, o := range run.crash[1:] {
		if ingest.Fingerprint(o.Crash, o.Message) != fp {
			t.Errorf("crash at line %d groups apart from line 2500", o.Line)
		}
	}
	if res.Env.App != "com.android.settings" || res.Env.Platform != "android" {
		t.Errorf("env %+v", res.Env)
	}
	// 16 ActivityManager "Killing N:…" and "Process … has died" lines.
	total := 0
	for _, n := range run.killed {
		total += n
	}
	if total != 16 || run.killed["com.android.settings"] != 4 {
		t.Errorf("killed %v", run.killed)
	}
}

func TestSampleThreadtimeCRLF(t *testing.T) {
	run := runSample(t, "logcat/logcat2csv_emulator_boot_threadtime_crlf.txt", year(2016))
	res := run.res
	// 3628 lines - 2 dividers - 383 stack-trace lines joined.
	if res.Events != 3243 || len(res.Errors) != 0 || res.Crashes != 0 {
		t.Errorf("events %d crashes %d errors %v", res.Events, res.Crashes, res.Errors)
	}
	checkLevels(t, res.Levels, map[string]int{"D": 561, "E": 182, "I": 990, "V": 213, "W": 1297})
	first := time.Date(2016, 12, 28, 18, 54, 7, 120e6, time.UTC)
	last := time.Date(2016, 12, 28, 19, 1, 14, 73e6, time.UTC)
	if !res.First.Equal(first) || !res.Last.Equal(last) {
		t.Errorf("first %v last %v", res.First, res.Last)
	}
	for _, ev := range run.events {
		if strings.HasSuffix(ev.Message, "\r") {
			t.Fatalf("line %d keeps its CR", ev.Line)
		}
	}
	// Hyphenator's FileNotFoundException: header line, 8 frames, Caused by, 3 frames, "... 7 more".
	var hy *ingest.Event
	for i := range run.events {
		if run.events[i].Line == 508 {
			hy = &run.events[i]
		}
	}
	if hy == nil || strings.Count(hy.Message, "\n") != 13 || !strings.HasSuffix(hy.Message, "\t... 7 more") {
		t.Errorf("Hyphenator trace: %+v", hy)
	}
	if len(run.killed) != 10 || run.killed["com.android.settings"] != 1 {
		t.Errorf("killed %v", run.killed)
	}
	// "Build fingerprint changed. old: null new: generic_x86/sdk_google_phone_x86/generic_x86:6.0/…"
	if res.Env.OS != "Android 6.0" || res.Env.Device != "generic_x86" {
		t.Errorf("env %+v", res.Env)
	}
}

func TestSampleThemisNoClassDef(t *testing.T) {
	run := runSample(t, "logcat/themis_markor_threadtime_fatal_noclassdef.txt", year(2016))
	res := run.res
	// 40 lines: 3 before the crash, 36 lines of the crash, 1 after.
	if res.Events != 5 || res.Crashes != 1 {
		t.Fatalf("events %d crashes %d", res.Events, res.Crashes)
	}
	checkLevels(t, res.Levels, map[string]int{"D": 2, "F": 1, "I": 1, "W": 1})
	c := run.crash[0]
	if c.Line != 4 || c.Crash.Type != "java.lang.NoClassDefFoundError" || c.Crash.Reason != "Failed resolution of: Ljava/util/function/Consumer;" {
		t.Errorf("crash line %d %+v", c.Line, c.Crash)
	}
	// 21 "at" lines before the first "Caused by".
	if len(c.Crash.Frames) != 21 || c.Crash.Frames[0] != "org.apache.commons.io.IOUtils.closeQuietly(IOUtils.java:345)" {
		t.Errorf("frames %d %q", len(c.Crash.Frames), c.Crash.Frames)
	}
	if !strings.HasPrefix(c.Attrs[ingest.AttrCause], "java.lang.ClassNotFoundException: Didn't find class \"java.util.function.Consumer\"") {
		t.Errorf("cause %q", c.Attrs[ingest.AttrCause])
	}
	if res.Env.App != "net.gsantner.markor" {
		t.Errorf("app %q", res.Env.App)
	}
	if !res.First.Equal(time.Date(2016, 5, 30, 11, 24, 5, 803e6, time.UTC)) || !res.Last.Equal(time.Date(2016, 5, 30, 11, 24, 10, 195e6, time.UTC)) {
		t.Errorf("first %v last %v", res.First, res.Last)
	}
}

func TestSampleTombstone(t *testing.T) {
	run := runSample(t, "logcat/sentry_unity_android9_tombstone_sigsegv.txt", ParseTombstone)
	res := run.res
	if res.Events != 1 || res.Crashes != 1 || len(res.Errors) != 0 {
		t.Fatalf("events %d crashes %d errors %v", res.Events, res.Crashes, res.Errors)
	}
	c := run.crash[0]
	if c.Crash.Kind != "native" || c.Crash.Type != "SIGSEGV" || c.Crash.Reason != "SEGV_MAPERR fault addr 0x1c" || len(c.Crash.Frames) != 22 {
		t.Errorf("crash %+v (%d frames)", c.Crash, len(c.Crash.Frames))
	}
	if !strings.HasPrefix(c.Crash.Frames[21], "#21 pc 00005b63  /data/app/io.sentry.sample-") {
		t.Errorf("last frame %q", c.Crash.Frames[21])
	}
	// Timestamp: 2020-07-24 16:23:56-0400
	if !c.Time.Equal(time.Date(2020, 7, 24, 20, 23, 56, 0, time.UTC)) || c.PID != "22334" || c.TID != "22349" {
		t.Errorf("event %v %s %s", c.Time, c.PID, c.TID)
	}
	if c.Attrs[ingest.AttrNativeCause] != "null pointer dereference" || c.Attrs[ingest.AttrThread] != "UnityMain" {
		t.Errorf("attrs %v", c.Attrs)
	}
	e := res.Env
	if e.OS != "Android 9" || e.Device != "motorola lake_n" || e.App != "io.sentry.sample" || e.Extra["abi"] != "arm" ||
		e.Extra["build.fingerprint"] != "motorola/lake_n/lake_n:9/PPWS29.98-111-9/d601:user/release-keys" {
		t.Errorf("env %+v", e)
	}
}

// TestSampleDetection runs the content sniffers over every sample.
func TestSampleDetection(t *testing.T) {
	want := map[string]string{
		"logcat/aosp_settings_fork_brief_fatal_exception.txt":  "logcat",
		"logcat/logcat2csv_emulator_boot_threadtime_crlf.txt":  "logcat",
		"logcat/themis_markor_threadtime_fatal_noclassdef.txt": "logcat",
		"logcat/sentry_unity_android9_tombstone_sigsegv.txt":   "tombstone",
	}
	files, _ := filepath.Glob(filepath.Join(samplesDir, "*", "*"))
	if len(files) == 0 {
		sampleFile(t, "SOURCES.md") // skips or fails as appropriate
	}
	for _, p := range files {
		rel, _ := filepath.Rel(samplesDir, p)
		rel = filepath.ToSlash(rel)
		f := sampleFile(t, rel)
		head := make([]byte, 64<<10)
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		got := ""
		if LooksLike(head) {
			got = "logcat"
		}
		if LooksLikeTombstone(head) {
			got += "tombstone"
		}
		if got != want[rel] {
			t.Errorf("%s: detected %q, want %q", rel, got, want[rel])
		}
	}
}
