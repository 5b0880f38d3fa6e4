package kb

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"
)

type frontMatter struct {
	Title       string   `yaml:"title"`
	Section     string   `yaml:"section"`
	Audience    string   `yaml:"audience"`
	Platforms   []string `yaml:"platforms"`
	Tags        []string `yaml:"tags"`
	Translation string   `yaml:"translation"`
	Related     []string `yaml:"related"`
	Summary     string   `yaml:"summary"`
}

// markdown renders article bodies. Raw HTML in an article is escaped, not
// passed through (goldmark's default), so articles cannot inject markup.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// adminLabel is the summary of an admin-only block.
var adminLabel = map[string]string{"ru": "Для администратора", "en": "For administrators"}

func parseArticle(lang, slug string, data []byte) (*Article, error) {
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	rest, ok := strings.CutPrefix(src, "---\n")
	if !ok {
		return nil, errors.New("no front matter: the file must start with a line of ---")
	}
	head, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return nil, errors.New("front matter is not closed by a line of ---")
	}
	var fm frontMatter
	dec := yaml.NewDecoder(strings.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	a := &Article{Slug: slug, Lang: lang, Title: strings.TrimSpace(fm.Title), Section: fm.Section, Audience: fm.Audience,
		Platforms: fm.Platforms, Tags: fm.Tags, Translation: fm.Translation, Related: fm.Related,
		Summary: strings.TrimSpace(fm.Summary), Markdown: body}
	switch {
	case a.Title == "":
		return nil, errors.New("front matter: title is empty")
	case a.Summary == "":
		return nil, errors.New("front matter: summary is empty")
	case a.Translation == "":
		return nil, errors.New("front matter: translation is empty")
	case !slices.Contains(Audiences, a.Audience):
		return nil, fmt.Errorf("front matter: audience %q must be user or admin", a.Audience)
	}
	if _, ok := SectionByID(a.Section); !ok {
		return nil, fmt.Errorf("front matter: unknown section %q", a.Section)
	}
	for _, p := range a.Platforms {
		if !slices.Contains(Platforms, p) {
			return nil, fmt.Errorf("front matter: unknown platform %q", p)
		}
	}
	if err := a.render(); err != nil {
		return nil, err
	}
	return a, nil
}

// segment is a run of the body: for everyone, or inside an admin block.
type segment struct {
	admin bool
	text  string
}

// splitAdmin cuts the body at ":::admin" and ":::" lines.
func splitAdmin(body string) ([]segment, error) {
	var segs []segment
	var cur strings.Builder
	admin := false
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			segs = append(segs, segment{admin: admin, text: cur.String()})
		}
		cur.Reset()
	}
	for i, line := range strings.Split(body, "\n") {
		switch strings.TrimSpace(line) {
		case ":::admin":
			if admin {
				return nil, fmt.Errorf("body line %d: :::admin inside another admin block", i+1)
			}
			flush()
			admin = true
			continue
		case ":::":
			if !admin {
				return nil, fmt.Errorf("body line %d: ::: closes no admin block", i+1)
			}
			flush()
			admin = false
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if admin {
		return nil, errors.New("an admin block is not closed by :::")
	}
	flush()
	return segs, nil
}

func (a *Article) render() error {
	segs, err := splitAdmin(a.Markdown)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	var plain, adminPlain strings.Builder
	n := 0
	for _, s := range segs {
		src := []byte(s.text)
		doc := markdown.Parser().Parse(text.NewReader(src))
		// Headings get short stable ids (s1, s2, …): goldmark's automatic ids
		// drop Cyrillic letters, which would leave Russian articles without anchors.
		ast.Walk(doc, func(node ast.Node, entering bool) (ast.WalkStatus, error) {
			if h, ok := node.(*ast.Heading); ok && entering {
				n++
				id := "s" + strconv.Itoa(n)
				h.SetAttributeString("id", []byte(id))
				if h.Level == 2 || h.Level == 3 {
					a.TOC = append(a.TOC, Heading{Level: h.Level, ID: id, Text: nodeText(h, src)})
				}
			}
			return ast.WalkContinue, nil
		})
		var html bytes.Buffer
		if err := markdown.Renderer().Render(&html, src, doc); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		if s.admin {
			fmt.Fprintf(&out, "<details class=\"admin-block\"><summary>%s</summary>\n%s</details>\n", adminLabel[a.Lang], html.String())
			adminPlain.WriteString(plainText(doc, src))
		} else {
			out.Write(html.Bytes())
			plain.WriteString(plainText(doc, src))
		}
	}
	a.HTML = out.String()
	a.Text = strings.TrimSpace(plain.String())
	a.AdminText = strings.TrimSpace(adminPlain.String())
	return nil
}

// nodeText is the text inside a node, without markup.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			for ch := t.FirstChild(); ch != nil; ch = ch.NextSibling() {
				if tx, ok := ch.(*ast.Text); ok {
					b.Write(tx.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return html.UnescapeString(b.String())
}

// plainText flattens a document into text, one block a line.
func plainText(doc ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindParagraph, ast.KindHeading, ast.KindTextBlock:
			b.WriteString(nodeText(n, src))
			b.WriteByte('\n')
			return ast.WalkSkipChildren, nil
		case ast.KindFencedCodeBlock, ast.KindCodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		}
		if n.Kind().String() == "TableCell" {
			b.WriteString(nodeText(n, src))
			b.WriteByte(' ')
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
