package markdown

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
)

const linkAttrs = `rel="nofollow noreferrer noopener" target="_blank"`

func TestRenderConstructs(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"blank", "  \n\n ", ""},
		{"bold", "**жирный**", "<p><strong>жирный</strong></p>"},
		{"bold underscores", "__b__", "<p><strong>b</strong></p>"},
		{"italic", "*курсив* _i_", "<p><em>курсив</em> <em>i</em></p>"},
		{"strike", "~~зачёркнуто~~", "<p><del>зачёркнуто</del></p>"},
		{"inline code keeps markup as text", "`<b>*x*</b>`", "<p><code>&lt;b&gt;*x*&lt;/b&gt;</code></p>"},
		{"fenced code with language", "```go\nif a < b {}\n```", "<pre><code class=\"language-go\">if a &lt; b {}\n</code></pre>"},
		{"indented code is not lost", "    kept", "<pre><code>kept\n</code></pre>"},
		{"link", "[сайт](https://example.com/a?b=1&c=2)", `<p><a href="https://example.com/a?b=1&amp;c=2" ` + linkAttrs + `>сайт</a></p>`},
		{"autolink in brackets", "<https://example.com>", `<p><a href="https://example.com" ` + linkAttrs + `>https://example.com</a></p>`},
		{"bare url", "см. https://example.com/x.", `<p>см. <a href="https://example.com/x" ` + linkAttrs + `>https://example.com/x</a>.</p>`},
		{"www url", "www.example.org", `<p><a href="http://www.example.org" ` + linkAttrs + `>www.example.org</a></p>`},
		{"mailto", "[пишите](mailto:help@example.com)", `<p><a href="mailto:help@example.com" rel="nofollow noreferrer">пишите</a></p>`},
		{"bare email", "help@example.com", `<p><a href="mailto:help@example.com" rel="nofollow noreferrer">help@example.com</a></p>`},
		{"relative link keeps only its text", "[здесь](/admin)", "<p>здесь</p>"},
		{"image becomes a link", "![схема](https://example.com/s.png)", `<p><a href="https://example.com/s.png" ` + linkAttrs + `>схема</a></p>`},
		{"image without alt shows its url", "![](https://example.com/s.png)", `<p><a href="https://example.com/s.png" ` + linkAttrs + `>https://example.com/s.png</a></p>`},
		{"bullet list", "- раз\n- два", "<ul>\n<li>раз</li>\n<li>два</li>\n</ul>"},
		{"ordered list", "3. три\n4. четыре", "<ol start=\"3\">\n<li>три</li>\n<li>четыре</li>\n</ol>"},
		{"quote", "> цитата\n> дальше", "<blockquote>\n<p>цитата<br>\nдальше</p>\n</blockquote>"},
		{"new line is a line break", "раз\nдва", "<p>раз<br>\nдва</p>"},
		{"paragraphs", "раз\n\nдва", "<p>раз</p>\n<p>два</p>"},
		{"crlf", "раз\r\nдва", "<p>раз<br>\nдва</p>"},
		{"hash heading stays text", "# Заголовок", "<p># Заголовок</p>"},
		{"setext heading stays text", "Заголовок\n===", "<p>Заголовок<br>\n===</p>"},
		{"tag at line start", "#срочно посмотрите", "<p>#срочно посмотрите</p>"},
		{"chat link at line start", "##support-chat", "<p>##support-chat</p>"},
		{"mentions", "@all @ivan_petrov, @Мария", "<p>@all @ivan_petrov, @Мария</p>"},
		{"raw html is shown as typed", "<b>x</b> & y", "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>"},
		{"entities", "&copy; &lt;", "<p>© &lt;</p>"},
		{"backslash escape", `\*не курсив\*`, "<p>*не курсив*</p>"},
		{"invalid utf-8", "a\xffb", "<p>a\uFFFDb</p>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Render(c.in); got != c.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"markup removed", "**жирный** и *курсив* и ~~нет~~ и `код`", "жирный и курсив и нет и код"},
		{"link keeps text only", "[документация](https://example.com/docs)", "документация"},
		{"bare url stays", "https://example.com/x", "https://example.com/x"},
		{"image alt", "![схема сети](https://example.com/s.png)", "схема сети"},
		{"lines", "- раз\n- два\n\n> три", "раз\nдва\nтри"},
		{"html typed is text", "<script>alert(1)</script>", "<script>alert(1)</script>"},
		{"entities decoded", "a &amp; b &lt;c&gt;", "a & b <c>"},
		{"mentions and tags", "#тег @all ##чат", "#тег @all ##чат"},
		{"code block", "```\nx := 1\ny := 2\n```", "x := 1\ny := 2"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Plain(c.in); got != c.want {
				t.Errorf("Plain(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
}

// hostile are classic XSS payloads, some split across Markdown constructs or
// hidden behind HTML entities and odd spacing.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<<script>script>alert(1)<</script>/script>`,
	`<scr**ipt**>alert(1)</script>`,
	"<scr\x00ipt>alert(1)</script>",
	`<img src=x onerror=alert(1)>`,
	`**<img src=x onerror=alert(1)>**`,
	`<svg onload=alert(1)>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>`,
	`<embed src=javascript:alert(1)>`,
	`<form action=javascript:alert(1)><button>x</button></form>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="&#x6A;avascript:alert(1)">x</a>`,
	`<!-- --><script>alert(1)</script>`,
	`<details open ontoggle=alert(1)>`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](&#106;avascript:alert(1))`,
	`[x](&#x6A;&#x61;&#x76;&#x61;script:alert(1))`,
	`[x](java&#x09;script:alert(1))`,
	`[x](javascript&#58;alert(1))`,
	`[x](javascript&colon;alert(1))`,
	`[x](%6Aavascript:alert(1))`,
	`[x](<javascript:alert(1)>)`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[x](vbscript:msgbox(1))`,
	`[x](file:///etc/passwd)`,
	`<javascript:alert(1)>`,
	`<vbscript:msgbox(1)>`,
	"[x][r]\n\n[r]: javascript:alert(1)",
	"[x][r]\n\n[r]: https://example.com \"t\\\" onmouseover=alert(1)\"",
	`![x](javascript:alert(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![<img src=x onerror=alert(1)>](https://example.com/i.png)`,
	`[<img src=x onerror=alert(1)>](https://example.com)`,
	`[x](https://example.com/"onmouseover="alert(1))`,
	`[x](https://example.com "title\" onmouseover=\"alert(1)")`,
	`https://example.com/"><script>alert(1)</script>`,
	`www.example.com/<script>alert(1)</script>`,
	"```\"><script>alert(1)</script>\nx\n```",
	"```js onload=alert(1)\nx\n```",
	"> <script>alert(1)</script>",
	"- <svg/onload=alert(1)>",
	"~~<script>~~alert(1)~~</script>~~",
	"`</code><script>alert(1)</script>`",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
	"<a href=\"java\nscript:alert(1)\">x</a>",
	"[x](java\nscript:alert(1))",
	"<p onclick=alert(1)>x</p>",
}

func TestRenderHostile(t *testing.T) {
	t.Parallel()
	for _, in := range hostile {
		t.Run(in, func(t *testing.T) {
			out := Render(in)
			if err := unsafeIn(out); err != "" {
				t.Errorf("Render(%q) = %q: %s", in, out, err)
			}
		})
	}
}

func TestRenderKeepsRussianText(t *testing.T) {
	t.Parallel()
	in := "Добрый день! Ёлка, щука, «кавычки» — и эмодзи 👍.\nВторая *строка*."
	want := "<p>Добрый день! Ёлка, щука, «кавычки» — и эмодзи 👍.<br>\nВторая <em>строка</em>.</p>"
	if got := Render(in); got != want {
		t.Errorf("Render\n got %q\nwant %q", got, want)
	}
	if got, want := Plain(in), "Добрый день! Ёлка, щука, «кавычки» — и эмодзи 👍.\nВторая строка."; got != want {
		t.Errorf("Plain\n got %q\nwant %q", got, want)
	}
}

// allowedAttrs lists, per element Render may produce, the attributes it may carry.
var allowedAttrs = map[string]map[string]bool{
	"p": {}, "br": {}, "strong": {}, "em": {}, "del": {}, "pre": {}, "blockquote": {},
	"ul": {}, "li": {}, "hr": {},
	"ol":   {"start": true},
	"code": {"class": true},
	"a":    {"href": true, "rel": true, "target": true},
}

// unsafeIn returns why html is unsafe, or "" when it holds only allowed
// elements and attributes, links to http, https or mailto, and valid UTF-8.
func unsafeIn(html string) string {
	if !utf8.ValidString(html) {
		return "invalid UTF-8"
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		return "contains <script"
	}
	z := nethtml.NewTokenizer(strings.NewReader(html))
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			return ""
		}
		if tt != nethtml.StartTagToken && tt != nethtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		attrs, ok := allowedAttrs[tok.Data]
		if !ok {
			return "element <" + tok.Data + ">"
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") {
				return "event handler " + a.Key
			}
			if !attrs[a.Key] {
				return "attribute " + a.Key + " on <" + tok.Data + ">"
			}
			squeezed := strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) || unicode.IsControl(r) {
					return -1
				}
				return unicode.ToLower(r)
			}, a.Val)
			for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
				if strings.Contains(squeezed, bad) {
					return a.Key + " contains " + bad
				}
			}
			if a.Key == "href" {
				u, err := url.Parse(a.Val)
				if err != nil {
					return "unparseable href " + a.Val
				}
				if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" {
					return "href scheme " + u.Scheme
				}
			}
		}
	}
}

