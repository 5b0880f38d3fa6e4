package ingest

import (
	"regexp"
	"strings"
)

// secretParam reports whether a URL query parameter holds a secret or an
// identifier of a person or session that a server echoes in its URLs
// (partner_uid, user_sid, auth_token…): the names of secretParams, and any
// name ending like a token, secret, password, signature, session or user
// id.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	if secretParams[n] {
		return true
	}
	if secretKind(name) == "push token" {
		return false // blanked and counted as a push token by secretValues
	}
	if strings.ContainsAny(n, "_-.") {
		var b strings.Builder
		for i := 0; i < len(n); i++ {
			if c := n[i]; c != '_' && c != '-' && c != '.' {
				b.WriteByte(c)
			}
		}
		n = b.String()
	}
	for _, suf := range []string{"token", "secret", "password", "passwd", "signature", "sessionid", "sessid",
		"sid", "uid", "userid", "apikey", "accesskey", "authkey"} {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	return false
}

// rePlistSecret finds a property list's <key>NAME</key><string>VALUE</string>.
var rePlistSecret = regexp.MustCompile(`<key>\s*([^<]{1,128}?)\s*</key>(\s*<string>)([^<]*)</string>`)

// plistValues blanks the strings of secret-named keys of a property list
// (<key>authToken</key><string>…</string>) in s.
func (r *Redactor) plistValues(s string) string {
	ms := rePlistSecret.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		kind := secretKind(s[m[2]:m[3]])
		if kind == "" || keepValue(s[m[6]:m[7]], kind) {
			continue
		}
		b.WriteString(s[last:m[6]])
		b.WriteString(Redacted)
		last = m[7]
		r.counts[kind]++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// LineRedactor redacts a text file line by line, keeping its lines, and
// remembers what one line says about the next: a property list spreads
// <key>authToken</key> and its <string>…</string> over two lines.
type LineRedactor struct {
	r          *Redactor
	secretNext string // the kind of secret the next <string> holds
}

// Lines returns a LineRedactor that counts in r.
func (r *Redactor) Lines() *LineRedactor { return &LineRedactor{r: r} }

// Line returns one line (without its line break) with secrets replaced.
func (l *LineRedactor) Line(s string) string {
	if l.secretNext != "" {
		kind := l.secretNext
		l.secretNext = ""
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, "<string>") && strings.HasSuffix(t, "</string>") {
			val := t[len("<string>") : len(t)-len("</string>")]
			if !keepValue(val, kind) {
				l.r.counts[kind]++
				i := strings.Index(s, "<string>") + len("<string>")
				return s[:i] + Redacted + "</string>"
			}
		}
	}
	s = l.r.String(s)
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "<key>") && strings.HasSuffix(t, "</key>") {
		l.secretNext = secretKind(strings.TrimSpace(t[len("<key>") : len(t)-len("</key>")]))
	}
	return s
}
