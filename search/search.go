package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"parley/kb"
)

// Paging bounds.
const (
	defaultLimit = 10
	maxLimit     = 50
)

// Typo tolerance, in letters of the word as typed: one edit from five
// letters, two from nine; shorter words must be spelled right, since one
// edit turns most of them into other real words.
const (
	oneEditFrom  = 5
	twoEditsFrom = 9
)

// rescoreWindow is how many candidates of a large index are ranked in
// full (see rank).
const rescoreWindow = 100

// fewHits: an exact search finding fewer articles than this has found
// too little, and typo tolerance is tried.
const fewHits = 3

// correctionBoost weighs a known word standing in for a mistyped one,
// relative to a word as typed.
const correctionBoost = 0.7

// Search finds articles for q. When the text finds nothing it is tried
// again as typed on the other keyboard layout (see switchLayout), and then,
// if q.OtherLang is set, in the other language's articles, as typed and
// retyped; the results tell which of these found them.
func (ix *HelpIndex) Search(ctx context.Context, q HelpQuery) (HelpResults, error) {
	start := time.Now()
	li, err := ix.lang(q.Lang)
	if err != nil {
		return HelpResults{}, err
	}
	res, err := li.search(ctx, q.Text, q)
	if err != nil || res.Total > 0 || res.empty {
		res.Took = time.Since(start)
		return res.HelpResults, err
	}
	// What to try next, in order: the same articles as retyped, then the
	// other language's as typed and as retyped; but text in a language's
	// own alphabet is tried on that language first, since each language's
	// articles quote some words of the other (interface labels), which
	// would otherwise answer a query meant for the other language.
	type attempt struct {
		li   *langIndex
		text string
	}
	var tries []attempt
	retyped, switched := switchLayout(q.Text)
	if switched {
		tries = append(tries, attempt{li, retyped})
	}
	if q.OtherLang {
		other, err := ix.lang(kb.OtherLang(q.Lang))
		if err != nil {
			return HelpResults{}, err
		}
		tries = append(tries, attempt{other, q.Text})
		if switched {
			tries = append(tries, attempt{other, retyped})
		}
	}
	slices.SortStableFunc(tries, func(a, b attempt) int {
		return cmp.Compare(b2i(!a.li.ownScript(a.text)), b2i(!b.li.ownScript(b.text)))
	})
	for _, try := range tries {
		alt, err := try.li.search(ctx, try.text, q)
		if err != nil {
			return HelpResults{}, err
		}
		if alt.Total > 0 {
			alt.Query = q.Text
			if try.text != q.Text {
				alt.SearchedFor = try.text
			}
			alt.OtherLang = try.li != li
			alt.Took = time.Since(start)
			return alt.HelpResults, nil
		}
	}
	res.Took = time.Since(start)
	return res.HelpResults, nil
}

