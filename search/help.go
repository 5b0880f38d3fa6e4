// Package search holds the help center's full-text search: one bleve index
// per knowledge-base language, kept in the data directory and rebuilt only
// when the embedded articles change.
package search

import (
	"errors"
	"fmt"
	"html/template"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"

	"parley/kb"
)

// ErrUnknownLang is returned for a language the knowledge base is not written in.
var ErrUnknownLang = errors.New("search: unknown language")

// HelpQuery is one help-center search.
type HelpQuery struct {
	Text     string // what the user typed; may contain "quoted phrases"
	Lang     string // "ru" or "en" (required; other values -> error ErrUnknownLang)
	Section  string // optional filter: kb section id
	Audience string // optional filter: "user" or "admin"
	Platform string // optional filter: web|desktop|android|ios|server (articles with no platforms match every platform)
	Limit    int    // default 10, max 50
	Offset   int
	// OtherLang lets a search that finds nothing in Lang offer the other
	// language's articles instead (see HelpResults.OtherLang).
	OtherLang bool
}

// HelpResult is one article found.
type HelpResult struct {
	Slug, Lang, Title string
	Section           string // the kb section id
	Audience, URL     string
	// Snippet is HTML-escaped text with matched words wrapped in
	// <mark>…</mark>; never raw article markup.
	Snippet template.HTML
	Score   float64
}

// HelpResults is one page of results.
type HelpResults struct {
	Query   string
	Lang    string // the language of the articles found
	Total   int
	Took    time.Duration
	Fuzzy   bool // typo tolerance was used to find these
	Results []HelpResult
	// SearchedFor is set when the text as typed found nothing and these
	// are the results for it retyped on the other keyboard layout.
	SearchedFor string
	// OtherLang is set when nothing was found in the query's language and
	// these are articles in the other one (HelpQuery.OtherLang).
	OtherLang bool
}

// Suggestion is an article title offered while the user types.
type Suggestion struct{ Slug, Title, URL string }

// HelpIndex searches the help articles of every language.
type HelpIndex struct {
	langs   map[string]*langIndex
	rebuilt bool
}

// langIndex is everything needed to search one language.
type langIndex struct {
	lang     string
	index    bleve.Index
	analyzer analysis.Analyzer
	articles map[string]*kb.Article
	vocab    *vocabulary
	titles   *titleIndex
}

// OpenHelp opens (or builds) the help index under dir (e.g. DATA/index/help).
// It rebuilds only when base.Hash differs from the hash stored in the index,
// so a restart with an existing index is fast.
func OpenHelp(dir string, base *kb.Base) (*HelpIndex, error) {
	byLang := map[string][]*kb.Article{}
	for _, lang := range kb.Languages {
		byLang[lang] = base.Articles(lang)
	}
	return openHelp(dir, base.Hash, byLang)
}

// openHelp is OpenHelp for any set of articles; benchmarks feed it a
// generated corpus.
func openHelp(dir, hash string, byLang map[string][]*kb.Article) (*HelpIndex, error) {
	ix := &HelpIndex{langs: map[string]*langIndex{}}
	stamp := indexSchema + " " + hash
	for _, lang := range kb.Languages {
		li, rebuilt, err := openLang(filepath.Join(dir, lang), lang, stamp, byLang[lang])
		if err != nil {
			_ = ix.Close()
			return nil, fmt.Errorf("open %s help index: %w", lang, err)
		}
		ix.langs[lang] = li
		ix.rebuilt = ix.rebuilt || rebuilt
	}
	return ix, nil
}

func openLang(path, lang, stamp string, articles []*kb.Article) (*langIndex, bool, error) {
	idx, rebuilt, err := openOrBuild(path, lang, stamp, articles)
	if err != nil {
		return nil, false, err
	}
	li := &langIndex{lang: lang, index: idx, articles: make(map[string]*kb.Article, len(articles))}
	for _, a := range articles {
		li.articles[a.Slug] = a
	}
	if li.analyzer = idx.Mapping().AnalyzerNamed(analyzerFor[lang]); li.analyzer == nil {
		_ = idx.Close()
		return nil, false, fmt.Errorf("analyzer %s is not registered", analyzerFor[lang])
	}
	if li.vocab, err = loadVocabulary(idx); err != nil {
		_ = idx.Close()
		return nil, false, err
	}
	li.titles = newTitleIndex(articles, li.analyzer)
	return li, rebuilt, nil
}

// Rebuilt tells whether opening had to build an index instead of reusing
// the one on disk.
func (ix *HelpIndex) Rebuilt() bool { return ix.rebuilt }

// Close releases the indexes.
func (ix *HelpIndex) Close() error {
	var errs []error
	for lang, li := range ix.langs {
		if err := li.index.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s help index: %w", lang, err))
		}
	}
	return errors.Join(errs...)
}

func (ix *HelpIndex) lang(lang string) (*langIndex, error) {
	li, ok := ix.langs[lang]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownLang, lang)
	}
	return li, nil
}
