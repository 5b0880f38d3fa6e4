package ingest

import (
	"os"
	"strings"
	"testing"
	"time"
)

// iosDocExample is the example of docs/formats.md, kept identical to it
// (TestIOSAppLogDocExampleInSync checks).
const iosDocExample = `# parley-ios-log 1
# log: voex
# app: org.parley.messenger
# version: 3.4.0 (5123)
# device: iPhone13,4
# os: iOS 17.1.2
# huid: 5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f
# udid: 0C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F
# apnsPushToken: 7c1f0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d
# voexPushToken:
# session: 6f1c2d3e-0a9b-4c8d-b7e6-f5a4b3c2d1e0
2026-11-20 14:03:11.512 +0300 [I] [VOEX] joining call 6f1c2d3e, audio on, video off
2026-11-20 14:03:12.020 +0300 [D] [ICE] gathered 3 host, 1 srflx, 1 relay candidates
2026-11-20 14:03:17.845 +0300 [W] [ICE] connection state: disconnected
2026-11-20 14:03:27.850 +0300 [E] [ICE] connection state: failed after 10 s
2026-11-20 14:03:27.861 +0300 [E] [VOEX] call ended: ice_failed
2026-11-20 14:03:30.002 +0300 [F] [Crash] Uncaught exception NSInvalidArgumentException: -[NSNull length]: unrecognized selector sent to instance 0x1f0a3c8e0
    0   CoreFoundation    __exceptionPreprocess + 164
    1   libobjc.A.dylib   objc_exception_throw + 60
    2   Parley            -[VOEXSession handleEvent:] + 312
`

// iwDocText reads docs/formats.md, skipping when it is not there.
func iwDocText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/formats.md")
	if err != nil {
		t.Skipf("docs/formats.md not found: %v", err)
	}
	return string(b)
}

func TestIOSAppLogDocExampleInSync(t *testing.T) {
	if !strings.Contains(iwDocText(t), iosDocExample) {
		t.Errorf("the iOS log example in docs/formats.md differs from iosDocExample")
	}
}

func TestParseIOSAppLogDocExample(t *testing.T) {
	if !looksLikeIOSAppLog([]byte(iosDocExample)) {
		t.Errorf("not detected")
	}
	res, evs := iwMustRun(t, ParseIOSAppLog, "voex-6f1c2d3e.log", []byte(iosDocExample))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if len(evs) != 6 {
		t.Fatalf("%d events", len(evs))
	}
	levels := ""
	for _, e := range evs {
		levels += e.Level.Letter()
		if e.Tag != "voex" {
			t.Errorf("tag = %q", e.Tag)
		}
	}
	if levels != "IDWEEF" {
		t.Errorf("levels = %s", levels)
	}
	if evs[1].Attrs["ios.module"] != "ICE" || evs[0].Line != 12 {
		t.Errorf("module/line = %v %d", evs[1].Attrs, evs[0].Line)
	}
	if want := time.Date(2026, 11, 20, 11, 3, 11, 512000000, time.UTC); !evs[0].Time.Equal(want) {
		t.Errorf("time = %v", evs[0].Time)
	}
	c := evs[5].Crash
	if c == nil || c.Kind != "ios" || c.Type != "NSInvalidArgumentException" || !strings.HasPrefix(c.Reason, "-[NSNull length]: unrecognized selector") {
		t.Fatalf("crash = %+v", c)
	}
	if len(c.Frames) != 3 || c.Frames[0] != "CoreFoundation __exceptionPreprocess + 164" || c.Frames[2] != "Parley -[VOEXSession handleEvent:] + 312" {
		t.Errorf("frames = %q", c.Frames)
	}
	if res.Crashes != 1 {
		t.Errorf("crashes = %d", res.Crashes)
	}
	env := res.Env
	if env.Platform != "ios" || env.App != "org.parley.messenger" || env.AppVersion != "3.4.0" || env.Extra["app.build"] != "5123" ||
		env.Device != "iPhone13,4" || env.OS != "iOS 17.1.2" || env.HUID != "5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f" ||
		env.UDID != "0C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F" {
		t.Errorf("env = %+v", env)
	}
	if tok, ok := env.Extra["voexPushToken"]; !ok || tok != "" {
		t.Errorf("empty voexPushToken not kept: %q %v", tok, ok)
	}
	if !strings.HasPrefix(env.Extra["apnsPushToken"], "7c1f0e2d") || env.Extra["session"] == "" {
		t.Errorf("extra = %v", env.Extra)
	}
}

