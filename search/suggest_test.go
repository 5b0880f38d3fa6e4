package search

import (
	"context"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	ix, _ := realIndex(t)
	for _, tc := range []struct {
		name, lang, text string
		want             []string // slugs that must be offered, in this order, at the top
		all              func(title string) bool
	}{
		{"first letters of a title", "ru", "очис", nil,
			func(title string) bool { return strings.Contains(strings.ToLower(title), "очист") }},
		{"finished word, then a partial one", "ru", "инженерное меню на a", []string{"engineering-menu-android"}, nil},
		{"finished word in another form", "ru", "очистка кэша и", []string{"clear-cache-ios"}, nil},
		{"ё typed as е", "ru", "корпоративную учетн", []string{"corporate-account"}, nil},
		{"stop words are passed over", "ru", "как очистить кэш на android", []string{"clear-cache-android"}, nil},
		{"English", "en", "clearing the cache on i", []string{"clear-cache-ios"}, nil},
		{"case does not matter", "en", "HUI", []string{"huid"}, nil},
		// No title has these words; the search behind the box still answers.
		{"the Russian placeholder's example", "ru", "не приходят уведомления", nil, nil},
		{"the English placeholder's example", "en", "notifications do not arrive", nil, nil},
		{"a question still being typed", "ru", "не приходят уведомл", nil, nil},
		{"a wrong keyboard layout", "ru", "ytn edtljvktybq", nil, nil},
		{"nothing matches", "ru", "зеброид", nil, func(string) bool { return false }},
		{"nothing typed", "ru", "  ", nil, func(string) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.Suggest(context.Background(), tc.lang, tc.text, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 5 {
				t.Errorf("%d suggestions, limit was 5", len(got))
			}
			for i, w := range tc.want {
				if i >= len(got) || got[i].Slug != w {
					t.Errorf("%q: got %+v, want %v first", tc.text, got, tc.want)
					break
				}
			}
			if tc.all != nil {
				if tc.name != "first letters of a title" && len(got) != 0 {
					t.Errorf("%q: got %+v, want none", tc.text, got)
				}
				for _, s := range got {
					if !tc.all(s.Title) {
						t.Errorf("%q: %q does not fit", tc.text, s.Title)
					}
				}
			}
			if tc.want == nil && tc.all == nil {
				// The question is about notifications: so are the first suggestions.
				if len(got) < 3 {
					t.Fatalf("%q: %d suggestions, want at least 3", tc.text, len(got))
				}
				for _, s := range got[:3] {
					if !strings.Contains(s.Slug, "notification") && s.Slug != "android-background" {
						t.Errorf("%q: suggestions %+v begin with an article not about notifications", tc.text, got)
					}
				}
			}
			seen := map[string]bool{}
			for _, s := range got {
				if seen[s.Slug] {
					t.Errorf("%q: %s suggested twice", tc.text, s.Slug)
				}
				seen[s.Slug] = true
				if s.URL != "/help/"+tc.lang+"/"+s.Slug || s.Title == "" {
					t.Errorf("bad suggestion %+v", s)
				}
			}
		})
	}
}

func TestSuggestLimit(t *testing.T) {
	ix, _ := realIndex(t)
	for _, tc := range []struct{ limit, want int }{{0, 10}, {2, 2}, {500, 50}} {
		got, err := ix.Suggest(context.Background(), "ru", "о", tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if tc.want <= 10 && len(got) != tc.want || len(got) > tc.want {
			t.Errorf("limit %d: %d suggestions, want %d", tc.limit, len(got), tc.want)
		}
	}
}
