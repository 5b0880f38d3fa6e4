package diagnostics

import (
	"strings"
	"testing"

	"parley/ingest"
)

// Files of one device share a card; files of different devices never do.
func TestOneCardPerDevice(t *testing.T) {
	emulator := ingest.Environment{Platform: "android", OS: "Android 6.0", Device: "generic_x86",
		Extra: map[string]string{"build.fingerprint": "generic_x86/sdk_google_phone_x86/generic_x86:6.0/MASTER/2401146:eng/test-keys"}}
	moto := ingest.Environment{Platform: "android", OS: "Android 9", Device: "motorola lake_n", App: "io.sentry.sample",
		Extra: map[string]string{"abi": "arm", "build.fingerprint": "motorola/lake_n/lake_n:9/PPWS29.98-111-9/d601:user/release-keys"}}
	motoLog := ingest.Environment{Platform: "android", OS: "Android 9", Device: "motorola lake_n"}
	appOnly := ingest.Environment{Platform: "android", App: "net.gsantner.markor"}
	iphone := ingest.Environment{Platform: "ios", OS: "iOS 15.2.1", Device: "iPhone13,4", App: "im.zorro.demo"}
	chrome := ingest.Environment{Browser: "Chrome 110"}
	rtc := ingest.Environment{}
	for _, tc := range []struct {
		name  string
		files []ingest.Environment
		want  string // each card's platform, OS and device, and its files
	}{
		{"emulator log beside a phone's tombstone", []ingest.Environment{emulator, moto},
			"android Android 6.0 generic_x86 [0] | android Android 9 motorola lake_n [1]"},
		{"two files of one phone", []ingest.Environment{moto, motoLog},
			"android Android 9 motorola lake_n [0 1]"},
		{"an app's log with only one phone beside it", []ingest.Environment{motoLog, appOnly},
			"android Android 9 motorola lake_n [0 1]"},
		{"an app's log between two phones is a card of its own", []ingest.Environment{emulator, moto, appOnly},
			"android Android 6.0 generic_x86 [0] | android Android 9 motorola lake_n [1] | android   [2]"},
		{"phone, iPhone, browser and a WebRTC dump", []ingest.Environment{moto, iphone, chrome, rtc},
			"android Android 9 motorola lake_n [0 3] | ios iOS 15.2.1 iPhone13,4 [1] | web   [2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var envs platformEnvs
			for i, e := range tc.files {
				envs.add(string(rune('0'+i)), e)
			}
			var cards []string
			for _, d := range envs {
				cards = append(cards, d.env.Platform+" "+d.env.OS+" "+d.env.Device+" ["+strings.Join(d.files, " ")+"]")
			}
			if got := strings.Join(cards, " | "); got != tc.want {
				t.Errorf("cards:\n got %s\nwant %s", got, tc.want)
			}
			for _, d := range envs {
				if d.env.Device == "generic_x86" && d.env.Extra["abi"] != "" {
					t.Errorf("the emulator's card took another device's ABI: %+v", d.env)
				}
			}
		})
	}
}
