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

// Suggestions run on every keystroke, so they are answered from a small
// in-memory index of title words rather than by a bleve search.

// maxSuggestWords bounds the words of typed text looked at.
const maxSuggestWords = 16

// titleIndex finds articles by the words of their titles.
type titleIndex struct {
	titles   []indexedTitle
	words    []titleWord // every title word, sorted, for prefix lookups
	byFolded []int       // indexes into titles, sorted by folded title
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
	order int // the word's place in the title
}

func newTitleIndex(articles []*kb.Article, an analysis.Analyzer) *titleIndex {
	ti := &titleIndex{}
	for i, a := range articles {
		words := foldedWords(a.Title)
		t := indexedTitle{article: a, folded: strings.Join(words, " "), words: words, stems: map[string]bool{}}
		for _, tok := range an.Analyze([]byte(a.Title)) {
			t.stems[string(tok.Term)] = true
		}
		for j, w := range words {
			ti.words = append(ti.words, titleWord{word: w, title: i, order: j})
		}
		ti.titles = append(ti.titles, t)
	}
	sort.Slice(ti.words, func(i, j int) bool { return ti.words[i].word < ti.words[j].word })
	for i := range ti.titles {
		ti.byFolded = append(ti.byFolded, i)
	}
	sort.Slice(ti.byFolded, func(i, j int) bool { return ti.titles[ti.byFolded[i]].folded < ti.titles[ti.byFolded[j]].folded })
	return ti
}

// startingWith lists the titles that begin with prefix.
func (ti *titleIndex) startingWith(prefix string) []int {
	i := sort.Search(len(ti.byFolded), func(i int) bool { return ti.titles[ti.byFolded[i]].folded >= prefix })
	j := i
	for j < len(ti.byFolded) && strings.HasPrefix(ti.titles[ti.byFolded[j]].folded, prefix) {
		j++
	}
	return ti.byFolded[i:j]
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
	return li.titles.suggest(text, li.analyzer, limit), nil
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
	last, _ := utf8.DecodeLastRuneInString(text)
	if isWordRune(last) {
		partial, words = words[len(words)-1], words[:len(words)-1]
	}

	// firstMatch[t] is 1 + the place in title t of its first word that
	// begins with the word being typed; 0 for titles without one.
	firstMatch := make([]int32, len(ti.titles))
	var touched []int
	if prefixed := ti.startingWith(typed); len(prefixed) >= limit {
		// Titles that begin with the text typed come first, and there are
		// enough of them: no need to look at the others. (Short prefixes
		// on a large index would otherwise touch thousands of titles.)
		touched = prefixed
		for _, i := range prefixed {
			firstMatch[i] = int32(ti.titles[i].firstWordWithPrefix(partial)) + 1
		}
	} else if partial != "" {
		i := sort.Search(len(ti.words), func(i int) bool { return ti.words[i].word >= partial })
		for ; i < len(ti.words) && strings.HasPrefix(ti.words[i].word, partial); i++ {
			w := ti.words[i]
			if firstMatch[w.title] == 0 {
				touched = append(touched, w.title)
				firstMatch[w.title] = int32(w.order) + 1
			} else {
				firstMatch[w.title] = min(firstMatch[w.title], int32(w.order)+1)
			}
		}
	} else {
		for i := range ti.titles {
			touched = append(touched, i)
			firstMatch[i] = 1
		}
	}

	finished := make([]finishedWord, len(words))
	for i, w := range words {
		finished[i].word = w
		if toks := an.Analyze([]byte(w)); len(toks) > 0 {
			finished[i].stem = string(toks[0].Term)
		}
	}
	// Only the best limit titles are kept, in order: a title is better
	// when it starts with what was typed, then when the word being typed
	// matched nearer its start, then when it is shorter, then by alphabet.
	var out []suggestRank
	for _, i := range touched {
		t := ti.titles[i]
		if !t.hasAll(finished) {
			continue
		}
		r := suggestRank{title: i, notPrefix: !strings.HasPrefix(t.folded, typed), order: int(firstMatch[i]), folded: t.folded}
		at, _ := slices.BinarySearchFunc(out, r, compareSuggestRanks)
		if at < limit {
			out = slices.Insert(out, at, r)
			if len(out) > limit {
				out = out[:limit]
			}
		}
	}
	sugs := make([]Suggestion, 0, len(out))
	for _, c := range out {
		a := ti.titles[c.title].article
		sugs = append(sugs, Suggestion{Slug: a.Slug, Title: a.Title, URL: a.URL()})
	}
	return sugs
}

// suggestRank is what orders suggestions.
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

// finishedWord is a word typed in full, and its stem ("" for a stop word).
type finishedWord struct{ word, stem string }

// hasAll tells whether every finished word is in the title: a title word
// shares its stem, or begins with the word or with its stem (so that
// "очистить" finds "Очистка"). Stop words that the title lacks are passed
// over ("как", "the").
func (t indexedTitle) hasAll(words []finishedWord) bool {
	for _, w := range words {
		if w.stem == "" || t.stems[w.stem] || t.hasWordPrefix(w.word) || t.hasWordPrefix(w.stem) {
			continue
		}
		return false
	}
	return true
}

// firstWordWithPrefix is the place of the first title word that begins
// with p (0 when p is empty or no word does).
func (t indexedTitle) firstWordWithPrefix(p string) int {
	for i, w := range t.words {
		if strings.HasPrefix(w, p) {
			return i
		}
	}
	return 0
}

func (t indexedTitle) hasWordPrefix(p string) bool {
	for _, w := range t.words {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
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
