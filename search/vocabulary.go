package search

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
)

// vocabulary is what an index knows: every analysed term of its text
// fields with the number of field occurrences it has, which fields have
// it, and the articles' words as written (see writtenWord). Typo
// tolerance looks up the nearest written words here: doing it ourselves
// (rather than with bleve's fuzzy query) counts edits in letters, lets a
// transposition count as one edit, and keeps only the closest candidates
// instead of every term in reach.
type vocabulary struct {
	freq    map[string]int
	inField map[string]map[string]struct{} // field -> the terms it has
	byLen   map[int][]knownWord            // written words by length in runes
	written []writtenWord                  // the known written words, sorted, for completing a word being typed
}

type knownWord struct {
	writtenWord
	runes   []rune
	letters uint64 // letterSet of the word
}

// letterSet maps each letter of a word to one of 64 bits. A letter that one
// word has and the other lacks costs at least one edit, so the bits that
// differ give a cheap lower bound on the edit distance (letters sharing a
// bit can only make the bound lower), which skips most of the vocabulary
// before the exact count.
func letterSet(word []rune) uint64 {
	var set uint64
	for _, r := range word {
		set |= 1 << (uint(r) % 64)
	}
	return set
}

// maxCorrections is how many equally close known terms one mistyped word
// may stand for.
const maxCorrections = 3

func loadVocabulary(idx bleve.Index) (*vocabulary, error) {
	v := &vocabulary{freq: map[string]int{}, byLen: map[int][]knownWord{}, inField: map[string]map[string]struct{}{}}
	for _, f := range textFields {
		terms := map[string]struct{}{}
		v.inField[f.name] = terms
		dict, err := idx.FieldDict(f.name)
		if err != nil {
			return nil, fmt.Errorf("read %s terms: %w", f.name, err)
		}
		for {
			e, err := dict.Next()
			if err != nil {
				_ = dict.Close()
				return nil, fmt.Errorf("read %s terms: %w", f.name, err)
			}
			if e == nil {
				break
			}
			v.freq[e.Term] += int(e.Count)
			terms[e.Term] = struct{}{}
		}
		if err := dict.Close(); err != nil {
			return nil, fmt.Errorf("close %s terms: %w", f.name, err)
		}
	}
	words, err := loadWords(idx)
	if err != nil {
		return nil, err
	}
	for _, w := range words { // sorted, so equally good corrections come out the same way every time
		if v.known(w.term) {
			v.written = append(v.written, w)
			r := []rune(w.word)
			v.byLen[len(r)] = append(v.byLen[len(r)], knownWord{w, r, letterSet(r)})
		}
	}
	return v, nil
}

func (v *vocabulary) known(term string) bool { return v.freq[term] > 0 }

// has tells whether any article has term in field.
func (v *vocabulary) has(field, term string) bool {
	_, ok := v.inField[field][term]
	return ok
}

// maxCompletions bounds the written words looked at to complete a word
// being typed: a short prefix of a large index begins thousands of them.
const maxCompletions = 500

// complete returns the most used written word that begins with prefix
// (lower case, ё folded), or "".
func (v *vocabulary) complete(prefix string) string {
	i, _ := slices.BinarySearchFunc(v.written, prefix, func(w writtenWord, p string) int { return strings.Compare(w.word, p) })
	best, bestFreq := "", 0
	for _, w := range v.written[i:min(len(v.written), i+maxCompletions)] {
		if !strings.HasPrefix(w.word, prefix) {
			break
		}
		if f := v.freq[w.term]; f > bestFreq {
			best, bestFreq = w.word, f
		}
	}
	return best
}

// correction is a known term that a mistyped word may have meant.
type correction struct {
	term  string
	edits int
}

// nearest lists the terms of the written words closest to word (as typed,
// lower case, ё folded), at most maxEdits away, keeping only those at the
// smallest distance found, most used first. Words that are forms of own
// (the typed word's own term) are not corrections.
func (v *vocabulary) nearest(word, own string, maxEdits int) []correction {
	if maxEdits <= 0 {
		return nil
	}
	runes := []rune(word)
	letters := letterSet(runes)
	rows := newEditRows(len(runes) + maxEdits)
	best := maxEdits + 1
	var found []correction
	seen := map[string]bool{}
	for n := len(runes) - maxEdits; n <= len(runes)+maxEdits; n++ {
		for _, cand := range v.byLen[n] {
			if cand.term == own {
				continue
			}
			if bits.OnesCount64(letters&^cand.letters) > best || bits.OnesCount64(cand.letters&^letters) > best {
				continue
			}
			d := rows.distance(runes, cand.runes, best)
			switch {
			case d < best:
				best = d
				found = found[:0]
				clear(seen)
				fallthrough
			case d == best && d <= maxEdits:
				if !seen[cand.term] {
					seen[cand.term] = true
					found = append(found, correction{cand.term, d})
				}
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return v.freq[found[i].term] > v.freq[found[j].term] })
	if len(found) > maxCorrections {
		found = found[:maxCorrections]
	}
	return found
}

// editRows is the working memory of editDistance, reused across calls.
type editRows struct{ prev2, prev, cur []int }

func newEditRows(maxLen int) *editRows {
	return &editRows{make([]int, maxLen+1), make([]int, maxLen+1), make([]int, maxLen+1)}
}

// editDistance counts the single-letter insertions, deletions, substitutions
// and swaps of two neighbouring letters that turn a into b (the optimal
// string alignment distance). It gives up early and returns limit+1 once
// the distance is sure to exceed limit.
func editDistance(a, b []rune, limit int) int {
	return newEditRows(len(b)).distance(a, b, limit)
}

func (r *editRows) distance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	if len(b)+1 > len(r.cur) {
		*r = *newEditRows(len(b))
	}
	prev2, prev, cur := r.prev2[:len(b)+1], r.prev[:len(b)+1], r.cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			c := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				c = min(c, prev2[j-2]+1)
			}
			cur[j] = c
			rowMin = min(rowMin, c)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
