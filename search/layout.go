package search

import (
	"strings"
	"unicode"
)

// A query typed with the wrong keyboard layout switched on reads as
// nonsense in the other alphabet: "ytn edtljvktybq" is "нет уведомлений"
// typed on the English layout, "ащкпще зфыыцщкв" is "forgot password" typed
// on the Russian one. When a search finds nothing, the text is retyped on
// the other layout (Russian ЙЦУКЕН and English QWERTY, the pair people in
// Russia switch between) and searched again.

// qwerty and jcuken are the same keys of the two layouts, unshifted then
// shifted.
const (
	qwerty = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + "~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>"
	jcuken = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ"
)

var (
	toCyrillic = map[rune]rune{}
	toLatin    = map[rune]rune{}
)

func init() {
	q, j := []rune(qwerty), []rune(jcuken)
	if len(q) != len(j) {
		panic("search: keyboard layouts of different sizes")
	}
	for i := range q {
		toCyrillic[q[i]] = j[i]
		if _, taken := toLatin[j[i]]; !taken {
			toLatin[j[i]] = q[i]
		}
	}
}

// switchLayout retypes text on the other keyboard layout: mostly Latin
// letters become Cyrillic, mostly Cyrillic ones Latin. The keys that carry
// a letter on one layout and punctuation on the other ("[", ".", ";", …)
// are switched only next to a letter being switched, so that punctuation
// between words stays punctuation; a comma only before a letter, since a
// comma after a word is far more often a comma than a б. It reports false
// when text has no letters of either alphabet.
func switchLayout(text string) (string, bool) {
	table, from := toCyrillic, unicode.Latin
	switch majorityScript(text) {
	case otherScript:
		return "", false
	case cyrillic:
		table, from = toLatin, unicode.Cyrillic
	}
	runes := []rune(text)
	isLetter := func(i int) bool { return i >= 0 && i < len(runes) && unicode.Is(from, runes[i]) }
	var b strings.Builder
	for i, r := range runes {
		to, ok := table[r]
		if ok && (unicode.Is(from, r) || isLetter(i+1) || isLetter(i-1) && r != ',') {
			b.WriteRune(to)
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// majorityScript is the alphabet most letters of text are in: latin,
// cyrillic, or otherScript when it has letters of neither.
func majorityScript(text string) script {
	var lat, cyr int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Latin, r):
			lat++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		}
	}
	switch {
	case lat == 0 && cyr == 0:
		return otherScript
	case cyr > lat:
		return cyrillic
	}
	return latin
}
