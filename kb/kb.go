// Package kb is the help center's knowledge base: Markdown articles with
// front matter in articles/{ru,en}/, embedded in the binary, parsed and
// rendered once at start.
package kb

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed articles
var embedded embed.FS

// Languages the knowledge base is written in.
var Languages = []string{"ru", "en"}

// Article is one help-center article in one language.
type Article struct {
	Slug        string
	Lang        string
	Title       string
	Section     string
	Audience    string // "user" or "admin"
	Platforms   []string
	Tags        []string
	Translation string // slug of the same article in the other language
	Related     []string
	Summary     string

	Markdown  string    // the body as written
	HTML      string    // the body rendered; admin blocks are <details>
	TOC       []Heading // the body's h2/h3 headings
	Text      string    // plain text of the parts for everyone
	AdminText string    // plain text of the admin-only blocks
}

// Heading is one entry of an article's table of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// URL is where the article's page is.
func (a *Article) URL() string { return "/help/" + a.Lang + "/" + a.Slug }

// Base is the whole loaded knowledge base.
type Base struct {
	byLang map[string]map[string]*Article
	lists  map[string][]*Article
	// Hash changes whenever any article file changes; the search index
	// stores it to know when to rebuild.
	Hash string
}

// Load reads the embedded articles.
func Load() (*Base, error) {
	sub, err := fs.Sub(embedded, "articles")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS reads articles from fsys laid out as {lang}/{slug}.md, and checks
// that they fit together: known sections, translations and related links
// that exist.
func LoadFS(fsys fs.FS) (*Base, error) {
	b := &Base{byLang: map[string]map[string]*Article{}, lists: map[string][]*Article{}}
	h := sha256.New()
	var errs []error
	for _, lang := range Languages {
		b.byLang[lang] = map[string]*Article{}
		names, err := fs.Glob(fsys, lang+"/*.md")
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			h.Write([]byte(name))
			h.Write(data)
			slug := strings.TrimSuffix(path.Base(name), ".md")
			a, err := parseArticle(lang, slug, data)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				continue
			}
			b.byLang[lang][slug] = a
			b.lists[lang] = append(b.lists[lang], a)
		}
	}
	errs = append(errs, b.check()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, lang := range Languages {
		sortArticles(b.lists[lang])
	}
	b.Hash = hex.EncodeToString(h.Sum(nil))
	return b, nil
}

func (b *Base) check() []error {
	var errs []error
	for _, lang := range Languages {
		other := OtherLang(lang)
		for _, a := range b.lists[lang] {
			if _, ok := b.byLang[other][a.Translation]; !ok {
				errs = append(errs, fmt.Errorf("%s/%s: translation %q has no %s article", lang, a.Slug, a.Translation, other))
			}
			for _, r := range a.Related {
				if _, ok := b.byLang[lang][r]; !ok {
					errs = append(errs, fmt.Errorf("%s/%s: related article %q does not exist", lang, a.Slug, r))
				}
			}
		}
	}
	return errs
}

// sortArticles orders by section order, then title.
func sortArticles(list []*Article) {
	sort.SliceStable(list, func(i, j int) bool {
		si, sj := sectionOrder(list[i].Section), sectionOrder(list[j].Section)
		if si != sj {
			return si < sj
		}
		return list[i].Title < list[j].Title
	})
}

// OtherLang is the language an article's translation is in.
func OtherLang(lang string) string {
	if lang == "ru" {
		return "en"
	}
	return "ru"
}

// Article returns one article.
func (b *Base) Article(lang, slug string) (*Article, bool) {
	a, ok := b.byLang[lang][slug]
	return a, ok
}

// Articles lists a language's articles in section order.
func (b *Base) Articles(lang string) []*Article { return b.lists[lang] }

// InSection lists a section's articles.
func (b *Base) InSection(lang, section string) []*Article {
	var out []*Article
	for _, a := range b.lists[lang] {
		if a.Section == section {
			out = append(out, a)
		}
	}
	return out
}

// Translation returns the article in the other language.
func (b *Base) Translation(a *Article) (*Article, bool) {
	return b.Article(OtherLang(a.Lang), a.Translation)
}
