package ingest

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Severity orders findings on the triage page.
type Severity int

// Severities, from least to most urgent.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
	SeverityCritical
)

func (s Severity) String() string {
	return [...]string{"info", "warning", "error", "critical"}[s]
}

// Finding is one diagnosis: what a rule saw, how often, and the help-center
// article that fixes it.
type Finding struct {
	Rule     string
	Severity Severity
	Article  string // help-center slug
	Title    string // English; the triage page translates by Rule
	Detail   string // what exactly was seen
	Count    int
	First    time.Time
	Last     time.Time
}

// Rule turns events or the environment into a finding. Rules are data plus
// one small function each, all declared in the rules list below: adding a
// rule is adding an entry and a test case.
type Rule struct {
	ID       string
	Severity Severity
	Article  string
	Title    string
	// Event reports whether one event counts towards the finding, and a
	// detail to show for the first such event.
	Event func(ev *Event) (bool, string)
	// Words and Attrs, when either is set, say which events Event can count
	// at all: those whose message contains one of Words (case matters) or
	// that have one of Attrs, with any value. A Diagnoser looks for every
	// rule's triggers in one pass over an event and calls Event only for the
	// rules whose triggers are there; Event still checks everything itself.
	// A rule with neither sees every event.
	Words []string
	Attrs []string
	// Env inspects the merged environment of an upload.
	Env func(env Environment) (bool, string)
	// Min events are needed, all within Window when Window is set (storms).
	Min    int
	Window time.Duration
	// Worst, when set, makes the finding's detail that of the event it
	// scores highest (the slowest request) instead of the first.
	Worst func(ev *Event) float64
}

// Rules is every rule Parley knows: those of any log, then those of an
// Android bug report (rules_bugreport.go).
var Rules = slices.Concat(logRules, BugreportRules)

// logRules read any diagnostics file's events and environment.
var logRules = []Rule{
	{ID: "push-token-empty", Severity: SeverityError, Article: "engineering-menu-ios",
		Title: "A push token is empty: notifications or calls cannot arrive",
		Env:   tokensEmpty("apnsPushToken", "voexPushToken", "pushToken")},
	{ID: "android-push-token-empty", Severity: SeverityError, Article: "engineering-menu-android",
		Title: "A push service has no token: notifications through it cannot arrive",
		Env:   tokensEmpty("fcmToken", "hmsToken", "rustoreToken")},
	{ID: "notifications-off", Severity: SeverityWarning, Article: "admin-check-notifications",
		Title: "Notifications are turned off on the device",
		Env:   metaFalse("permissions.notifications")},
	{ID: "pushes-off", Severity: SeverityWarning, Article: "notification-settings",
		Title: "Push notifications are turned off in the app",
		Env:   metaFalse("pushes")},
	{ID: "microphone-off", Severity: SeverityWarning, Article: "calls-overview",
		Title: "The app may not use the microphone",
		Env:   metaFalse("permissions.microphone")},
	{ID: "client-ahead-of-server", Severity: SeverityError, Article: "client-server-updates",
		Title: "The client is more than three versions ahead of the server",
		Env:   clientAheadOfServer},
	{ID: "tls-error", Severity: SeverityError, Article: "certificates",
		Title: "Certificate or TLS errors", Event: tlsError, Words: tlsHints, Attrs: []string{"http.error"}},
	{ID: "websocket-reconnect-storm", Severity: SeverityWarning, Article: "network-access",
		Title: "The WebSocket keeps reconnecting", Event: websocketReconnect, Min: 5, Window: time.Minute,
		Words: []string{"ebSocket", "ebsocket", "EBSOCKET"}, Attrs: []string{"ws.reconnect"}},
	{ID: "http-failures", Severity: SeverityWarning, Article: "network-access",
		Title: "HTTP requests failed", Event: httpFailure, Attrs: []string{"http.status"}},
	{ID: "slow-requests", Severity: SeverityWarning, Article: "network-access",
		Title: "HTTP requests took longer than 3 s", Event: slowRequest, Worst: requestMS,
		Attrs: []string{"http.duration_ms"}},
	{ID: "ice-failed", Severity: SeverityError, Article: "call-network-requirements",
		Title: "A call's connection failed (ICE)", Event: iceFailed, Attrs: []string{"ice.state", "pc.state"}},
	{ID: "relay-only", Severity: SeverityInfo, Article: "call-network-requirements",
		Title: "The call went through a TURN relay only", Event: relayOnly,
		Attrs: []string{"candidate.local_type", "candidate.remote_type"}},
	{ID: "packet-loss", Severity: SeverityWarning, Article: "call-network-requirements",
		Title: "Packet loss above 10 % in a call", Event: attrAbove("loss_pct", 10, "%"), Attrs: []string{"loss_pct"}},
	{ID: "high-rtt", Severity: SeverityWarning, Article: "call-network-requirements",
		Title: "Round-trip time above 100 ms in a call", Event: attrAbove("rtt_ms", 100, " ms"), Attrs: []string{"rtt_ms"}},
	{ID: "media-denied", Severity: SeverityError, Article: "calls-overview",
		Title: "The camera or microphone could not be opened", Event: mediaDenied, Words: mediaDeniedMarkers},
	{ID: "android-killed-in-background", Severity: SeverityWarning, Article: "android-background",
		Title: "Android stopped the app in the background", Event: androidKilled, Attrs: []string{"android.killed"}},
}

