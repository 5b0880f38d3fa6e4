package search

import (
	"testing"
)

func TestAllowedEditsCountLetters(t *testing.T) {
	for _, tc := range []struct {
		word string
		want int
	}{
		{"кэша", 0}, {"push", 0}, {"звонк", 1}, {"antivrus", 1}, {"шумоподав", 2},
		{"2024-01", 0}, // digits are not letters
	} {
		if got := allowedEdits(countLetters(tc.word)); got != tc.want {
			t.Errorf("%q: %d edits allowed, want %d", tc.word, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"звонок", "звонок", 0},
		{"звнок", "звонок", 1},          // a letter left out
		{"звоонок", "звонок", 1},        // a letter doubled
		{"звнк", "звонок", 2},           // two letters left out
		{"прилоежние", "приложение", 1}, // two letters swapped count once
		{"ёлка", "елка", 1},             // letters, not bytes
		{"abc", "xyz", 3},
	} {
		if got := editDistance([]rune(tc.a), []rune(tc.b), 5); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := editDistance([]rune("abcdef"), []rune("uvwxyz"), 2); got != 3 {
		t.Errorf("a distance past the limit is reported as limit+1, got %d", got)
	}
}

func TestTypoTolerance(t *testing.T) {
	for _, tc := range []struct {
		name, lang, query, want string
		fuzzy                   bool // typo tolerance must (or must not) be used
		found                   bool // want is among the top 3
	}{
		{"one edit in a 5+ letter word", "ru", "антивирс", "antivirus", true, true},
		{"one swap in a 5+ letter word", "ru", "шумоподалвение", "noise-suppression", true, true},
		{"one edit, English", "en", "antivrus", "antivirus", true, true},
		{"two edits in a 9+ letter word", "ru", "шумпдавление", "noise-suppression", true, true},
		{"two edits in a 9+ letter word, English", "en", "certfcates", "certificates", true, true},
		{"typo among correct words", "ru", "очистить кэш в дектоп приложении", "clear-cache-desktop", true, true},
		{"two edits in an 8-letter word are too many", "ru", "антвирс", "antivirus", false, false},
		{"no tolerance for a 4-letter word", "ru", "кжши", "clear-cache-android", false, false},
		{"no tolerance for a 4-letter word, English", "en", "jora", "jira-portal", false, false},
		{"correct words need none", "ru", "антивирус", "antivirus", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, HelpQuery{Text: tc.query, Lang: tc.lang})
			if res.Fuzzy != tc.fuzzy {
				t.Errorf("%q: Fuzzy = %v, want %v (results %v)", tc.query, res.Fuzzy, tc.fuzzy, slugs(res))
			}
			r := rankOf(res, tc.want)
			if found := r >= 1 && r <= 3; found != tc.found {
				t.Errorf("%q: %s at rank %d, want found in the top 3 = %v (results %v)", tc.query, tc.want, r, tc.found, slugs(res))
			}
		})
	}
}
