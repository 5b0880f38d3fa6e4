package search

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/ru"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
)

// Help-center queries are mostly questions. Snowball's stop lists hold only
// some forms of the question words ("какой" but not "какие"), so the other
// forms and the question fillers are added; otherwise "какие", "почему" or
// "what does … mean" would rank articles by how often they ask questions.
var (
	extraRussianStopWords = strings.Fields(`
		какие каких каким какими какую каком какое какого какому
		такое такая такие такого это значит почему сколько
		который которая которое которые которых которым
		нужно нужен нужна могу хочу ещё`)
	extraEnglishStopWords = strings.Fields(`can does mean`)
)

// stopFilter builds a stop filter from a Snowball list plus extra words,
// with ё folded as the filter before it folds the text.
func stopFilter(list []byte, extra []string) (analysis.TokenFilter, error) {
	words := analysis.NewTokenMap()
	if err := words.LoadBytes(list); err != nil {
		return nil, fmt.Errorf("load stop words: %w", err)
	}
	for _, w := range extra {
		words.AddToken(w)
	}
	folded := analysis.NewTokenMap()
	for w := range words {
		folded.AddToken(strings.ReplaceAll(w, "ё", "е"))
	}
	return stop.NewStopTokensFilter(folded), nil
}

func russianStopFilter() (analysis.TokenFilter, error) {
	return stopFilter(ru.RussianStopWords, extraRussianStopWords)
}

func englishStopFilter() (analysis.TokenFilter, error) {
	return stopFilter(en.EnglishStopWords, extraEnglishStopWords)
}
