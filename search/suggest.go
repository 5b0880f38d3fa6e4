package search

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"parley/kb"
)

// Suggestions run on every keystroke. Titles that begin with, or hold, the
// words typed come first, from a small in-memory index of title words;
// when they are fewer than asked for, the search itself fills the list,
// with the word being typed completed to the most used word it begins, so
// that a question in one's own words ("не приходят уведомл…") is answered
// while it is typed and not only titles quoted from their first letters.

// maxSuggestWords bounds the words of typed text looked at.
const maxSuggestWords = 16

// titleIndex finds articles by the words of their titles.
type titleIndex struct {
	titles   []indexedTitle
	words    []titleWord      // every title word, sorted, for prefix lookups
	byStem   map[string][]int // title stem -> the titles that have it
	byFolded []int            // indexes into titles, sorted by folded title
}

type indexedTitle struct {
	article *kb.Article
	folded  string          // the title in lower case with ё folded
	words   []string        // its words, likewise
	stems   map[string]bool // its words as the search index stores them
}

type titleWord struct {
	word  string
	title int // index into titles
}

func newTitleIndex(articles []*kb.Article, an analysis.Analyzer) *titleIndex {
	ti := &titleIndex{byStem: map[string][]int{}}
	for i, a := range articles {
		words := foldedWords(a.Title)
		t := indexedTitle{article: a, folded: strings.Join(words, " "), words: words, stems: map[string]bool{}}
		for _, tok := range an.Analyze([]byte(a.Title)) {
			if stem := string(tok.Term); !t.stems[stem] {
				t.stems[stem] = true
				ti.byStem[stem] = append(ti.byStem[stem], i)
			}
		}
		for _, w := range words {
			ti.words = append(ti.words, titleWord{word: w, title: i})
		}
		ti.titles = append(ti.titles, t)
		ti.byFolded = append(ti.byFolded, i)
	}
	sort.Slice(ti.words, func(i, j int) bool { return ti.words[i].word < ti.words[j].word })
	sort.Slice(ti.byFolded, func(i, j int) bool { return ti.titles[ti.byFolded[i]].folded < ti.titles[ti.byFolded[j]].folded })
	return ti
}

// Suggest is search-as-you-type: titles matching a prefix of what is typed
// so far (last word may be partial). Every finished word must be in the
// title (in any inflection); the word being typed must begin a title word.
func (ix *HelpIndex) Suggest(ctx context.Context, lang, text string, limit int) ([]Suggestion, error) {
	li, err := ix.lang(lang)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	sugs := li.titles.suggest(text, li.analyzer, limit)
	if len(sugs) >= limit {
		return sugs, nil
	}
	// The text with its last word completed; failing that, as typed, which
	// Search may still find on the other keyboard layout.
	var res HelpResults
	for _, typed := range slices.Compact([]string{li.completed(text), strings.TrimSpace(text)}) {
		if typed == "" {
			continue
		}
		if res, err = ix.Search(ctx, HelpQuery{Text: typed, Lang: lang, Limit: limit}); err != nil {
			return nil, err
		}
		if res.Total > 0 {
			break
		}
	}
	for _, r := range res.Results {
		if len(sugs) == limit {
			break
		}
		if !slices.ContainsFunc(sugs, func(s Suggestion) bool { return s.Slug == r.Slug }) {
			sugs = append(sugs, Suggestion{Slug: r.Slug, Title: r.Title, URL: r.URL})
		}
	}
	return sugs, nil
}

// minCompletedLetters is how much of a word must be typed before it is
// completed: one or two letters begin too many words to guess from.
const minCompletedLetters = 3

