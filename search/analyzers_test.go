package search

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

func testAnalyzer(t testing.TB, lang string) analysis.Analyzer {
	t.Helper()
	an, err := registry.NewCache().AnalyzerNamed(analyzerFor[lang])
	if err != nil {
		t.Fatalf("analyzer for %s: %v", lang, err)
	}
	return an
}

func terms(an analysis.Analyzer, text string) []string {
	var out []string
	for _, tok := range an.Analyze([]byte(text)) {
		out = append(out, string(tok.Term))
	}
	return out
}

func TestAnalyzersFoldStemAndDropStopWords(t *testing.T) {
	for _, tc := range []struct {
		name, lang, a, b string
	}{
		{"ё is е", "ru", "учётная запись", "учетная запись"},
		{"ё is е in upper case", "ru", "ЗВЁЗДОЧКА", "звездочка"},
		{"noun inflections", "ru", "сертификатами", "сертификат"},
		{"adjective inflections", "ru", "корпоративной учётной", "корпоративная учетная"},
		{"verb forms", "ru", "очищается", "очищаются"},
		{"English words in Russian text", "ru", "Smart Apps", "smart app"},
		{"English plurals", "en", "notifications", "notification"},
		{"English verb forms", "en", "clearing", "clear"},
		{"Russian in English text", "en", "Очистить хранилище", "очистить хранилища"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			an := testAnalyzer(t, tc.lang)
			ta, tb := terms(an, tc.a), terms(an, tc.b)
			if len(ta) == 0 || !slices.Equal(ta, tb) {
				t.Errorf("%q -> %v, %q -> %v: want the same terms", tc.a, ta, tc.b, tb)
			}
		})
	}
}

func TestStopWordsIncludingYoForms(t *testing.T) {
	for _, tc := range []struct{ lang, text string }{
		{"ru", "ещё"},
		{"ru", "еще"},
		{"ru", "какие почему это и в на"},
		{"en", "what does the of can"},
	} {
		if got := terms(testAnalyzer(t, tc.lang), tc.text); len(got) != 0 {
			t.Errorf("%s %q -> %v, want only stop words", tc.lang, tc.text, got)
		}
	}
}

func TestYoAndYeSpellingsFindTheSameArticles(t *testing.T) {
	for _, pair := range [][2]string{
		{"учётная запись", "учетная запись"},
		{"звёздочка у аватара", "звездочка у аватара"},
		{"ещё раз войти", "еще раз войти"},
	} {
		a := mustSearch(t, HelpQuery{Text: pair[0], Lang: "ru"})
		b := mustSearch(t, HelpQuery{Text: pair[1], Lang: "ru"})
		if a.Total == 0 || !slices.Equal(slugs(a), slugs(b)) {
			t.Errorf("%q -> %v\n%q -> %v\nwant the same non-empty results", pair[0], slugs(a), pair[1], slugs(b))
		}
	}
}

func TestInflectedRussianFindsTheArticle(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"сертификатами", "certificates"},
		{"антивирусом", "antivirus"},
		{"шумоподавлением", "noise-suppression"},
		{"конференциями гостям", "call-invite-links"},
		{"выгрузкой пользователей", "users-csv-export"},
		{"маршрутизацией", "chat-routing"},
	} {
		res := mustSearch(t, HelpQuery{Text: tc.query, Lang: "ru"})
		if r := rankOf(res, tc.want); r < 1 || r > 3 {
			t.Errorf("%q: %s at rank %d, want in the top 3 (got %v)", tc.query, tc.want, r, slugs(res))
		}
		if res.Fuzzy {
			t.Errorf("%q: needed typo tolerance; stemming alone should find it", tc.query)
		}
	}
}
