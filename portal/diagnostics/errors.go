package diagnostics

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"parley/ingest"
	"parley/templates"
)

// ErrorGroup is the errors of an upload that are the same error: events of
// level E or F, crashes aside, with the same tag (in any case) and the same
// fingerprint (ingest.Fingerprint: the message's first line with numbers,
// ids, URLs and the like replaced). The tag is part of the key so that a
// group's events are exactly those its link to the event list shows; it is
// normalised like the message, since some tags carry an id themselves
// (WebRTC's "PC_0", "PC_1"… for one error of each peer connection), and the
// event filter matches such a tag pattern (tagMatches).
type ErrorGroup struct {
	Fingerprint string    `json:"fingerprint"`
	Level       string    `json:"level"`
	Tag         string    `json:"tag"`
	Message     string    `json:"message"` // the normalised first line, as it groups
	Example     string    `json:"example"` // the first line of the first occurrence, redacted
	File        string    `json:"file"`
	Count       int       `json:"count"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
}

// ErrorGroups is what the triage page lists of an upload's errors.
type ErrorGroups struct {
	Groups []ErrorGroup `json:"groups"` // the most frequent first, at most maxErrorGroupsShown
	Total  int          `json:"total"`  // groups found, counting those not kept
	Errors int          `json:"errors"` // error events in all
}

const (
	// maxErrorGroups bounds the groups counted while parsing, so that a
	// log of endlessly varied errors costs bounded memory; errors of
	// further groups are still counted in ErrorGroups.Errors.
	maxErrorGroups      = 10000
	maxErrorGroupsShown = 50
	maxErrorLine        = 300 // bytes of a message line kept in a group
)

// errorGrouper groups the error events of an upload as they are parsed.
type errorGrouper struct {
	groups   map[uint64]*ErrorGroup
	overflow int // groups met after maxErrorGroups
	errors   int
}

// event counts ev if it is an error; ev is already redacted.
func (g *errorGrouper) event(ev *ingest.Event) {
	if ev.Level < ingest.LevelError || ev.Crash != nil {
		return
	}
	g.errors++
	if g.groups == nil {
		g.groups = map[uint64]*ErrorGroup{}
	}
	tag := tagPattern(ev.Tag)
	key := errorGroupKey(ev.Message, tag)
	eg := g.groups[key]
	if eg == nil {
		if len(g.groups) >= maxErrorGroups {
			g.overflow++
			return
		}
		// Every string kept is a copy: the event's text is the parser's
		// buffer (ingest.Sink), and NormalizeMessage returns its input
		// itself when nothing in it varies, so the title too is cloned,
		// or it would later show whatever line the parser read last.
		line, _, _ := strings.Cut(ev.Message, "\n")
		line = strings.Clone(strings.TrimSuffix(line, "\r"))
		eg = &ErrorGroup{Fingerprint: ingest.FingerprintText(key), Level: ev.Level.Letter(), Tag: strings.Clone(tag),
			Message: clip(ingest.NormalizeMessage(line), maxErrorLine), Example: clip(line, maxErrorLine),
			File: strings.Clone(ev.Source), First: ev.Time, Last: ev.Time}
		g.groups[key] = eg
	}
	eg.Count++
	if !ev.Time.IsZero() && (eg.First.IsZero() || ev.Time.Before(eg.First)) {
		eg.First = ev.Time
	}
	if ev.Time.After(eg.Last) {
		eg.Last = ev.Time
	}
}

// errorGroupKey is what makes errors one group: the message with its
// numbers, ids and URLs left out, and the tag's pattern.
func errorGroupKey(message, tagPattern string) uint64 {
	return ingest.FingerprintHash(nil, message) ^ tagKey(tagPattern)
}

// inErrorGroup reports whether a stored event is one of the error group
// whose fingerprint is group: the group's link shows exactly its events,
// not every event that shares a stretch of its text.
func inErrorGroup(ev *storedEvent, group string) bool {
	if ev.Crash != "" || ev.Level == "" || ingest.LevelFromLetter(ev.Level[0]) < ingest.LevelError {
		return false
	}
	return ingest.FingerprintText(errorGroupKey(ev.Message, tagPattern(ev.Tag))) == group
}

// tagKey mixes a tag, case folded as the tag filter folds it, into a
// group's key (FNV-1a, then spread so it does not cancel the fingerprint).
func tagKey(tag string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h * 0x9E3779B97F4A7C15
}

// tagMatches reports whether an event's tag is the one a filter asks for:
// the same in any case, or, for a normalised tag pattern such as "PC_<n>"
// that an error group links to, the same once normalised.
func tagMatches(tag, filter string) bool {
	if strings.EqualFold(tag, filter) {
		return true
	}
	return strings.Contains(filter, "<n>") && strings.EqualFold(tagPattern(tag), filter)
}

// tagPattern replaces each number that stands alone in a tag ("PC_2",
// "Thread-12") with "<n>"; digits that are part of a word ("OMX-VDEC-1080P",
// "x86") stay. A tag without such a number is returned as it is.
func tagPattern(tag string) string {
	alnum := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
	var b []byte
	for i := 0; i < len(tag); {
		c := tag[i]
		if c < '0' || c > '9' || i > 0 && alnum(tag[i-1]) {
			if b != nil {
				b = append(b, c)
			}
			i++
			continue
		}
		j := i
		for j < len(tag) && '0' <= tag[j] && tag[j] <= '9' {
			j++
		}
		if j < len(tag) && alnum(tag[j]) {
			if b != nil {
				b = append(b, tag[i:j]...)
			}
			i = j
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(tag)+4), tag[:i]...)
		}
		b = append(b, "<n>"...)
		i = j
	}
	if b == nil {
		return tag
	}
	return string(b)
}

// view returns the groups to keep, the most frequent first.
func (g *errorGrouper) view() ErrorGroups {
	v := ErrorGroups{Total: len(g.groups) + g.overflow, Errors: g.errors, Groups: []ErrorGroup{}}
	for _, eg := range g.groups {
		v.Groups = append(v.Groups, *eg)
	}
	sort.Slice(v.Groups, func(i, j int) bool {
		a, b := &v.Groups[i], &v.Groups[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		return a.Fingerprint < b.Fingerprint
	})
	if len(v.Groups) > maxErrorGroupsShown {
		v.Groups = v.Groups[:maxErrorGroupsShown]
	}
	return v
}

// clip cuts s to at most n bytes without splitting a UTF-8 character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// errorsView is the error groups as the triage page lists them. Each links
// to the page's events filtered by the group's level, tag and the longest
// literal part of its message.
func errorsView(e ErrorGroups, triage string) templates.DiagErrors {
	v := templates.DiagErrors{Total: e.Total, Errors: e.Errors}
	for _, g := range e.Groups {
		// The tag and the longest literal part narrow the events fast (and
		// show in the filter form); the fingerprint keeps exactly the group's.
		q := url.Values{"level": {"E"}, "group": {g.Fingerprint}} // E and above: a group may hold both E and F
		if g.Tag != "" {
			q.Set("tag", g.Tag)
		}
		if text := literalPart(g.Message); text != "" {
			q.Set("q", text)
		}
		v.Groups = append(v.Groups, templates.DiagErrorGroup{Message: g.Message, Example: g.Example, Tag: g.Tag,
			Level: g.Level, File: g.File, When: when(g.First, g.Last), Count: g.Count,
			EventsURL: triage + "?" + q.Encode() + "#events"})
	}
	return v
}

// literalPart is the longest stretch of a normalised message between its
// placeholders ("<n>", "<url>"…), trimmed: text every event of the group
// contains.
func literalPart(normalized string) string {
	best := ""
	for rest := normalized; rest != ""; {
		part := rest
		if i := strings.IndexByte(rest, '<'); i >= 0 {
			part = rest[:i]
			if j := strings.IndexByte(rest[i:], '>'); j > 0 {
				rest = rest[i+j+1:]
			} else {
				rest = rest[i+1:]
			}
		} else {
			rest = ""
		}
		if part = strings.TrimSpace(part); len(part) > len(best) {
			best = part
		}
	}
	return strings.TrimSuffix(best, "…")
}
