package chats

import (
	"strings"
	"unicode"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/russian"
)

// maxTermLen drops "words" longer than any real one (hashes, base64) from
// the index.
const maxTermLen = 40

// terms turns text into the space-separated stems that the full-text index
// holds: lower case, split on anything that is not a letter or digit,
// Cyrillic words through the Russian stemmer and Latin ones through the
// English one, so "сообщения" finds "сообщение" and "messages" "message".
func terms(text string) string {
	var b strings.Builder
	for _, w := range words(text) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(stem(w))
	}
	return b.String()
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func stem(w string) string {
	if len(w) > maxTermLen*2 {
		return w[:0]
	}
	cyrillic, latin := false, false
	for _, r := range w {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic = true
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin = true
		}
	}
	switch {
	case cyrillic && !latin:
		w = strings.ReplaceAll(w, "ё", "е")
		env := snowball.NewEnv(w)
		russian.Stem(env)
		return env.Current()
	case latin && !cyrillic:
		env := snowball.NewEnv(w)
		english.Stem(env)
		return env.Current()
	}
	return w
}

// matchQuery is the FTS5 query for what a person typed: every word must
// occur, as its stem, so any form of a word finds the others. Words become
// quoted strings: nothing a user types is read as FTS5 syntax. There is no
// prefix matching: at five million messages a prefix as long as "the"
// expands to thousands of words and cost 150 ms a search, where whole
// stems cost a few.
func matchQuery(q string) string {
	ws := words(q)
	if len(ws) > 12 {
		ws = ws[:12]
	}
	var b strings.Builder
	for _, w := range ws {
		t := stem(w)
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(`"` + t + `"`)
	}
	return b.String()
}
