package kb

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedArticlesLoad(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatalf("the embedded knowledge base does not load:\n%v", err)
	}
	for _, lang := range Languages {
		list := b.Articles(lang)
		if len(list) < 45 {
			t.Errorf("%s: %d articles, want at least 45", lang, len(list))
		}
		sections := map[string]int{}
		for _, a := range list {
			sections[a.Section]++
			if tr, ok := b.Translation(a); !ok || tr.Translation != a.Slug {
				t.Errorf("%s/%s: translation does not link back", lang, a.Slug)
			}
			if len(strings.Fields(a.Text)) < 80 {
				t.Errorf("%s/%s: only %d words for everyone", lang, a.Slug, len(strings.Fields(a.Text)))
			}
			if strings.Contains(a.Text+a.AdminText+a.Title, "eXpress") {
				t.Errorf("%s/%s names the product it is modelled on", lang, a.Slug)
			}
		}
		for _, s := range Sections {
			if sections[s.ID] == 0 {
				t.Errorf("%s: section %s has no articles", lang, s.ID)
			}
		}
	}
	if len(b.Hash) != 64 {
		t.Errorf("hash %q", b.Hash)
	}
}

func TestSeedFactsCarriedOver(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	// Facts the seeds state exactly, which the articles must keep exactly.
	for _, tc := range []struct{ lang, slug, want string }{
		{"ru", "forbidden-file-types", "application/vnd.microsoft.portable-executable"},
		{"ru", "forbidden-file-types", "text/iuls"},
		{"en", "forbidden-file-types", "application/x-xpinstall"},
		{"ru", "file-size-limits", "1 ГБ"},
		{"ru", "file-size-limits", "25 МБ"},
		{"ru", "file-size-limits", "50 МБ"},
		{"ru", "admin-sign-in", "Логин заблокирован (превышено максимальное количество попыток)"},
		{"ru", "admin-panel-language", "_admin_locale"},
		{"ru", "chat-member-limits", "8000"},
		{"ru", "chat-member-limits", "128"},
		{"ru", "call-network-requirements", "3478"},
		{"ru", "engineering-menu-ios", "voexPushToken"},
		{"ru", "users-csv-export", "unregistered"},
		{"ru", "corporate-account", "Воспользуйтесь другой версией приложения для работы с этой учётной записью"},
	} {
		a, ok := b.Article(tc.lang, tc.slug)
		if !ok {
			t.Errorf("no article %s/%s", tc.lang, tc.slug)
			continue
		}
		if !strings.Contains(a.Text+a.AdminText, tc.want) {
			t.Errorf("%s/%s lacks %q", tc.lang, tc.slug, tc.want)
		}
	}
}

func TestAdminBlocksAndTOC(t *testing.T) {
	fsys := fstest.MapFS{
		"ru/a.md": {Data: []byte("---\ntitle: Статья\nsection: cache\naudience: user\nplatforms: [android]\ntags: [кэш]\ntranslation: a\nrelated: []\nsummary: Кратко.\n---\nВступление <b>не HTML</b>.\n\n## Шаги\n\nТекст.\n\n:::admin\n### Настройка\nСекрет для админа.\n:::\n\nКонец.\n")},
		"en/a.md": {Data: []byte("---\ntitle: Article\nsection: cache\naudience: user\nplatforms: []\ntags: [cache]\ntranslation: a\nrelated: []\nsummary: Short.\n---\nIntro.\n")},
	}
	b, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := b.Article("ru", "a")
	if !strings.Contains(a.HTML, `<details class="admin-block"><summary>Для администратора</summary>`) {
		t.Errorf("admin block not rendered as details:\n%s", a.HTML)
	}
	if strings.Contains(a.HTML, "<b>") || !strings.Contains(a.HTML, "&lt;b&gt;") && !strings.Contains(a.HTML, "<!-- raw HTML omitted -->") {
		t.Errorf("raw HTML passed through:\n%s", a.HTML)
	}
	if len(a.TOC) != 2 || a.TOC[0].Text != "Шаги" || a.TOC[1].Level != 3 || !strings.Contains(a.HTML, `id="`+a.TOC[0].ID+`"`) {
		t.Errorf("TOC %+v", a.TOC)
	}
	if strings.Contains(a.Text, "Секрет") || !strings.Contains(a.AdminText, "Секрет") {
		t.Errorf("admin text not kept apart: %q / %q", a.Text, a.AdminText)
	}
}

func TestBrokenArticlesNamed(t *testing.T) {
	good := "---\ntitle: T\nsection: cache\naudience: user\nplatforms: []\ntags: []\ntranslation: a\nrelated: []\nsummary: S.\n---\nBody.\n"
	for _, tc := range []struct {
		name, ru, want string
	}{
		{"no front matter", "Body only", "ru/a.md: no front matter"},
		{"unknown section", strings.Replace(good, "cache", "gossip", 1), `unknown section "gossip"`},
		{"unknown field", strings.Replace(good, "summary", "sumary", 1), "sumary"},
		{"unclosed admin", good + ":::admin\nx\n", "not closed"},
		{"missing translation", strings.Replace(good, "translation: a", "translation: b", 1), `translation "b" has no en article`},
		{"bad related", strings.Replace(good, "related: []", "related: [nope]", 1), `related article "nope"`},
	} {
		_, err := LoadFS(fstest.MapFS{"ru/a.md": {Data: []byte(tc.ru)}, "en/a.md": {Data: []byte(good)}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
