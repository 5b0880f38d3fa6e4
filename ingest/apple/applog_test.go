package apple

import (
	"strings"
	"testing"
	"time"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

func TestIOSAppLogDocExampleInSync(t *testing.T) {
	if !strings.Contains(ingesttest.DocText(t), ingesttest.IOSDocExample) {
		t.Errorf("the iOS log example in docs/formats.md differs from iosDocExample")
	}
}

func TestParseIOSAppLogDocExample(t *testing.T) {
	if !LooksLikeAppLog([]byte(ingesttest.IOSDocExample)) {
		t.Errorf("not detected")
	}
	res, evs := ingesttest.MustRun(t, ParseAppLog, "voex-6f1c2d3e.log", []byte(ingesttest.IOSDocExample))
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
	_, evs := ingesttest.MustRun(t, ParseAppLog, "main.log", []byte(line))
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
		_, evs := ingesttest.MustRun(t, ParseAppLog, tc.file, []byte(text))
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
	res, evs := ingesttest.MustRun(t, ParseAppLog, "main.log", []byte(text))
	if len(evs) != 4 {
		t.Fatalf("events = %+v", evs)
	}
	if evs[0].Level != ingest.LevelWarn || !evs[0].Time.Equal(time.Date(2026, 11, 20, 11, 3, 11, 512000000, time.UTC)) {
		t.Errorf("first = %+v", evs[0])
	}
	if !evs[1].Time.Equal(time.Date(2026, 11, 20, 14, 3, 12, 0, time.UTC)) {
		t.Errorf("no-zone time = %v", evs[1].Time)
	}
	if c := evs[3].Crash; c == nil || c.Type != "SIGSEGV" || c.Reason != "EXC_BAD_ACCESS at 0x10" || len(c.Frames) != 1 {
		t.Errorf("signal crash = %+v", c)
	}
	if !ingesttest.ErrorsMention(res, "main.log:1: unrecognised line") || !ingesttest.ErrorsMention(res, "main.log:4: unknown level") {
		t.Errorf("errors = %v", res.Errors)
	}
	// Not an iOS log.
	for _, s := range []string{"hello\n", "2021-08-11 05:51:02.123456+0300 0x1 Error 0x0 1 0 P: ok\n",
		"08-11 05:51:02.123  176  176 E Tag: msg\n"} {
		if LooksLikeAppLog([]byte(s)) {
			t.Errorf("looksLikeIOSAppLog(%q) = true", s)
		}
	}
}

func FuzzParseIOSAppLog(f *testing.F) {
	f.Add([]byte(ingesttest.IOSDocExample))
	f.Add([]byte("# parley-ios-log 1\n# log: push\n2026-11-20 14:03:11.512 +0300 [E] [Push] no token\n"))
	f.Add([]byte("2026-11-20 14:03:11.512 +0300 [F] [Crash] Uncaught exception X: y\n 0 a\n 1 b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, ParseAppLog, data)
		LooksLikeAppLog(data)
	})
}
