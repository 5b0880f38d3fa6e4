package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Bounds on what one query may cost. Text past maxQueryBytes and words past
// maxQueryWords are dropped: a pasted log or a 10,000-character query is
// searched by its beginning, which is where an error message starts.
const (
	maxQueryBytes  = 2048
	maxQueryWords  = 64
	maxPhraseWords = 16
)

// parsedQuery is what a user's text asks for, in index terms.
type parsedQuery struct {
	words []queryWord // distinct analysed words, in the order typed
	// phrases are runs of words to find side by side: each quoted part,
	// and the whole text when it reads like a pasted message.
	phrases []phrase
	// pairs are neighbouring words, each a two-word phrase: an article
	// where the words stand together as typed ranks above one that merely
	// mentions both.
	pairs []phrase
}

// queryWord is one searchable word.
type queryWord struct {
	term    string // as the index stores it: lower case, ё folded, stemmed
	typed   string // as typed, lower case, ё folded: typos are sought in this
	letters int    // letters as typed; typo tolerance depends on it
}

// phrase is a sequence of index terms by position; a nil slot stands for a
// stop word, which matches any word in that place.
type phrase [][]string

// quotePairs maps opening quotation marks to their closing ones.
var quotePairs = map[rune]rune{'"': '"', '«': '»', '“': '”', '„': '“', '”': '”'}

// parseQuery turns typed text into words and phrases. It never fails:
// text with nothing searchable gives a query with no words.
func parseQuery(text string, an analysis.Analyzer) parsedQuery {
	text = strings.ToValidUTF8(text, " ")
	if len(text) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var q parsedQuery
	tokens := an.Analyze([]byte(text))
	if len(tokens) > maxQueryWords {
		tokens = tokens[:maxQueryWords]
	}
	seen := map[string]bool{}
	for _, t := range tokens {
		term := string(t.Term)
		if seen[term] {
			continue
		}
		seen[term] = true
		typed := text[t.Start:t.End]
		letters := countLetters(typed)
		if t.KeyWord {
			letters = 0 // a whole compound word is matched as written; its parts get typo tolerance
		}
		q.words = append(q.words, queryWord{term: term, typed: foldWord(typed), letters: letters})
	}
	seenPairs := map[string]bool{}
	for i := 1; i < len(tokens) && i < maxPhraseWords; i++ {
		if gap := tokens[i].Position - tokens[i-1].Position; gap >= 1 && gap <= 2 {
			key := fmt.Sprint(gap, string(tokens[i-1].Term), " ", string(tokens[i].Term))
			if !seenPairs[key] {
				seenPairs[key] = true
				q.pairs = append(q.pairs, toPhrase(tokens[i-1:i+1]))
			}
		}
	}
	quoted := quotedParts(text)
	for _, part := range quoted {
		if p := toPhrase(an.Analyze([]byte(part))); len(p) > 1 {
			q.phrases = append(q.phrases, p)
		}
	}
	if len(quoted) == 0 && looksPasted(text, len(tokens)) {
		if p := toPhrase(tokens); len(p) > 1 {
			q.phrases = append(q.phrases, p)
		}
	}
	return q
}

// quotedParts finds the text inside matching quotation marks. An opening
// mark without its closing one quotes nothing.
func quotedParts(text string) []string {
	var parts []string
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		closer, ok := quotePairs[r]
		if !ok {
			i += n
			continue
		}
		end := strings.IndexRune(text[i+n:], closer)
		if end < 0 {
			i += n
			continue
		}
		if part := strings.TrimSpace(text[i+n : i+n+end]); part != "" {
			parts = append(parts, part)
		}
		i += n + end + utf8.RuneLen(closer)
	}
	return parts
}

// looksPasted tells text copied from an error message or a button apart
// from a typed question: it is long, or carries the punctuation of
// messages (brackets, quotes, a colon, an ellipsis).
func looksPasted(text string, words int) bool {
	if words >= 5 {
		return true
	}
	return words >= 2 && strings.ContainsAny(text, "()[]{}«»\"“”:…")
}

// toPhrase lays tokens out by position, at most maxPhraseWords positions.
func toPhrase(tokens analysis.TokenStream) phrase {
	if len(tokens) == 0 {
		return nil
	}
	first := tokens[0].Position
	var p phrase
	for _, t := range tokens {
		at := t.Position - first
		if at < 0 || at >= maxPhraseWords {
			break
		}
		for len(p) <= at {
			p = append(p, nil)
		}
		p[at] = append(p[at], string(t.Term))
	}
	return p
}

func countLetters(word string) int {
	n := 0
	for _, r := range word {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}
