package search

import (
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"parley/kb"
)

// Fields of a help-article document.
const (
	fieldAll       = "_all" // bleve's composite of the text fields below
	fieldTitle     = "title"
	fieldTags      = "tags"
	fieldSection   = "section" // the section's title in the article's language
	fieldSummary   = "summary" // the one-line summary from the front matter
	fieldBody      = "body"    // kb.Article.Text: what everyone sees
	fieldAdmin     = "admin"   // kb.Article.AdminText: the admin-only blocks
	fieldSectionID = "section_id"
	fieldAudience  = "audience"
	fieldPlatform  = "platform"
)

// anyPlatform is stored for articles that list no platforms: they apply to
// every platform, so a platform filter must still find them.
const anyPlatform = "any"

// textField is one analysed field and how much a match in it weighs.
type textField struct {
	name  string
	boost float64
}

// textFields are searched for every query word. A word in the title says
// most about what an article is for; tags are the words people search by;
// the section title places the article; the summary, the body and the
// admin blocks only mention things.
var textFields = []textField{
	{fieldTitle, 3},
	{fieldTags, 2.8},
	{fieldSection, 1.5},
	{fieldSummary, 1},
	{fieldBody, 1},
	{fieldAdmin, 1},
}

// helpMapping describes the documents of one language's index.
func helpMapping(lang string) *mapping.IndexMappingImpl {
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzerFor[lang]
		f.Store = false             // results are read from the in-memory kb.Base
		f.IncludeInAll = true       // _all backs the first, cheap step of ranking a large index
		f.DocValues = false         // no sorting or faceting on text
		f.IncludeTermVectors = true // positions for word proximity, offsets for snippets
		return f
	}
	keywordField := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		f.IncludeTermVectors = false
		return f
	}
	doc := mapping.NewDocumentStaticMapping()
	for _, tf := range textFields {
		doc.AddFieldMappingsAt(tf.name, text())
	}
	for _, name := range []string{fieldSectionID, fieldAudience, fieldPlatform} {
		doc.AddFieldMappingsAt(name, keywordField())
	}
	m := mapping.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerFor[lang]
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	// BM25 ranked the colleagues' test queries better than tf-idf: it stops
	// a word repeated all over a long article from outweighing the title.
	m.ScoringModel = index.BM25Scoring
	return m
}

// sectionTitle is the title of an article's section in its language.
func sectionTitle(a *kb.Article) string {
	if s, ok := kb.SectionByID(a.Section); ok {
		return s.Title[a.Lang]
	}
	return a.Section
}

// helpDocument is what gets indexed for one article.
func helpDocument(a *kb.Article) map[string]any {
	platforms := a.Platforms
	if len(platforms) == 0 {
		platforms = []string{anyPlatform}
	}
	return map[string]any{
		fieldTitle:     a.Title,
		fieldTags:      a.Tags,
		fieldSection:   sectionTitle(a),
		fieldSummary:   a.Summary,
		fieldBody:      a.Text,
		fieldAdmin:     a.AdminText,
		fieldSectionID: a.Section,
		fieldAudience:  a.Audience,
		fieldPlatform:  platforms,
	}
}
