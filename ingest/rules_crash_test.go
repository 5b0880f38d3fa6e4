package ingest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/ingest"
	"parley/ingest/formats"
)

// findingsOf parses one sample of ../../shared/samples and runs the rules.
func findingsOf(t *testing.T, rel string) []ingest.Finding {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "shared", "samples", rel))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("sample %s: %v (CI always has ../shared/samples)", rel, err)
		}
		t.Skipf("sample %s: %v", rel, err)
	}
	defer f.Close()
	d := ingest.NewDiagnoser(nil)
	res, err := formats.ParseFile(filepath.Base(rel), f, func(ev *ingest.Event) error { d.Event(ev); return nil })
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return d.Findings(res.Env)
}

// Every crash group of a sample is a finding of its own, first on the
// list: the exception, the app's own top frame, the app and version, and
// how many times.
func TestEveryCrashIsAFinding(t *testing.T) {
	for _, tc := range []struct {
		sample string
		count  int
		want   []string // in the detail
	}{
		{"ios/kscrash_ios_nsexception_apple_style.crash", 1, []string{"org.stenerud.Crash-Tester 1.0: ", "NSInvalidArgumentException",
			"at Crash-Tester -[Crasher throwException]"}},
		{"ios/sym_ios15_iphone13_sigabrt.ips", 1, []string{"im.zorro.demo 1.0: ", "EXC_CRASH (SIGABRT)", "NSCameraUsageDescription"}},
		{"ios/sentry_macos_x86_64_crash.crash", 1, []string{"com.AlphaSoft.iTubeDownloader 512: SIGSEGV", "at ch.pitaya.xcdyoutubekit -[XCDYouTubePlayerScript unscrambleSignature:]"}},
		{"ios/sentry_xcode16_iphone_crash.crash", 1, []string{"com.example.apple-samplecode.TouchCanvas 1: "}},
		{"logcat/themis_markor_threadtime_fatal_noclassdef.txt", 1, []string{"net.gsantner.markor: java.lang.NoClassDefFoundError",
			"at other.writeily.model.WrMarkorSingleton.copyFile"}},
		{"logcat/aosp_settings_fork_brief_fatal_exception.txt", 4, []string{"com.android.settings: java.lang.RuntimeException: Unable to start activity"}},
		{"logcat/sentry_unity_android9_tombstone_sigsegv.txt", 1, []string{"io.sentry.sample: SIGSEGV", "at libil2cpp.so pc 002774a0"}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			got := findingsOf(t, tc.sample)
			if len(got) == 0 || got[0].Rule != ingest.CrashRule {
				t.Fatalf("the first finding is not the crash: %+v", got)
			}
			f := got[0]
			if f.Severity != ingest.SeverityCritical || f.Count != tc.count || f.Article == "" {
				t.Errorf("crash finding %+v, want critical, %d times, with an article", f, tc.count)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Detail, w) {
					t.Errorf("the crash finding says %q, lacking %q", f.Detail, w)
				}
			}
		})
	}
}

// A boot log in which the system stops its own Google services ("system
// update done") has no finding about an app killed in the background.
func TestSystemProcessKillIsNoFinding(t *testing.T) {
	for _, f := range findingsOf(t, "logcat/logcat2csv_emulator_boot_threadtime_crlf.txt") {
		if f.Rule == "android-killed-in-background" {
			t.Errorf("a system process's kill is a finding: %s", f.Detail)
		}
	}
}

// Two crash groups make two findings, ranked above an error rule's.
func TestCrashFindingsRankFirst(t *testing.T) {
	d := ingest.NewDiagnoser(nil)
	evs := []ingest.Event{
		{Level: ingest.LevelError, Source: "a.log", Message: "javax.net.ssl.SSLHandshakeException: Trust anchor for certification path not found."},
		{Level: ingest.LevelFatal, Source: "a.log", Message: "FATAL EXCEPTION: main", Attrs: map[string]string{"android.process": "ru.parley.app"},
			Crash: &ingest.Crash{Kind: "java", Type: "java.lang.IllegalStateException", Reason: "boom",
				Frames: []string{"android.os.Handler.dispatchMessage(Handler.java:102)", "ru.parley.app.Chat.open(Chat.java:7)"}}},
		{Level: ingest.LevelFatal, Source: "b.crash", Tag: "Parley", Message: "Crash: SIGSEGV",
			Crash: &ingest.Crash{Kind: "ios", Type: "SIGSEGV", Frames: []string{"UIKitCore x + 1", "Parley ChatView.render + 12"}}},
	}
	for i := range evs {
		d.Event(&evs[i])
	}
	d.FileEnv("a.log", ingest.Environment{Platform: "android", App: "ru.parley.app", AppVersion: "3.16.2"})
	d.FileEnv("b.crash", ingest.Environment{Platform: "ios", App: "ru.parley.Parley", AppVersion: "3.15.0"})
	got := d.Findings(ingest.Environment{})
	if len(got) != 3 || got[0].Rule != ingest.CrashRule || got[1].Rule != ingest.CrashRule || got[2].Rule != "tls-error" {
		t.Fatalf("findings %+v", got)
	}
	if want := "ru.parley.app 3.16.2: java.lang.IllegalStateException: boom — at ru.parley.app.Chat.open(Chat.java:7)"; got[0].Detail != want {
		t.Errorf("Android crash: %q, want %q", got[0].Detail, want)
	}
	if want := "ru.parley.Parley 3.15.0: SIGSEGV — at Parley ChatView.render + 12"; got[1].Detail != want {
		t.Errorf("iOS crash: %q, want %q", got[1].Detail, want)
	}
}
