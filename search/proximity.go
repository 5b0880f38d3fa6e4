package search

import (
	"github.com/blevesearch/bleve/v2/search"
)

// Words standing side by side as typed say more than the same words
// scattered over an article: "закрыть сессию" is a button, the two words
// apart are not.
const (
	phraseBoost = 2 // a quoted part, or the whole of a pasted message
	pairBoost   = 1 // two neighbouring words
	// proximityWeight is how much an article gains, as a share of its
	// word score, when it has every phrase and pair in every field that
	// could hold them.
	proximityWeight = 2
)

// proximity is the share of the query's phrases and word pairs, weighed by
// kind and by field, that stand side by side in the article. Only fields
// whose vocabulary has all of a phrase's words count as able to hold it,
// the same for every article.
func (li *langIndex) proximity(pq parsedQuery, fixes map[string]fix, locs search.FieldTermLocationMap) float64 {
	var got, possible float64
	for _, group := range []struct {
		phrases []phrase
		weight  float64
	}{{pq.phrases, phraseBoost}, {pq.pairs, pairBoost}} {
		for _, p := range group.phrases {
			p = corrected(p, fixes)
			for _, f := range textFields {
				if !li.fieldCanHold(f.name, p) {
					continue
				}
				w := group.weight * f.boost
				possible += w
				if phraseAt(p, locs[f.name]) {
					got += w
				}
			}
		}
	}
	if possible == 0 {
		return 0
	}
	return got / possible
}

// fieldCanHold tells whether some article has, in field, a word for every
// place of the phrase.
func (li *langIndex) fieldCanHold(field string, p phrase) bool {
	for _, slot := range p {
		if slot == nil {
			continue
		}
		found := false
		for _, term := range slot {
			if li.vocab.has(field, term) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// phraseAt tells whether the words of p occur at consecutive positions,
// within one value of the field (one tag, say), according to where bleve
// found each term. A nil place (a stop word) takes any word.
func phraseAt(p phrase, terms search.TermLocationMap) bool {
	if len(p) == 0 || len(terms) == 0 {
		return false
	}
	for _, first := range p[0] {
		for _, start := range terms[first] {
			if phraseFrom(p, terms, start) {
				return true
			}
		}
	}
	return false
}

func phraseFrom(p phrase, terms search.TermLocationMap, start *search.Location) bool {
	for i := 1; i < len(p); i++ {
		if p[i] == nil {
			continue
		}
		want := start.Pos + uint64(i)
		found := false
	alternatives:
		for _, term := range p[i] {
			for _, l := range terms[term] {
				if l.Pos == want && sameValue(l.ArrayPositions, start.ArrayPositions) {
					found = true
					break alternatives
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameValue tells whether two locations are in the same value of a
// many-valued field such as tags.
func sameValue(a, b search.ArrayPositions) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
