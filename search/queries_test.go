package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestQueriesWithNothingToSearchFindNothing(t *testing.T) {
	for _, text := range []string{"", "   ", "и в на с", "the of and", "?!…,.;:()«»", "@#$%^&*"} {
		res := mustSearch(t, HelpQuery{Text: text, Lang: "ru"})
		if res.Total != 0 || len(res.Results) != 0 || res.Fuzzy {
			t.Errorf("%q: %d results, want none", text, res.Total)
		}
	}
}

func TestHostileAndHugeQueriesAreJustText(t *testing.T) {
	huge := strings.Repeat("очистить кэш на андроиде ", 500)[:10_000]
	var unknown []string // long words no article has, each a typo-tolerance lookup
	for i := range 100 {
		unknown = append(unknown, fmt.Sprintf("жщфыв%cапрол", 'а'+rune(i%32)))
	}
	for _, tc := range []struct {
		name, text string
		want       string // expected first result, "" for any
	}{
		{"10,000 characters", huge, "clear-cache-android"},
		{"HTML", `<script>alert("кэш")</script><img src=x onerror=alert(1)>`, ""},
		{"SQL", `' OR 1=1; DROP TABLE users; -- кэш`, ""},
		{"bleve query syntax", `+title:кэш -body:* ~2 ^5 field:"x"`, ""},
		{"invalid UTF-8", "кэш \xff\xfe андроид", "clear-cache-android"},
		{"one long word", strings.Repeat("ж", 5000), ""},
		{"a hundred unknown words", strings.Join(unknown, " "), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := mustSearch(t, HelpQuery{Text: tc.text, Lang: "ru"})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d) // generous: the point is that it is not minutes
			}
			if tc.want != "" && rankOf(res, tc.want) != 1 {
				t.Errorf("got %v, want %s first", slugs(res), tc.want)
			}
		})
	}
}

func TestUnknownLanguage(t *testing.T) {
	ix, _ := realIndex(t)
	for _, lang := range []string{"", "de", "RU", "ru-RU"} {
		if _, err := ix.Search(context.Background(), HelpQuery{Text: "кэш", Lang: lang}); !errors.Is(err, ErrUnknownLang) {
			t.Errorf("Search lang %q: err %v, want ErrUnknownLang", lang, err)
		}
		if _, err := ix.Suggest(context.Background(), lang, "кэш", 5); !errors.Is(err, ErrUnknownLang) {
			t.Errorf("Suggest lang %q: err %v, want ErrUnknownLang", lang, err)
		}
	}
}

func TestPaging(t *testing.T) {
	all := mustSearch(t, HelpQuery{Text: "чат", Lang: "ru", Limit: 50})
	if all.Total <= 10 {
		t.Fatalf("want a query with more than 10 results, got %d", all.Total)
	}
	for _, tc := range []struct {
		name          string
		limit, offset int
		want          int // number of results
		from          int // index in all.Results of the first one
	}{
		{"default limit", 0, 0, 10, 0},
		{"limit", 3, 0, 3, 0},
		{"second page", 3, 3, 3, 3},
		{"limit capped at 50", 500, 0, min(50, all.Total), 0},
		{"negative offset is the start", 2, -5, 2, 0},
		{"past the end", 10, 1000, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, HelpQuery{Text: "чат", Lang: "ru", Limit: tc.limit, Offset: tc.offset})
			if len(res.Results) != tc.want || res.Total != all.Total {
				t.Fatalf("%d results of %d, want %d of %d", len(res.Results), res.Total, tc.want, all.Total)
			}
			for i, r := range res.Results {
				if r.Slug != all.Results[tc.from+i].Slug {
					t.Errorf("result %d is %s, want %s", i, r.Slug, all.Results[tc.from+i].Slug)
				}
			}
		})
	}
}

func TestResultFields(t *testing.T) {
	res := mustSearch(t, HelpQuery{Text: "HUID", Lang: "en"})
	if len(res.Results) == 0 {
		t.Fatal("no results")
	}
	r := res.Results[0]
	if r.Slug != "huid" || r.Lang != "en" || r.URL != "/help/en/huid" || r.Title == "" || r.Section != "getting-started" ||
		r.Audience != "user" || r.Score <= 0 || res.Query != "HUID" || res.Took <= 0 {
		t.Errorf("unexpected result %+v in %+v", r, res)
	}
}
