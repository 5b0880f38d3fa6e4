package apple

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

func TestParseIPSSample(t *testing.T) {
	data := ingesttest.Sample(t, "ios/sym_ios15_iphone13_sigabrt.ips")
	res, evs := ingesttest.MustRun(t, ParseIPS, "crash.ips", data)
	if res.Format != ingest.FormatIPS || res.Events != 1 || res.Crashes != 1 || res.Levels["F"] != 1 {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	ev := evs[0]
	// captureTime "2022-03-16 11:45:14.2121 +0800"
	if want := time.Date(2022, 3, 16, 3, 45, 14, 212100000, time.UTC); !ev.Time.Equal(want) {
		t.Errorf("time = %v, want %v", ev.Time, want)
	}
	c := ev.Crash
	if c.Kind != "ios" || c.Type != "EXC_CRASH (SIGABRT)" {
		t.Errorf("crash = %q %q", c.Kind, c.Type)
	}
	if !strings.HasPrefix(c.Reason, "TCC: This app has crashed because it attempted to access privacy-sensitive data") ||
		!strings.Contains(c.Reason, "NSCameraUsageDescription") {
		t.Errorf("reason = %q", c.Reason)
	}
	// The triggered thread (index 1) has 13 frames; the first in libsystem_kernel.
	if len(c.Frames) != 13 || c.Frames[0] != "libsystem_kernel.dylib __abort_with_payload + 8" {
		t.Errorf("frames = %d %q", len(c.Frames), c.Frames)
	}
	if ev.Attrs["crash.signal"] != "SIGABRT" || ev.Attrs["crash.termination_namespace"] != "TCC" || ev.Attrs["apple.bug_type"] != "309" {
		t.Errorf("attrs = %v", ev.Attrs)
	}
	if ev.PID != "6209" || ev.Tag != "Demo" {
		t.Errorf("pid/tag = %q %q", ev.PID, ev.Tag)
	}
	env := res.Env
	if env.Device != "iPhone13,4" || env.OS != "iOS 15.2.1" || env.App != "im.zorro.demo" ||
		env.AppVersion != "1.0" || env.Platform != "ios" || env.Extra["app.build"] != "4" || env.Extra["os.build"] != "19C63" {
		t.Errorf("env = %+v", env)
	}
}

func TestParseAppleCrashSample(t *testing.T) {
	data := ingesttest.Sample(t, "ios/kscrash_ios_nsexception_apple_style.crash")
	res, evs := ingesttest.MustRun(t, ParseCrash, "kscrash.crash", data)
	if res.Format != ingest.FormatAppleCrash || res.Events != 1 || res.Crashes != 1 {
		t.Fatalf("result = %+v", res)
	}
	ev := evs[0]
	c := ev.Crash
	if c.Type != "NSInvalidArgumentException" {
		t.Errorf("type = %q", c.Type)
	}
	if c.Reason != "-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50" {
		t.Errorf("reason = %q", c.Reason)
	}
	if ev.Attrs["crash.exception_type"] != "EXC_CRASH (SIGABRT)" || ev.Attrs["crash.signal"] != "SIGABRT" {
		t.Errorf("attrs = %v", ev.Attrs)
	}
	// "Thread 0 Crashed:" lists 23 frames.
	if len(c.Frames) != 23 || c.Frames[0] != "CoreFoundation __exceptionPreprocess + 97" ||
		c.Frames[5] != "Crash-Tester -[Crasher throwException] + 101" {
		t.Errorf("frames = %d %q", len(c.Frames), c.Frames[:min(6, len(c.Frames))])
	}
	if want := time.Date(1970, 1, 17, 19, 18, 32, 0, time.UTC); !ev.Time.Equal(want) {
		t.Errorf("time = %v, want %v", ev.Time, want)
	}
	if ev.PID != "1055" || ev.Tag != "Crash-Tester" || ev.Line != 15 {
		t.Errorf("pid/tag/line = %q %q %d", ev.PID, ev.Tag, ev.Line)
	}
	env := res.Env
	if env.Device != "iPhone3,1" || env.OS != "iOS 4.3.3" || env.App != "org.stenerud.Crash-Tester" || env.AppVersion != "1.0" ||
		env.Extra["incident"] != "1DFC2552-8F7C-4D14-B0A8-5FE04E5AE35E" {
		t.Errorf("env = %+v", env)
	}
}

func TestParseSysdiagnoseSample(t *testing.T) {
	data := ingesttest.Sample(t, "ios/plaso_ios_sysdiagnose_mobileinstallation.log")
	res, evs := ingesttest.MustRun(t, ParseSysdiagnose, "mobileinstallation.log", data)
	// 28 lines start an entry (grep '^Wed Aug 11 …'): 21 notice, 5 err, 2 debug.
	if res.Events != 28 || res.Levels["I"] != 21 || res.Levels["E"] != 5 || res.Levels["D"] != 2 {
		t.Fatalf("events = %d levels = %v", res.Events, res.Levels)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if !res.First.Equal(time.Date(2021, 1, 17, 11, 20, 29, 0, time.UTC)) || !res.Last.Equal(time.Date(2021, 10, 25, 7, 5, 3, 0, time.UTC)) {
		t.Errorf("range = %v .. %v", res.First, res.Last)
	}
	first := evs[0]
	if first.PID != "176" || first.TID != "0x16bae7000" || first.Tag != "MIContainer" || first.Line != 1 ||
		!strings.HasPrefix(first.Attrs["apple.function"], "-[MIContainer makeContainerLiveReplacingContainer:") {
		t.Errorf("first = %+v", first)
	}
	// The entry of line 15 carries the two continuation lines after it.
	var l15 *ingest.Event
	for i := range evs {
		if evs[i].Line == 15 {
			l15 = &evs[i]
		}
	}
	if l15 == nil || l15.Level != ingest.LevelError || strings.Count(l15.Message, "\n") != 2 || !strings.Contains(l15.Message, "keyCount=22") {
		t.Errorf("line 15 event = %+v", l15)
	}
	fn := ingesttest.Where(evs, func(e ingest.Event) bool { return e.Tag == "_containermanagerd_init_block_invoke" })
	if len(fn) != 2 {
		t.Errorf("C-function tags: %d", len(fn))
	}
}

func TestParseIPSLegacyText(t *testing.T) {
	res, evs := ingesttest.MustRun(t, ParseIPS, "legacy.ips", []byte(ingesttest.IPSLegacySnippet))
	if res.Events != 1 || res.Crashes != 1 || len(res.Errors) != 0 {
		t.Fatalf("result = %+v", res)
	}
	c := evs[0].Crash
	if c.Type != "EXC_BAD_ACCESS (SIGSEGV)" || c.Reason != "KERN_INVALID_ADDRESS at 0x0000000000000010" {
		t.Errorf("crash = %q / %q", c.Type, c.Reason)
	}
	want := []string{"Parley -[VOEXSession handleEvent:] + 312 (VOEXSession.m:88)", "Parley 0x100d00000 + 1159168",
		"libdispatch.dylib _dispatch_call_block_and_release + 24"}
	if strings.Join(c.Frames, "|") != strings.Join(want, "|") {
		t.Errorf("frames = %q", c.Frames)
	}
	if evs[0].TID != "2" || evs[0].Line != 10 || evs[0].Attrs["apple.bug_type"] != "109" {
		t.Errorf("tid/line/attrs = %q %d %v", evs[0].TID, evs[0].Line, evs[0].Attrs)
	}
	if want := time.Date(2021, 5, 4, 7, 11, 12, 345000000, time.UTC); !evs[0].Time.Equal(want) {
		t.Errorf("time = %v", evs[0].Time)
	}
	env := res.Env
	if env.Device != "iPhone12,1" || env.OS != "iOS 14.5" || env.App != "org.parley.messenger" || env.AppVersion != "3.1.0" || env.Extra["app.build"] != "3100" {
		t.Errorf("env = %+v", env)
	}
}

// A JSON body whose crash is an uncaught NSException named in "asi".
const ipsASISnippet = `{"app_name":"Parley","timestamp":"2024-02-01 09:00:00.00 +0000","app_version":"3.4.0","build_version":"5123","bundleID":"org.parley.messenger","bug_type":"309","os_version":"iPhone OS 17.2 (21C62)","incident_id":"11111111-2222-3333-4444-555555555555","name":"Parley"}
{
  "modelCode" : "iPhone15,2",
  "captureTime" : "2024-02-01 09:00:00.5000 +0000",
  "osVersion" : {"train" : "iPhone OS 17.2", "build" : "21C62"},
  "bundleInfo" : {"CFBundleShortVersionString":"3.4.0","CFBundleVersion":"5123","CFBundleIdentifier":"org.parley.messenger"},
  "procName" : "Parley", "pid" : 77,
  "exception" : {"codes":"0x0000000000000000, 0x0000000000000000","type":"EXC_CRASH","signal":"SIGABRT"},
  "termination" : {"flags":0,"code":6,"namespace":"SIGNAL","indicator":"Abort trap: 6","byProc":"Parley"},
  "asi" : {"CoreFoundation":["*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[NSNull length]: unrecognized selector sent to instance 0x1f0a3c8e0'"]},
  "faultingThread" : 0,
  "threads" : [{"triggered":true,"id":9,"queue":"com.apple.main-thread","frames":[{"imageOffset":40,"symbol":"__pthread_kill","symbolLocation":8,"imageIndex":0},{"imageOffset":4096,"imageIndex":1},{"imageOffset":1,"imageIndex":99}]}],
  "usedImages" : [{"name":"libsystem_kernel.dylib"},{"path":"/private/var/containers/Bundle/Application/X/Parley.app/Parley"}]
}`

func TestParseIPSAppSpecificException(t *testing.T) {
	res, evs := ingesttest.MustRun(t, ParseIPS, "asi.ips", []byte(ipsASISnippet))
	if res.Crashes != 1 {
		t.Fatalf("result = %+v", res)
	}
	c := evs[0].Crash
	if c.Type != "NSInvalidArgumentException" || !strings.Contains(c.Reason, "unrecognized selector") {
		t.Errorf("crash = %q / %q", c.Type, c.Reason)
	}
	if evs[0].Attrs["crash.exception_type"] != "EXC_CRASH (SIGABRT)" {
		t.Errorf("attrs = %v", evs[0].Attrs)
	}
	want := "libsystem_kernel.dylib __pthread_kill + 8|Parley + 4096|??? + 1"
	if strings.Join(c.Frames, "|") != want {
		t.Errorf("frames = %q", c.Frames)
	}
	if res.Env.Device != "iPhone15,2" || res.Env.OS != "iOS 17.2" {
		t.Errorf("env = %+v", res.Env)
	}
}

func TestParseIPSOtherReportsAndDamage(t *testing.T) {
	// A jetsam report: not a crash, one W event naming it.
	jetsam := `{"bug_type":"298","timestamp":"2024-02-01 09:00:00.00 +0000","os_version":"iPhone OS 17.2 (21C62)","incident_id":"X"}
{"crashReporterKey":"k","product":"iPhone15,2","largestProcess":"Parley","processes":[]}`
	res, evs := ingesttest.MustRun(t, ParseIPS, "jetsam.ips", []byte(jetsam))
	if res.Events != 1 || res.Crashes != 0 || evs[0].Level != ingest.LevelWarn || !strings.Contains(evs[0].Message, "jetsam") {
		t.Errorf("jetsam: %+v %+v", res, evs)
	}
	// A body cut short: a readable error with its line, and the header still gives an event.
	cut := ipsASISnippet[:len(ipsASISnippet)/2]
	res, evs = ingesttest.MustRun(t, ParseIPS, "cut.ips", []byte(cut))
	if len(res.Errors) == 0 || !strings.HasPrefix(res.Errors[0].Error(), "cut.ips:") || res.Events != 1 {
		t.Errorf("cut body: errors %v, events %d", res.Errors, res.Events)
	}
	_ = evs
	// Garbage: errors, no panic, no event.
	res, _ = ingesttest.MustRun(t, ParseIPS, "junk.ips", []byte("hello\nworld\n"))
	if res.Events != 0 || len(res.Errors) == 0 {
		t.Errorf("junk: %+v", res)
	}
}

func TestParseAppleCrashNothing(t *testing.T) {
	res, _ := ingesttest.MustRun(t, ParseCrash, "empty.crash", []byte("just some\ntext\n"))
	if res.Events != 0 || !ingesttest.ErrorsMention(res, "no Apple crash report found") {
		t.Errorf("result = %+v", res)
	}
}

func TestParseAppleLogStyles(t *testing.T) {
	cases := []struct {
		name, text string
	}{
		{"default", `Filtering the log data using "process == \"Parley\""
Skipping info and debug messages, pass --info and/or --debug to include.
Timestamp                       Thread     Type        Activity             PID    TTL  
2021-08-11 05:51:02.123456+0300 0x1a2b     Error       0x0                  176    0    Parley: (CFNetwork) [com.apple.network:connection] nw_connection failed
second line of the message
2021-08-11 05:51:03.000001+0300 0x1a2b     Default     0x3f1                176    0    Parley: (VOEX) [org.parley.voex:ice] ICE state changed to disconnected
2021-08-11 05:51:04.5+0300 0x1a2c     Fault       0x0                  176    0    Parley: [org.parley.db:sqlite] database disk image is malformed
--------------------------------------------------------------------------------------------------------------------
Log      - Default:          1, Info:                0, Debug:             0, Error:          1, Fault:          1
`},
		{"syslog", `Timestamp                       (process)[PID]    
2021-08-11 05:51:02.123456+0300  localhost Parley[176]: (CFNetwork) [com.apple.network:connection] <Error>: nw_connection failed
second line of the message
2021-08-11 05:51:03.000001+0300  localhost Parley[176]: (VOEX) [org.parley.voex:ice] ICE state changed to disconnected
2021-08-11 05:51:04.5+0300  localhost Parley[176]: [org.parley.db:sqlite] <Fault>: database disk image is malformed
`},
		{"ndjson", `{"timestamp":"2021-08-11 05:51:02.123456+0300","messageType":"Error","eventType":"logEvent","eventMessage":"nw_connection failed\nsecond line of the message","subsystem":"com.apple.network","category":"connection","processImagePath":"/private/var/containers/Bundle/Application/X/Parley.app/Parley","senderImagePath":"/System/Library/Frameworks/CFNetwork.framework/CFNetwork","processID":176,"threadID":6699}
{"timestamp":"2021-08-11 05:51:03.000001+0300","messageType":"Default","eventType":"logEvent","eventMessage":"ICE state changed to disconnected","subsystem":"org.parley.voex","category":"ice","processImagePath":"/x/Parley","processID":176,"threadID":6699}
{"timestamp":"2021-08-11 05:51:04.500000+0300","messageType":"Fault","eventType":"logEvent","eventMessage":"database disk image is malformed","subsystem":"org.parley.db","category":"sqlite","processImagePath":"/x/Parley","processID":176,"threadID":6700}
{"count":3,"finished":1}
`},
		{"json", `[{"timestamp":"2021-08-11 05:51:02.123456+0300","messageType":"Error","eventMessage":"nw_connection failed\nsecond line of the message","subsystem":"com.apple.network","category":"connection","processImagePath":"/x/Parley","processID":176,"threadID":6699},
{"timestamp":"2021-08-11 05:51:03.000001+0300","messageType":"Default","eventMessage":"ICE state changed to disconnected","subsystem":"org.parley.voex","category":"ice","processImagePath":"/x/Parley","processID":176,"threadID":6699},
{"timestamp":"2021-08-11 05:51:04.500000+0300","messageType":"Fault","eventMessage":"database disk image is malformed","subsystem":"org.parley.db","category":"sqlite","processImagePath":"/x/Parley","processID":176,"threadID":6700}]
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !LooksLikeLog([]byte(tc.text)) {
				t.Errorf("looksLikeAppleLog = false")
			}
			res, evs := ingesttest.MustRun(t, ParseLog, "log.txt", []byte(tc.text))
			if len(res.Errors) != 0 {
				t.Errorf("errors: %v", res.Errors)
			}
			if len(evs) != 3 {
				t.Fatalf("%d events: %+v", len(evs), evs)
			}
			want := []struct {
				lvl      ingest.Level
				tag, msg string
			}{
				{ingest.LevelError, "com.apple.network", "nw_connection failed\nsecond line of the message"},
				{ingest.LevelInfo, "org.parley.voex", "ICE state changed to disconnected"},
				{ingest.LevelFatal, "org.parley.db", "database disk image is malformed"},
			}
			for i, w := range want {
				e := evs[i]
				if e.Level != w.lvl || e.Tag != w.tag || e.Message != w.msg || e.PID != "176" {
					t.Errorf("event %d = %+v, want %+v", i, e, w)
				}
			}
			if !evs[0].Time.Equal(time.Date(2021, 8, 11, 2, 51, 2, 123456000, time.UTC)) {
				t.Errorf("time = %v", evs[0].Time)
			}
			if evs[1].Attrs["apple.category"] != "ice" || evs[1].Attrs["apple.process"] != "Parley" {
				t.Errorf("attrs = %v", evs[1].Attrs)
			}
		})
	}
}

func TestParseAppleLogMalformed(t *testing.T) {
	text := "garbage before anything\n{\"timestamp\":\"not a time\",\"eventMessage\":\"x\",\"messageType\":\"Error\"}\n{broken json\n2021-08-11 05:51:02.123456+0300 0x1 Error 0x0 1 0 P: ok\n"
	res, evs := ingesttest.MustRun(t, ParseLog, "bad.log", []byte(text))
	if len(evs) != 2 {
		t.Errorf("events = %+v", evs)
	}
	if !ingesttest.ErrorsMention(res, "bad.log:1: unrecognised line") || !ingesttest.ErrorsMention(res, "bad.log:2: cannot read timestamp") {
		t.Errorf("errors = %v", res.Errors)
	}
	// The unparsable JSON line continues the previous entry rather than being lost.
	if !strings.Contains(evs[0].Message, "{broken json") {
		t.Errorf("continuation = %q", evs[0].Message)
	}
	// A json-style array cut short: an error naming the file, the events before it kept.
	res, evs, err := ingesttest.Run(t, ParseLog, "cut.json", []byte(`[{"timestamp":"2021-08-11 05:51:02.123456+0300","messageType":"Info","eventMessage":"a"},{"timestamp":`))
	if err == nil || !strings.Contains(err.Error(), "cut.json") || len(evs) != 1 {
		t.Errorf("cut: err %v, events %d", err, len(evs))
	}
	_ = res
}

func TestAppleDetection(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want func([]byte) bool
	}{
		{"ios/sym_ios15_iphone13_sigabrt.ips", LooksLikeIPS},
		{"ios/kscrash_ios_nsexception_apple_style.crash", LooksLikeCrash},
		{"ios/plaso_ios_sysdiagnose_mobileinstallation.log", LooksLikeSysdiagnose},
	} {
		head := ingesttest.Sample(t, tc.rel)
		if !tc.want(head) {
			t.Errorf("%s not detected", tc.rel)
		}
	}
	if !LooksLikeIPS([]byte(ingesttest.IPSLegacySnippet)) || LooksLikeCrash([]byte(ipsASISnippet)) {
		t.Errorf("ips snippets misdetected")
	}
	if LooksLikeSysdiagnose([]byte("2021-08-11 05:51:02.123456+0300 0x1 Error 0x0 1 0 P: ok\n")) {
		t.Errorf("a log show line taken for sysdiagnose")
	}
	for _, tc := range []struct {
		name string
		head []byte
		want func([]byte) bool
	}{
		{"pasted from Thread 0", readTestdata(t, "pasted_from_thread0.txt"), LooksLikeCrash},
		{"pasted from Last Exception Backtrace", readTestdata(t, "pasted_from_last_exception.txt"), LooksLikeCrash},
		{"cut in a thread", readTestdata(t, "cut_in_thread.crash"), LooksLikeCrash},
		{"old .ips", readTestdata(t, "legacy_bug_type_109.ips"), LooksLikeIPS},
		{"macOS .ips", readTestdata(t, "macos_app_bug_type_309.ips"), LooksLikeIPS},
		{"logd log", readTestdata(t, "logd.0.log"), LooksLikeSysdiagnose},
	} {
		if !tc.want(tc.head) {
			t.Errorf("%s not detected", tc.name)
		}
	}
	// Text that only mentions threads is no crash report.
	for _, text := range []string{
		"Thread 0:\nthe main thread was busy\n",
		"Thread 0:\n0   Parley \t0x1 main + 1\n", // one frame is too little to tell
		"Exception Type: none here\nsome notes\n",
		"notes\nThread 0:\n0   A \t0x1 a + 1\n1   B \t0x2 b + 2\n", // not where the text starts
	} {
		if LooksLikeCrash([]byte(text)) {
			t.Errorf("%q taken for a crash report", text)
		}
	}
	if LooksLikeSysdiagnose([]byte("2021-08-11 05:51:02.123456+0300  localhost App[176]: (Sub) msg\n")) {
		t.Errorf("a log show syslog line taken for a logd line")
	}
}

func FuzzParseIPS(f *testing.F) {
	f.Add([]byte(ingesttest.IPSLegacySnippet))
	f.Add([]byte(ipsASISnippet))
	f.Add([]byte(`{"bug_type":"309"}` + "\n" + `{"threads":[{"triggered":true,"frames":[{"imageIndex":-1}]}],"faultingThread":7}`))
	f.Add(readTestdata(f, "legacy_bug_type_109.ips"))
	f.Add(readTestdata(f, "macos_app_bug_type_309.ips"))
	f.Add([]byte("\xef\xbb\xbf{\"bug_type\":1}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseIPS, data)
		LooksLikeIPS(data)
	})
}

func FuzzParseAppleCrash(f *testing.F) {
	f.Add([]byte(ingesttest.IPSLegacySnippet[strings.IndexByte(ingesttest.IPSLegacySnippet, '\n')+1:]))
	f.Add([]byte("Exception Type: EXC_CRASH (SIGABRT)\nApplication Specific Information:\n*** Terminating app due to uncaught exception 'X', reason: 'y'\n\nThread 0 Crashed:\n0 A 0x1 0x0 + 1 (f + 2)\n"))
	f.Add([]byte("Thread 99 Crashed:\n\n\nLast Exception Backtrace:\n0 a 0x1 b\n"))
	for _, name := range []string{"pasted_from_thread0.txt", "pasted_from_last_exception.txt", "cut_in_thread.crash"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("Thread 0 Crashed:: Dispatch queue: com.apple.main-thread\n0   Parley \t0x1 main + 1\n1   libdyld.dylib \t0x2 start + 4\n" +
		"Thread 0 crashed with X86 Thread State (64-bit):\n  rax: 0x0\nBinary Images:\n\nModel: iMac20,1, BootROM 1554, 10 processors\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseCrash, data)
		LooksLikeCrash(data)
	})
}

func FuzzParseAppleLog(f *testing.F) {
	f.Add([]byte("Timestamp                       Thread     Type        Activity             PID    TTL\n2021-08-11 05:51:02.123456+0300 0x1a2b     Error       0x0                  176    0    App: (Sub) [com.x:cat] msg\nmore\n"))
	f.Add([]byte("2021-08-11 05:51:02.123456+0300  localhost App[176:1a]: (Sub) [com.x:cat] <Fault>: msg\n"))
	f.Add([]byte(`{"timestamp":"2021-08-11 05:51:02.123456+0300","messageType":"Error","eventMessage":"m","threadID":12}` + "\n"))
	f.Add([]byte(`[{"timestamp":"2021-08-11 05:51:02.123456+0300","eventMessage":"m"}]`))
	f.Add([]byte("2021-08-11 05:51:02.123 E  App[176:1a2b] [com.x:cat] msg\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseLog, data)
		LooksLikeLog(data)
	})
}

func FuzzParseSysdiagnose(f *testing.F) {
	f.Add([]byte("Wed Aug 11 05:51:02 2021 [176] <notice> (0x16bae7000) -[MIContainer makeLive:]: Made container live\n    \"k\" = v;\n}\n"))
	f.Add([]byte("Sun Jan 17 11:20:41 2021 [66] <err> (0x16d327000) server_get_process_containers: Invalid data\n"))
	f.Add([]byte("Mon Oct 25 07:05:03 2021 [145] <debug> MA: main: x\n"))
	f.Add(readTestdata(f, "logd.0.log"))
	f.Add([]byte("2021-11-07 01:00:05-0800 logd[76]: a\n  continued\n2021-11-07 99:00:05-0800 logd[76]: bad hour\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseSysdiagnose, data)
		LooksLikeSysdiagnose(data)
	})
}

// readTestdata reads a fixture of testdata/.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
