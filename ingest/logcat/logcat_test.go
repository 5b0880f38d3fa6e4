package logcat

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"parley/ingest"
)

// parseLogcatString parses text with the year fixed to 2024 unless opts say otherwise.
func parseLogcatString(t *testing.T, text string, opts ...Options) ([]ingest.Event, ingest.Result, error) {
	t.Helper()
	o := Options{Year: 2024}
	if len(opts) > 0 {
		o = opts[0]
	}
	var evs []ingest.Event
	res, err := ParseWith("test.log", strings.NewReader(text), func(ev *ingest.Event) error {
		evs = append(evs, ev.Clone())
		return nil
	}, o)
	return evs, res, err
}

func utc(y int, mo time.Month, d, h, mi, s, ms int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ms*int(time.Millisecond), time.UTC)
}

func TestLogcatLineShapes(t *testing.T) {
	type want struct {
		shape              int
		level              byte
		ts                 int
		mo, d, h, mi, s    int
		nsec               int
		zone               int
		pid, tid, tag, msg string
		uid, pkg           string
	}
	cases := []struct {
		line string
		ok   bool
		w    want
	}{
		{"12-28 18:54:07.120   930   930 W auditd  : type=2000 audit(0.0:1): initialized", true,
			want{shapeThreadtime, 'W', tsMonthDay, 12, 28, 18, 54, 7, 120e6, 0, "930", "930", "auditd", "type=2000 audit(0.0:1): initialized", "", ""}},
		{"12-28 18:54:09.603   955   955 E         : batterystats service unavailable!", true,
			want{shapeThreadtime, 'E', tsMonthDay, 12, 28, 18, 54, 9, 603e6, 0, "955", "955", "", "batterystats service unavailable!", "", ""}},
		{"05-30 11:24:10.193  2957  2957 E AndroidRuntime:        at a.B.c(B.java:345)", true,
			want{shapeThreadtime, 'E', tsMonthDay, 5, 30, 11, 24, 10, 193e6, 0, "2957", "2957", "AndroidRuntime", "       at a.B.c(B.java:345)", "", ""}},
		{"05-01 12:34:56.789  1234  1256 I Tag:", true,
			want{shapeThreadtime, 'I', tsMonthDay, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "Tag", "", "", ""}},
		{"05-01 12:34:56.789 E/ActivityManager( 1234): ANR in com.app (com.app/.Main)", true,
			want{shapeTime, 'E', tsMonthDay, 5, 1, 12, 34, 56, 789e6, 0, "1234", "", "ActivityManager", "ANR in com.app (com.app/.Main)", "", ""}},
		{"I/Vold    (  236): Vold 2.1 (the revenge) firing up", true,
			want{shapeBrief, 'I', tsNone, 0, 0, 0, 0, 0, 0, 0, "236", "", "Vold", "Vold 2.1 (the revenge) firing up", "", ""}},
		{"D/NetworkMonitorNetworkAgentInfo [WIFI () - null](  858): Validated", true,
			want{shapeBrief, 'D', tsNone, 0, 0, 0, 0, 0, 0, 0, "858", "", "NetworkMonitorNetworkAgentInfo [WIFI () - null]", "Validated", "", ""}},
		{"2023-05-01 12:34:56.789  1234-1256  OkHttp                  com.parley.app                       E  --> GET https://x", true,
			want{shapeStudio, 'E', tsFull, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "OkHttp", "--> GET https://x", "", "com.parley.app"}},
		{"2023-05-01 12:34:56.789 1234-1256/com.parley.app E/OkHttp: <-- 200 OK", true,
			want{shapeStudioOld, 'E', tsFull, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "OkHttp", "<-- 200 OK", "", "com.parley.app"}},
		{"2023-05-01 12:34:56.789  1234  1256 I Tag: msg", true,
			want{shapeThreadtime, 'I', tsFull, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "Tag", "msg", "", ""}},
		{"05-01 12:34:56.789123  1234  1256 V Tag: usec", true,
			want{shapeThreadtime, 'V', tsMonthDay, 5, 1, 12, 34, 56, 789123e3, 0, "1234", "1256", "Tag", "usec", "", ""}},
		{"05-01 12:34:56.789 +0200  1234  1256 D Tag: zone", true,
			want{shapeThreadtime, 'D', tsMonthDay, 5, 1, 12, 34, 56, 789e6, 7200, "1234", "1256", "Tag", "zone", "", ""}},
		{"05-01 12:34:56.789 u0_a123  1234  1256 A Tag: uid", true,
			want{shapeThreadtime, 'A', tsMonthDay, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "Tag", "uid", "u0_a123", ""}},
		{"[ 05-01 12:34:56.789  1234: 1256 E/AndroidRuntime ]", true,
			want{shapeLong, 'E', tsMonthDay, 5, 1, 12, 34, 56, 789e6, 0, "1234", "1256", "AndroidRuntime", "", "", ""}},
		{"hello world", false, want{}},
		{"", false, want{}},
		{"12-28 garbage line here and more", false, want{}},
		{"13-28 18:54:07.120   930   930 W auditd  : bad month", false, want{}},
		{"12-28 18:54:07.120   9x0   930 W auditd  : bad pid", false, want{}},
		{"I/Tag: no pid here", false, want{}},
		{"2021-08-11 05:51:02.123456-0700  localhost kernel[0]: apple log show", false, want{}},
		{"2021-08-11 05:51:02.123456-0700 0x1234     Default     0x0                  123    0    kernel: x", false, want{}},
		{"Wed Aug 11 05:51:02 2021 [176] <notice> (0x16bae7000) -[MIClient x]: y", false, want{}},
		{`{"log":{"version":"1.2"}}`, false, want{}},
	}
	for _, c := range cases {
		var f lineFields
		ok := parseLine([]byte(c.line), &f)
		if ok != c.ok {
			t.Errorf("%q: ok=%v, want %v", c.line, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		b := []byte(c.line)
		got := want{f.shape, f.level, f.tsKind, f.month, f.day, f.hour, f.min, f.sec, f.nsec, f.zone,
			string(f.pid.of(b)), string(f.tid.of(b)), string(f.tag.of(b)), string(f.msg.of(b)), string(f.uid.of(b)), string(f.pkg.of(b))}
		if got != c.w {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, got, c.w)
		}
	}

	// -v epoch and -v monotonic
	var f lineFields
	if !parseLine([]byte("1682944496.789  1234  1256 I Tag: epoch"), &f) || f.tsKind != tsEpoch || f.epoch != 1682944496 || f.nsec != 789e6 {
		t.Errorf("epoch: %+v", f)
	}
	if !parseLine([]byte("   123.456  1234  1256 I Tag: uptime"), &f) || f.tsKind != tsUptime {
		t.Errorf("monotonic: %+v", f)
	}
}

// A small file in several shapes, with CRLF line ends, a BOM and buffer dividers.
const mixedLogcat = "\xEF\xBB\xBF--------- beginning of main\r\n" +
	"05-01 10:00:00.001  100  101 I Parley  : started\r\n" +
	"05-01 10:00:00.002  100  101 W System.err: java.io.IOException: unexpected end of stream on https://api.example.org/\r\n" +
	"05-01 10:00:00.002  100  101 W System.err: \tat okhttp3.internal.Http1.read(Http1.kt:12)\r\n" +
	"05-01 10:00:00.002  100  101 W System.err: \tat okhttp3.Call.execute(Call.kt:7)\r\n" +
	"05-01 10:00:00.002  100  101 W System.err: Caused by: java.io.EOFException: end\r\n" +
	"05-01 10:00:00.002  100  101 W System.err: \t... 2 more\r\n" +
	"05-01 10:00:00.003  100  101 W System.err: an unrelated warning\r\n" +
	"--------- beginning of system\r\n" +
	"05-01 10:00:01.000 E/Brief( 200): time-format line\r\n" +
	"D/Short( 300): brief line without time\r\n" +
	"\r\n" +
	"2024-05-01 10:00:02.500  400-401  OkHttp   com.parley.app  E  studio line\r\n" +
	"2024-05-01 10:00:03.000 400-401/com.parley.app I/Old: old studio line\r\n"

func TestParseLogcatMixedShapes(t *testing.T) {
	evs, res, err := parseLogcatString(t, mixedLogcat, Options{Year: 2020})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 7 || res.Events != 7 {
		for _, e := range evs {
			t.Logf("%d %s %q", e.Line, e.Tag, e.Message)
		}
		t.Fatalf("events: %d (result %d), want 7", len(evs), res.Events)
	}
	wantMsg := "java.io.IOException: unexpected end of stream on https://api.example.org/\n" +
		"\tat okhttp3.internal.Http1.read(Http1.kt:12)\n\tat okhttp3.Call.execute(Call.kt:7)\n" +
		"Caused by: java.io.EOFException: end\n\t... 2 more"
	if evs[1].Message != wantMsg || evs[1].Line != 3 || evs[1].Crash != nil {
		t.Errorf("joined stack trace: line %d %q", evs[1].Line, evs[1].Message)
	}
	if evs[2].Message != "an unrelated warning" || evs[2].Line != 8 {
		t.Errorf("line after the trace: %+v", evs[2])
	}
	for i, buf := range []string{"main", "main", "main", "system", "system", "system", "system"} {
		if got := evs[i].Attrs[ingest.AttrLogcatBuffer]; got != buf {
			t.Errorf("event %d buffer %q, want %q", i, got, buf)
		}
	}
	if evs[4].Tag != "Short" || evs[4].PID != "300" || !evs[4].Time.IsZero() || evs[4].Line != 11 {
		t.Errorf("brief: %+v", evs[4])
	}
	// The Android Studio line says 2024: it sets the year for the whole file
	// (it is within the first 64 KiB), over the option's 2020.
	if want := utc(2024, 5, 1, 10, 0, 0, 1); !evs[0].Time.Equal(want) {
		t.Errorf("first time %v, want %v", evs[0].Time, want)
	}
	if evs[5].Attrs[ingest.AttrLogcatPackage] != "com.parley.app" || evs[5].Tag != "OkHttp" || evs[5].Level != ingest.LevelError ||
		!evs[5].Time.Equal(utc(2024, 5, 1, 10, 0, 2, 500)) {
		t.Errorf("studio: %+v", evs[5])
	}
	if evs[6].Tag != "Old" || evs[6].Message != "old studio line" || evs[6].Attrs[ingest.AttrLogcatPackage] != "com.parley.app" {
		t.Errorf("old studio: %+v", evs[6])
	}
	if evs[0].Source != "test.log" {
		t.Errorf("source %q", evs[0].Source)
	}
	wantLevels := map[string]int{"I": 2, "W": 2, "E": 2, "D": 1}
	if fmt.Sprint(res.Levels) != fmt.Sprint(wantLevels) {
		t.Errorf("levels %v, want %v", res.Levels, wantLevels)
	}
	if !res.First.Equal(utc(2024, 5, 1, 10, 0, 0, 1)) || !res.Last.Equal(utc(2024, 5, 1, 10, 0, 3, 0)) {
		t.Errorf("first/last %v %v", res.First, res.Last)
	}
	if res.Format != ingest.FormatLogcat || res.Env.Platform != "android" || len(res.Errors) != 0 {
		t.Errorf("result: %+v", res)
	}
}

func TestLogcatYear(t *testing.T) {
	// No year anywhere: the option's year; December to January moves on.
	text := "12-31 23:59:59.999  1  1 I A: old year\n01-01 00:00:00.001  1  1 I A: new year\n"
	evs, _, err := parseLogcatString(t, text, Options{Year: 2019})
	if err != nil {
		t.Fatal(err)
	}
	if !evs[0].Time.Equal(utc(2019, 12, 31, 23, 59, 59, 999)) || !evs[1].Time.Equal(utc(2020, 1, 1, 0, 0, 0, 1)) {
		t.Errorf("rollover: %v %v", evs[0].Time, evs[1].Time)
	}
	// Default: the current year in UTC.
	evs, _, _ = parseLogcatString(t, "03-01 10:00:00.000  1  1 I A: x\n", Options{})
	if evs[0].Time.Year() != time.Now().UTC().Year() {
		t.Errorf("default year %d", evs[0].Time.Year())
	}
	// A full date beyond the first 64 KiB sets the year for the lines after it.
	var b strings.Builder
	for b.Len() < 70<<10 {
		b.WriteString("03-01 10:00:00.000  1  1 I A: filler line to push the next one out of the head\n")
	}
	b.WriteString("2018-03-01 10:00:01.000  1  1 I A: full date\n03-01 10:00:02.000  1  1 I A: after\n")
	evs, _, _ = parseLogcatString(t, b.String(), Options{Year: 2030})
	if n := len(evs); evs[0].Time.Year() != 2030 || evs[n-2].Time.Year() != 2018 || evs[n-1].Time.Year() != 2018 {
		t.Errorf("years %d %d %d", evs[0].Time.Year(), evs[n-2].Time.Year(), evs[n-1].Time.Year())
	}
}

func TestLogcatTimeZones(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	text := "05-01 12:00:00.000  1  1 I A: local\n" +
		"05-01 12:00:00.000 -0400  1  1 I A: explicit zone\n" +
		"1714564800.250  1  1 I A: epoch\n"
	evs, _, err := parseLogcatString(t, text, Options{Year: 2024, Location: msk})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{utc(2024, 5, 1, 9, 0, 0, 0), utc(2024, 5, 1, 16, 0, 0, 0), utc(2024, 5, 1, 12, 0, 0, 250)}
	for i, w := range want {
		if !evs[i].Time.Equal(w) || evs[i].Time.Location() != time.UTC {
			t.Errorf("event %d: %v, want %v", i, evs[i].Time, w)
		}
	}
	// Without a Location the wall clock is kept, labelled UTC.
	evs, _, _ = parseLogcatString(t, text)
	if !evs[0].Time.Equal(utc(2024, 5, 1, 12, 0, 0, 0)) {
		t.Errorf("wall clock: %v", evs[0].Time)
	}
}

func TestLogcatJavaCrash(t *testing.T) {
	text := `--------- beginning of crash
05-30 11:24:10.192  2957  2957 D AndroidRuntime: Shutting down VM
05-30 11:24:10.193  2957  2957 E AndroidRuntime: FATAL EXCEPTION: main
05-30 11:24:10.193  2957  2957 E AndroidRuntime: Process: com.parley.app:calls, PID: 2957
05-30 11:24:10.193  2957  2957 E AndroidRuntime: java.lang.RuntimeException: Unable to start activity: java.lang.NullPointerException: boom
05-30 11:24:10.193  2957  2957 E AndroidRuntime: 	at android.app.ActivityThread.performLaunchActivity(ActivityThread.java:2298)
05-30 11:24:10.193  2957  2957 E AndroidRuntime: 	at android.os.Looper.loop(Looper.java:135)
05-30 11:24:10.193  2957  2957 E AndroidRuntime: Caused by: java.lang.NullPointerException: boom
05-30 11:24:10.193  2957  2957 E AndroidRuntime: 	at com.parley.app.Chat.onCreate(Chat.kt:215)
05-30 11:24:10.193  2957  2957 E AndroidRuntime: 	... 2 more
05-30 11:24:10.195   703  1093 W ActivityManager:   Force finishing activity com.parley.app/.Chat
`
	evs, res, err := parseLogcatString(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || res.Crashes != 1 || res.Levels["F"] != 1 || res.Levels["E"] != 0 {
		t.Fatalf("events %d crashes %d levels %v", len(evs), res.Crashes, res.Levels)
	}
	ev := evs[1]
	c := ev.Crash
	if ev.Level != ingest.LevelFatal || c == nil || c.Kind != "java" || c.Type != "java.lang.RuntimeException" ||
		c.Reason != "Unable to start activity: java.lang.NullPointerException: boom" || ev.Line != 3 {
		t.Fatalf("crash event: %+v %+v", ev, c)
	}
	if want := []string{"android.app.ActivityThread.performLaunchActivity(ActivityThread.java:2298)", "android.os.Looper.loop(Looper.java:135)"}; fmt.Sprint(c.Frames) != fmt.Sprint(want) {
		t.Errorf("frames %q", c.Frames)
	}
	if ev.Attrs[ingest.AttrProcess] != "com.parley.app:calls" || ev.Attrs[ingest.AttrThread] != "main" ||
		ev.Attrs[ingest.AttrCause] != "java.lang.NullPointerException: boom" || ev.Attrs[ingest.AttrLogcatBuffer] != "crash" {
		t.Errorf("attrs %v", ev.Attrs)
	}
	if strings.Count(ev.Message, "\n") != 7 {
		t.Errorf("message should hold the 8 lines of the block: %q", ev.Message)
	}
	if res.Env.App != "com.parley.app" {
		t.Errorf("app %q", res.Env.App)
	}
	// The shared buffer map was not changed by the crash's own attributes.
	if len(evs[0].Attrs) != 1 || len(evs[2].Attrs) != 1 {
		t.Errorf("shared attrs changed: %v %v", evs[0].Attrs, evs[2].Attrs)
	}
}

func TestLogcatStudioCrash(t *testing.T) {
	// Android Studio prints a multi-line message's further lines indented,
	// without a prefix.
	text := "2024-02-03 10:11:12.131  4321-4321  AndroidRuntime          com.parley.app                       E  FATAL EXCEPTION: main\n" +
		"                                                                                                    Process: com.parley.app, PID: 4321\n" +
		"                                                                                                    java.lang.IllegalStateException: chat 42 not found\n" +
		"                                                                                                    \tat com.parley.app.ChatRepo.load(ChatRepo.kt:10)\n" +
		"2024-02-03 10:11:12.200  555-600  ActivityManager         system_server                        I  Process com.parley.app (pid 4321) has died: fg  TOP\n"
	evs, res, err := parseLogcatString(t, text)
	if err != nil || len(evs) != 2 || res.Crashes != 1 {
		t.Fatalf("err %v events %d crashes %d", err, len(evs), res.Crashes)
	}
	c := evs[0].Crash
	if c.Type != "java.lang.IllegalStateException" || c.Reason != "chat 42 not found" || len(c.Frames) != 1 || c.Frames[0] != "com.parley.app.ChatRepo.load(ChatRepo.kt:10)" {
		t.Errorf("crash %+v", c)
	}
	if evs[1].Attrs[ingest.AttrKilled] != "com.parley.app" || evs[1].Attrs[ingest.AttrKilledPID] != "4321" {
		t.Errorf("died: %v", evs[1].Attrs)
	}
}

func TestLogcatANR(t *testing.T) {
	text := `05-01 10:00:00.000  1000  1020 E ActivityManager: ANR in com.parley.app (com.parley.app/.MainActivity)
05-01 10:00:00.000  1000  1020 E ActivityManager: PID: 4321
05-01 10:00:00.000  1000  1020 E ActivityManager: Reason: Input dispatching timed out (Waiting to send non-key event)
05-01 10:00:00.000  1000  1020 E ActivityManager: Load: 12.5 / 10.1 / 8.2
05-01 10:00:00.000  1000  1020 E ActivityManager: CPU usage from 0ms to 5000ms later:
05-01 10:00:00.000  1000  1020 E ActivityManager:   45% 4321/com.parley.app: 40% user + 5% kernel
05-01 10:00:00.100  1000  1020 I ActivityManager: Killing 4321:com.parley.app/u0a123 (adj 0): bg anr
`
	evs, res, err := parseLogcatString(t, text)
	if err != nil || len(evs) != 2 || res.Crashes != 1 {
		t.Fatalf("err %v events %d crashes %d", err, len(evs), res.Crashes)
	}
	c := evs[0].Crash
	if c.Kind != "anr" || c.Type != "ANR" || c.Reason != "Input dispatching timed out (Waiting to send non-key event)" ||
		evs[0].Attrs[ingest.AttrProcess] != "com.parley.app" || evs[0].Level != ingest.LevelFatal {
		t.Errorf("anr %+v %v", c, evs[0].Attrs)
	}
	if evs[1].Attrs[ingest.AttrKilled] != "com.parley.app" || evs[1].Attrs[ingest.AttrKillReason] != "bg anr" {
		t.Errorf("kill %v", evs[1].Attrs)
	}
}

const nativeCrashLogcat = `05-01 10:00:00.100  4321  4350 F libc    : Fatal signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0 in tid 4350 (RenderThread), pid 4321 (com.parley.app)
05-01 10:00:00.150  5000  5000 I crash_dump64: obtaining output fd from tombstoned, type: kDebuggerdTombstone
05-01 10:00:00.200  5000  5000 F DEBUG   : *** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***
05-01 10:00:00.200  5000  5000 F DEBUG   : Build fingerprint: 'google/sunfish/sunfish:13/TQ3A.230805.001/10316531:user/release-keys'
05-01 10:00:00.200  5000  5000 F DEBUG   : Revision: 'MP1.0'
05-01 10:00:00.200  5000  5000 F DEBUG   : ABI: 'arm64'
05-01 10:00:00.200  5000  5000 F DEBUG   : pid: 4321, tid: 4350, name: RenderThread  >>> com.parley.app <<<
05-01 10:00:00.200  5000  5000 F DEBUG   : signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0000000000000000
05-01 10:00:00.200  5000  5000 F DEBUG   : Cause: null pointer dereference
05-01 10:00:00.200  5000  5000 F DEBUG   :     x0  0000000000000000  x1  0000007fc0a1b2c8
05-01 10:00:00.200  5000  5000 F DEBUG   : backtrace:
05-01 10:00:00.201  1000  1100 I ActivityManager: an unrelated line in between
05-01 10:00:00.202  5000  5000 F DEBUG   :       #00 pc 00000000000a1b2c  /data/app/com.parley.app/lib/arm64/libwebrtc.so (webrtc::Foo::Bar()+44)
05-01 10:00:00.202  5000  5000 F DEBUG   :       #01 pc 00000000000b2c3d  /system/lib64/libc.so (__start_thread+68)
05-01 10:00:00.300  1000  1100 I ActivityManager: Process com.parley.app (pid 4321) has died: fg  TOP
`

func TestLogcatNativeCrashMerged(t *testing.T) {
	evs, res, err := parseLogcatString(t, nativeCrashLogcat)
	if err != nil {
		t.Fatal(err)
	}
	if res.Crashes != 1 {
		t.Fatalf("crashes %d, want 1 (libc and DEBUG describe the same crash)", res.Crashes)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Line < evs[i-1].Line {
			t.Errorf("events out of order: line %d after %d", evs[i].Line, evs[i-1].Line)
		}
	}
	ev := evs[0]
	c := ev.Crash
	if c == nil || c.Kind != "native" || c.Type != "SIGSEGV" || c.Reason != "SEGV_MAPERR fault addr 0x0" || ev.Line != 1 {
		t.Fatalf("crash %+v %+v", ev, c)
	}
	want := []string{"#00 pc 00000000000a1b2c  /data/app/com.parley.app/lib/arm64/libwebrtc.so (webrtc::Foo::Bar()+44)",
		"#01 pc 00000000000b2c3d  /system/lib64/libc.so (__start_thread+68)"}
	if fmt.Sprint(c.Frames) != fmt.Sprint(want) {
		t.Errorf("frames %q", c.Frames)
	}
	if ev.Attrs[ingest.AttrProcess] != "com.parley.app" || ev.Attrs[ingest.AttrThread] != "RenderThread" || ev.Attrs[ingest.AttrNativeCause] != "null pointer dereference" {
		t.Errorf("attrs %v", ev.Attrs)
	}
	env := res.Env
	if env.App != "com.parley.app" || env.OS != "Android 13" || env.Device != "google sunfish" || env.Extra["build.fingerprint"] == "" {
		t.Errorf("env %+v", env)
	}
	// The DEBUG banner event points at the crash it details.
	var banner *ingest.Event
	for i := range evs {
		if evs[i].Tag == "DEBUG" && strings.HasPrefix(evs[i].Message, tombBanner) {
			banner = &evs[i]
		}
	}
	if banner == nil || banner.Crash != nil || banner.Attrs[ingest.AttrTombstoneOf] != "1" {
		t.Errorf("banner %+v", banner)
	}
}

func TestLogcatNativeCrashDebugOnly(t *testing.T) {
	// Without the libc line (another buffer), the DEBUG block is the crash;
	// an abort message becomes its reason.
	text := `05-01 10:00:00.200  5000  5000 F DEBUG   : *** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***
05-01 10:00:00.200  5000  5000 F DEBUG   : pid: 4321, tid: 4321, name: main  >>> com.parley.app <<<
05-01 10:00:00.200  5000  5000 F DEBUG   : signal 6 (SIGABRT), code -6 (SI_TKILL), fault addr --------
05-01 10:00:00.200  5000  5000 F DEBUG   : Abort message: 'Check failed: peer_connection != nullptr'
05-01 10:00:00.200  5000  5000 F DEBUG   : backtrace:
05-01 10:00:00.200  5000  5000 F DEBUG   :       #00 pc 000000000004e99c  /apex/com.android.runtime/lib64/bionic/libc.so (abort+164)
`
	evs, res, err := parseLogcatString(t, text)
	if err != nil || len(evs) != 1 || res.Crashes != 1 {
		t.Fatalf("err %v events %d crashes %d", err, len(evs), res.Crashes)
	}
	c := evs[0].Crash
	if c.Type != "SIGABRT" || c.Reason != "Check failed: peer_connection != nullptr" || len(c.Frames) != 1 {
		t.Errorf("crash %+v", c)
	}
	// Only libc's line: reported at the end of the file.
	evs, res, _ = parseLogcatString(t, "05-01 10:00:00.100  4321  4321 F libc    : Fatal signal 6 (SIGABRT), code -6 in tid 4321 (main)\n")
	if res.Crashes != 1 || evs[0].Crash.Type != "SIGABRT" || evs[0].Crash.Reason != "code -6" || evs[0].Attrs[ingest.AttrThread] != "main" {
		t.Errorf("libc only: %+v %+v", evs, res)
	}
}

func TestLogcatKills(t *testing.T) {
	text := `05-01 10:00:00.000  1000  1100 I ActivityManager: Killing 4321:com.parley.app/u0a123 (adj 900): empty #17
05-01 10:00:01.000  1000  1100 I ActivityManager: Process com.parley.app:push (pid 4400) has died
05-01 10:00:02.000   600   600 I lmkd    : Kill 'com.parley.app' (4500), uid 10123, oom_score_adj 900 to free 50000kB rss, 0kB swap; reason: low watermark is breached
05-01 10:00:03.000     0     0 I lowmemorykiller: Killing 'com.parley.app' (4600), adj 906,
05-01 10:00:04.000  1000  1100 I am_kill : [0,4700,com.parley.app,900,empty #17]
05-01 10:00:05.000  1000  1100 I ActivityManager: Killing the messenger is not a kill line
`
	evs, _, err := parseLogcatString(t, text)
	if err != nil || len(evs) != 6 {
		t.Fatalf("err %v events %d", err, len(evs))
	}
	want := []struct{ pkg, pid, reason, adj string }{
		{"com.parley.app", "4321", "empty #17", "900"},
		{"com.parley.app", "4400", "died", ""},
		{"com.parley.app", "4500", "low watermark is breached", "900"},
		{"com.parley.app", "4600", "lowmemorykiller", "906"},
		{"com.parley.app", "4700", "empty #17", "900"},
		{"", "", "", ""},
	}
	for i, w := range want {
		a := evs[i].Attrs
		if a[ingest.AttrKilled] != w.pkg || a[ingest.AttrKilledPID] != w.pid || a[ingest.AttrKillReason] != w.reason || a[ingest.AttrKillAdj] != w.adj {
			t.Errorf("line %d: %v, want %+v", i+1, a, w)
		}
		if evs[i].Crash != nil || evs[i].Level != ingest.LevelInfo {
			t.Errorf("line %d: a kill is an ordinary event", i+1)
		}
	}
	if evs[1].Attrs[ingest.AttrProcess] != "com.parley.app:push" {
		t.Errorf("process %v", evs[1].Attrs)
	}
}

func TestLogcatEnvironment(t *testing.T) {
	text := `05-01 10:00:00.000  100  100 I Parley  : [ro.build.version.release]: [14]
05-01 10:00:00.000  100  100 I Parley  : ro.product.model=Pixel 7
05-01 10:00:00.000  100  100 I Parley  : ro.build.version.release_or_codename=15 must not count
05-01 10:00:00.000  100  100 I Parley  : [ro.product.manufacturer]: [Google]
`
	_, res, err := parseLogcatString(t, text)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Env
	if e.Platform != "android" || e.OS != "Android 14" || e.Device != "Pixel 7" || e.Extra["ro.product.manufacturer"] != "Google" {
		t.Errorf("env %+v", e)
	}
}

func TestLogcatLongFormat(t *testing.T) {
	text := "[ 05-01 10:00:00.000  1234: 1256 E/AndroidRuntime ]\nFATAL EXCEPTION: main\nProcess: com.parley.app, PID: 1234\njava.lang.Error: bad\n\tat a.B.c(B.java:1)\n\n" +
		"[ 05-01 10:00:01.000  1234: 1256 I/Parley ]\nsecond message\n\n"
	evs, res, err := parseLogcatString(t, text)
	if err != nil || len(evs) != 2 || res.Crashes != 1 {
		t.Fatalf("err %v events %+v crashes %d", err, evs, res.Crashes)
	}
	if c := evs[0].Crash; c.Type != "java.lang.Error" || c.Reason != "bad" || len(c.Frames) != 1 {
		t.Errorf("crash %+v", c)
	}
	if evs[1].Message != "second message" || evs[1].Tag != "Parley" || evs[1].TID != "1256" {
		t.Errorf("second %+v", evs[1])
	}
}

func TestLogcatNotLogcat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bin := make([]byte, 200<<10)
	for i := range bin {
		bin[i] = byte(r.UintN(256))
	}
	for name, text := range map[string]string{
		"binary": string(bin),
		"prose":  strings.Repeat("This is a support ticket, not a log.\n", 150),
		"short":  "just one line\nand another\n",
		"json":   `{"log":{"version":"1.2","entries":[]}}`,
	} {
		n := 0
		res, err := Parse("x.txt", strings.NewReader(text), func(*ingest.Event) error { n++; return nil })
		var pe ingest.ParseError
		if !errors.As(err, &pe) || pe.File != "x.txt" || !strings.HasPrefix(pe.Msg, "not a logcat file: no line matched a known logcat format in the first") {
			t.Errorf("%s: err %v", name, err)
		}
		if n != 0 || res.Events != 0 || len(res.Errors) != 1 {
			t.Errorf("%s: %d events passed on, result %+v", name, n, res)
		}
	}
	// Empty input: no events, no error.
	res, err := Parse("empty.txt", strings.NewReader(""), nil)
	if err != nil || res.Events != 0 {
		t.Errorf("empty: %v %+v", err, res)
	}
}

func TestLogcatUnmatchedLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("garbage before the log\n")
	b.WriteString("05-01 10:00:00.000  100  100 I A: one\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "junk %d\n", i)
	}
	b.WriteString("05-01 10:00:01.000  100  100 I A: two\n")
	evs, res, err := parseLogcatString(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 15 || res.Levels["?"] != 13 || res.Levels["I"] != 2 {
		t.Fatalf("events %d levels %v", len(evs), res.Levels)
	}
	if evs[0].Level != ingest.LevelUnknown || evs[0].Message != "garbage before the log" || evs[0].Line != 1 {
		t.Errorf("first: %+v", evs[0])
	}
	if len(res.Errors) != 11 {
		t.Fatalf("errors: %d %v", len(res.Errors), res.Errors)
	}
	if got := res.Errors[0].Error(); got != `test.log:1: not a logcat line (kept as an event of level ?): "garbage before the log"` {
		t.Errorf("first error %q", got)
	}
	if got := res.Errors[10].Error(); got != "test.log:1: 13 lines in all matched no logcat format; they were kept as events of level ?" {
		t.Errorf("summary %q", got)
	}
}

func TestLogcatLongLine(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	text := "05-01 10:00:00.000  100  100 I A: before\n05-01 10:00:00.001  100  100 I A: " + long + "\n05-01 10:00:00.002  100  100 I A: after\n"
	evs, res, err := parseLogcatString(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[2].Message != "after" || evs[2].Line != 3 {
		t.Fatalf("events %d", len(evs))
	}
	if n := len(evs[1].Message); n != maxLine-len("05-01 10:00:00.001  100  100 I A: ") {
		t.Errorf("cut line keeps %d bytes", n)
	}
	if len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.Contains(res.Errors[0].Msg, "longer than 1048576 bytes") {
		t.Errorf("errors %v", res.Errors)
	}
}

func TestLogcatMessageCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("05-01 10:00:00.000  1  1 E AndroidRuntime: FATAL EXCEPTION: main\n05-01 10:00:00.000  1  1 E AndroidRuntime: java.lang.StackOverflowError: deep\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "05-01 10:00:00.000  1  1 E AndroidRuntime: \tat com.parley.app.Recursive.call%04d(Recursive.kt:%d)\n", i, i)
	}
	evs, _, err := parseLogcatString(t, b.String())
	if err != nil || len(evs) != 1 {
		t.Fatalf("err %v events %d", err, len(evs))
	}
	ev := evs[0]
	if len(ev.Message) > maxMessage || ev.Attrs[ingest.AttrDroppedLines] == "" || len(ev.Crash.Frames) != maxFrames {
		t.Errorf("message %d bytes, dropped %q, frames %d", len(ev.Message), ev.Attrs[ingest.AttrDroppedLines], len(ev.Crash.Frames))
	}
}

func TestLogcatSinkError(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	res, err := Parse("x", strings.NewReader(mixedLogcat), func(*ingest.Event) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 || res.Events != 2 {
		t.Errorf("err %v, %d calls, %d events", err, n, res.Events)
	}
}

// lazyLogcat produces size bytes of threadtime lines without holding them.
type lazyLogcat struct {
	left, read int
	line       []byte
	pos        int
}

func (l *lazyLogcat) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && l.left > 0 {
		c := copy(p[n:], l.line[l.pos:])
		l.pos = (l.pos + c) % len(l.line)
		n += c
		l.left -= c
	}
	l.read += n
	return n, nil
}

func TestLogcatStreamsWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MB")
	}
	const size = 64 << 20
	src := &lazyLogcat{left: size, line: []byte("05-01 10:00:00.000  1234  1256 E Parley.Sync: sync failed after 1234 ms for chat 42, retrying in 5 s\n")}
	var ms runtime.MemStats
	var peak uint64
	firstAt := -1
	n := 0
	runtime.GC()
	_, err := Parse("big.log", src, func(ev *ingest.Event) error {
		if firstAt < 0 {
			firstAt = src.read
		}
		n++
		if n%50000 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak {
				peak = ms.HeapAlloc
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if firstAt > 4<<20 {
		t.Errorf("first event after %d bytes were read: not streaming", firstAt)
	}
	if peak > 48<<20 {
		t.Errorf("heap reached %d MB while reading %d MB", peak>>20, size>>20)
	}
	t.Logf("%d events, first after %d KB, peak heap %d MB", n, firstAt>>10, peak>>20)
}

// TestLogcatTallyMatchesCount checks that the parser's own tally (see
// logcatParser.emit) gives what Result.count would.
func TestLogcatTallyMatchesCount(t *testing.T) {
	for _, text := range []string{mixedLogcat, nativeCrashLogcat, "junk\n05-01 10:00:00.000  1  1 I A: x\n"} {
		var ref ingest.Result
		res, err := Parse("t", strings.NewReader(text), func(ev *ingest.Event) error { ref.Count(*ev); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != ref.Events || res.Crashes != ref.Crashes || fmt.Sprint(res.Levels) != fmt.Sprint(ref.Levels) ||
			!res.First.Equal(ref.First) || !res.Last.Equal(ref.Last) {
			t.Errorf("tally %d %d %v %v %v, count %d %d %v %v %v", res.Events, res.Crashes, res.Levels, res.First, res.Last,
				ref.Events, ref.Crashes, ref.Levels, ref.First, ref.Last)
		}
	}
}

func TestLooksLikeLogcat(t *testing.T) {
	yes := []string{mixedLogcat, nativeCrashLogcat, "--------- beginning of main\n", "I/Vold    (  236): up\nD/Vold    (  236): x\n",
		"[ 05-01 10:00:00.000  1234: 1256 E/AndroidRuntime ]\nFATAL EXCEPTION: main\n\n"}
	no := []string{"", "hello\nworld\n", `{"log":{"version":"1.2"}}`, "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\npid: 1, tid: 1, name: x\n",
		"Wed Aug 11 05:51:02 2021 [176] <notice> (0x16bae7000) -[MIClient x]: y\n"}
	for _, s := range yes {
		if !LooksLike([]byte(s)) {
			t.Errorf("not recognised: %.60q", s)
		}
	}
	for _, s := range no {
		if LooksLike([]byte(s)) {
			t.Errorf("wrongly recognised: %.60q", s)
		}
	}
}

// TestLogcatLinesOfOneSecond: consecutive lines that share "MM-DD
// HH:MM:SS" reuse what the first of them read; every line must still get its
// own milliseconds and fields, and a line that differs after the shared part
// must still be judged on its own.
func TestLogcatLinesOfOneSecond(t *testing.T) {
	text := "05-01 10:00:07.001  1234  1250 I Sync    : first\n" +
		"05-01 10:00:07.002 12345 12346 W OkHttp: second, wider ids\n" +
		"05-01 10:00:07.0x3  1234  1250 I Sync    : broken milliseconds\n" +
		"05-01 10:00:07.004     1     2 E VeryLongTagThatFillsTheWindow: fourth\n" +
		"05-01 10:00:08.000  1  1 I A: next second\n"
	evs, res, err := parseLogcatString(t, text)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		time          time.Time
		level         ingest.Level
		pid, tid, tag string
		msg           string
	}
	wants := []want{
		{utc(2024, 5, 1, 10, 0, 7, 1), ingest.LevelInfo, "1234", "1250", "Sync", "first"},
		{utc(2024, 5, 1, 10, 0, 7, 2), ingest.LevelWarn, "12345", "12346", "OkHttp", "second, wider ids"},
		{time.Time{}, ingest.LevelUnknown, "", "", "", "05-01 10:00:07.0x3  1234  1250 I Sync    : broken milliseconds"},
		{utc(2024, 5, 1, 10, 0, 7, 4), ingest.LevelError, "1", "2", "VeryLongTagThatFillsTheWindow", "fourth"},
		{utc(2024, 5, 1, 10, 0, 8, 0), ingest.LevelInfo, "1", "1", "A", "next second"},
	}
	if len(evs) != len(wants) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(wants), evs)
	}
	for i, w := range wants {
		ev := evs[i]
		if !ev.Time.Equal(w.time) || ev.Level != w.level || ev.PID != w.pid || ev.TID != w.tid || ev.Tag != w.tag || ev.Message != w.msg {
			t.Errorf("event %d: %v %v %q %q %q %q, want %+v", i, ev.Time, ev.Level, ev.PID, ev.TID, ev.Tag, ev.Message, w)
		}
	}
	if len(res.Errors) != 1 || res.Errors[0].Line != 3 {
		t.Errorf("errors %v, want one for line 3", res.Errors)
	}

	// A full date past the first 64 KiB changes the year of the same
	// second's next lines.
	var b strings.Builder
	for b.Len() < 70<<10 {
		b.WriteString("05-01 10:00:07.000  1  1 I A: filler line to push the next one out of the head\n")
	}
	b.WriteString("2023-05-01 10:00:07.005  1  1 I A: full date\n05-01 10:00:07.006  1  1 I A: after\n")
	evs, _, _ = parseLogcatString(t, b.String())
	if n := len(evs); !evs[0].Time.Equal(utc(2024, 5, 1, 10, 0, 7, 0)) || !evs[n-1].Time.Equal(utc(2023, 5, 1, 10, 0, 7, 6)) {
		t.Errorf("times %v … %v", evs[0].Time, evs[n-1].Time)
	}
}

// TestLogcatByteClasses checks the eight-bytes-at-a-time byte classes
// against byte-by-byte ones, for every byte value in every position.
func TestLogcatByteClasses(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for pos := 0; pos < 8; pos++ {
		for v := 0; v < 256; v++ {
			for round := 0; round < 4; round++ {
				var w [8]byte
				const filler = "0 9:aZ@[\x80\xff"
				for i := range w {
					w[i] = filler[r.IntN(len(filler))]
				}
				w[pos] = byte(v)
				x := uint64(0)
				for i := 7; i >= 0; i-- {
					x = x<<8 | uint64(w[i])
				}
				var sp, dg, co uint64
				for i, c := range w {
					if c == ' ' {
						sp |= 1 << i
					}
					if c >= '0' && c <= '9' {
						dg |= 1 << i
					}
					if c == ':' {
						co |= 1 << i
					}
				}
				if spaceBits(x) != sp || digitBits(x) != dg || colonBits(x) != co {
					t.Fatalf("%q: spaces %08b/%08b digits %08b/%08b colons %08b/%08b", w[:],
						spaceBits(x), sp, digitBits(x), dg, colonBits(x), co)
				}
			}
		}
	}
}

func TestLogcatTagKinds(t *testing.T) {
	for tag, kind := range map[string]int{
		"AndroidRuntime": tagAndroidRuntime, "ActivityManager": tagActivityManager, "DEBUG": tagDebug,
		"crash_dump32": tagDebug, "crash_dump64": tagDebug, "libc": tagLibc, "lowmemorykiller": tagKiller,
		"lmkd": tagKiller, "am_kill": tagKiller, "am_proc_died": tagKiller, "CarrierConfigLoader": tagCarrierConfig,
		"": tagOther, "A": tagOther, "DEBUG2": tagOther, "debug": tagOther, "crash_dump": tagOther,
		"androidRuntime": tagOther, "libc++": tagOther, "ActivityManagerX": tagOther,
	} {
		if got := tagKind(tag); got != kind {
			t.Errorf("%q: kind %d, want %d", tag, got, kind)
		}
	}
	// Tags that land in a special tag's slot are still told apart.
	for _, e := range tagKinds {
		if e.tag == "" {
			continue
		}
		other := []byte(e.tag)
		other[1] ^= 0x20
		if tagSlot(string(other)) == tagSlot(e.tag) && tagKind(string(other)) != tagOther {
			t.Errorf("%q taken for %q", other, e.tag)
		}
	}
}
