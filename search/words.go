package search

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"

	"parley/kb"
)

// Typo tolerance compares what was typed with the words of the articles as
// written, not with their stems: a stemmer cuts a mistyped ending its own
// way ("certificats" -> "certificat", but "certificates" -> "certif"), so
// two stems can be far apart when the words are one letter apart. Each
// distinct word of the articles is kept with its stem, computed once at
// build time and stored in the index.

// wordsKey is where an index keeps its article words and their stems.
var wordsKey = []byte("parley.help.words")

// writtenWord is a word of the articles, lower case with ё folded, and the
// term the index has it under.
type writtenWord struct {
	word string
	term string
}

// articleWords lists the distinct words of the articles that the analyzer
// keeps (stop words drop out), each with its term, sorted by word.
func articleWords(articles []*kb.Article, an analysis.Analyzer) []writtenWord {
	seen := map[string]bool{}
	var out []writtenWord
	for _, a := range articles {
		texts := append([]string{a.Title, sectionTitle(a), a.Summary, a.Text, a.AdminText}, a.Tags...)
		for _, text := range texts {
			for _, w := range foldedWords(text) {
				if seen[w] {
					continue
				}
				seen[w] = true
				if toks := an.Analyze([]byte(w)); len(toks) == 1 {
					out = append(out, writtenWord{word: w, term: string(toks[0].Term)})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].word < out[j].word })
	return out
}

// encodeWords stores words one a line as "word<TAB>term".
func encodeWords(words []writtenWord) []byte {
	var b bytes.Buffer
	for _, w := range words {
		b.WriteString(w.word)
		b.WriteByte('\t')
		b.WriteString(w.term)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeWords(data []byte) ([]writtenWord, error) {
	var out []writtenWord
	for line := range strings.Lines(string(data)) {
		word, term, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok {
			return nil, fmt.Errorf("bad word line %q", line)
		}
		out = append(out, writtenWord{word: word, term: term})
	}
	return out, nil
}

// loadWords reads the stored article words of an index.
func loadWords(idx bleve.Index) ([]writtenWord, error) {
	data, err := idx.GetInternal(wordsKey)
	if err != nil {
		return nil, fmt.Errorf("read article words: %w", err)
	}
	return decodeWords(data)
}