// ownScript tells whether most letters of text are of the language's
// own alphabet.
func (li *langIndex) ownScript(text string) bool {
	return majorityScript(text) == map[string]script{"ru": cyrillic, "en": latin}[li.lang]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// langResults are one language's results for one text.
type langResults struct {
	HelpResults
	empty bool // the text has no word to search for
}

// search finds articles of one language for text, under q's filters and
// paging.
func (li *langIndex) search(ctx context.Context, text string, q HelpQuery) (langResults, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(q.Offset, 0)

	res := langResults{HelpResults: HelpResults{Query: text, Lang: li.lang}}
	pq := parseQuery(text, li.analyzer)
	if len(pq.words) == 0 {
		res.empty = true
		return res, nil
	}
	hits, fuzzy, err := li.searchTolerant(ctx, pq, filterClauses(q), limit, offset)
	if err != nil {
		return langResults{}, err
	}
	res.Fuzzy = fuzzy
	res.Total = int(hits.total)
	for _, h := range hits.hits {
		a, ok := li.articles[h.id]
		if !ok {
			continue // the index and the base disagree only if the folder was tampered with
		}
		res.Results = append(res.Results, HelpResult{
			Slug: a.Slug, Lang: a.Lang, Title: a.Title, Section: a.Section, Audience: a.Audience, URL: a.URL(),
			Snippet: snippetFor(a, h.locations),
			Score:   h.score,
		})
	}
	return res, nil
}

// ranked is one article found, with its final score.
type ranked struct {
	id        string
	score     float64
	locations search.FieldTermLocationMap
}

// rankedPage is one page of results and how many articles matched.
type rankedPage struct {
	total uint64
	hits  []ranked
}

// rank finds the articles for the words of pq. bleve scores the words;
// on a large index it first picks the best rescoreWindow articles by a
// rough score (see roughQuery). The candidates are then scored in full,
// with where each word matched, which the snippets need, and their scores
// are raised for words that stand side by side as typed (see proximity).
// Checking that from the positions of the few candidates is cheap, where
// bleve's phrase queries walk every article that has both words.
func (li *langIndex) rank(ctx context.Context, pq parsedQuery, fixes map[string]fix, filters []query.Query, limit, offset int) (rankedPage, error) {
	words := li.buildQuery(pq, fixes, filters)
	if words == nil {
		return rankedPage{}, nil
	}
	window := max(rescoreWindow, offset+limit)
	candidates := words
	var total uint64
	if len(li.articles) > window {
		first, err := li.index.SearchInContext(ctx, bleve.NewSearchRequestOptions(li.roughQuery(pq, fixes, filters), window, 0, false))
		if err != nil {
			return rankedPage{}, fmt.Errorf("search %s help: %w", li.lang, err)
		}
		if len(first.Hits) == 0 {
			return rankedPage{}, nil
		}
		total = first.Total
		ids := make([]string, len(first.Hits))
		for i, h := range first.Hits {
			ids[i] = h.ID
		}
		only := query.NewDocIDQuery(ids)
		only.SetBoost(0) // it selects; it must not add to the score
		candidates = query.NewConjunctionQuery([]query.Query{only, li.buildQuery(pq, fixes, nil)})
	}
	req := bleve.NewSearchRequestOptions(candidates, window, 0, false)
	req.IncludeLocations = true
	res, err := li.index.SearchInContext(ctx, req)
	if err != nil {
		return rankedPage{}, fmt.Errorf("search %s help: %w", li.lang, err)
	}
	if total == 0 {
		total = res.Total
	}
	page := rankedPage{total: total, hits: make([]ranked, 0, len(res.Hits))}
	for _, h := range res.Hits {
		score := h.Score * (1 + proximityWeight*li.proximity(pq, fixes, h.Locations))
		page.hits = append(page.hits, ranked{id: h.ID, score: score, locations: h.Locations})
	}
	sort.SliceStable(page.hits, func(i, j int) bool { return page.hits[i].score > page.hits[j].score })
	if offset >= len(page.hits) {
		page.hits = nil
	} else {
		page.hits = page.hits[offset:min(len(page.hits), offset+limit)]
	}
	return page, nil
}

// searchTolerant searches exactly, and with typo tolerance when the exact
// search finds too little: fewer than fewHits articles, or a word long
// enough to be mistyped occurs in no article at all (a typo among correct
// words would otherwise be outvoted by them and never corrected). Words
// no article has are replaced by their nearest known terms; when there
// are none, the known words get their nearest neighbours instead, which
// count only if they find more. It reports whether corrections were used.
func (li *langIndex) searchTolerant(ctx context.Context, pq parsedQuery, filters []query.Query, limit, offset int) (rankedPage, bool, error) {
	fixes := li.unknownWordFixes(pq)
	if len(fixes) > 0 {
		// The exact search is skipped: its clauses are all in the corrected
		// one, so it could not find anything the corrected one misses.
		hits, err := li.rank(ctx, pq, fixes, filters, limit, offset)
		return hits, err == nil && hits.total > 0, err
	}
	hits, err := li.rank(ctx, pq, nil, filters, limit, offset)
	if err != nil || (hits.total >= fewHits && !li.hasUnknownWord(pq)) {
		return hits, false, err
	}
	fixes = li.knownWordFixes(pq)
	if len(fixes) == 0 {
		return hits, false, nil
	}
	wider, err := li.rank(ctx, pq, fixes, filters, limit, offset)
	if err != nil {
		return rankedPage{}, false, err
	}
	if wider.total > hits.total {
		return wider, true, nil
	}
	return hits, false, nil
}

// fix is what typo tolerance does with one typed word.
type fix struct {
	keep bool         // the word is known and still searched for itself
	to   []correction // known terms it may have been meant as
}

// hasUnknownWord tells whether a word long enough to be mistyped occurs
// in no article.
func (li *langIndex) hasUnknownWord(pq parsedQuery) bool {
	for _, w := range pq.words {
		if allowedEdits(w.letters) > 0 && !li.vocab.known(w.term) {
			return true
		}
	}
	return false
}

// maxCorrectedWords bounds the typo-tolerance work of one query: looking
// for a word's neighbours costs a pass over the vocabulary.
const maxCorrectedWords = 8

// unknownWordFixes corrects the words that no article has.
func (li *langIndex) unknownWordFixes(pq parsedQuery) map[string]fix {
	fixes := map[string]fix{}
	tried := 0
	for _, w := range pq.words {
		if n := allowedEdits(w.letters); n > 0 && !li.vocab.known(w.term) && tried < maxCorrectedWords {
			tried++
			if c := li.vocab.nearest(w.typed, w.term, n); len(c) > 0 {
				fixes[w.term] = fix{to: c}
			}
		}
	}
	return fixes
}

// knownWordFixes adds the nearest other known terms to each word.
func (li *langIndex) knownWordFixes(pq parsedQuery) map[string]fix {
	fixes := map[string]fix{}
	for _, w := range pq.words[:min(len(pq.words), maxCorrectedWords)] {
		if c := li.vocab.nearest(w.typed, w.term, allowedEdits(w.letters)); len(c) > 0 {
			fixes[w.term] = fix{keep: true, to: c}
		}
	}
	return fixes
}

// allowedEdits is how many typos a word of this many letters may carry.
func allowedEdits(letters int) int {
	switch {
	case letters >= twoEditsFrom:
		return 2
	case letters >= oneEditFrom:
		return 1
	}
	return 0
}

// buildQuery asks bleve for the words (each searched in every text field,
// a mistyped one by its corrections) under the filters. Every word-in-field
// is one clause of a flat disjunction: bleve sums the scores of the
// clauses an article matches and scales the sum by the share of clauses
// matched, which rewards articles that have more of the words, in more of
// the weighty fields. (Nesting words over fields was tried too and ranked
// a little worse.) Clauses for terms a field does not have at all are
// left out: they could only shrink every article's share by the same
// factor, and each costs a term reader. It returns nil when nothing can
// match.
func (li *langIndex) buildQuery(pq parsedQuery, fixes map[string]fix, filters []query.Query) query.Query {
	var clauses []query.Query
	for _, w := range pq.words {
		alts := alternatives(w.term, fixes)
		for _, f := range textFields {
			var ors []query.Query
			for _, a := range alts {
				if li.vocab.has(f.name, a.term) {
					ors = append(ors, termIn(a.term, f.name, f.boost*a.weight))
				}
			}
			if len(ors) > 0 {
				clauses = append(clauses, anyOf(ors))
			}
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	q := anyOf(clauses)
	if len(filters) > 0 {
		q = query.NewConjunctionQuery(append([]query.Query{q}, filters...))
	}
	return q
}

// roughQuery asks for the words in all text fields at once (bleve's _all
// field): one term reader a word instead of one a word and field, which
// makes picking the candidates of a large index several times cheaper.
// Its scores ignore the field boosts; the candidates' final order does
// not.
func (li *langIndex) roughQuery(pq parsedQuery, fixes map[string]fix, filters []query.Query) query.Query {
	var clauses []query.Query
	for _, w := range pq.words {
		var ors []query.Query
		for _, a := range alternatives(w.term, fixes) {
			if li.vocab.known(a.term) {
				ors = append(ors, termIn(a.term, fieldAll, a.weight))
			}
		}
		if len(ors) > 0 {
			clauses = append(clauses, anyOf(ors))
		}
	}
	q := anyOf(clauses)
	if len(filters) > 0 {
		q = query.NewConjunctionQuery(append([]query.Query{q}, filters...))
	}
	return q
}

// corrected lets each place of a phrase hold the corrections of its word.
func corrected(p phrase, fixes map[string]fix) phrase {
	if len(fixes) == 0 {
		return p
	}
	out := make(phrase, len(p))
	for i, slot := range p {
		for _, term := range slot {
			for _, a := range alternatives(term, fixes) {
				out[i] = append(out[i], a.term)
			}
		}
	}
	return out
}

// weightedTerm is an index term and how much a match of it counts.
type weightedTerm struct {
	term   string
	weight float64
}

// alternatives are the terms that stand for a typed word: itself, and its
// corrections if it has any. A word that no article has is replaced by its
// corrections, since matching it is impossible anyway.
func alternatives(term string, fixes map[string]fix) []weightedTerm {
	var alts []weightedTerm
	f, fixed := fixes[term]
	if !fixed || f.keep {
		alts = append(alts, weightedTerm{term, 1})
	}
	for _, c := range f.to {
		alts = append(alts, weightedTerm{c.term, correctionBoost})
	}
	return alts
}

// anyOf matches what any of qs matches; bleve scales the sum of the
// matching parts' scores by the share of parts that matched.
func anyOf(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func termIn(term, field string, boost float64) query.Query {
	t := query.NewTermQuery(term)
	t.SetField(field)
	t.SetBoost(boost)
	return t
}

// filterClauses restricts results by section, audience and platform. A
// value no article has simply matches nothing.
func filterClauses(q HelpQuery) []query.Query {
	var fs []query.Query
	if q.Section != "" {
		fs = append(fs, termIn(q.Section, fieldSectionID, 0))
	}
	if q.Audience != "" {
		fs = append(fs, termIn(q.Audience, fieldAudience, 0))
	}
	if q.Platform != "" {
		fs = append(fs, query.NewDisjunctionQuery([]query.Query{
			termIn(q.Platform, fieldPlatform, 0),
			termIn(anyPlatform, fieldPlatform, 0),
		}))
	}
	return fs
}