// tokensEmpty fires when one of the push tokens named is present and
// empty: the app reported the service, but it gave the app no token.
func tokensEmpty(keys ...string) func(Environment) (bool, string) {
	return func(env Environment) (bool, string) {
		var empty []string
		for _, k := range keys {
			if v, ok := env.Extra[k]; ok && strings.TrimSpace(v) == "" {
				empty = append(empty, k)
			}
		}
		if len(empty) == 0 {
			return false, ""
		}
		return true, "empty: " + strings.Join(empty, ", ")
	}
}

func metaFalse(key string) func(Environment) (bool, string) {
	return func(env Environment) (bool, string) {
		if env.Extra[key] == "false" {
			return true, key + " = false"
		}
		return false, ""
	}
}

// versionCore reads "3.16.2 (1234)" as [3 16 2].
func versionCore(v string) []int {
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "v"))
	var out []int
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '.' }) {
		digits := part
		for i, r := range part {
			if r < '0' || r > '9' {
				digits = part[:i]
				break
			}
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			break
		}
		out = append(out, n)
		if digits != part || len(out) == 3 {
			break
		}
	}
	return out
}

// clientAheadOfServer applies the rule that the server may lag behind the
// clients by at most three versions (counted in minor releases).
func clientAheadOfServer(env Environment) (bool, string) {
	c, s := versionCore(env.AppVersion), versionCore(env.ServerVersion)
	if len(c) < 2 || len(s) < 2 {
		return false, ""
	}
	ahead := (c[0]-s[0])*100 + c[1] - s[1] // a major release counts as far ahead
	if ahead > 3 {
		return true, fmt.Sprintf("client %s, server %s", env.AppVersion, env.ServerVersion)
	}
	return false, ""
}

var tlsMarkers = []string{
	"SSLHandshakeException", "CertPathValidatorException", "CERTIFICATE_VERIFY_FAILED", "certificate verify failed",
	"NSURLErrorServerCertificate", "ERR_CERT_", "x509:", "SSL handshake", "TLS handshake", "untrusted certificate",
	"Trust anchor for certification path not found", "kCFStreamErrorDomainSSL", "-1202", "ERR_SSL_",
}

// tlsHints are short substrings one of which every TLS marker contains:
// a cheap first test for the many warnings that are not about TLS.
var tlsHints = []string{"SSL", "TLS", "ertif", "ERR_CERT", "x509", "-1202"}

func tlsError(ev *Event) (bool, string) {
	httpErr := ""
	if len(ev.Attrs) > 0 {
		httpErr = ev.Attrs["http.error"]
	}
	if ev.Level < LevelWarn && httpErr == "" {
		return false, ""
	}
	text := ev.Message
	if httpErr != "" {
		text += " " + httpErr
	}
	hinted := false
	for _, h := range tlsHints {
		if strings.Contains(text, h) {
			hinted = true
			break
		}
	}
	if !hinted {
		return false, ""
	}
	for _, m := range tlsMarkers {
		if m == "-1202" && !containsCode(text, m) {
			continue // NSURLErrorServerCertificateUntrusted, not a longer number
		}
		if strings.Contains(text, m) {
			return true, firstLine(text)
		}
	}
	return false, ""
}

