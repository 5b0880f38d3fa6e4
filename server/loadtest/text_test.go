package loadtest

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// The seed's text must have a natural word distribution: search figures
// measured over it only mean something if common words are as common as in
// real chats.
func TestZipfRanksFollowTheLaw(t *testing.T) {
	cases := []struct {
		n int
		s float64
	}{{3000, 1.0}, {1000, 1.2}, {50, 0.8}}
	for _, c := range cases {
		z := NewZipf(c.n, c.s)
		r := rand.New(rand.NewPCG(7, 11))
		const draws = 400_000
		counts := make([]int, c.n)
		for range draws {
			counts[z.Rank(r)]++
		}
		// The rank-1 to rank-k frequency ratio is k^s.
		for _, k := range []int{2, 5, 10} {
			got := float64(counts[0]) / float64(counts[k-1])
			want := math.Pow(float64(k), c.s)
			if math.Abs(got-want)/want > 0.06 {
				t.Errorf("n=%d s=%.1f: rank 1 / rank %d = %.2f, want %.2f", c.n, c.s, k, got, want)
			}
		}
		// The slope of log frequency against log rank over the first
		// twenty ranks is −s.
		slope := logLogSlope(counts[:20])
		if math.Abs(slope+c.s) > 0.05 {
			t.Errorf("n=%d s=%.1f: log-log slope %.3f, want %.3f", c.n, c.s, slope, -c.s)
		}
		// Every rank is possible and the probabilities sum to one.
		sum := 0.0
		for i := range c.n {
			sum += z.P(i)
		}
		if math.Abs(sum-1) > 1e-9 || z.P(c.n-1) <= 0 {
			t.Errorf("n=%d: probabilities sum to %v, last %v", c.n, sum, z.P(c.n-1))
		}
	}
}

func logLogSlope(counts []int) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(counts))
	for i, c := range counts {
		x, y := math.Log(float64(i+1)), math.Log(float64(c))
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func TestMessagesUseBothLanguagesWithTheVocabularysRanks(t *testing.T) {
	g := NewTextGen()
	r := rand.New(rand.NewPCG(1, 2))
	inRU, inEN := map[string]int{}, map[string]int{}
	for _, w := range VocabularyRU() {
		inRU[w] = 0
	}
	for _, w := range VocabularyEN() {
		inEN[w] = 0
	}
	var ru, en, words int
	for range 20_000 {
		m := g.Message(r)
		if m == "" || !unicode.IsUpper([]rune(m)[0]) || !strings.ContainsAny(m[len(m)-1:], ".?!") {
			t.Fatalf("message %q does not start with a capital and end a sentence", m)
		}
		isRU := strings.ContainsFunc(m, func(c rune) bool { return unicode.Is(unicode.Cyrillic, c) })
		if isRU {
			ru++
		} else {
			en++
		}
		for _, w := range strings.Fields(m) {
			w = strings.TrimRight(w, ".,?!")
			counts := inEN
			if isRU {
				counts = inRU
			}
			if _, ok := counts[w]; !ok {
				w = strings.ToLower(w) // capitalised at a sentence start
			}
			if _, ok := counts[w]; !ok {
				t.Fatalf("word %q of %q is not in the vocabulary of its language", w, m)
			}
			counts[w]++
			words++
		}
	}
	if share := float64(ru) / float64(ru+en); share < 0.57 || share > 0.63 {
		t.Errorf("%.2f of messages in Russian, want about 0.60", share)
	}
	if mean := float64(words) / 20_000; mean < 8 || mean > 10 {
		t.Errorf("%.1f words a message, want about 9", mean)
	}
	// The most frequent words of the generated text are the top ranks.
	for _, c := range []struct {
		v      Vocabulary
		counts map[string]int
	}{{VocabularyRU(), inRU}, {VocabularyEN(), inEN}} {
		if c.counts[c.v[0]] < c.counts[c.v[1]] || c.counts[c.v[1]] < c.counts[c.v[9]] || c.counts[c.v[9]] < c.counts[c.v[99]] {
			t.Errorf("ranks 1, 2, 10, 100 (%s %s %s %s) counted %d %d %d %d: not falling", c.v[0], c.v[1], c.v[9], c.v[99],
				c.counts[c.v[0]], c.counts[c.v[1]], c.counts[c.v[9]], c.counts[c.v[99]])
		}
	}
}

func TestVocabulariesAreLargeAndHaveWordForms(t *testing.T) {
	cases := []struct {
		name  string
		v     Vocabulary
		min   int
		forms []string
	}{
		{"ru", VocabularyRU(), 2500, []string{"сервер", "сервера", "серверов", "задержка", "ошибки", "версией", "сообщением",
			"проверяет", "тестируют", "говорили", "срочную", "комментариев", "панелью"}},
		{"en", VocabularyEN(), 1000, []string{"server", "servers", "replies", "fixes", "deployed", "deploying", "approves", "copied"}},
	}
	for _, c := range cases {
		if len(c.v) < c.min {
			t.Errorf("%s: %d word forms, want at least %d", c.name, len(c.v), c.min)
		}
		seen := map[string]bool{}
		for _, w := range c.v {
			if seen[w] || strings.TrimSpace(w) != w || w == "" {
				t.Errorf("%s: word %q twice or blank", c.name, w)
			}
			seen[w] = true
		}
		for _, f := range c.forms {
			if !seen[f] {
				t.Errorf("%s: no form %q", c.name, f)
			}
		}
	}
}
