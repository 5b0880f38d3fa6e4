// Package markdown renders chat message bodies. A message is stored exactly as
// its author typed it; this package turns it into safe HTML for display and
// into plain text for notifications and search indexing.
//
// Rendering is two layers deep on purpose: goldmark is configured so that it
// cannot produce raw HTML at all, and its output still goes through a strict
// bluemonday allowlist, so a bug or a new feature in either layer alone cannot
// let script, event handlers, styles or dangerous URLs reach a reader.
package markdown

import (
	"bytes"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
	nethtml "golang.org/x/net/html"
)

// md is the message parser and renderer. Compared with CommonMark it leaves out:
//   - headings (ATX "# x" and setext "x\n---"): a chat message is not a
//     document, a heading would shout in the middle of a conversation, and
//     "#tag" / "##chat" / "# 1" typed at the start of a line must stay text
//     so that mentions work (the chats code links them later);
//   - raw HTML (blocks and inline): what the author typed as "<b>" is shown
//     as "<b>", escaped, never passed to the browser.
//
// Hard wraps are on because in a chat a new line is a new line.
var md = goldmark.New(
	goldmark.WithParser(parser.NewParser(
		parser.WithBlockParsers(
			util.Prioritized(parser.NewThematicBreakParser(), 200),
			util.Prioritized(parser.NewListParser(), 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			// Indented code blocks stay: without this parser goldmark's
			// paragraph parser drops a line indented by four spaces.
			util.Prioritized(parser.NewCodeBlockParser(), 500),
			util.Prioritized(parser.NewFencedCodeBlockParser(), 700),
			util.Prioritized(parser.NewBlockquoteParser(), 800),
			util.Prioritized(parser.NewParagraphParser(), 1000),
		),
		parser.WithInlineParsers(
			util.Prioritized(parser.NewCodeSpanParser(), 100),
			util.Prioritized(parser.NewLinkParser(), 200),
			util.Prioritized(parser.NewAutoLinkParser(), 300),
			util.Prioritized(parser.NewEmphasisParser(), 500),
		),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)),
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(
		goldhtml.WithHardWraps(),
		renderer.WithNodeRenderers(util.Prioritized(imageAsLink{}, 100)),
	),
)

// policy is the allowlist applied to goldmark's output: only the elements the
// parser above can produce, links only to http, https and mailto, opened in a
// new tab without referrer or opener and marked nofollow (messages are user
// content).
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "hr")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// Render returns the body as safe HTML, ready to be inserted into a page
// unescaped. An empty or blank body gives "".
func Render(body string) string {
	if isProse(body) {
		return "<p>" + html.EscapeString(body) + "</p>"
	}
	return render(body)
}

// render is the full path: goldmark, then the allowlist.
func render(body string) string {
	src := []byte(normalise(body))
	var buf bytes.Buffer
	// goldmark only fails when the writer does; a bytes.Buffer does not.
	_ = md.Convert(src, &buf)
	return strings.TrimSpace(policy.Sanitize(buf.String()))
}

// isProse reports whether body is one line of words and sentence
// punctuation in which Markdown can find nothing: no markup character, no
// line break, nothing linkify would take for a link ("www.", ":" of a
// scheme, "@" of an address), and a letter first, so it cannot open a list.
// Most chat messages are such a line, and goldmark with the sanitiser would
// only wrap it in a paragraph, escaped; FuzzRender holds the two paths equal.
func isProse(body string) bool {
	if body == "" || body[len(body)-1] == ' ' {
		return false
	}
	for i, r := range body {
		switch {
		case unicode.IsLetter(r):
			if (r == 'w' || r == 'W') && len(body)-i >= 4 && strings.EqualFold(body[i:i+4], "www.") {
				return false
			}
		case i == 0:
			return false
		case r == ' ' || unicode.IsDigit(r):
		case strings.ContainsRune(`,.?!;()'"-`, r):
		default:
			return false
		}
	}
	return true
}

// Plain returns the body's text without markup: what the reader sees, with
// one line per paragraph, list item or code line. Link targets are dropped,
// the link text stays. The result is text, not HTML: escape it when you put it
// in a page.
func Plain(body string) string {
	z := nethtml.NewTokenizer(strings.NewReader(Render(body)))
	var b strings.Builder
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return tidyLines(b.String())
		case nethtml.TextToken:
			b.Write(z.Text()) // the tokenizer unescapes entities
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br", "p", "li", "pre", "blockquote", "hr", "ul", "ol":
				b.WriteByte('\n')
			}
		}
	}
}

// normalise makes the body valid UTF-8 without NULs, so neither library sees
// bytes it might pass through unchanged, and turns CRLF into LF.
func normalise(body string) string {
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	body = strings.ReplaceAll(body, "\x00", "\uFFFD")
	return strings.ReplaceAll(body, "\r\n", "\n")
}

// tidyLines trims every line and drops empty ones.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// imageAsLink renders ![alt](url) as a link to the url with the alt text (or
// the url when there is none). A chat shows files as attachments, and an
// <img> pointing elsewhere would let anyone track who read a message.
type imageAsLink struct{}

func (imageAsLink) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, renderImage)
}

func renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	img := node.(*ast.Image)
	dest := img.Destination
	if goldhtml.IsDangerousURL(dest) {
		dest = nil
	}
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(util.EscapeHTML(util.URLEscape(dest, true)))
	_, _ = w.WriteString(`">`)
	label := altText(img, source)
	if label == "" {
		label = string(img.Destination)
	}
	_, _ = w.WriteString(html.EscapeString(label))
	_, _ = w.WriteString("</a>")
	return ast.WalkSkipChildren, nil
}

// altText is the plain text of an image's description.
func altText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Value(source))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}
