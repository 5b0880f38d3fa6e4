package apple_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/formats"
	"parley/ingest/internal/ingesttest"
)

// Every shape of Apple file support staff receive, read through the
// dispatcher as an upload is: the field samples and the fixtures of
// testdata/ (reports pasted from their middle, cut short, old and macOS
// .ips, a logd log across daylight saving time). Each case pins the
// format, the counts, the crash as the rules see it and the environment.

// appleShape is what one file must read as.
type appleShape struct {
	format  ingest.Format
	events  int
	levels  map[string]int
	crashes int
	// The crash, when there is one.
	crashType, reason, signal, tid string
	frames                         []string // the first frames, in order
	nFrames                        int      // how many frames in all (0: not checked)
	detail                         string   // the crash finding's detail: app, version, exception, own frame
	time                           time.Time
	// Where the file came from.
	env ingest.Environment // Platform, OS, Device, App, AppVersion compared; Extra ignored
	// Notes about what the file lacks, each a substring of one error, in order.
	errors      []string
	first, last time.Time
}

// readApple parses data as an upload would and runs the rules over it.
func readApple(t *testing.T, name string, data []byte) (ingest.Result, []ingest.Event, []ingest.Finding) {
	t.Helper()
	d := ingest.NewDiagnoser(nil)
	var evs []ingest.Event
	res, err := formats.ParseFile(name, bytes.NewReader(data), func(ev *ingest.Event) error {
		d.Event(ev)
		evs = append(evs, ev.Clone())
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.Events != len(evs) {
		t.Errorf("Result.Events = %d, sink saw %d", res.Events, len(evs))
	}
	return res, evs, d.Findings(res.Env)
}

func checkShape(t *testing.T, name string, data []byte, w appleShape) {
	t.Helper()
	res, evs, findings := readApple(t, name, data)
	if res.Format != w.format || res.Events != w.events || res.Crashes != w.crashes {
		t.Errorf("format %q, %d events, %d crashes; want %q, %d, %d", res.Format, res.Events, res.Crashes, w.format, w.events, w.crashes)
	}
	if w.levels != nil && !reflect.DeepEqual(res.Levels, w.levels) {
		t.Errorf("levels = %v, want %v", res.Levels, w.levels)
	}
	if !w.first.IsZero() && (!res.First.Equal(w.first) || !res.Last.Equal(w.last)) {
		t.Errorf("period %v … %v, want %v … %v", res.First.UTC(), res.Last.UTC(), w.first, w.last)
	}
	e := res.Env
	if got, want := [5]string{e.Platform, e.OS, e.Device, e.App, e.AppVersion},
		[5]string{w.env.Platform, w.env.OS, w.env.Device, w.env.App, w.env.AppVersion}; got != want {
		t.Errorf("env (platform, OS, device, app, version) = %q, want %q", got, want)
	}
	if len(res.Errors) != len(w.errors) {
		t.Errorf("errors = %v, want %d: %q", res.Errors, len(w.errors), w.errors)
	} else {
		for i, e := range res.Errors {
			if !strings.Contains(e.Error(), w.errors[i]) {
				t.Errorf("error %d = %q, want it to say %q", i, e.Error(), w.errors[i])
			}
		}
	}
	var crashes []ingest.Event
	for _, ev := range evs {
		if ev.Crash != nil {
			crashes = append(crashes, ev)
		}
	}
	var crashFindings []ingest.Finding
	for _, f := range findings {
		if f.Rule == ingest.CrashRule {
			crashFindings = append(crashFindings, f)
		}
	}
	if w.crashes == 0 {
		if len(crashFindings) != 0 {
			t.Errorf("crash findings without a crash: %+v", crashFindings)
		}
		return
	}
	if len(crashes) != 1 || len(crashFindings) != 1 {
		t.Fatalf("%d crash events, %d crash findings; want one each", len(crashes), len(crashFindings))
	}
	ev, c := crashes[0], crashes[0].Crash
	if c.Kind != "ios" || c.Type != w.crashType || c.Reason != w.reason {
		t.Errorf("crash = %q %q %q, want ios %q %q", c.Kind, c.Type, c.Reason, w.crashType, w.reason)
	}
	if ev.Level != ingest.LevelFatal || ev.Attrs["crash.signal"] != w.signal || ev.TID != w.tid {
		t.Errorf("level %v, signal %q, thread %q; want F, %q, %q", ev.Level, ev.Attrs["crash.signal"], ev.TID, w.signal, w.tid)
	}
	if !ev.Time.Equal(w.time) {
		t.Errorf("time = %v, want %v", ev.Time.UTC(), w.time)
	}
	if len(c.Frames) < len(w.frames) || !reflect.DeepEqual(c.Frames[:len(w.frames)], w.frames) {
		t.Errorf("frames = %q\nwant first %q", c.Frames, w.frames)
	}
	if w.nFrames > 0 && len(c.Frames) != w.nFrames {
		t.Errorf("%d frames, want %d", len(c.Frames), w.nFrames)
	}
	if f := crashFindings[0]; f.Detail != w.detail || f.Count != 1 || f.Severity != ingest.SeverityCritical {
		t.Errorf("finding = %q (count %d, %v)\nwant %q", f.Detail, f.Count, f.Severity, w.detail)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestAppleSamples reads every file of the ios samples folder (skipped
// without it, required under CI).
func TestAppleSamples(t *testing.T) {
	samples := map[string]appleShape{
		"kscrash_ios_nsexception_apple_style.crash": {
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, levels: map[string]int{"F": 1},
			crashType: "NSInvalidArgumentException", reason: "-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50",
			signal: "SIGABRT", tid: "0", nFrames: 23, time: utc("1970-01-17T19:18:32Z"),
			frames: []string{"CoreFoundation __exceptionPreprocess + 97", "libobjc.A.dylib objc_exception_throw + 25"},
			detail: "org.stenerud.Crash-Tester 1.0: NSInvalidArgumentException: -[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50 — at Crash-Tester -[Crasher throwException] + 101",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 4.3.3", Device: "iPhone3,1", App: "org.stenerud.Crash-Tester", AppVersion: "1.0"},
		},
		"plaso_ios_sysdiagnose_mobileinstallation.log": {
			format: ingest.FormatSysdiagnose, events: 28, levels: map[string]int{"D": 2, "E": 5, "I": 21},
			first: utc("2021-01-17T11:20:29Z"), last: utc("2021-10-25T07:05:03Z"),
		},
		"sentry_macos_x86_64_crash.crash": {
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, levels: map[string]int{"F": 1},
			crashType: "SIGSEGV", signal: "SIGSEGV", tid: "0", nFrames: 27, time: utc("2014-07-16T00:25:09Z"),
			frames: []string{"com.apple.JavaScriptCore JSValueIsString + 155",
				"ch.pitaya.xcdyoutubekit -[XCDYouTubePlayerScript unscrambleSignature:] + 285"},
			detail: "com.AlphaSoft.iTubeDownloader 512: SIGSEGV — at ch.pitaya.xcdyoutubekit -[XCDYouTubePlayerScript unscrambleSignature:] + 285",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 10.8.5", Device: "MacBookPro5,3", App: "com.AlphaSoft.iTubeDownloader", AppVersion: "512"},
		},
		// Only the header survived: the crash is known, its cause is not,
		// and the file says so.
		"sentry_xcode16_iphone_crash.crash": {
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, levels: map[string]int{"F": 1},
			crashType: "crash", time: utc("2020-03-28T01:06:51.4969Z"),
			detail: "com.example.apple-samplecode.TouchCanvas 1: crash",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 13.3.1", Device: "iPhone8,1", App: "com.example.apple-samplecode.TouchCanvas", AppVersion: "1"},
			errors: []string{"sentry_xcode16_iphone_crash.crash:16: the report ends after its header, before the exception and the backtraces: it was cut short"},
		},
		"sym_ios15_iphone13_sigabrt.ips": {
			format: ingest.FormatIPS, events: 1, crashes: 1, levels: map[string]int{"F": 1},
			crashType: "EXC_CRASH (SIGABRT)", signal: "SIGABRT", tid: "1809769", nFrames: 13, time: utc("2022-03-16T03:45:14.2121Z"),
			reason: "TCC: This app has crashed because it attempted to access privacy-sensitive data without a usage description. The app's Info.plist must contain an NSCameraUsageDescription key with a string value explaining to the user how the app uses this data.",
			frames: []string{"libsystem_kernel.dylib __abort_with_payload + 8", "libsystem_kernel.dylib abort_with_payload_wrapper_internal + 104"},
			detail: "im.zorro.demo 1.0: EXC_CRASH (SIGABRT): TCC: This app has crashed because it attempted to access privacy-sensitive data without a usage description. The app's Info.plist must contain an NSCameraUsageDescription key with a string value expla… — at libsystem_kernel.dylib __abort_with_payload + 8",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 15.2.1", Device: "iPhone13,4", App: "im.zorro.demo", AppVersion: "1.0"},
		},
	}
	dir := filepath.Join(ingesttest.SamplesDir, "ios")
	ingesttest.Sample(t, "ios/"+firstKey(samples)) // skips, or fails under CI, without the folder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := samples[e.Name()]; !ok && !e.IsDir() {
			t.Errorf("sample %s has no row here: say what it must read as", e.Name())
		}
	}
	for name, w := range samples {
		t.Run(name, func(t *testing.T) {
			checkShape(t, name, ingesttest.Sample(t, "ios/"+name), w)
		})
	}
}

func firstKey[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAppleShapes reads the shapes the samples lack, from testdata/.
func TestAppleShapes(t *testing.T) {
	cut := string(fixture(t, "cut_in_thread.crash"))
	mac := string(fixture(t, "macos11_desktop_client.crash"))
	i, j := strings.Index(mac, "Application Specific Backtrace 1:"), strings.Index(mac, "Thread 0 Crashed::")
	macNoExcBacktrace := mac[:i] + mac[j:]
	macIPS := string(fixture(t, "macos_app_bug_type_309.ips"))
	macIPSHeader := macIPS[:strings.IndexByte(macIPS, '\n')+1]
	macIPSCut := macIPS[:strings.Index(macIPS, `"name" : "AppKit"`)]
	cases := []struct {
		name string
		data []byte
		want appleShape
	}{
		// Pasted from "Thread 0:": thread 3 is the one marked crashed.
		{"pasted_from_thread0.txt", fixture(t, "pasted_from_thread0.txt"), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "crash", tid: "3", nFrames: 10,
			frames: []string{"Parley VOEXJitterBuffer::pop(unsigned int) + 68 (VOEXJitterBuffer.cpp:212)",
				"Parley VOEXAudioPipeline::pull(float*, unsigned long) + 156 (VOEXAudioPipeline.cpp:88)"},
			detail: "crash — at Parley VOEXJitterBuffer::pop(unsigned int) + 68 (VOEXJitterBuffer.cpp:212)",
			errors: []string{`pasted_from_thread0.txt:1: a partial report: it starts at "Thread 0:", without the report's header, so the app, device and OS are not known`},
		}},
		// Pasted from "Last Exception Backtrace:": the frames are where the
		// exception was thrown, not the abort on thread 0 that followed.
		{"pasted_from_last_exception.txt", fixture(t, "pasted_from_last_exception.txt"), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "uncaught exception", tid: "0", nFrames: 10,
			frames: []string{"CoreFoundation __exceptionPreprocess + 220 (NSException.m:199)", "libobjc.A.dylib objc_exception_throw + 60 (objc-exception.mm:565)"},
			detail: "uncaught exception — at Parley -[PLYChatListDataSource chatAtIndexPath:] + 64 (PLYChatListDataSource.m:118)",
			errors: []string{`pasted_from_last_exception.txt:1: a partial report: it starts at "Last Exception Backtrace:"`},
		}},
		// Cut in the middle of thread 2's backtrace, inside a frame: the
		// crashed thread 0 is whole.
		{"cut_in_thread.crash", []byte(cut), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)",
			reason: "KERN_INVALID_ADDRESS at 0x0000000000000018", signal: "SIGSEGV", tid: "0", nFrames: 10,
			time:   utc("2021-06-02T18:14:07.4453Z"),
			frames: []string{"libobjc.A.dylib objc_msgSend + 32", "Parley -[PLYMessageCell configureWithMessage:] + 212 (PLYMessageCell.m:77)"},
			detail: "org.parley.messenger 3.2.0: EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000018 — at Parley -[PLYMessageCell configureWithMessage:] + 212 (PLYMessageCell.m:77)",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 14.6", Device: "iPhone12,1", App: "org.parley.messenger", AppVersion: "3.2.0"},
			errors: []string{"cut_in_thread.crash:56: the report was cut short in the backtrace of thread 2", "cut_in_thread.crash:56: the last frame is cut short"},
		}},
		// The same report, had thread 2 been the crashed one: its frames are
		// not there, and no other thread's stand in for them.
		{"cut_before_crashed_thread.crash", []byte(strings.Replace(strings.Replace(cut, "Triggered by Thread:  0", "Triggered by Thread:  2", 1),
			"Thread 0 Crashed:", "Thread 0:", 1)), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)",
			reason: "KERN_INVALID_ADDRESS at 0x0000000000000018", signal: "SIGSEGV", tid: "2", nFrames: 3,
			time:   utc("2021-06-02T18:14:07.4453Z"),
			frames: []string{"libsystem_kernel.dylib mach_msg_trap + 8"},
			detail: "org.parley.messenger 3.2.0: EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000018 — at libsystem_kernel.dylib mach_msg_trap + 8",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 14.6", Device: "iPhone12,1", App: "org.parley.messenger", AppVersion: "3.2.0"},
			errors: []string{"the report was cut short in the backtrace of thread 2", "the last frame is cut short"},
		}},
		// Cut after the exception, before any backtrace.
		{"cut_before_backtraces.crash", []byte(cut[:strings.Index(cut, "Thread 0 name:")]), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)",
			reason: "KERN_INVALID_ADDRESS at 0x0000000000000018", signal: "SIGSEGV", tid: "0", time: utc("2021-06-02T18:14:07.4453Z"),
			detail: "org.parley.messenger 3.2.0: EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000018",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 14.6", Device: "iPhone12,1", App: "org.parley.messenger", AppVersion: "3.2.0"},
			errors: []string{"cut_before_backtraces.crash:33: the report ends before the backtraces: it was cut short"},
		}},
		// Pasted from the exception section on: the exception is known, the
		// app and device are not.
		{"pasted_from_exception.txt", []byte(cut[strings.Index(cut, "Exception Type:"):]), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)",
			reason: "KERN_INVALID_ADDRESS at 0x0000000000000018", signal: "SIGSEGV", tid: "0", nFrames: 10,
			frames: []string{"libobjc.A.dylib objc_msgSend + 32"},
			detail: "EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000018 — at Parley -[PLYMessageCell configureWithMessage:] + 212 (PLYMessageCell.m:77)",
			errors: []string{`pasted_from_exception.txt:1: a partial report: it starts at "Exception Type:  EXC_BAD_ACCESS (SIGSEGV)"`, "the last frame is cut short"},
		}},
		// The same, pasted as a code block.
		{"pasted_code_block.txt", []byte("```\n" + cut[strings.Index(cut, "Thread 0 name:"):strings.Index(cut, "Thread 1:")] + "```\n"), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "crash", tid: "0", nFrames: 10,
			frames: []string{"libobjc.A.dylib objc_msgSend + 32"},
			detail: "crash — at Parley -[PLYMessageCell configureWithMessage:] + 212 (PLYMessageCell.m:77)",
			errors: []string{`pasted_code_block.txt:2: a partial report: it starts at "Thread 0 name:  Dispatch queue: com.apple.main-thread"`},
		}},
		{"no_crashed_thread.txt", []byte("Thread 0:\n0   libsystem_kernel.dylib        \t0x00000001b9c4f4d4 mach_msg_trap + 8\n" +
			"1   Parley                        \t0x0000000100a2c7b0 main + 88 (main.m:14)\n\nThread 1:\n0   libsystem_pthread.dylib       \t0x00000001db58a764 start_wqthread + 0\n"), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "crash", tid: "0", nFrames: 2,
			frames: []string{"libsystem_kernel.dylib mach_msg_trap + 8"},
			detail: "crash — at Parley main + 88 (main.m:14)",
			errors: []string{"no_crashed_thread.txt:1: no thread is marked as crashed; the frames shown are thread 0's, the first in the report", "a partial report"},
		}},
		// An old .ips: a one-line JSON header over the legacy text report.
		{"legacy_bug_type_109.ips", fixture(t, "legacy_bug_type_109.ips"), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "EXC_CRASH (SIGABRT)", signal: "SIGABRT", tid: "0", nFrames: 8,
			time:   utc("2021-02-19T07:41:26.9127Z"),
			frames: []string{"CoreFoundation __exceptionPreprocess + 220 (NSException.m:199)", "libobjc.A.dylib objc_exception_throw + 56 (objc-exception.mm:565)"},
			detail: "org.parley.messenger 3.0.2: EXC_CRASH (SIGABRT) — at Parley -[PLYContactSync mergeRemote:] + 372 (PLYContactSync.m:204)",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 14.4", Device: "iPhone11,8", App: "org.parley.messenger", AppVersion: "3.0.2"},
		}},
		// The desktop client's crash on macOS 12: the subtype, not the
		// restated signal, is the reason.
		{"macos_app_bug_type_309.ips", fixture(t, "macos_app_bug_type_309.ips"), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)", reason: "KERN_INVALID_ADDRESS at 0x0000000000000010",
			signal: "SIGSEGV", tid: "412335", nFrames: 7, time: utc("2021-11-03T09:12:13.8421Z"),
			frames: []string{"Parley CallWindowController.teardownVideo() + 92 (CallWindowController.swift:144)",
				"Parley CallWindowController.windowWillClose(_:) + 48 (CallWindowController.swift:97)"},
			detail: "im.parley.desktop 2.4.1: EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000010 — at Parley CallWindowController.teardownVideo() + 92 (CallWindowController.swift:144)",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 12.0.1", Device: "MacBookPro18,3", App: "im.parley.desktop", AppVersion: "2.4.1"},
		}},
		// The desktop client's text report on macOS 11: "Thread 0 Crashed::"
		// lines, the exception's frames under "Application Specific
		// Backtrace 1:", the Mac's model only in the System Profile at the end.
		{"macos11_desktop_client.crash", fixture(t, "macos11_desktop_client.crash"), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "NSInternalInconsistencyException",
			reason: "NSWindow drag regions should only be invalidated on the Main Thread!", signal: "SIGABRT", tid: "0", nFrames: 11,
			time:   utc("2021-04-12T14:03:27.512Z"),
			frames: []string{"CoreFoundation __exceptionPreprocess + 242", "libobjc.A.dylib objc_exception_throw + 48"},
			detail: "im.parley.desktop 2.3.0: NSInternalInconsistencyException: NSWindow drag regions should only be invalidated on the Main Thread! — at im.parley.desktop -[PLYCallWindowController updateParticipantGrid:] + 514",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 11.2.3", Device: "MacBookPro16,1", App: "im.parley.desktop", AppVersion: "2.3.0"},
		}},
		// Without the exception's backtrace, the frames are those under
		// "Thread 0 Crashed:: Dispatch queue: com.apple.main-thread".
		{"macos11_no_exception_backtrace.crash", []byte(macNoExcBacktrace), appleShape{
			format: ingest.FormatAppleCrash, events: 1, crashes: 1, crashType: "NSInternalInconsistencyException",
			reason: "NSWindow drag regions should only be invalidated on the Main Thread!", signal: "SIGABRT", tid: "0", nFrames: 11,
			time:   utc("2021-04-12T14:03:27.512Z"),
			frames: []string{"libsystem_kernel.dylib __pthread_kill + 10", "libsystem_pthread.dylib pthread_kill + 263"},
			detail: "im.parley.desktop 2.3.0: NSInternalInconsistencyException: NSWindow drag regions should only be invalidated on the Main Thread! — at libsystem_kernel.dylib __pthread_kill + 10",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 11.2.3", Device: "MacBookPro16,1", App: "im.parley.desktop", AppVersion: "2.3.0"},
		}},
		// The same report cut among its binary images: the crash stands, the
		// frames of images whose names were cut off are "???".
		{"macos_app_cut_in_images.ips", []byte(macIPSCut), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "EXC_BAD_ACCESS (SIGSEGV)", reason: "KERN_INVALID_ADDRESS at 0x0000000000000010",
			signal: "SIGSEGV", tid: "412335", nFrames: 7, time: utc("2021-11-03T09:12:13.8421Z"),
			frames: []string{"Parley CallWindowController.teardownVideo() + 92 (CallWindowController.swift:144)",
				"Parley CallWindowController.windowWillClose(_:) + 48 (CallWindowController.swift:97)",
				"CoreFoundation __CFNOTIFICATIONCENTER_IS_CALLING_OUT_TO_AN_OBSERVER__ + 28", "??? -[NSWindow _finishClosingWindow] + 172"},
			detail: "im.parley.desktop 2.4.1: EXC_BAD_ACCESS (SIGSEGV): KERN_INVALID_ADDRESS at 0x0000000000000010 — at Parley CallWindowController.teardownVideo() + 92 (CallWindowController.swift:144)",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 12.0.1", Device: "MacBookPro18,3", App: "im.parley.desktop", AppVersion: "2.4.1"},
			errors: []string{"macos_app_cut_in_images.ips:77: the report was cut short here; what came before is read"},
		}},
		// Only its header line: a crash of that app, cause unknown.
		{"macos_app_header_only.ips", []byte(macIPSHeader), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "crash", time: utc("2021-11-03T09:12:14Z"),
			detail: "im.parley.desktop 2.4.1: crash",
			env:    ingest.Environment{Platform: "desktop", OS: "macOS 12.0.1", App: "im.parley.desktop", AppVersion: "2.4.1"},
			errors: []string{"macos_app_header_only.ips:1: the report ends after its header line, before the crash report: it was cut short"},
		}},
		// A Swift runtime trap: the message Swift left in the application
		// specific information is the cause, not the restated signal.
		{"swift_trap.ips", []byte(`{"app_name":"Parley","timestamp":"2022-05-10 12:00:01.00 +0000","app_version":"4.0.0","build_version":"400","bundleID":"org.parley.messenger","bug_type":"309","os_version":"iPhone OS 15.4.1 (19E258)","name":"Parley"}
{"modelCode":"iPhone14,5","captureTime":"2022-05-10 12:00:00.5000 +0000","bug_type":"309","pid":77,"procName":"Parley",
 "osVersion":{"train":"iPhone OS 15.4.1","build":"19E258"},
 "bundleInfo":{"CFBundleShortVersionString":"4.0.0","CFBundleVersion":"400","CFBundleIdentifier":"org.parley.messenger"},
 "exception":{"codes":"0x0000000000000001, 0x0000000100c1d2e4","type":"EXC_BREAKPOINT","signal":"SIGTRAP"},
 "termination":{"code":5,"namespace":"SIGNAL","indicator":"Trace/BPT trap: 5","byProc":"exc handler"},
 "asi":{"libswiftCore.dylib":["Fatal error: Unexpectedly found nil while unwrapping an Optional value"]},
 "faultingThread":0,
 "threads":[{"triggered":true,"id":9001,"frames":[{"imageOffset":1024,"symbol":"ChatStore.load()","symbolLocation":88,"imageIndex":0}]}],
 "usedImages":[{"name":"Parley","path":"/private/var/containers/Bundle/Application/X/Parley.app/Parley"}]}
`), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "EXC_BREAKPOINT (SIGTRAP)",
			reason: "Fatal error: Unexpectedly found nil while unwrapping an Optional value", signal: "SIGTRAP", tid: "9001", nFrames: 1,
			time:   utc("2022-05-10T12:00:00.5Z"),
			frames: []string{"Parley ChatStore.load() + 88"},
			detail: "org.parley.messenger 4.0.0: EXC_BREAKPOINT (SIGTRAP): Fatal error: Unexpectedly found nil while unwrapping an Optional value — at Parley ChatStore.load() + 88",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 15.4.1", Device: "iPhone14,5", App: "org.parley.messenger", AppVersion: "4.0.0"},
		}},
		// An uncaught exception on iOS 15: the class and reason from asi, the
		// frames from where it was thrown (lastExceptionBacktrace), not the
		// abort on the crashed thread.
		{"nsexception.ips", []byte(`{"app_name":"Parley","timestamp":"2022-01-20 09:30:00.00 +0300","app_version":"3.9.0","build_version":"3901","bundleID":"org.parley.messenger","bug_type":"309","os_version":"iPhone OS 15.2 (19C56)","name":"Parley"}
{"modelCode":"iPhone12,8","captureTime":"2022-01-20 09:29:59.9000 +0300","bug_type":"309","pid":501,"procName":"Parley",
 "osVersion":{"train":"iPhone OS 15.2","build":"19C56"},
 "bundleInfo":{"CFBundleShortVersionString":"3.9.0","CFBundleVersion":"3901","CFBundleIdentifier":"org.parley.messenger"},
 "exception":{"codes":"0x0000000000000000, 0x0000000000000000","type":"EXC_CRASH","signal":"SIGABRT"},
 "termination":{"code":4,"namespace":"SIGNAL","indicator":"Abort trap: 6","byProc":"Parley"},
 "asi":{"CoreFoundation":["*** Terminating app due to uncaught exception 'NSRangeException', reason: '*** -[__NSArrayM objectAtIndex:]: index 3 beyond bounds [0 .. 2]'"]},
 "lastExceptionBacktrace":[{"imageOffset":1040264,"symbol":"__exceptionPreprocess","symbolLocation":164,"imageIndex":1},{"imageOffset":2120,"symbol":"objc_exception_throw","symbolLocation":56,"imageIndex":2},{"imageOffset":81920,"symbol":"-[PLYChatList chatAt:]","symbolLocation":40,"imageIndex":0}],
 "faultingThread":0,
 "threads":[{"triggered":true,"id":7,"queue":"com.apple.main-thread","frames":[{"imageOffset":6944,"symbol":"__pthread_kill","symbolLocation":8,"imageIndex":3}]}],
 "usedImages":[{"name":"Parley"},{"name":"CoreFoundation"},{"name":"libobjc.A.dylib"},{"name":"libsystem_kernel.dylib"}]}
`), appleShape{
			format: ingest.FormatIPS, events: 1, crashes: 1, crashType: "NSRangeException",
			reason: "*** -[__NSArrayM objectAtIndex:]: index 3 beyond bounds [0 .. 2]", signal: "SIGABRT", tid: "7", nFrames: 3,
			time:   utc("2022-01-20T06:29:59.9Z"),
			frames: []string{"CoreFoundation __exceptionPreprocess + 164", "libobjc.A.dylib objc_exception_throw + 56", "Parley -[PLYChatList chatAt:] + 40"},
			detail: "org.parley.messenger 3.9.0: NSRangeException: *** -[__NSArrayM objectAtIndex:]: index 3 beyond bounds [0 .. 2] — at Parley -[PLYChatList chatAt:] + 40",
			env:    ingest.Environment{Platform: "ios", OS: "iOS 15.2", Device: "iPhone12,8", App: "org.parley.messenger", AppVersion: "3.9.0"},
		}},
		// logd's own log across both of 2021's US Pacific clock changes.
		{"logd.0.log", fixture(t, "logd.0.log"), appleShape{
			format: ingest.FormatSysdiagnose, events: 7, levels: map[string]int{"I": 7},
			first: utc("2021-03-14T09:58:02Z"), last: utc("2021-11-07T09:20:44Z"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkShape(t, tc.name, tc.data, tc.want) })
	}
}

