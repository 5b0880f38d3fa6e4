package ingest

import (
	"fmt"
	"strings"
	"time"
)

// Crash findings. Every crash group (the crashes with one Fingerprint)
// becomes a finding of its own, ranked above every rule's: a crash is what
// a person noticed, and the page must lead with it. The finding names the
// exception, the top frame of the app's own code (not the system's frames
// the exception passed through), the app and its version, and how many
// times it crashed.

// CrashRule is the Finding.Rule of a crash finding.
const CrashRule = "crash"

// crashArticle is the help-center article a crash finding links to: how to
// collect and send the crash and logs, which is what support needs next.
const crashArticle = "collecting-logs"

// maxCrashFindings bounds the crash groups a Diagnoser keeps: a log of a
// thousand different crashes still reports the first ones.
const maxCrashFindings = 50

type crashState struct {
	kind, typ, reason string
	frame             string // the app's own top frame
	process           string // the crashing process or app, as the event names it
	source            string
	count             int
	first, last       time.Time
	order             int
}

// crash records one crash event.
func (d *Diagnoser) crash(ev *Event) {
	c := ev.Crash
	key := FingerprintHash(c, ev.Message)
	st := d.crashes[key]
	if st == nil {
		if len(d.crashes) >= maxCrashFindings {
			return
		}
		if d.crashes == nil {
			d.crashes = map[uint64]*crashState{}
		}
		process := ""
		if len(ev.Attrs) > 0 {
			process = ev.Attrs["android.process"]
		}
		if process == "" && c.Kind == "ios" {
			process = ev.Tag // an Apple report's process name
		}
		st = &crashState{kind: c.Kind, typ: strings.Clone(c.Type), reason: strings.Clone(firstLine(c.Reason)),
			frame: strings.Clone(ownFrame(c, process)), process: strings.Clone(process), source: strings.Clone(ev.Source),
			order: len(d.crashes)}
		d.crashes[key] = st
	}
	st.count++
	if !ev.Time.IsZero() {
		if st.first.IsZero() || ev.Time.Before(st.first) {
			st.first = ev.Time
		}
		if ev.Time.After(st.last) {
			st.last = ev.Time
		}
	}
}

// FileEnv tells the Diagnoser the environment of one parsed file, so that
// a crash from that file names that file's app and version (an upload may
// hold files of several devices and apps).
func (d *Diagnoser) FileEnv(source string, env Environment) {
	if d.fileEnvs == nil {
		d.fileEnvs = map[string]Environment{}
	}
	d.fileEnvs[source] = env
}

// crashFindings are the crash findings, in the order the crashes were met.
func (d *Diagnoser) crashFindings(env Environment) []Finding {
	out := make([]Finding, len(d.crashes))
	for _, st := range d.crashes {
		e, ok := d.fileEnvs[st.source]
		if !ok {
			e = env
		}
		out[st.order] = Finding{Rule: CrashRule, Severity: SeverityCritical, Article: crashArticle,
			Title: "The app crashed", Detail: st.detail(e), Count: st.count, First: st.first, Last: st.last}
	}
	return out
}

// detail is what the finding says: "app version: exception: reason — at
// frame".
func (st *crashState) detail(env Environment) string {
	var b strings.Builder
	app := env.App
	if app == "" || st.process != "" && !containsFold(app, st.process) && !containsFold(st.process, app) {
		app = st.process // the crashing process is not the file's app (a system process in a logcat)
	}
	if app != "" {
		b.WriteString(app)
		if env.AppVersion != "" && app == env.App {
			b.WriteString(" " + env.AppVersion)
		}
		b.WriteString(": ")
	}
	what := st.typ
	if st.reason != "" && st.reason != st.typ {
		if what != "" {
			what += ": "
		}
		what += st.reason
	}
	if what == "" {
		what = st.kind + " crash"
	}
	b.WriteString(clipText(what, 240))
	if st.frame != "" {
		fmt.Fprintf(&b, " — at %s", clipText(st.frame, 200))
	}
	return b.String()
}

// javaLibraryPrefixes are the packages of the platform and common
// libraries: frames there are where an exception passed, rarely its cause.
var javaLibraryPrefixes = []string{"java.", "javax.", "jdk.", "sun.", "kotlin.", "kotlinx.", "android.", "androidx.",
	"com.android.internal.", "dalvik.", "libcore.", "com.google.android.gms.", "org.apache.", "okhttp3.", "okio.",
	"retrofit2.", "io.reactivex.", "com.squareup.", "org.json."}

// appleSystemModules are Apple's libraries and frameworks.
var appleSystemModules = map[string]bool{"CoreFoundation": true, "Foundation": true, "UIKit": true, "UIKitCore": true,
	"TCC": true, "GraphicsServices": true, "CFNetwork": true, "QuartzCore": true, "AppKit": true, "SwiftUI": true,
	"Combine": true, "dyld": true, "CoreData": true, "WebKit": true, "JavaScriptCore": true, "Security": true,
	"AVFoundation": true, "CoreGraphics": true, "HIToolbox": true, "CoreMedia": true}

func appleSystem(module string) bool {
	return appleSystemModules[module] || strings.HasPrefix(module, "com.apple.") || strings.HasPrefix(module, "lib") ||
		strings.HasPrefix(module, "???")
}

// ownFrame is the top frame of the app's own code: for Java the first
// frame in the app's package (or outside the platform and libraries), for
// Apple reports the first frame of the app's module (or outside Apple's),
// for native crashes the first frame in the app's installed libraries;
// the top frame when none is.
func ownFrame(c *Crash, process string) string {
	if len(c.Frames) == 0 {
		return ""
	}
	switch c.Kind {
	case "java", "anr":
		if process != "" {
			for _, f := range c.Frames {
				if strings.HasPrefix(f, process+".") {
					return f
				}
			}
		}
		for _, f := range c.Frames {
			lib := false
			for _, p := range javaLibraryPrefixes {
				if strings.HasPrefix(f, p) {
					lib = true
					break
				}
			}
			if !lib {
				return f
			}
		}
	case "ios":
		for _, f := range c.Frames {
			if module, _, _ := strings.Cut(f, " "); process != "" && module == process {
				return f
			}
		}
		for _, f := range c.Frames {
			if module, _, _ := strings.Cut(f, " "); !appleSystem(module) {
				return f
			}
		}
	case "native":
		for _, f := range c.Frames {
			if strings.Contains(f, "/data/app/") || process != "" && strings.Contains(f, process) {
				return nativeFrameText(f)
			}
		}
		return nativeFrameText(c.Frames[0])
	}
	return c.Frames[0]
}

// nativeFrameText shortens a backtrace line to its library and symbol:
// "#00 pc 002774a0  /data/app/x/lib/arm/libil2cpp.so (BuildId: …)" →
// "libil2cpp.so pc 002774a0".
func nativeFrameText(f string) string {
	fields := strings.Fields(f)
	if len(fields) < 4 || fields[1] != "pc" {
		return f
	}
	key := fpNativeFrameKey(f)
	if strings.Contains(key, "!") {
		return key
	}
	return key + " pc " + fields[2]
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