// foregroundAdj tells an oom_adj of a foreground or visible process. Up to
// Android 6 the scale ran from 0 (foreground) and 1 (visible) to 15 (9 and
// above cached); since Android 7 it runs to 999: 0 foreground, 50 recently
// foreground, 100 visible, 200 perceptible, 900 and above cached.
func foregroundAdj(adj int) bool {
	return adj <= 1 || adj >= 16 && adj < 200
}

// containsCode reports whether code stands in s as a number of its own,
// with no digit right before or after it.
func containsCode(s, code string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], code)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(code)
		if (at == 0 || s[at-1] < '0' || s[at-1] > '9') && (end == len(s) || s[end] < '0' || s[end] > '9') {
			return true
		}
		i = at + 1
	}
}

func websocketReconnect(ev *Event) (bool, string) {
	if len(ev.Attrs) > 0 && ev.Attrs["ws.reconnect"] == "1" {
		return true, firstLine(ev.Message)
	}
	// Case-insensitive without lower-casing every message: this runs per event.
	m := ev.Message
	if (strings.Contains(m, "ebSocket") || strings.Contains(m, "ebsocket") || strings.Contains(m, "EBSOCKET")) &&
		(containsAnyCase(m, "reconnect") || containsAnyCase(m, "closed")) {
		return true, firstLine(m)
	}
	return false, ""
}

// containsAnyCase matches word written in lower case, Capitalised or UPPER.
func containsAnyCase(s, word string) bool {
	return strings.Contains(s, word) || strings.Contains(s, strings.ToUpper(word[:1])+word[1:]) ||
		strings.Contains(s, strings.ToUpper(word))
}

func httpFailure(ev *Event) (bool, string) {
	if len(ev.Attrs) == 0 {
		return false, ""
	}
	status, ok := ev.Attrs["http.status"]
	if !ok {
		return false, ""
	}
	n, _ := strconv.Atoi(status)
	// The same meaning as the network view's "failed" (portal/diagnostics,
	// views.go): no answer, a client error (401, 403, 404…) or a server
	// error; a request the person sees fail is a failure whoever caused it.
	if n == 0 || n >= 400 || ev.Attrs["http.error"] != "" {
		return true, ev.Attrs["http.method"] + " " + ev.Attrs["http.url"] + " → " + status
	}
	return false, ""
}

// slowRequestMS is how long a request may take before it counts as slow.
const slowRequestMS = 3000

func requestMS(ev *Event) float64 {
	if len(ev.Attrs) == 0 {
		return 0
	}
	ms, _ := strconv.ParseFloat(ev.Attrs["http.duration_ms"], 64)
	return ms
}

func slowRequest(ev *Event) (bool, string) {
	ms := requestMS(ev)
	if ms < slowRequestMS {
		return false, ""
	}
	return true, fmt.Sprintf("slowest: %s, %.1f s (%s %s)", ev.Attrs["http.host"], ms/1000, ev.Attrs["http.method"],
		clipText(ev.Attrs["http.url"], 200))
}

// clipText cuts s to at most n bytes without splitting a character.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func iceFailed(ev *Event) (bool, string) {
	if len(ev.Attrs) == 0 {
		return false, ""
	}
	if ev.Attrs["ice.state"] == "failed" || ev.Attrs["pc.state"] == "failed" {
		return true, firstLine(ev.Message)
	}
	return false, ""
}

func relayOnly(ev *Event) (bool, string) {
	if len(ev.Attrs) == 0 {
		return false, ""
	}
	if ev.Attrs["candidate.local_type"] == "relay" || ev.Attrs["candidate.remote_type"] == "relay" {
		return true, "local " + ev.Attrs["candidate.local_type"] + ", remote " + ev.Attrs["candidate.remote_type"]
	}
	return false, ""
}

