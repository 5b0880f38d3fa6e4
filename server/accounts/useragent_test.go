package accounts

import "testing"

func TestLabelDevice(t *testing.T) {
	for _, tc := range []struct {
		name string
		dev  Device
		want DeviceLabel
	}{
		{"Chrome on Windows", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
			DeviceLabel{"Chrome", "131", "Windows"}},
		{"Edge on Windows", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70"},
			DeviceLabel{"Edge", "131", "Windows"}},
		{"Firefox on Android", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"},
			DeviceLabel{"Firefox", "133", "Android"}},
		{"Firefox on Linux", Device{Platform: "web", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
			DeviceLabel{"Firefox", "128", "Linux"}},
		{"Safari on iPhone", Device{Platform: "web", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"},
			DeviceLabel{"Safari", "17", "iOS"}},
		{"Chrome on iPad", Device{Platform: "web", UserAgent: "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"},
			DeviceLabel{"Chrome", "131", "iOS"}},
		{"Safari on macOS", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
			DeviceLabel{"Safari", "18", "macOS"}},
		{"Yandex Browser", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36"},
			DeviceLabel{"Yandex Browser", "24", "Windows"}},
		{"Opera", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"},
			DeviceLabel{"Opera", "115", "Windows"}},
		{"Samsung Internet", Device{Platform: "web", UserAgent: "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"},
			DeviceLabel{"Samsung Internet", "26", "Android"}},
		{"headless Chrome on Linux", Device{Platform: "web", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36"},
			DeviceLabel{"Chrome", "142", "Linux"}},
		{"Chrome on ChromeOS", Device{Platform: "web", UserAgent: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
			DeviceLabel{"Chrome", "131", "ChromeOS"}},
		{"Android app", Device{Platform: "android", AppVersion: "3.14.0", UserAgent: "okhttp/4.12.0"},
			DeviceLabel{"Parley", "3.14.0", "Android"}},
		{"iOS app", Device{Platform: "ios", AppVersion: "3.2.1", UserAgent: "Parley/3.2.1 CFNetwork/1496.0.7 Darwin/23.5.0"},
			DeviceLabel{"Parley", "3.2.1", "iOS"}},
		{"desktop app on Windows", Device{Platform: "desktop", AppVersion: "2.9.0", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Electron/30.0.0"},
			DeviceLabel{"Parley", "2.9.0", "Windows"}},
		{"curl", Device{UserAgent: "curl/8.5.0"}, DeviceLabel{}},
		{"nothing", Device{}, DeviceLabel{}},
		{"Safari token without Safari", Device{UserAgent: "Foo Version/3.0"}, DeviceLabel{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LabelDevice(tc.dev); got != tc.want {
				t.Errorf("LabelDevice(%q) = %+v, want %+v", tc.dev.UserAgent, got, tc.want)
			}
		})
	}
}
