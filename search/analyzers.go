package search

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names under which our analysis parts are registered with bleve. An
// existing index stores these names in its mapping, so they must stay
// stable (bump indexSchema when what they do changes).
const (
	analyzerRU    = "parley_ru"
	analyzerEN    = "parley_en"
	filterFoldYo  = "parley_fold_yo"
	filterStemmer = "parley_script_stemmer"
	filterStopRU  = "parley_stop_ru"
	filterStopEN  = "parley_stop_en"
	filterSplit   = "parley_split_compounds"
)

// analyzerFor maps a knowledge-base language to its analyzer.
var analyzerFor = map[string]string{"ru": analyzerRU, "en": analyzerEN}

func init() {
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("search: register analysis: %v", err))
		}
	}
	must(registry.RegisterTokenFilter(filterFoldYo, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldYoFilter{}, nil
	}))
	must(registry.RegisterTokenFilter(filterStemmer, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return scriptStemmer{russian: ru.NewRussianStemmerFilter(), english: porter.NewPorterStemmer()}, nil
	}))
	must(registry.RegisterTokenFilter(filterStopRU, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return russianStopFilter()
	}))
	must(registry.RegisterTokenFilter(filterStopEN, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return englishStopFilter()
	}))
	must(registry.RegisterTokenFilter(filterSplit, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return compoundFilter{}, nil
	}))
	must(registry.RegisterAnalyzer(analyzerRU, func(_ map[string]any, c *registry.Cache) (analysis.Analyzer, error) {
		return buildAnalyzer(c, lowercase.Name, filterSplit, filterFoldYo, filterStopRU, filterStemmer)
	}))
	must(registry.RegisterAnalyzer(analyzerEN, func(_ map[string]any, c *registry.Cache) (analysis.Analyzer, error) {
		return buildAnalyzer(c, en.PossessiveName, lowercase.Name, filterSplit, filterFoldYo, filterStopEN, filterStemmer)
	}))
}

// buildAnalyzer chains the Unicode word tokenizer with the named filters.
func buildAnalyzer(c *registry.Cache, filters ...string) (analysis.Analyzer, error) {
	tok, err := c.TokenizerNamed(unicodetok.Name)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", unicodetok.Name, err)
	}
	a := &analysis.DefaultAnalyzer{Tokenizer: tok}
	for _, name := range filters {
		f, err := c.TokenFilterNamed(name)
		if err != nil {
			return nil, fmt.Errorf("token filter %s: %w", name, err)
		}
		a.TokenFilters = append(a.TokenFilters, f)
	}
	return a, nil
}

// foldYoFilter writes ё as е: Russian text uses both spellings for the same
// word ("ещё"/"еще", "учётная"/"учетная"), and people type the second. Both
// letters take two bytes in UTF-8, so token offsets stay true to the text.
type foldYoFilter struct{}

var (
	yoLower = []byte("ё")
	yeLower = []byte("е")
)

func (foldYoFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if bytes.Contains(t.Term, yoLower) {
			t.Term = bytes.ReplaceAll(t.Term, yoLower, yeLower)
		}
	}
	return in
}

// scriptStemmer stems each word by its own alphabet: Russian articles are
// full of English product words (Smart Apps, push, logs) and English
// articles quote Russian button labels, so one language's stemmer alone
// would leave the other's inflections unmatched.
type scriptStemmer struct {
	russian analysis.TokenFilter
	english analysis.TokenFilter
}

func (s scriptStemmer) Filter(in analysis.TokenStream) analysis.TokenStream {
	one := make(analysis.TokenStream, 1)
	for _, t := range in {
		if t.KeyWord { // a whole compound word (see compoundFilter)
			continue
		}
		one[0] = t
		switch wordScript(t.Term) {
		case cyrillic:
			s.russian.Filter(one)
		case latin:
			s.english.Filter(one)
		}
	}
	return in
}

type script int

const (
	otherScript script = iota
	latin
	cyrillic
)

// wordScript is the alphabet of a word's first letter.
func wordScript(term []byte) script {
	for len(term) > 0 {
		r, n := utf8.DecodeRune(term)
		term = term[n:]
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			return cyrillic
		case unicode.Is(unicode.Latin, r):
			return latin
		}
	}
	return otherScript
}
