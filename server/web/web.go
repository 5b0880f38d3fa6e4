// Package web holds the HTTP plumbing every Parley feature shares: JSON
// answers and errors, request bodies, language choice, CSRF and client
// addresses. It knows nothing of any domain.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is the JSON shape of every API error.
type Error struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
	// Reason is a validation error's own code ("too_long", "required", …)
	// beside the general "invalid".
	Reason  string `json:"reason,omitempty"`
	RetryIn int    `json:"retry_after,omitempty"` // seconds
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		slog.Debug("write json answer", "err", err)
	}
}

// JSONError writes an API error.
func JSONError(w http.ResponseWriter, status int, code, msg string) {
	JSON(w, status, Error{Error: msg, Code: code})
}

// MaxJSONBody is the default limit for JSON request bodies.
const MaxJSONBody = 1 << 20

// DecodeJSON reads one JSON object from the request body into v, and writes
// the error answer itself when the body is unusable (then it returns false).
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	// Content-Type is not checked: `curl -d` sends form encoding by default and
	// the body's own syntax is the better judge. Browsers cannot post here
	// cross-site anyway (CrossOriginProtection in the router).
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			JSONError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body is larger than %d bytes", limit))
		case errors.Is(err, io.EOF):
			JSONError(w, http.StatusBadRequest, "bad_json", "the request body is empty; send a JSON object")
		case errors.As(err, &syntax):
			JSONError(w, http.StatusBadRequest, "bad_json", fmt.Sprintf("the request body is not valid JSON (at byte %d)", syntax.Offset))
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "the body"
			}
			JSON(w, http.StatusBadRequest, Error{Code: "bad_json", Field: typ.Field,
				Error: fmt.Sprintf("%s must be a JSON %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)})
		case errors.Is(err, io.ErrUnexpectedEOF):
			JSONError(w, http.StatusBadRequest, "bad_json", "the request body ends in the middle of the JSON")
		default:
			JSONError(w, http.StatusBadRequest, "bad_json", "the request body could not be read as JSON")
		}
		return false
	}
	if dec.More() {
		JSONError(w, http.StatusBadRequest, "bad_json", "the request body must hold exactly one JSON object")
		return false
	}
	return true
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "bool":
		return "boolean"
	}
	return "number"
}

// ClientIP is the address a request came from. Forwarding headers are
// believed only from the reverse proxies the site trusts (--trusted-proxies):
// then the address is the last hop in X-Forwarded-For that is not itself a
// trusted proxy. Anyone else could write any address there.
func (s *Site) ClientIP(r *http.Request) string {
	remote := r.RemoteAddr
	if host, _, err := net.SplitHostPort(remote); err == nil {
		remote = host
	}
	addr, err := netip.ParseAddr(remote)
	if err != nil || !s.trusted(addr) {
		return remote
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(hop) {
			return hop.Unmap().String()
		}
	}
	return remote
}

func (s *Site) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseProxies reads a comma-separated list of addresses or CIDR ranges.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", item)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", item)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SafeRedirect returns next if it is a path on this site, else fallback.
// It stops "?next=https://evil.example" from turning sign-in into a phishing
// aid. Browsers drop tabs and line breaks from a Location and read a
// backslash as a slash, so "/\t/evil.example" would leave the site: any
// control character or backslash refuses next outright, and what remains
// must parse as a bare path with no scheme and no host.
func SafeRedirect(next, fallback string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") {
		return fallback
	}
	for _, c := range next {
		if c == '\\' || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == utf8.RuneError {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return next
}
