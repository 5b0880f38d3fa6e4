// Package apple reads what Apple platforms write about a crash or in their
// logs: .ips crash reports (bug_type 109 and 309), legacy .crash text
// reports, `log show` output, sysdiagnose text logs, and the Parley iOS
// app's own logs with their header. Pick a parser with ingest/formats.
package apple

import (
	"strings"

	"parley/ingest"
)

// This file holds what the Apple parsers share: Apple's time layouts, OS
// and version strings, and log levels.

// Layouts of Apple's report and log timestamps.
var appleTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999 -0700", // .ips captureTime, .crash Date/Time
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05.999999999-0700", // log show
	"2006-01-02 15:04:05-0700",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
}

// appleOS turns Apple's OS strings ("iPhone OS 15.2.1 (19C63)", "iOS 17.1",
// "macOS 12.1 (21C52)", "Mac OS X 10.15.7 (19H2)") into a short name and
// version ("iOS 15.2.1") plus the build, when given.
func appleOS(s string) (name, build string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		build = strings.TrimSpace(s[i+1 : len(s)-1])
		s = strings.TrimSpace(s[:i])
	}
	for _, p := range []struct{ from, to string }{
		{"iPhone OS ", "iOS "}, {"Mac OS X ", "macOS "}, {"OS X ", "macOS "},
	} {
		if strings.HasPrefix(s, p.from) {
			s = p.to + strings.TrimPrefix(s, p.from)
			break
		}
	}
	return s, build
}

// applePlatform guesses Parley's platform name from a device model or OS:
// ios, or desktop for a Mac (the desktop client; its state dump says
// desktop too, so both describe one device).
func applePlatform(device, os string) string {
	switch {
	case strings.HasPrefix(device, "iPhone"), strings.HasPrefix(device, "iPad"),
		strings.HasPrefix(device, "iPod"), strings.HasPrefix(os, "iOS"), strings.HasPrefix(os, "iPadOS"):
		return "ios"
	case strings.HasPrefix(os, "macOS"), strings.HasPrefix(device, "Mac"), strings.HasPrefix(device, "iMac"),
		strings.HasPrefix(device, "VirtualMac"):
		return "desktop"
	}
	return ""
}

// appleLogLevel maps os_log message types ("Default", "Error", …) and
// syslog priorities ("notice", "err", …) to a Level. A Fault, the most severe
// os_log type, maps to F.
func appleLogLevel(s string) ingest.Level {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug", "trace":
		return ingest.LevelDebug
	case "info", "default", "notice", "activity", "signpost", "state", "timesync":
		return ingest.LevelInfo
	case "warning", "warn":
		return ingest.LevelWarn
	case "error", "err":
		return ingest.LevelError
	case "fault", "crit", "critical", "alert", "emerg", "emergency", "panic":
		return ingest.LevelFatal
	}
	return ingest.LevelUnknown
}
