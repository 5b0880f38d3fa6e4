package ingest

import "strings"

// Credentials of this server found while redacting. A browser HAR of
// Parley itself, or a client log, may hold a live session's cookie or
// bearer token; redacting it from the stored copy does not help the person
// whose session it is if the token still works, so the caller ends those
// sessions (portal/diagnostics). The Redactor only collects the
// candidates: each value that follows the session cookie's name or
// "Bearer ".

// maxWatched bounds the candidates kept from one upload.
const maxWatched = 100

type credentialWatch struct {
	cookie string
	found  map[string]bool
	order  []string
}

// Watch makes the Redactor collect the values of the cookie named cookie
// and of bearer tokens it redacts; Credentials returns them.
func (r *Redactor) Watch(cookie string) {
	r.watch = &credentialWatch{cookie: cookie, found: map[string]bool{}}
}

// Credentials are the cookie values and bearer tokens collected since
// Watch, in the order found.
func (r *Redactor) Credentials() []string {
	if r.watch == nil {
		return nil
	}
	return r.watch.order
}

func (w *credentialWatch) add(v string) {
	if len(v) < 16 || len(v) > 200 || w.found[v] || len(w.order) >= maxWatched {
		return // shorter than any token the server makes, or already seen
	}
	w.found[v] = true
	w.order = append(w.order, strings.Clone(v))
}

// scan looks for "COOKIE=value" and "Bearer value" in s.
func (w *credentialWatch) scan(s string) {
	for _, prefix := range []string{w.cookie + "=", "bearer "} {
		for i := 0; i < len(s); {
			j := indexFold(s[i:], prefix)
			if j < 0 {
				break
			}
			start := i + j + len(prefix)
			end := start
			for end < len(s) && tokenByte(s[end]) {
				end++
			}
			w.add(s[start:end])
			i = end
			if i == start {
				i++
			}
		}
	}
}

// tokenByte reports whether c may be part of a token (base64url, base64).
func tokenByte(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// indexFold is strings.Index, ASCII case-insensitively; sub is lower case.
func indexFold(s, sub string) int {
next:
	for i := 0; i+len(sub) <= len(s); i++ {
		for j := 0; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue next
			}
		}
		return i
	}
	return -1
}