// completed is text with its last word, when it is still being typed (no
// space or punctuation after it), replaced by the most used known word it
// begins, or dropped when it begins none or is too short to guess from.
func (li *langIndex) completed(text string) string {
	if len(text) > maxQueryBytes {
		text = strings.ToValidUTF8(text[len(text)-maxQueryBytes:], "")
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	if !isWordRune(last) {
		return strings.TrimSpace(text)
	}
	cut := strings.LastIndexFunc(text, func(r rune) bool { return !isWordRune(r) }) + 1
	head, partial := text[:cut], foldWord(text[cut:])
	if toks := li.analyzer.Analyze([]byte(partial)); len(toks) == 1 && li.vocab.known(string(toks[0].Term)) {
		return text // a whole word already
	}
	if utf8.RuneCountInString(partial) >= minCompletedLetters {
		if word := li.vocab.complete(partial); word != "" {
			return head + word
		}
	}
	return strings.TrimSpace(head)
}

// finishedWord is a word typed in full, and its stem ("" for a stop word).
type finishedWord struct{ word, stem string }

// suggestRank is what orders suggestions: a title is better when it starts
// with what was typed, then when the word being typed matched nearer its
// start, then when it is shorter, then by alphabet.
type suggestRank struct {
	title     int
	notPrefix bool
	order     int
	folded    string
}

func compareSuggestRanks(a, b suggestRank) int {
	if a.notPrefix != b.notPrefix {
		if a.notPrefix {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(len(a.folded), len(b.folded)), strings.Compare(a.folded, b.folded))
}

func (ti *titleIndex) suggest(text string, an analysis.Analyzer, limit int) []Suggestion {
	// What matters while typing is the end of the text.
	if len(text) > maxQueryBytes {
		text = strings.ToValidUTF8(text[len(text)-maxQueryBytes:], "")
	}
	words := foldedWords(text)
	if len(words) == 0 {
		return nil
	}
	if len(words) > maxSuggestWords {
		words = words[len(words)-maxSuggestWords:]
	}
	typed := strings.Join(words, " ")
	partial := ""
	if last, _ := utf8.DecodeLastRuneInString(text); isWordRune(last) {
		partial, words = words[len(words)-1], words[:len(words)-1]
	}
	finished := make([]finishedWord, len(words))
	for i, w := range words {
		finished[i].word = w
		if toks := an.Analyze([]byte(w)); len(toks) > 0 {
			finished[i].stem = string(toks[0].Term)
		}
	}

	var out []suggestRank // the best limit titles, best first
	for _, i := range ti.candidates(typed, partial, finished, limit) {
		t := ti.titles[i]
		order := 0
		if partial != "" {
			if order = t.firstWordWithPrefix(partial); order < 0 {
				continue
			}
		}
		if !t.hasAll(finished) {
			continue
		}
		r := suggestRank{title: i, notPrefix: !strings.HasPrefix(t.folded, typed), order: order, folded: t.folded}
		if at, _ := slices.BinarySearchFunc(out, r, compareSuggestRanks); at < limit {
			out = slices.Insert(out, at, r)
			out = out[:min(len(out), limit)]
		}
	}
	sugs := make([]Suggestion, 0, len(out))
	for _, r := range out {
		a := ti.titles[r.title].article
		sugs = append(sugs, Suggestion{Slug: a.Slug, Title: a.Title, URL: a.URL()})
	}
	return sugs
}

// candidates narrows the titles to check, cheaply, to a set that holds
// every title that can match. Titles that start with the text typed rank
// first, so when there are limit of them the others need no look. Else
// the smallest of these sets is taken: titles with a word that begins
// with the word being typed, or for a finished word, titles with a word
// that begins with it or its stem, or that has its stem. On a large index
// a short word matches thousands of titles; a rarer one narrows them fast.
func (ti *titleIndex) candidates(typed, partial string, finished []finishedWord, limit int) []int {
	if prefixed := ti.startingWith(typed); len(prefixed) >= limit {
		return prefixed
	}
	type wordSets [][2]int // ranges of ti.words
	var best wordSets
	var bestStem string
	bestSize := -1
	consider := func(sets wordSets, stem string) {
		size := len(ti.byStem[stem])
		for _, r := range sets {
			size += r[1] - r[0]
		}
		if bestSize < 0 || size < bestSize {
			best, bestStem, bestSize = sets, stem, size
		}
	}
	if partial != "" {
		consider(wordSets{ti.wordsWithPrefix(partial)}, "")
	}
	for _, w := range finished {
		if w.stem != "" {
			consider(wordSets{ti.wordsWithPrefix(w.word), ti.wordsWithPrefix(w.stem)}, w.stem)
		}
	}
	if bestSize < 0 { // only stop words, finished
		return ti.byFolded
	}
	var out []int
	for _, r := range best {
		for _, w := range ti.words[r[0]:r[1]] {
			out = append(out, w.title)
		}
	}
	out = append(out, ti.byStem[bestStem]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// wordsWithPrefix is the range of ti.words that begin with p.
func (ti *titleIndex) wordsWithPrefix(p string) [2]int {
	i := sort.Search(len(ti.words), func(i int) bool { return ti.words[i].word >= p })
	j := i + sort.Search(len(ti.words)-i, func(k int) bool { return !strings.HasPrefix(ti.words[i+k].word, p) })
	return [2]int{i, j}
}

// startingWith lists the titles that begin with prefix.
func (ti *titleIndex) startingWith(prefix string) []int {
	i := sort.Search(len(ti.byFolded), func(i int) bool { return ti.titles[ti.byFolded[i]].folded >= prefix })
	j := i + sort.Search(len(ti.byFolded)-i, func(k int) bool {
		return !strings.HasPrefix(ti.titles[ti.byFolded[i+k]].folded, prefix)
	})
	return ti.byFolded[i:j]
}

// hasAll tells whether every finished word is in the title: a title word
// shares its stem, or begins with the word or with its stem (so that
// "очистить" finds "Очистка"). Stop words that the title lacks are passed
// over ("как", "the").
func (t indexedTitle) hasAll(words []finishedWord) bool {
	for _, w := range words {
		if w.stem == "" || t.stems[w.stem] || t.firstWordWithPrefix(w.word) >= 0 || t.firstWordWithPrefix(w.stem) >= 0 {
			continue
		}
		return false
	}
	return true
}

// firstWordWithPrefix is the place of the first title word that begins
// with p, or -1.
func (t indexedTitle) firstWordWithPrefix(p string) int {
	for i, w := range t.words {
		if strings.HasPrefix(w, p) {
			return i
		}
	}
	return -1
}

// foldedWords splits text into lower-case words with ё written as е.
func foldedWords(text string) []string {
	f := strings.FieldsFunc(text, func(r rune) bool { return !isWordRune(r) })
	for i, w := range f {
		f[i] = foldWord(w)
	}
	return f
}

// foldWord writes a word in lower case with ё as е, as the analyzers do.
func foldWord(w string) string { return strings.ReplaceAll(strings.ToLower(w), "ё", "е") }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