// TestLogdZoneChanges checks each line's time is read in its own zone:
// across the autumn change the wall clock goes back an hour while time
// goes on.
func TestLogdZoneChanges(t *testing.T) {
	_, evs, _ := readApple(t, "logd.0.log", fixture(t, "logd.0.log"))
	want := []struct {
		utc, tag, pid, msg string
	}{
		{"2021-03-14T09:58:02Z", "logd", "76", "Harvesting 2 log chunks from memory buffer"},
		{"2021-03-14T09:59:41Z", "logd", "76", "Unable to parse os_log_simple buffer. Error: 94 Received: 89"},
		{"2021-03-14T10:00:17Z", "logd", "76", "Harvesting 1 log chunks from memory buffer"}, // 03:00:17-0700, 36 s later
		{"2021-11-07T08:59:30Z", "logd", "76", "Purging persist data: 4 files, 41943040 bytes"},
		{"2021-11-07T09:00:05Z", "logd", "76", "Unable to parse os_log_simple buffer. Error: 94 Received: 89"}, // 01:00:05-0800, 35 s later
		{"2021-11-07T09:00:05Z", "logd_helper", "211", "flushing 3 pending buffers"},
		{"2021-11-07T09:20:44Z", "logd", "76", "Purging persist data: 1 files, 10485760 bytes"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	// Fractions of a second, a message that runs on to the next line, and
	// an hour that does not exist: noted, the line still an event.
	res, more, _ := readApple(t, "logd.1.log", []byte("2022-10-23 19:15:32.250-0700 logd[25]: Unable to parse os_log_simple buffer.\n"+
		"  Error: 94 Received: 89\n2022-10-23 25:15:33-0700 logd[25]: late\n"))
	if res.Format != ingest.FormatSysdiagnose || len(more) != 2 || !more[0].Time.Equal(utc("2022-10-24T02:15:32.25Z")) ||
		more[0].Message != "Unable to parse os_log_simple buffer.\n  Error: 94 Received: 89" || !more[1].Time.IsZero() ||
		len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), `logd.1.log:3: cannot read time "2022-10-23 25:15:33-0700"`) {
		t.Errorf("format %q, errors %v, events %+v", res.Format, res.Errors, more)
	}
	for i, w := range want {
		ev := evs[i]
		if !ev.Time.Equal(utc(w.utc)) || ev.Tag != w.tag || ev.PID != w.pid || ev.Message != w.msg || ev.Line != i+1 ||
			ev.Level != ingest.LevelInfo {
			t.Errorf("line %d = %v %q[%s] %q (line %d, %v); want %s %q[%s] %q", i+1, ev.Time.UTC(), ev.Tag, ev.PID, ev.Message,
				ev.Line, ev.Level, w.utc, w.tag, w.pid, w.msg)
		}
	}
}
