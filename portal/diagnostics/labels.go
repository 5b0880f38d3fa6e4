package diagnostics

import (
	"strings"

	"parley/ingest"
	"parley/templates"
)

// envKeyLabel is a readable name for a key of an environment's extra facts
// (ingest writes them under the names the clients and logs use: abi,
// build.fingerprint, permissions.microphone…). A key the catalogue does not
// know keeps its own name: it is what the client wrote.
func envKeyLabel(lang, key string) string {
	if t := templates.T(lang, "diag.key."+key); t != "diag.key."+key {
		return t
	}
	for _, g := range keyGroups {
		if rest, ok := strings.CutPrefix(key, g.prefix); ok && rest != "" {
			return templates.Tf(lang, g.key, rest)
		}
	}
	return key
}

// keyGroups name the families of keys a client writes many of.
var keyGroups = []struct{ prefix, key string }{
	{"permissions.", "diag.keygroup.permissions"},
	{"settings.", "diag.keygroup.settings"},
	{"chats.", "diag.keygroup.chats"},
	{"ro.", "diag.keygroup.ro"},
}

// severityLabel names a finding's severity in the page's language.
func severityLabel(lang string, s ingest.Severity) string {
	return templates.T(lang, "diag.severity."+s.String())
}

// redactionLabel names a kind of secret the redactor removed.
func redactionLabel(lang, kind string) string {
	key := "diag.redaction." + strings.ReplaceAll(kind, " ", "_")
	if t := templates.T(lang, key); t != key {
		return t
	}
	return kind
}

// findingDetail translates the fixed words of an environment rule's detail
// ("empty: fcmToken", "pushes = false"); other details quote the logs and
// stay as they are.
func findingDetail(lang, detail string) string {
	if rest, ok := strings.CutPrefix(detail, "empty: "); ok {
		var names []string
		for _, k := range strings.Split(rest, ", ") {
			names = append(names, envKeyLabel(lang, k))
		}
		return templates.Tf(lang, "diag.detail.empty", strings.Join(names, ", "))
	}
	if key, ok := strings.CutSuffix(detail, " = false"); ok && !strings.ContainsAny(key, " :") {
		return templates.Tf(lang, "diag.detail.false", envKeyLabel(lang, key))
	}
	return detail
}

// factValue is an extra fact's value as the page shows it: the booleans
// the clients write ("true", "false") in words; anything else as written.
func factValue(lang, value string) string {
	if value == "true" || value == "false" {
		return templates.T(lang, "diag.bool."+value)
	}
	return value
}

// platformLabel names a client platform (android, ios, web, desktop).
func platformLabel(lang, platform string) string {
	if t := templates.T(lang, "diag.platform."+platform); t != "diag.platform."+platform {
		return t
	}
	return platform
}

// crashKindLabel names what kind of crash a group is (java, native, anr,
// ios, js), keeping the word ingest uses when the catalogue has none.
func crashKindLabel(lang, kind string) string {
	if t := templates.T(lang, "diag.crash_kind."+kind); t != "diag.crash_kind."+kind {
		return t
	}
	return kind
}
