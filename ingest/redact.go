package ingest

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Redactor removes secrets from events before anything is stored or shown:
// cookies, Authorization headers, bearer tokens, tokens in URLs, the values
// of secret-named fields in headers (X-Auth-Token, X-Api-Key…), form bodies,
// JSON in any case (accessToken, client_secret…) and log text (token=…),
// JWT signatures and passwords. It counts what it removed for the upload's
// redaction report, by kinds that are constants.
//
// A line without any trigger word costs one scan and no regular
// expression; each pattern runs only when its word is in the line.
type Redactor struct {
	counts map[string]int
	watch  *credentialWatch // redact_watch.go; nil unless Watch was called
}

// NewRedactor returns an empty redactor.
func NewRedactor() *Redactor { return &Redactor{counts: map[string]int{}} }

// Redaction is one line of the report: what kind of secret, how many.
type Redaction struct {
	Kind  string
	Count int
}

// Report lists what was removed, most frequent first.
func (r *Redactor) Report() []Redaction {
	out := make([]Redaction, 0, len(r.counts))
	for k, n := range r.counts {
		out = append(out, Redaction{Kind: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// Redacted is what replaces a secret.
const Redacted = "[redacted]"

// secretParams are URL query and form parameter names whose values are secret.
var secretParams = map[string]bool{
	"token": true, "access_token": true, "refresh_token": true, "id_token": true, "auth": true, "auth_token": true,
	"api_key": true, "apikey": true, "key": true, "sig": true, "signature": true, "password": true, "passwd": true,
	"pwd": true, "secret": true, "client_secret": true, "session": true, "sessionid": true, "sid": true, "code": true,
	"x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true,
}

var (
	reAuthHeader = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|digest|token)\s+)?[^\s"',;]+`)
	reCookie     = regexp.MustCompile(`(?i)\b((?:set-)?cookie["']?\s*[:=]\s*["']?)[^"'\r\n]+`)
	reBearer     = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}`)
	reJWT        = regexp.MustCompile(`(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.)[A-Za-z0-9_-]{10,}`)
	// reSecretKV finds "name: value", "name=value", "name": "value" and
	// 'name': 'value' where name ends like a secret's name (token, secret,
	// password, …key, session id): headers, form bodies, JSON and log text
	// in one pass. It matches from the name's last word; secretValues takes
	// the rest of the name ("X-Auth-", "access_") from before the match
	// and secretKind decides from the whole name whether it is a secret.
	// The separator's spaces never cross a line, so an empty value
	// ("voexPushToken:" at the end of a line) stays empty. JSON inside a
	// JSON string ({\"accessToken\":\"…\"}) is understood too.
	reSecretKV = regexp.MustCompile(`(?i)^(?:token|secret|passw(?:or)?d|passphrase|pwd|key|csrf|xsrf|sess(?:ion)?[_-]?id)(\\?["']?[ \t]*[:=][ \t]*)(\\"(?:[^"\\\r\n]|\\[^"\r\n])*\\"|"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[^\s"'\\&,;=:(){}<>\[\]#][^\s"'\\&,;(){}<>\[\]#]*)`)
)

// Trigger bits: which patterns a string may need, found in one pass.
const (
	trigAuth   = 1 << iota // authorization
	trigCookie             // cookie
	trigBearer             // bearer
	trigJWT                // eyJ (case-sensitive)
	trigURL                // ://
	trigKV                 // token, secret, passw, pwd, key, csrf, xsrf, sess
)

// trigFirst marks the bytes a trigger word starts with, in either case.
var trigFirst = func() (t [256]bool) {
	for _, c := range "abcekpstx" {
		t[c], t[c-'a'+'A'] = true, true
	}
	t[':'] = true
	return t
}()

// hasFold reports whether s[i:] starts with word, ASCII case-insensitively;
// word is lower-case letters (a '-' in it matches only '-' or '\r').
func hasFold(s string, i int, word string) bool {
	if len(s)-i < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if s[i+j]|0x20 != word[j] {
			return false
		}
	}
	return true
}

// triggers says which patterns s may need, so that most log lines cost one
// scan and no regular expression at all.
func triggers(s string) (t uint) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !trigFirst[c] {
			continue
		}
		switch c | 0x20 {
		case 'a':
			if hasFold(s, i, "authorization") {
				t |= trigAuth
			}
		case 'b':
			if hasFold(s, i, "bearer") {
				t |= trigBearer
			}
		case 'c':
			if hasFold(s, i, "cookie") {
				t |= trigCookie
			} else if hasFold(s, i, "csrf") {
				t |= trigKV
			}
		case 'e':
			if strings.HasPrefix(s[i:], "eyJ") {
				t |= trigJWT
			}
		case 'k':
			if hasFold(s, i, "key") {
				t |= trigKV
			}
		case 'p':
			if hasFold(s, i, "passw") || hasFold(s, i, "pwd") || hasFold(s, i, "passphrase") {
				t |= trigKV
			}
		case 's':
			if hasFold(s, i, "secret") || hasFold(s, i, "sess") {
				t |= trigKV
			}
		case 't':
			if hasFold(s, i, "token") {
				t |= trigKV
			}
		case 'x':
			if hasFold(s, i, "xsrf") {
				t |= trigKV
			}
		case ':':
			if strings.HasPrefix(s[i:], "://") {
				t |= trigURL
			}
		}
	}
	return t
}

// String returns s with secrets replaced.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	t := triggers(s)
	if t == 0 {
		return s
	}
	if r.watch != nil && t&(trigAuth|trigCookie|trigBearer) != 0 {
		r.watch.scan(s)
	}
	// URLs first: their secret parameters are counted as such, and the
	// patterns below leave an already redacted value alone.
	if t&trigURL != 0 && strings.ContainsAny(s, "?@") {
		s = r.urls(s)
	}
	if t&trigAuth != 0 {
		s = r.replace(s, reAuthHeader, "authorization header", nil)
	}
	if t&trigCookie != 0 {
		s = r.replace(s, reCookie, "cookie", nil)
	}
	if t&trigBearer != 0 {
		s = r.replace(s, reBearer, "bearer token", isWord)
	}
	if t&trigKV != 0 {
		s = r.secretValues(s)
		if strings.Contains(s, "</key>") {
			s = r.plistValues(s)
		}
	}
	if t&trigJWT != 0 {
		s = r.replace(s, reJWT, "JWT signature", nil)
	}
	return s
}

// replace keeps each match's first group and replaces the rest of it,
// unless keep (when not nil) says that rest is no secret.
func (r *Redactor) replace(s string, re *regexp.Regexp, kind string, keep func(string) bool) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if v := s[m[3]:m[1]]; strings.HasPrefix(v, Redacted) || (keep != nil && keep(v)) {
			continue
		}
		b.WriteString(s[last:m[3]])
		b.WriteString(Redacted)
		last = m[1]
		r.counts[kind]++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// secretValues blanks the values of secret-named fields (reSecretKV). The
// expression is anchored and tried only where a name's last word starts,
// so a line with "tokenizer" or "keyboard" costs a few comparisons.
func (r *Redactor) secretValues(s string) string {
	var b strings.Builder
	last, pos := 0, 0
	for i := 0; i < len(s); i++ {
		if !kvWordAt(s, i) {
			continue
		}
		m := reSecretKV.FindStringSubmatchIndex(s[i:])
		if m == nil {
			continue
		}
		for j := range m {
			m[j] += i
		}
		start := i
		for start > pos && isNameByte(s[start-1]) {
			start--
		}
		kind := secretKind(s[start:m[2]])
		val := s[m[4]:m[5]]
		if kind == "" || keepValue(val, kind) {
			// Not a secret: look again from its value, which may be a
			// field of its own ("key: token=…").
			pos, i = m[4], m[4]-1
			continue
		}
		if kind == "password" && quoteOf(val) == "" {
			// An unquoted password may hold spaces ("password: correct
			// horse battery staple"): it runs to the end of the line or
			// of the field.
			end := m[5]
			for end < len(s) && strings.IndexByte("\r\n&,;\"'", s[end]) < 0 {
				end++
			}
			m[5] = end
		}
		b.WriteString(s[last:m[4]])
		if q := quoteOf(val); q != "" {
			b.WriteString(q)
			b.WriteString(Redacted)
			b.WriteString(q)
		} else {
			b.WriteString(Redacted)
		}
		last, pos, i = m[5], m[5], m[5]-1
		r.counts[kind]++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// kvWordAt reports whether one of reSecretKV's words starts at s[i].
func kvWordAt(s string, i int) bool {
	switch s[i] | 0x20 {
	case 't':
		return hasFold(s, i, "token")
	case 's':
		return hasFold(s, i, "sess") || hasFold(s, i, "secret")
	case 'p':
		return hasFold(s, i, "passw") || hasFold(s, i, "passp") || hasFold(s, i, "pwd")
	case 'k':
		return hasFold(s, i, "key")
	case 'c':
		return hasFold(s, i, "csrf")
	case 'x':
		return hasFold(s, i, "xsrf")
	}
	return false
}

// isNameByte reports whether c may be part of a field name.
func isNameByte(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

// secretKind says what a field name holds, as a report kind, or "" when it
// is no secret. Names are compared in lower case without _ - . so that
// access_token, accessToken, Access-Token and auth.accessToken are alike.
// The kinds are constants: the report never keeps an event's string.
func secretKind(name string) string {
	if len(name) > 64 { // judge a very long name by its end
		name = name[len(name)-64:]
	}
	var buf [64]byte
	n := buf[:0]
	for i := 0; i < len(name); i++ {
		if c := name[i]; c != '_' && c != '-' && c != '.' {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			n = append(n, c)
		}
	}
	k := string(n)
	switch {
	case strings.HasSuffix(k, "password"), strings.HasSuffix(k, "passwd"), strings.HasSuffix(k, "pwd"),
		strings.HasSuffix(k, "passphrase"), strings.HasSuffix(k, "secret"):
		return "password"
	case strings.HasSuffix(k, "token"):
		switch {
		case strings.HasSuffix(k, "pagetoken"): // nextPageToken: a cursor, not a credential
			return ""
		case strings.Contains(k, "push"), k == "fcmtoken", k == "hmstoken", k == "rustoretoken", k == "apnstoken",
			k == "voiptoken", k == "devicetoken":
			return "push token"
		}
		return "token"
	case strings.HasSuffix(k, "csrf"), strings.HasSuffix(k, "xsrf"),
		k == "sessionid", k == "sessid", k == "jsessionid", k == "phpsessid":
		// Only a web session's cookie-like id: a callSessionId is what
		// support looks for.
		return "token"
	case strings.HasSuffix(k, "key"):
		for _, suf := range apiKeyNames {
			if strings.HasSuffix(k, suf) {
				return "api key"
			}
		}
		// X-Functions-Key, X-Client-Key…: a header named X-…-Key.
		if len(name) > 6 && hasFold(name, 0, "x-") && hasFold(name, len(name)-4, "-key") {
			return "api key"
		}
	}
	return ""
}

// apiKeyNames are the (normalised) name endings of keys that are secrets;
// a bare "key" or "keyboard" is not one.
var apiKeyNames = []string{"apikey", "accesskey", "secretkey", "privatekey", "clientkey", "subscriptionkey",
	"signingkey", "encryptionkey", "masterkey", "appkey", "licensekey"}

// keepValue reports whether a secret-named field's value is no secret:
// empty (an empty push token must stay empty), a placeholder such as null,
// already redacted, or, except for passwords and push tokens, a short plain
// word such as "expired" or "missing" (a token is never one).
func keepValue(val, kind string) bool {
	if q := quoteOf(val); q != "" {
		val = val[len(q) : len(val)-len(q)]
	}
	val = strings.TrimSpace(val)
	if val == "" || strings.Contains(val, Redacted) || isPlaceholder(val) {
		return true
	}
	if kind == "password" || kind == "push token" {
		return false
	}
	return len(val) < 4 || len(val) <= 12 && isWord(val)
}

// quoteOf returns the quote around a value reSecretKV found: ", ', \" or "".
func quoteOf(val string) string {
	switch {
	case strings.HasPrefix(val, `\"`):
		return `\"`
	case val[0] == '"' || val[0] == '\'':
		return val[:1]
	}
	return ""
}

// isWord reports whether v is a plain word of up to 16 letters, such as
// "authentication" after "bearer": no token looks like that.
func isWord(v string) bool {
	if len(v) > 16 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// isPlaceholder reports whether v says there is no value.
func isPlaceholder(v string) bool {
	switch strings.ToLower(strings.Trim(v, "()<>")) {
	case "null", "nil", "none", "undefined", "empty", "true", "false", "-", "n/a":
		return true
	}
	return false
}

// urls applies url to each http(s) or ws(s) URL in s: a scheme after a
// word boundary, "://", and what follows up to a space, quote, < or >.
func (r *Redactor) urls(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		j += i
		k := j
		for k > i && s[k-1]|0x20 >= 'a' && s[k-1]|0x20 <= 'z' {
			k--
		}
		end := j + 3
		for end < len(s) && !urlEnd[s[end]] {
			end++
		}
		i = end
		if end == j+3 || (k > 0 && isWordByte(s[k-1])) {
			continue
		}
		if sc := s[k:j]; !strings.EqualFold(sc, "http") && !strings.EqualFold(sc, "https") &&
			!strings.EqualFold(sc, "ws") && !strings.EqualFold(sc, "wss") {
			continue
		}
		if u := r.url(s[k:end]); u != s[k:end] {
			b.WriteString(s[last:k])
			b.WriteString(u)
			last = end
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// urlEnd marks the bytes that end a URL in text.
var urlEnd = func() (t [256]bool) {
	for _, c := range " \t\n\f\r\"'<>" {
		t[c] = true
	}
	return t
}()

// isWordByte reports whether c is a letter, digit or underscore.
func isWordByte(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_'
}

// url blanks secret query parameters and user:password in a URL.
func (r *Redactor) url(raw string) string {
	if !strings.Contains(raw, "@") && !hasSecretParam(raw) {
		return raw // most URLs: no parsing, no allocation
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
			r.counts["password in URL"]++
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name, vs := range q {
			if secretParam(name) && strings.Join(vs, "") != "" { // an empty one stays empty
				q.Set(name, "REDACTED")
				r.counts["token in URL"]++
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	return strings.ReplaceAll(u.String(), "REDACTED", Redacted)
}

// hasSecretParam reports whether a URL's query may name a secret parameter.
// It errs towards yes (an escaped name), and url then parses the URL.
func hasSecretParam(raw string) bool {
	i := strings.IndexByte(raw, '?')
	if i < 0 {
		return false
	}
	q := raw[i+1:]
	if j := strings.IndexByte(q, '#'); j >= 0 {
		q = q[:j]
	}
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(name, "%+") || secretParam(name) {
			return true
		}
	}
	return false
}

// Event redacts an event's message and attributes in place. It keeps no
// reference to the event's strings (see Sink): it only replaces fields.
func (r *Redactor) Event(ev *Event) {
	ev.Message = r.String(ev.Message)
	for k, v := range ev.Attrs {
		if nv := r.String(v); nv != v {
			ev.Attrs[k] = nv
		}
	}
	if ev.Crash != nil {
		ev.Crash.Reason = r.String(ev.Crash.Reason)
	}
}

// Env redacts what an environment says: push tokens keep only whether they
// are present, since rules need emptiness, never the value. An empty value
// stays empty and a placeholder such as "(null)" stays as it is; any other
// is replaced by Redacted, so a present token stays visibly present. Other
// secret-named facts (a client state's auth.password, config.apiKey) are
// blanked the same way.
func (r *Redactor) Env(env *Environment) {
	for k, v := range env.Extra {
		if t := strings.TrimSpace(v); t == "" || isPlaceholder(t) || v == Redacted {
			continue
		}
		if strings.Contains(strings.ToLower(k), "token") {
			env.Extra[k] = Redacted
			r.counts["push token"]++
			continue
		}
		if kind := secretKind(k); kind != "" {
			env.Extra[k] = Redacted
			r.counts[kind]++
			continue
		}
		env.Extra[k] = r.String(v)
	}
}
