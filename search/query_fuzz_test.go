package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery feeds the query parser arbitrary text, as users and bots
// will: it must never panic, and must stay within its bounds.
//
//	go test ./search -run XXX -fuzz FuzzParseQuery -fuzztime 60s
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", " ", "очистить кэш", `"закрыть сессию"`, "«Этот файл недоступен»", `"unclosed`, "«", "»«", `""`,
		"Логин заблокирован (превышено максимальное количество попыток)",
		"permissions.storage false", "application/x-msi", "udp 20000-40000 49152-65535",
		"<script>alert(1)</script>", "' OR 1=1; --", "ещё ЁЛКА", "\xff\xfe\xfd", "a\x00b",
		strings.Repeat("слово ", 100), strings.Repeat("ж", 3000), "„quoted“ “typographic”",
	} {
		f.Add(seed)
	}
	ru, en := testAnalyzer(f, "ru"), testAnalyzer(f, "en")
	f.Fuzz(func(t *testing.T, text string) {
		for _, a := range []struct {
			name string
			pq   parsedQuery
		}{{"ru", parseQuery(text, ru)}, {"en", parseQuery(text, en)}} {
			pq := a.pq
			if len(pq.words) > maxQueryWords {
				t.Errorf("%s: %d words, max %d", a.name, len(pq.words), maxQueryWords)
			}
			for _, w := range pq.words {
				if w.term == "" || !utf8.ValidString(w.term) || !utf8.ValidString(w.typed) {
					t.Errorf("%s: bad word %+v", a.name, w)
				}
			}
			for _, p := range append(pq.phrases, pq.pairs...) {
				if len(p) < 2 || len(p) > maxPhraseWords || p[0] == nil || p[len(p)-1] == nil {
					t.Errorf("%s: bad phrase %q", a.name, p)
				}
			}
		}
		_ = quotedParts(text)
		_ = foldedWords(text)
	})
}

// FuzzHelpSearch runs arbitrary text through the whole search of the real
// knowledge base: no error, no panic, and no markup in snippets but <mark>.
//
//	go test ./search -run XXX -fuzz FuzzHelpSearch -fuzztime 60s
func FuzzHelpSearch(f *testing.F) {
	for _, seed := range []string{"", "кэш", "антивирс", `"закрыть сессию"`, "<b>кэш</b>", "\xff", "HUID & UDID"} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, text string, ru bool) {
		lang := "en"
		if ru {
			lang = "ru"
		}
		res := mustSearch(t, HelpQuery{Text: text, Lang: lang})
		for _, r := range res.Results {
			s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(string(r.Snippet))
			if strings.ContainsAny(s, "<>") {
				t.Errorf("%q: markup in snippet %q", text, r.Snippet)
			}
		}
		if _, err := sharedIndex.Suggest(t.Context(), lang, text, 5); err != nil {
			t.Errorf("suggest %q: %v", text, err)
		}
	})
}
