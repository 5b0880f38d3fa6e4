package search

import (
	"slices"
	"strings"
	"testing"
)

func TestParseQueryFindsPhrases(t *testing.T) {
	an := testAnalyzer(t, "ru")
	for _, tc := range []struct {
		name, text string
		phrases    [][]string // each phrase's terms by place, "" for a stop word's place
	}{
		{"short question: no phrase", "очистить кэш", nil},
		{"straight quotes", `как "закрыть сессию" на телефоне`, [][]string{{"закр", "сесс"}}},
		{"guillemets (этот is a stop word)", "ошибка «Этот файл недоступен»", [][]string{{"файл", "недоступ"}}},
		{"an unclosed quote still reads as pasted", `"закрыть сессию`, [][]string{{"закр", "сесс"}}},
		{"pasted message in brackets", "Логин заблокирован (превышено максимальное количество попыток)",
			[][]string{{"логин", "заблокирова", "превыш", "максимальн", "количеств", "попыток"}}},
		{"long text keeps stop-word places", "Воспользуйтесь другой версией приложения для работы с этой учётной записью",
			[][]string{{"воспольз", "", "верс", "приложен", "", "работ", "", "", "учетн", "запис"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pq := parseQuery(tc.text, an)
			var got [][]string
			for _, p := range pq.phrases {
				var places []string
				for _, slot := range p {
					places = append(places, strings.Join(slot, "|"))
				}
				got = append(got, places)
			}
			if !slices.EqualFunc(got, tc.phrases, slices.Equal) {
				t.Errorf("phrases %q, want %q", got, tc.phrases)
			}
			if len(pq.words) == 0 {
				t.Error("the words must still be searched one by one")
			}
		})
	}
}

func TestPhrasesRankTheirArticleFirst(t *testing.T) {
	for _, tc := range []struct{ lang, query, want string }{
		{"ru", "Логин заблокирован (превышено максимальное количество попыток)", "admin-sign-in"},
		{"ru", "«Этот файл недоступен»", "file-retention"},
		{"ru", "Воспользуйтесь другой версией приложения для работы с этой учётной записью", "corporate-account"},
		{"ru", `"Закрыть сессию"`, "before-contacting-support"},
		{"en", `"Use the built-in viewer"`, "file-viewers"},
	} {
		res := mustSearch(t, HelpQuery{Text: tc.query, Lang: tc.lang})
		if rankOf(res, tc.want) != 1 {
			t.Errorf("%q: got %v, want %s first", tc.query, slugs(res), tc.want)
		}
	}
}

// Side by side counts: the same two words rank an article higher where
// they stand together.
func TestProximityRaisesArticlesWithTheWordsTogether(t *testing.T) {
	an := testAnalyzer(t, "ru")
	ix, _ := realIndex(t)
	li := ix.langs["ru"]
	pq := parseQuery("закрыть сессию", an)
	if len(pq.pairs) != 1 {
		t.Fatalf("pairs %v, want one", pq.pairs)
	}
	together := proximityOf(t, li, pq, "before-contacting-support")
	if together <= 0 {
		t.Errorf("before-contacting-support has «Закрыть сессию» but proximity %v", together)
	}
	if apart := proximityOf(t, li, parseQuery("сессию закрыть", an), "before-contacting-support"); apart >= together {
		t.Errorf("words in the other order: proximity %v, want less than %v", apart, together)
	}
}
