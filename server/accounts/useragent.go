package accounts

import (
	"strings"
)

// DeviceLabel is what the sessions list calls a device: a browser and its
// operating system read from the user agent, or a Parley app by platform
// and version. Empty parts are unknown.
type DeviceLabel struct {
	App     string // "Chrome", "Firefox", …; for the apps: "Parley"
	Version string // the major version of a browser, the whole version of an app
	OS      string // "Windows", "Android", "iOS", …
}

// LabelDevice reads the device of a session. Browsers are told by their user
// agent; the desktop and mobile apps by the platform and app version they
// send, which are more reliable than their HTTP library's user agent.
func LabelDevice(d Device) DeviceLabel {
	switch d.Platform {
	case "android", "ios", "desktop":
		l := DeviceLabel{App: "Parley", Version: d.AppVersion, OS: platformOS[d.Platform]}
		if d.Platform == "desktop" {
			l.OS = ParseUserAgent(d.UserAgent).OS
		}
		return l
	}
	return ParseUserAgent(d.UserAgent)
}

var platformOS = map[string]string{"android": "Android", "ios": "iOS"}

// uaBrowsers are checked in order: most browsers also name the ones they
// descend from ("Chrome/… Safari/…", "Edg/… Chrome/…").
var uaBrowsers = []struct{ token, name string }{
	{"YaBrowser/", "Yandex Browser"},
	{"EdgA/", "Edge"},
	{"EdgiOS/", "Edge"},
	{"Edg/", "Edge"},
	{"Edge/", "Edge"},
	{"OPR/", "Opera"},
	{"OPiOS/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"},
	{"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"HeadlessChrome/", "Chrome"},
	{"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"},
	{"Version/", "Safari"}, // Safari's own version; "Safari/" carries WebKit's
}

// ParseUserAgent reads a browser's name, major version and operating system
// from its User-Agent header. It knows the browsers people use at work and
// leaves unknown parts empty rather than guessing.
func ParseUserAgent(ua string) DeviceLabel {
	var l DeviceLabel
	for _, b := range uaBrowsers {
		i := strings.Index(ua, b.token)
		if i < 0 {
			continue
		}
		if b.name == "Safari" && !strings.Contains(ua, "Safari/") {
			continue
		}
		l.App = b.name
		l.Version = majorVersion(ua[i+len(b.token):])
		break
	}
	l.OS = uaOS(ua)
	return l
}

// majorVersion takes "131.0.6778.86 Safari/537.36" to "131".
func majorVersion(s string) string {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	return s[:end]
}

func uaOS(ua string) string {
	switch {
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "Android"):
		return "Android"
	case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"), strings.Contains(ua, "iPod"):
		return "iOS"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Macintosh"), strings.Contains(ua, "Mac OS X"):
		return "macOS"
	case strings.Contains(ua, "Linux"), strings.Contains(ua, "X11"):
		return "Linux"
	}
	return ""
}