// TestUnsafeInCatches proves the checker used by the hostile and fuzz tests
// can fail.
func TestUnsafeInCatches(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`<script>x</script>`, `<p onclick="x">`, `<a href="javascript:x">`, `<a href="java&#x09;script:x">`,
		`<a href="/rel">`, `<iframe src="https://e.com">`, `<p style="color:red">`, `<img src="https://e.com/i.png">`,
		"<p>\xff</p>",
	} {
		if unsafeIn(bad) == "" {
			t.Errorf("unsafeIn(%q) found nothing", bad)
		}
	}
	if why := unsafeIn(`<p><a href="https://e.com" rel="nofollow" target="_blank">x</a></p>`); why != "" {
		t.Errorf("a safe link is reported unsafe: %s", why)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	for _, s := range []string{
		"**b** *i* ~~s~~ `c`", "- a\n- b\n  - c\n1. x", "> q\n>> qq", "```go\nx\n```",
		"[a](https://e.com) ![b](https://e.com/i.png) <https://e.com> www.e.com a@b.c",
		"#tag ##chat @all", "Привет, **мир**", "    code", "a\n---\nb", "[x]: https://e.com\n[x]",
	} {
		f.Add(s)
	}
	for _, s := range []string{
		"Hello there, how are you?", "it's \"quoted\" (twice); fine!", "Www.example.com is a site", "see www.e.com now",
		"1. not a list", "a  b", "Привет, как дела?", "x-y - z", "A.B.C.", "done.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Render(in)
		if isProse(in) {
			if full := render(in); out != full {
				t.Fatalf("Render(%q): the prose path gives %q, goldmark and the sanitiser %q", in, out, full)
			}
		}
		if why := unsafeIn(out); why != "" {
			t.Fatalf("Render(%q) = %q: %s", in, out, why)
		}
		plain := Plain(in)
		if !utf8.ValidString(plain) {
			t.Fatalf("Plain(%q) = %q: invalid UTF-8", in, plain)
		}
		// Text without any markup character must come back word for word:
		// the renderer may format, never lose what was written.
		if strings.IndexFunc(in, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '\n'
		}) < 0 {
			if got, want := strings.Fields(plain), strings.Fields(in); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("Plain(%q) = %q: words lost", in, plain)
			}
		}
	})
}