func attrAbove(key string, limit float64, unit string) func(*Event) (bool, string) {
	return func(ev *Event) (bool, string) {
		if len(ev.Attrs) == 0 {
			return false, ""
		}
		v, ok := ev.Attrs[key]
		if !ok {
			return false, ""
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= limit {
			return false, ""
		}
		return true, fmt.Sprintf("%s = %s%s", key, v, unit)
	}
}

var mediaDeniedMarkers = []string{"NotAllowedError", "Permission denied", "NotReadableError", "getUserMediaOnFailure", "NotFoundError: Requested device not found"}

func mediaDenied(ev *Event) (bool, string) {
	if ev.Level < LevelError {
		return false, ""
	}
	for _, m := range mediaDeniedMarkers {
		if strings.Contains(ev.Message, m) {
			return true, firstLine(ev.Message)
		}
	}
	return false, ""
}

func androidKilled(ev *Event) (bool, string) {
	if len(ev.Attrs) == 0 {
		return false, ""
	}
	// "Process … has died" follows crashes too; only kills by the system count,
	// and only of a process that was not in front of the user: a kill in the
	// foreground or while visible is a force stop or a crash's aftermath,
	// not Android reclaiming a background app.
	if adj, err := strconv.Atoi(ev.Attrs["android.kill_adj"]); err == nil && foregroundAdj(adj) {
		return false, ""
	}
	if pkg := ev.Attrs["android.killed"]; pkg != "" && ev.Attrs["android.kill_reason"] != "died" && !systemProcess(pkg) {
		return true, pkg + ": " + firstLine(ev.Message)
	}
	return false, ""
}

// systemPrefixes name the processes of Android itself and of phone makers,
// which the system stops and restarts as it pleases, during boot above all.
var systemPrefixes = []string{"android.", "com.android.", "com.google.android.", "com.google.process.", "com.qualcomm.", "com.qti.",
	"com.samsung.android.", "com.sec.android.", "com.miui.", "com.xiaomi.", "com.huawei.", "com.mediatek.", "vendor."}

// systemProcess reports whether a killed process is part of the system
// rather than an app a user runs: only an app's kill is worth a finding.
func systemProcess(pkg string) bool {
	if !strings.Contains(pkg, ".") || strings.HasPrefix(pkg, "/") {
		return true // "system", "/system/bin/surfaceflinger", …
	}
	for _, p := range systemPrefixes {
		if strings.HasPrefix(pkg, p) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}

// Diagnoser runs every rule over a stream of events; feed it with Event
// and read the findings at the end. It keeps only counters and, for storm
// rules, a short window of times, so memory stays flat.
type Diagnoser struct {
	rules  []Rule
	counts []ruleState

	// The event rules' triggers (Rule.Words, Rule.Attrs), compiled. Rules
	// from the 64th on, which a ruleSet cannot hold, are always checked.
	always   ruleSet            // rules without triggers
	byAttr   map[string]ruleSet // rules by attribute key
	words    []ruleWord         // every rule's words
	anchors  [256]uint64        // by byte value: bit k set when words[k] is anchored at that byte
	unmasked []int              // event rules past the 64th
	unfound  []int              // words past the 64th (or empty), looked for with strings.Contains

	crashes  map[uint64]*crashState // crash groups (rules_crash.go)
	fileEnvs map[string]Environment // each file's environment, by Event.Source
}

type ruleState struct {
	count        int
	first, last  time.Time
	detail       string
	worst        float64     // the score of detail's event, for Rule.Worst
	window       []time.Time // storm rules: recent matching times
	stormReached bool
}

// ruleSet is a set of rules, as a bit mask of their indexes.
type ruleSet uint64

// ruleWord is one of Rule.Words. A message is searched for the words in
// one pass, byte by byte, looking each byte up in Diagnoser.anchors: a word
// is compared only where its anchor, its rarest byte, is found.
type ruleWord struct {
	word  string
	at    int // where in word its anchor is
	rules ruleSet
}

// byteRarity ranks bytes by how rarely they occur in log messages, the
// rarest highest: the order of the ASCII characters in the messages of the
// real sample logs, a rough one, good enough to pick each word's anchor.
func byteRarity(c byte) int {
	const common = " eaoitrdnsc0l.fmgp/u-bh1vky24:3_S5x68w7=)9,CN(ETIAPRMDOLFBGU'j@!;WHV][z#{}XKqZ*$>Y\"J<Q%+&" // the most common first
	if i := strings.IndexByte(common, c); i >= 0 {
		return i
	}
	return len(common)
}

// NewDiagnoser starts a run of rules (Rules when nil).
func NewDiagnoser(rules []Rule) *Diagnoser {
	if rules == nil {
		rules = Rules
	}
	d := &Diagnoser{rules: rules, counts: make([]ruleState, len(rules)), byAttr: map[string]ruleSet{}}
	for i, r := range rules {
		switch {
		case r.Event == nil:
		case i >= 64:
			d.unmasked = append(d.unmasked, i)
		case len(r.Words) == 0 && len(r.Attrs) == 0:
			d.always |= 1 << i
		default:
			for _, a := range r.Attrs {
				d.byAttr[a] |= 1 << i
			}
			for _, w := range r.Words {
				rw := ruleWord{word: w, rules: 1 << i}
				for k := range len(w) {
					if byteRarity(w[k]) > byteRarity(w[rw.at]) {
						rw.at = k
					}
				}
				d.words = append(d.words, rw)
			}
		}
	}
	for k, w := range d.words {
		if k >= 64 || w.word == "" {
			d.unfound = append(d.unfound, k)
			continue
		}
		d.anchors[w.word[w.at]] |= 1 << k
	}
	return d
}

// Event feeds one event to every event rule whose triggers it shows.
//
// Rule functions get ev itself, so it escapes: feed events that already
// live on the heap, as a Sink's do.
func (d *Diagnoser) Event(ev *Event) {
	if ev.Crash != nil {
		d.crash(ev)
	}
	due := d.always
	for k := range ev.Attrs {
		due |= d.byAttr[k]
	}
	if len(d.words) > 0 {
		msg := ev.Message
		anchors := &d.anchors
		for i := 0; i < len(msg); i++ {
			for m := anchors[msg[i]]; m != 0; m &= m - 1 {
				w := &d.words[bits.TrailingZeros64(m)]
				if s := i - w.at; due&w.rules == 0 && s >= 0 && msg[s] == w.word[0] && strings.HasPrefix(msg[s:], w.word) {
					due |= w.rules
				}
			}
		}
		for _, k := range d.unfound {
			if w := &d.words[k]; due&w.rules == 0 && strings.Contains(msg, w.word) {
				due |= w.rules
			}
		}
	}
	for ; due != 0; due &= due - 1 {
		d.check(bits.TrailingZeros64(uint64(due)), ev)
	}
	for _, i := range d.unmasked {
		d.check(i, ev)
	}
}

// check runs event rule i on ev.
func (d *Diagnoser) check(i int, ev *Event) {
	r := &d.rules[i]
	ok, detail := r.Event(ev)
	if !ok {
		return
	}
	st := &d.counts[i]
	st.count++
	if r.Worst != nil {
		if w := r.Worst(ev); st.count == 1 || w > st.worst {
			st.worst, st.detail = w, strings.Clone(detail)
		}
	} else if st.detail == "" {
		st.detail = strings.Clone(detail) // it may lie in the event's transient text
	}
	if !ev.Time.IsZero() {
		if st.first.IsZero() || ev.Time.Before(st.first) {
			st.first = ev.Time
		}
		if ev.Time.After(st.last) {
			st.last = ev.Time
		}
	}
	if r.Window > 0 && !ev.Time.IsZero() {
		st.window = append(st.window, ev.Time)
		for len(st.window) > 0 && ev.Time.Sub(st.window[0]) > r.Window {
			st.window = st.window[1:]
		}
		if len(st.window) >= r.Min {
			st.stormReached = true
		}
		if len(st.window) > r.Min*4 {
			st.window = append(st.window[:0], st.window[len(st.window)-r.Min:]...)
		}
	}
}

// Findings applies the environment rules to env and returns every finding,
// the most severe first: each crash group first (rules_crash.go), then the
// rules' findings.
func (d *Diagnoser) Findings(env Environment) []Finding {
	out := d.crashFindings(env)
	for i, r := range d.rules {
		st := d.counts[i]
		if r.Env != nil {
			if ok, detail := r.Env(env); ok {
				out = append(out, Finding{Rule: r.ID, Severity: r.Severity, Article: r.Article, Title: r.Title, Detail: detail, Count: 1})
			}
			continue
		}
		min := max(r.Min, 1)
		if st.count < min || (r.Window > 0 && !st.stormReached) {
			continue
		}
		out = append(out, Finding{Rule: r.ID, Severity: r.Severity, Article: r.Article, Title: r.Title,
			Detail: st.detail, Count: st.count, First: st.first, Last: st.last})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		if (out[i].Rule == CrashRule) != (out[j].Rule == CrashRule) {
			return out[i].Rule == CrashRule
		}
		return out[i].Count > out[j].Count
	})
	return out
}
