package search

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSnippetEscapesAndMarks(t *testing.T) {
	text := "Intro line.\nPaste <script>alert('x')</script> & press Enter; the \"widget\" then reloads."
	at := func(word string) match {
		i := strings.Index(text, word)
		return match{start: i, end: i + len(word), term: strings.ToLower(word)}
	}
	got := string(snippet(text, []match{at("script"), at("press")}, 200))
	want := "Intro line. Paste &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>press</mark> Enter; the &#34;widget&#34; then reloads."
	if got != want {
		t.Errorf("snippet\n got %s\nwant %s", got, want)
	}
}

func TestSnippetWindow(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		b.WriteString("слово текста ")
	}
	b.WriteString("нужная фраза здесь ")
	for i := 0; i < 60; i++ {
		b.WriteString("ещё текст ")
	}
	text := b.String()
	i := strings.Index(text, "нужная")
	got := string(snippet(text, []match{{start: i, end: i + len("нужная"), term: "нужн"}}, snippetRunes))
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("a cut from the middle should be marked at both ends: %q", got)
	}
	if !strings.Contains(got, "<mark>нужная</mark> фраза") {
		t.Errorf("the match is not in the snippet: %q", got)
	}
	plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got)
	if n := utf8.RuneCountInString(plain); n < 160 || n > 240 {
		t.Errorf("snippet is %d characters, want 160–240: %q", n, got)
	}
	if strings.Contains(plain, "  ") || strings.Contains(plain, "…слов ") {
		t.Errorf("snippet should cut at word boundaries with single spaces: %q", got)
	}
}

// An article whose text holds markup-like characters comes out escaped,
// in search results, and a match only in the title falls back to the summary.
func TestSearchSnippetsNeverCarryMarkup(t *testing.T) {
	base := miniBase(t, "Если в поле видно `<script>alert(1)</script>` или знак & в имени — это просто текст.")
	ix, err := OpenHelp(t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, tc := range []struct{ lang, query, want string }{
		{"ru", "script alert", "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt;"},
		{"ru", "знак имени", "<mark>знак</mark> &amp; в <mark>имени</mark>"},
		{"en", "test article", "A short summary of the <mark>test</mark> <mark>article</mark>."},
	} {
		res, err := ix.Search(context.Background(), HelpQuery{Text: tc.query, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 {
			t.Fatalf("%q: %d results", tc.query, len(res.Results))
		}
		s := string(res.Results[0].Snippet)
		if !strings.Contains(s, tc.want) {
			t.Errorf("%q: snippet %q, want it to contain %q", tc.query, s, tc.want)
		}
		if strings.Contains(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s), "<") {
			t.Errorf("%q: raw markup in snippet %q", tc.query, s)
		}
	}
}

func TestRealSnippetsMarkTheQueryWords(t *testing.T) {
	res := mustSearch(t, HelpQuery{Text: "антивирусная проверка", Lang: "ru"})
	if len(res.Results) == 0 || !strings.Contains(string(res.Results[0].Snippet), "<mark>") {
		t.Fatalf("want a marked snippet, got %+v", res.Results)
	}
}

func TestSnippetNearTheEndKeepsItsMatch(t *testing.T) {
	text := strings.Repeat("начало текста ", 40) + "\nсовпадение в предпоследнем абзаце.\nКонец."
	i := strings.Index(text, "совпадение")
	got := string(snippet(text, []match{{start: i, end: i + len("совпадение"), term: "совпаден"}}, snippetRunes))
	if !strings.Contains(got, "<mark>совпадение</mark>") || !strings.HasSuffix(got, "Конец.") {
		t.Errorf("snippet %q should show the match and run to the end", got)
	}
	if n := utf8.RuneCountInString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got)); n < 160 {
		t.Errorf("snippet is only %d characters: %q", n, got)
	}
}
