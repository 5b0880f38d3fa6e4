package search

import (
	"context"
	"slices"
	"testing"
)

func TestCompoundWordsAreIndexedWholeAndInParts(t *testing.T) {
	an := testAnalyzer(t, "en")
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"net::ERR_CERT_AUTHORITY_INVALID", []string{"net", "err_cert_authority_invalid", "err", "cert", "author", "invalid"}},
		{"java.lang.OutOfMemoryError", []string{"java.lang.outofmemoryerror", "java", "lang", "outofmemoryerror"}},
		{"com.parley.app crashed", []string{"com.parley.app", "com", "parlei", "app", "crash"}},
		{"version 10.5", []string{"version", "10.5"}}, // a number is no compound
		{"rock'n'roll", []string{"rock'n'rol"}},       // nor is a word with apostrophes
	} {
		if got := terms(an, tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("%q -> %v, want %v", tc.text, got, tc.want)
		}
	}
	// The parts follow the whole word's place, and the next word keeps its
	// distance from the last part, so phrases still match.
	toks := an.Analyze([]byte("com.parley.app crashed"))
	var pos []int
	for _, tok := range toks {
		pos = append(pos, tok.Position)
	}
	if want := []int{1, 1, 2, 3, 4}; !slices.Equal(pos, want) {
		t.Errorf("positions %v, want %v", pos, want)
	}
	if toks[2].Start != 4 || toks[2].End != 10 {
		t.Errorf("the part %q points at bytes %d–%d, want 4–10 for snippets", toks[2].Term, toks[2].Start, toks[2].End)
	}
}

// TestErrorCodesFindTheirArticle pastes codes and dotted names into a
// knowledge base that quotes them: the whole code and its parts both find
// the article.
func TestErrorCodesFindTheirArticle(t *testing.T) {
	base := miniBase(t, "Если приложение пишет `java.lang.OutOfMemoryError` или браузер `net::ERR_CERT_AUTHORITY_INVALID`, "+
		"проверьте пакет `com.parley.app` и ключ `permissions.storage`.")
	ix, err := OpenHelp(t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, q := range []string{
		"java.lang.OutOfMemoryError", "OutOfMemoryError", "java.lang",
		"net::ERR_CERT_AUTHORITY_INVALID", "ERR_CERT_AUTHORITY_INVALID", "ERR_CERT", "authority invalid",
		"com.parley.app", "com.parley", "permissions.storage", "permissions storage",
	} {
		res, err := ix.Search(context.Background(), HelpQuery{Text: q, Lang: "ru"})
		if err != nil {
			t.Fatal(err)
		}
		if rankOf(res, "mini") != 1 {
			t.Errorf("%q: got %v, want the article that quotes it", q, slugs(res))
		}
	}
}

func TestSwitchLayout(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"ytn edtljvktybq", "нет уведомлений", true},
		{"ащкпще зфыыцщкв", "forgot password", true},
		{"Ntktajy", "Телефон", true},
		{",scnhsq pdjyjr", "быстрый звонок", true}, // "," is б at a word's start
		{"ytn, pdjyrf", "нет, звонка", true},       // and a comma after a word
		{"ёлка", "`krf", true},
		{"bcnjhb. xfnjd", "историю чатов", true}, // other keys next to a letter are letters
		{"12345 !?", "", false},
	} {
		got, ok := switchLayout(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("switchLayout(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNothingFoundFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name        string
		q           HelpQuery
		wantLang    string
		wantOther   bool
		wantRetyped string
		wantTop3    string
	}{
		{"English words on the Russian side", HelpQuery{Text: "forgot password", Lang: "ru", OtherLang: true}, "en", true, "", "corporate-account"},
		{"an error code on the Russian side", HelpQuery{Text: "net::ERR_CERT_AUTHORITY_INVALID", Lang: "ru", OtherLang: true}, "en", true, "", "certificates"},
		{"wrong keyboard layout", HelpQuery{Text: "ytn edtljvktybq", Lang: "ru", OtherLang: true}, "ru", false, "нет уведомлений", "notification-settings"},
		{"wrong layout and language", HelpQuery{Text: "ащкпще зфыыцщкв", Lang: "ru", OtherLang: true}, "en", true, "forgot password", "corporate-account"},
		// English articles quote a few Russian labels, but Cyrillic text is
		// searched in the Russian ones first.
		{"wrong layout on the English side", HelpQuery{Text: "ytn edtljvktybq", Lang: "en", OtherLang: true}, "ru", true, "нет уведомлений", "notification-settings"},
		{"found as typed: no fallback", HelpQuery{Text: "сертификат", Lang: "ru", OtherLang: true}, "ru", false, "", "certificates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSearch(t, tc.q)
			if res.Lang != tc.wantLang || res.OtherLang != tc.wantOther || res.SearchedFor != tc.wantRetyped || res.Query != tc.q.Text {
				t.Errorf("lang %s other %v searched for %q query %q; want %s %v %q %q",
					res.Lang, res.OtherLang, res.SearchedFor, res.Query, tc.wantLang, tc.wantOther, tc.wantRetyped, tc.q.Text)
			}
			if r := rankOf(res, tc.wantTop3); r < 1 || r > 3 {
				t.Errorf("%s at rank %d, want top 3: %v", tc.wantTop3, r, slugs(res))
			}
			for _, r := range res.Results {
				if r.Lang != tc.wantLang || r.URL != "/help/"+tc.wantLang+"/"+r.Slug {
					t.Errorf("result %s/%s (%s) is not in %s", r.Lang, r.Slug, r.URL, tc.wantLang)
				}
			}
		})
	}
	// Without OtherLang the other language is not searched.
	if res := mustSearch(t, HelpQuery{Text: "forgot password", Lang: "ru"}); res.Total != 0 || res.OtherLang {
		t.Errorf("forgot password in Russian only: %d results, other language %v", res.Total, res.OtherLang)
	}
	// Nonsense stays nothing in both languages and both layouts.
	if res := mustSearch(t, HelpQuery{Text: "qwertyuiopasdfgh", Lang: "en", OtherLang: true}); res.Total != 0 {
		t.Errorf("nonsense found %v", slugs(res))
	}
}
