package formats

import (
	"fmt"
	"strings"
	"testing"

	"parley/ingest"
)

// The Android app's own main log: a header with what the engineering
// menu's USER and PUSH tabs and the session's Device Meta say, then logcat
// lines. The header feeds the environment and so the rules.
func TestAndroidAppLogHeader(t *testing.T) {
	text := "# parley-android-log 1\n" +
		"# app: ru.parley.app\n" +
		"# version: 3.18.0 (3180)\n" +
		"# device: Google Pixel 7\n" +
		"# os: 14\n" +
		"# huid: 0f5e2a3c-1d2b-4c5e-9f00-1234567890ab\n" +
		"# udid: 7a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\n" +
		"# server_version: 3.13.2\n" +
		"# fcmToken:\n" +
		"# rustoreToken: r-123\n" +
		"# permissions.notifications: false\n" +
		"# a comment without a value\n" +
		"05-01 10:00:00.000  4242  4242 I Parley.Main: started\n" +
		"# not a header line any more\n"
	var evs []ingest.Event
	res, err := ParseFile("main.log", strings.NewReader(text), func(ev *ingest.Event) error { evs = append(evs, ev.Clone()); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != ingest.FormatLogcat || res.Events != 2 || evs[0].Message != "started" || evs[0].Line != 13 {
		t.Fatalf("format %s, %d events: %+v", res.Format, res.Events, evs)
	}
	env := res.Env
	want := ingest.Environment{Platform: "android", App: "ru.parley.app", AppVersion: "3.18.0", Device: "Google Pixel 7", OS: "Android 14",
		HUID: "0f5e2a3c-1d2b-4c5e-9f00-1234567890ab", UDID: "7a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", ServerVersion: "3.13.2"}
	got := env
	got.Extra = nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("env %+v\nwant %+v", got, want)
	}
	if v, ok := env.Extra["fcmToken"]; !ok || v != "" || env.Extra["rustoreToken"] != "r-123" || env.Extra["app.build"] != "3180" {
		t.Errorf("extra %v", env.Extra)
	}
	rules := map[string]bool{}
	for _, f := range ingest.NewDiagnoser(nil).Findings(env) {
		rules[f.Rule] = true
	}
	for _, r := range []string{"android-push-token-empty", "notifications-off", "client-ahead-of-server"} {
		if !rules[r] {
			t.Errorf("no %s finding from the header; findings %v", r, rules)
		}
	}
	if rules["push-token-empty"] {
		t.Error("the iOS push token rule fired on an Android log")
	}
}
