package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Error codes, package names and settings keys reach the search box pasted
// from a screen or a log: net::ERR_CERT_AUTHORITY_INVALID,
// java.lang.OutOfMemoryError, com.parley.app, permissions.storage. The word
// tokenizer keeps each as one word (an underscore joins letters, and so do
// a dot or a single colon between them), which no one but the article
// quoting it in full would match. So such a word is indexed and searched
// whole and in parts: the whole finds the article that quotes it, the
// parts ("cert", "authority", "invalid") find the one that explains it.

// compoundFilter splits words joined by '_', '.' or ':' into their parts.
// The whole word keeps its place and the parts follow it, one position
// each, the first sharing the whole word's position, so that phrases and
// word pairs still see the parts side by side and the words after them
// keep their distance. The whole word is marked as a keyword, which the
// stemmers leave as it is.
type compoundFilter struct{}

func (compoundFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	if !hasCompound(in) {
		return in
	}
	out := make(analysis.TokenStream, 0, len(in)+4)
	shift := 0
	for _, t := range in {
		t.Position += shift
		out = append(out, t)
		parts := compoundParts(t.Term)
		if len(parts) < 2 {
			continue
		}
		t.KeyWord = true
		// Offsets of the parts point into the text only when lower-casing
		// kept the word's length; otherwise each part takes the whole word's.
		exact := len(t.Term) == t.End-t.Start
		for i, p := range parts {
			start, end := t.Start, t.End
			if exact {
				start, end = t.Start+p[0], t.Start+p[1]
			}
			out = append(out, &analysis.Token{Term: append([]byte(nil), t.Term[p[0]:p[1]]...), Start: start, End: end,
				Position: t.Position + i, Type: t.Type})
		}
		shift += len(parts) - 1
	}
	return out
}

func hasCompound(in analysis.TokenStream) bool {
	for _, t := range in {
		for _, b := range t.Term {
			if isJoiner(rune(b)) {
				return true
			}
		}
	}
	return false
}

// isJoiner tells the characters that join the parts of a compound word.
// Apostrophes are not among them: "don't" is one word.
func isJoiner(r rune) bool { return r == '_' || r == '.' || r == ':' }

// compoundParts are the byte ranges of the parts of a word joined by
// joiners; nil when it has fewer than two parts or no letter at all (a
// version number such as 10.5 stays one word).
func compoundParts(term []byte) [][2]int {
	var parts [][2]int
	letter := false
	start := -1
	for i := 0; i < len(term); {
		r, n := utf8.DecodeRune(term[i:])
		switch {
		case isJoiner(r):
			if start >= 0 {
				parts = append(parts, [2]int{start, i})
				start = -1
			}
		case start < 0:
			start = i
		}
		letter = letter || unicode.IsLetter(r)
		i += n
	}
	if start >= 0 {
		parts = append(parts, [2]int{start, len(term)})
	}
	if len(parts) < 2 || !letter {
		return nil
	}
	return parts
}

// isCompound tells whether an analysed term is a whole compound word.
func isCompound(term string) bool { return compoundParts([]byte(term)) != nil }
