package loadtest

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ZipfExponent is the exponent of natural text's rank-frequency law.
const ZipfExponent = 1.0

// TextGen writes chat messages in Russian and English whose words follow
// Zipf's law over the built-in vocabularies. It holds no random state: each
// caller passes its own *rand.Rand, so goroutines share one TextGen.
type TextGen struct {
	ru, en     Vocabulary
	zru, zen   *Zipf
	ShareRU    float64 // fraction of messages in Russian
	MeanWords  float64 // mean message length in words
	MaxWords   int
	sentenceAt int // words per sentence, about
}

// NewTextGen returns a generator with chat-like defaults: 60 % Russian,
// messages of 9 words on average (a geometric spread: many short replies,
// a few long paragraphs), at most 120 words.
func NewTextGen() *TextGen {
	return &TextGen{ru: vocabRU, en: vocabEN, zru: NewZipf(len(vocabRU), ZipfExponent),
		zen: NewZipf(len(vocabEN), ZipfExponent), ShareRU: 0.6, MeanWords: 9, MaxWords: 120, sentenceAt: 10}
}

// Words draws n words of one language.
func (g *TextGen) Words(r *rand.Rand, ru bool, n int) []string {
	v, z := g.en, g.zen
	if ru {
		v, z = g.ru, g.zru
	}
	out := make([]string, n)
	for i := range out {
		out[i] = v[z.Rank(r)]
	}
	return out
}

// Message writes one message: sentences with a capital letter and a full
// stop (sometimes a question or an exclamation).
func (g *TextGen) Message(r *rand.Rand) string {
	n := 1 + int(r.ExpFloat64()*(g.MeanWords-1))
	n = min(n, g.MaxWords)
	words := g.Words(r, r.Float64() < g.ShareRU, n)
	var b strings.Builder
	start := true
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if start {
			c, size := utf8.DecodeRuneInString(w)
			b.WriteRune(unicode.ToUpper(c))
			b.WriteString(w[size:])
			start = false
		} else {
			b.WriteString(w)
		}
		last := i == len(words)-1
		if last || r.IntN(g.sentenceAt) == 0 {
			switch p := r.IntN(10); {
			case p == 0:
				b.WriteByte('?')
			case p == 1 && !last:
				b.WriteByte(',')
				continue
			case p == 2:
				b.WriteByte('!')
			default:
				b.WriteByte('.')
			}
			start = true
		}
	}
	return b.String()
}
