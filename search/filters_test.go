package search

import (
	"slices"
	"testing"
)

func TestFilters(t *testing.T) {
	_, base := realIndex(t)
	for _, tc := range []struct {
		name  string
		q     HelpQuery
		check func(section, audience string, platforms []string) bool
		none  bool // the filter leaves nothing
	}{
		{"section", HelpQuery{Text: "очистить кэш", Lang: "ru", Section: "cache"},
			func(s, _ string, _ []string) bool { return s == "cache" }, false},
		{"audience admin", HelpQuery{Text: "пользователи уведомления", Lang: "ru", Audience: "admin"},
			func(_, a string, _ []string) bool { return a == "admin" }, false},
		{"audience user", HelpQuery{Text: "notifications", Lang: "en", Audience: "user"},
			func(_, a string, _ []string) bool { return a == "user" }, false},
		{"platform, or no platform at all", HelpQuery{Text: "очистить кэш", Lang: "ru", Platform: "ios"},
			func(_, _ string, p []string) bool { return len(p) == 0 || slices.Contains(p, "ios") }, false},
		{"all three", HelpQuery{Text: "engineering menu logs", Lang: "en", Section: "diagnostics", Audience: "user", Platform: "android"},
			func(s, a string, p []string) bool {
				return s == "diagnostics" && a == "user" && (len(p) == 0 || slices.Contains(p, "android"))
			}, false},
		{"unknown section", HelpQuery{Text: "кэш", Lang: "ru", Section: "no-such-section"}, nil, true},
		{"audience nobody has", HelpQuery{Text: "кэш", Lang: "ru", Audience: "robots"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, tc.q)
			if tc.none {
				if res.Total != 0 || len(res.Results) != 0 {
					t.Errorf("got %d results %v, want none", res.Total, slugs(res))
				}
				return
			}
			unfiltered := mustSearch(t, HelpQuery{Text: tc.q.Text, Lang: tc.q.Lang, Limit: 50})
			if len(res.Results) == 0 || res.Total >= unfiltered.Total {
				t.Fatalf("%d of %d results: the filter should keep some and drop some", res.Total, unfiltered.Total)
			}
			for _, r := range res.Results {
				a, _ := base.Article(r.Lang, r.Slug)
				if !tc.check(a.Section, a.Audience, a.Platforms) {
					t.Errorf("%s (section %s, audience %s, platforms %v) passed the filter", a.Slug, a.Section, a.Audience, a.Platforms)
				}
			}
		})
	}
}
