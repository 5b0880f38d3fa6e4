package search

import (
	"html/template"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"

	"parley/kb"
)

// snippetRunes is about how long a snippet is, in characters.
const snippetRunes = 200

// match is a matched word in a text, as byte offsets.
type match struct {
	start, end int
	term       string // the index term it matched, to count distinct words
}

// snippetFor builds the snippet of a hit: the part of the body richest in
// matched words, else the same from the admin blocks, else the summary.
// bleve reports where each matched term sits in each field; the fields
// were indexed from exactly these strings, so the offsets apply to them.
func snippetFor(a *kb.Article, locs search.FieldTermLocationMap) template.HTML {
	for _, f := range []struct {
		name, text string
	}{{fieldBody, a.Text}, {fieldAdmin, a.AdminText}} {
		if ms := matchesIn(locs[f.name], len(f.text)); len(ms) > 0 {
			return snippet(f.text, ms, snippetRunes)
		}
	}
	return snippet(a.Summary, matchesIn(locs[fieldSummary], len(a.Summary)), snippetRunes)
}

func matchesIn(terms search.TermLocationMap, textLen int) []match {
	var ms []match
	for term, locs := range terms {
		for _, l := range locs {
			s, e := int(l.Start), int(l.End)
			if s < 0 || e > textLen || s >= e {
				continue
			}
			ms = append(ms, match{start: s, end: e, term: term})
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].start < ms[j].start })
	// Never mark one place twice, should two reported matches overlap.
	out := ms[:0]
	for _, m := range ms {
		if n := len(out); n > 0 && m.start < out[n-1].end {
			continue
		}
		out = append(out, m)
	}
	return out
}

// snippet cuts about width characters of text around the window holding the
// most distinct matched words, escapes it for HTML and wraps each match in
// <mark>. With no matches it is the start of the text.
func snippet(text string, ms []match, width int) template.HTML {
	from, to := window(text, ms, width)
	var w flatWriter
	w.b.Grow((to - from) * 5 / 4)
	if from > 0 {
		w.b.WriteString("…")
	}
	at := from
	for _, m := range ms {
		if m.start < from || m.end > to {
			continue
		}
		w.text(text[at:m.start])
		w.markup("<mark>")
		w.text(text[m.start:m.end])
		w.b.WriteString("</mark>")
		at = m.end
	}
	w.text(text[at:to])
	if to < len(text) {
		w.b.WriteString("…")
	}
	return template.HTML(w.b.String()) //nolint:gosec // all text went through flatWriter.text, which escapes it
}

// flatWriter writes text HTML-escaped and on one line: each run of white
// space becomes one space (the plain text has one block a line), and
// white space at either end of the snippet is dropped.
type flatWriter struct {
	b       strings.Builder
	started bool // some text was written
	space   bool // white space is pending
}

func (w *flatWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) {
			w.space = w.started
			continue
		}
		w.flushSpace()
		w.started = true
		switch r {
		case '<':
			w.b.WriteString("&lt;")
		case '>':
			w.b.WriteString("&gt;")
		case '&':
			w.b.WriteString("&amp;")
		case '"':
			w.b.WriteString("&#34;")
		case '\'':
			w.b.WriteString("&#39;")
		default:
			w.b.WriteRune(r)
		}
	}
}

// markup writes a tag, after any pending space so the space stays outside.
func (w *flatWriter) markup(tag string) {
	w.flushSpace()
	w.b.WriteString(tag)
}

func (w *flatWriter) flushSpace() {
	if w.space {
		w.b.WriteByte(' ')
		w.space = false
	}
}

// window picks the byte range [from, to) of the snippet: about width
// characters starting a little before the densest cluster of matches, or
// ending at the end of the text when the cluster is near it.
func window(text string, ms []match, width int) (int, int) {
	if utf8.RuneCountInString(text) <= width {
		return 0, len(text)
	}
	if len(ms) == 0 {
		return 0, cutAfter(text, 0, width)
	}
	best := densest(text, ms, width*3/4)
	from := startBefore(text, ms[best].start, width/4)
	if utf8.RuneCountInString(text[from:]) < width {
		from = min(from, lastWords(text, width))
	}
	to := cutAfter(text, from, width)
	if to < ms[best].end {
		to = ms[best].end
	}
	return from, to
}

// densest finds the match whose following reach characters hold the most
// distinct terms, then the most matches, by sliding a window over the
// matches and counting how often each term is inside it.
func densest(text string, ms []match, reach int) int {
	// Character offsets of the matches, counted in one pass over the text.
	starts, ends := make([]int, len(ms)), make([]int, len(ms))
	pos, chars := 0, 0
	for i, m := range ms {
		if gap := m.start - pos; gap > reach*utf8.UTFMax {
			chars += reach + 1 // surely out of reach; no need to count exactly
		} else {
			chars += utf8.RuneCountInString(text[pos:m.start])
		}
		starts[i] = chars
		chars += utf8.RuneCountInString(text[m.start:m.end])
		ends[i] = chars
		pos = m.end
	}
	best, bestTerms, bestCount := 0, -1, -1
	inside := map[string]int{}
	end := 0 // matches [i, end) lie inside the window that starts at match i
	for i := range ms {
		if end < i {
			end = i
		}
		for end < len(ms) && ends[end]-starts[i] <= reach {
			inside[ms[end].term]++
			end++
		}
		if len(inside) > bestTerms || (len(inside) == bestTerms && end-i > bestCount) {
			best, bestTerms, bestCount = i, len(inside), end-i
		}
		if end > i {
			if inside[ms[i].term]--; inside[ms[i].term] == 0 {
				delete(inside, ms[i].term)
			}
		}
	}
	return best
}

// lastWords is where the last width characters of text begin, moved
// forward to the start of a word.
func lastWords(text string, width int) int {
	from := len(text)
	for n := 0; n < width && from > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	if from == 0 {
		return 0
	}
	if sp := strings.IndexAny(text[from:], " \n\t"); sp >= 0 {
		return from + sp + 1
	}
	return from
}

// advance moves n characters forward from byte offset at.
func advance(text string, at, n int) int {
	for ; n > 0 && at < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[at:])
		at += size
	}
	return at
}

// startBefore picks where a snippet leading up to byte offset at begins:
// the start of at's paragraph when that is at most lead characters back,
// else the first word boundary within lead characters.
func startBefore(text string, at, lead int) int {
	from := at
	for n := 0; n < lead && from > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		if text[from-size] == '\n' {
			return from
		}
		from -= size
	}
	if from == 0 {
		return 0
	}
	if sp := strings.IndexAny(text[from:at], " \n\t"); sp >= 0 {
		return from + sp + 1
	}
	return at
}

// cutAfter is where a snippet starting at byte offset from ends: after at
// most width characters, at the last word boundary before that.
func cutAfter(text string, from, width int) int {
	to := advance(text, from, width)
	if to >= len(text) {
		return len(text)
	}
	if sp := strings.LastIndexAny(text[from:to], " \n\t"); sp > 0 {
		return from + sp
	}
	return to
}