func BenchmarkRender64KiB(b *testing.B) {
	para := "Привет, **команда**! Смотрите [отчёт](https://example.com/r?id=1) и `код`, #срочно @all.\n" +
		"- пункт ~~старый~~ *новый*\n> цитата <script>alert(1)</script>\n\n"
	body := strings.Repeat(para, 64*1024/len(para)+1)[:64*1024]
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Render(body)
	}
}

// BenchmarkRenderHostile measures inputs on which goldmark's parser is
// quadratic: a message made only of one of these costs far more than an
// ordinary one of the same size (see docs/benchmarks.md), which is why the
// size of what is rendered must be capped by the caller.
func BenchmarkRenderHostile(b *testing.B) {
	for _, unit := range []string{"[a](", "> ", "1. ", "["} {
		for _, size := range []int{4 << 10, 16 << 10, 64 << 10} {
			body := strings.Repeat(unit, size/len(unit))
			b.Run(fmt.Sprintf("%s/%dKiB", strings.TrimSpace(unit), size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					Render(body)
				}
			})
		}
	}
}

// Words and sentence punctuation in every combination the prose path takes
// must render exactly as the full path does.
func TestProseRendersAsGoldmarkDoes(t *testing.T) {
	alphabet := []string{"a", "W", "w", "ww", "www", "Я", "ё", "1", "0", " ", "  ", ",", ".", "?", "!", ";", "(", ")", "'", "\"", "-", "--", "e.g", "x.y"}
	rng := rand.New(rand.NewPCG(1, 2))
	taken := 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := 1 + rng.IntN(12); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		in := b.String()
		if !isProse(in) {
			continue
		}
		taken++
		if got, want := Render(in), render(in); got != want {
			t.Fatalf("Render(%q) = %q, goldmark and the sanitiser give %q", in, got, want)
		}
	}
	if taken < 5000 {
		t.Fatalf("only %d of 20000 generated lines took the prose path", taken)
	}
}