// TestIOSAppLogWriterLayout writes an entry the way the app is told to
// (iosTimeLayout) and reads it back.
func TestIOSAppLogWriterLayout(t *testing.T) {
	at := time.Date(2026, 11, 20, 14, 3, 11, 512000000, time.FixedZone("MSK", 3*3600))
	line := at.Format(iosTimeLayout) + " [I] [Sync] synced 12 chats\n"
	if line != "2026-11-20 14:03:11.512 +0300 [I] [Sync] synced 12 chats\n" {
		t.Fatalf("layout gives %q", line)
	}
	_, evs := iwMustRun(t, ParseIOSAppLog, "main.log", []byte(line))
	if len(evs) != 1 || !evs[0].Time.Equal(at) || evs[0].Message != "synced 12 chats" {
		t.Errorf("events = %+v", evs)
	}
}

func TestParseIOSAppLogKinds(t *testing.T) {
	body := "2026-11-20 14:03:11.512 +0300 [I] [%s] hello\n"
	for _, tc := range []struct{ file, module, header, want string }{
		{"push.log", "Sync", "", "push"},
		{"share-extension.log", "Sync", "", "share"},
		{"Main app logs.txt", "VOEX", "", "main"},
		{"log.txt", "NSE", "", "push"},
		{"log.txt", "Share", "", "share"},
		{"log.txt", "VOEX", "", "voex"},
		{"log.txt", "DB", "", "main"},
		{"push.log", "DB", "# log: Share extension\n", "share"},
	} {
		text := tc.header + strings.Replace(body, "%s", tc.module, 1)
		_, evs := iwMustRun(t, ParseIOSAppLog, tc.file, []byte(text))
		if len(evs) != 1 || evs[0].Tag != tc.want {
			t.Errorf("%s/%s: events %+v, want tag %s", tc.file, tc.module, evs, tc.want)
		}
	}
}

func TestParseIOSAppLogVariantsAndDamage(t *testing.T) {
	text := "stray line before anything\n" +
		"2026-11-20T14:03:11,512+03:00 [WARNING] [Sync] words for levels, T and comma\n" +
		"2026-11-20 14:03:12.000 [E] [Sync] no zone: read as UTC\n" +
		"2026-11-20 14:03:13.000 +0300 [X] [Sync] unknown level\n" +
		"2026-11-20 14:03:14.000 +0300 [F] [Crash] Signal SIGSEGV: EXC_BAD_ACCESS at 0x10\n" +
		"  0 Parley -[A b] + 1\n"
	res, evs := iwMustRun(t, ParseIOSAppLog, "main.log", []byte(text))
	if len(evs) != 4 {
		t.Fatalf("events = %+v", evs)
	}
	if evs[0].Level != LevelWarn || !evs[0].Time.Equal(time.Date(2026, 11, 20, 11, 3, 11, 512000000, time.UTC)) {
		t.Errorf("first = %+v", evs[0])
	}
	if !evs[1].Time.Equal(time.Date(2026, 11, 20, 14, 3, 12, 0, time.UTC)) {
		t.Errorf("no-zone time = %v", evs[1].Time)
	}
	if c := evs[3].Crash; c == nil || c.Type != "SIGSEGV" || c.Reason != "EXC_BAD_ACCESS at 0x10" || len(c.Frames) != 1 {
		t.Errorf("signal crash = %+v", c)
	}
	if !iwErrorsMention(res, "main.log:1: unrecognised line") || !iwErrorsMention(res, "main.log:4: unknown level") {
		t.Errorf("errors = %v", res.Errors)
	}
	// Not an iOS log.
	for _, s := range []string{"hello\n", "2021-08-11 05:51:02.123456+0300 0x1 Error 0x0 1 0 P: ok\n",
		"08-11 05:51:02.123  176  176 E Tag: msg\n"} {
		if looksLikeIOSAppLog([]byte(s)) {
			t.Errorf("looksLikeIOSAppLog(%q) = true", s)
		}
	}
}

func FuzzParseIOSAppLog(f *testing.F) {
	f.Add([]byte(iosDocExample))
	f.Add([]byte("# parley-ios-log 1\n# log: push\n2026-11-20 14:03:11.512 +0300 [E] [Push] no token\n"))
	f.Add([]byte("2026-11-20 14:03:11.512 +0300 [F] [Crash] Uncaught exception X: y\n 0 a\n 1 b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		iwFuzzCheck(t, ParseIOSAppLog, data)
		looksLikeIOSAppLog(data)
	})
}
