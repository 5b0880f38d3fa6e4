package ingest

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Redactor removes secrets from events before anything is stored or shown:
// cookies, Authorization headers, tokens in URLs and bodies, JWT signatures
// and passwords. It counts what it removed for the upload's redaction report.
type Redactor struct {
	counts map[string]int
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
	reJWT        = regexp.MustCompile(`\b(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.)[A-Za-z0-9_-]{10,}`)
	rePassword   = regexp.MustCompile(`(?i)("?(?:password|passwd|pwd|secret|client_secret)"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;}]+)`)
	reURL        = regexp.MustCompile(`(?i)\b(?:https?|wss?)://[^\s"'<>]+`)
	reTokenField = regexp.MustCompile(`(?i)("(?:access_token|refresh_token|id_token|token|auth_token|api_key|apikey|session_?id)"\s*:\s*)"[^"]+"`)
)

// markers are cheap substring checks that gate the regular expressions,
// so most log lines cost a few comparisons.
var markers = []string{"uthorization", "ookie", "earer", "eyJ", "assw", "pwd", "ecret", "://", "oken", "pi_key", "pikey", "ession"}

// String returns s with secrets replaced.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	hit := false
	for _, m := range markers {
		if strings.Contains(s, m) || strings.Contains(s, strings.ToUpper(m)) {
			hit = true
			break
		}
	}
	if !hit {
		return s
	}
	s = r.replace(s, reAuthHeader, "authorization header", func(m []string) string { return m[1] + Redacted })
	s = r.replace(s, reCookie, "cookie", func(m []string) string { return m[1] + Redacted })
	s = r.replace(s, reBearer, "bearer token", func(m []string) string { return m[1] + Redacted })
	s = r.replace(s, reJWT, "JWT signature", func(m []string) string { return m[1] + Redacted })
	s = r.replace(s, reTokenField, "token", func(m []string) string { return m[1] + `"` + Redacted + `"` })
	s = r.replace(s, rePassword, "password", func(m []string) string {
		if strings.Contains(m[2], Redacted) {
			return m[0]
		}
		q := ""
		if strings.HasPrefix(m[2], `"`) || strings.HasPrefix(m[2], `'`) {
			q = m[2][:1]
		}
		return m[1] + q + Redacted + q
	})
	s = reURL.ReplaceAllStringFunc(s, r.url)
	return s
}

func (r *Redactor) replace(s string, re *regexp.Regexp, kind string, fn func(m []string) string) string {
	return re.ReplaceAllStringFunc(s, func(match string) string {
		out := fn(re.FindStringSubmatch(match))
		if out != match {
			r.counts[kind]++
		}
		return out
	})
}

// url blanks secret query parameters and user:password in a URL.
func (r *Redactor) url(raw string) string {
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
		for name := range q {
			if secretParams[strings.ToLower(name)] {
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

// Event redacts an event's message and attributes in place.
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
// are present, since rules need emptiness, never the value.
func (r *Redactor) Env(env *Environment) {
	for k, v := range env.Extra {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "token") && strings.TrimSpace(v) != "" {
			env.Extra[k] = Redacted
			r.counts["push token"]++
			continue
		}
		env.Extra[k] = r.String(v)
	}
}
