package search

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"parley/kb"
)

// syntheticCorpus makes n pseudo-articles per language out of the real
// articles' words, for measuring the index at a size the knowledge base
// may grow to. Runs of one to six consecutive words are copied from the
// real texts, so word frequencies and common word pairs stay realistic.
// The same seed gives the same corpus, so a benchmark's child process can
// rebuild the exact articles its parent indexed.
func syntheticCorpus(base *kb.Base, n int, seed uint64) map[string][]*kb.Article {
	out := map[string][]*kb.Article{}
	for li, lang := range kb.Languages {
		rng := rand.New(rand.NewPCG(seed, uint64(li)))
		src := collectVocabulary(base.Articles(lang))
		list := make([]*kb.Article, 0, n)
		for i := range n {
			a := &kb.Article{
				Slug:     fmt.Sprintf("synthetic-%05d", i),
				Lang:     lang,
				Title:    capitalise(src.run(rng, src.titleWords, 3+rng.IntN(5))),
				Section:  kb.Sections[rng.IntN(len(kb.Sections))].ID,
				Audience: kb.Audiences[rng.IntN(len(kb.Audiences))],
				Summary:  capitalise(src.run(rng, src.bodyWords, 10+rng.IntN(12))) + ".",
			}
			if rng.IntN(3) == 0 {
				a.Platforms = []string{kb.Platforms[rng.IntN(len(kb.Platforms))]}
			}
			for range 3 + rng.IntN(5) {
				a.Tags = append(a.Tags, src.tags[rng.IntN(len(src.tags))])
			}
			a.Text = src.paragraphs(rng, 200+rng.IntN(400))
			if rng.IntN(5) == 0 {
				a.AdminText = src.paragraphs(rng, 40+rng.IntN(120))
			}
			list = append(list, a)
		}
		out[lang] = list
	}
	return out
}

// corpusWords are the raw materials of one language's pseudo-articles.
type corpusWords struct {
	titleWords []string
	bodyWords  []string
	tags       []string
}

func collectVocabulary(articles []*kb.Article) corpusWords {
	var w corpusWords
	for _, a := range articles {
		w.titleWords = append(w.titleWords, strings.Fields(a.Title)...)
		w.bodyWords = append(w.bodyWords, strings.Fields(a.Text+"\n"+a.AdminText)...)
		w.tags = append(w.tags, a.Tags...)
	}
	return w
}

// run copies count words made of short runs taken from random places.
func (corpusWords) run(rng *rand.Rand, from []string, count int) string {
	var out []string
	for len(out) < count {
		at := rng.IntN(len(from))
		for k := 0; k < 1+rng.IntN(6) && at+k < len(from) && len(out) < count; k++ {
			out = append(out, from[at+k])
		}
	}
	return strings.Join(out, " ")
}

// paragraphs writes about words words as sentences grouped in paragraphs,
// one paragraph a line like kb.Article.Text.
func (w corpusWords) paragraphs(rng *rand.Rand, words int) string {
	var b strings.Builder
	for written := 0; written < words; {
		for s := 0; s < 2+rng.IntN(4) && written < words; s++ {
			n := 6 + rng.IntN(12)
			b.WriteString(capitalise(w.run(rng, w.bodyWords, n)))
			b.WriteString(". ")
			written += n
		}
		b.WriteString("\n")
	}
	return strings.Clone(strings.TrimSpace(b.String())) // without the builder's spare capacity
}

func capitalise(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}
