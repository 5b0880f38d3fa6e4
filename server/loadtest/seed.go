package loadtest

import (
	"container/heap"
	"iter"
	"math"
	"math/rand/v2"
	"time"
)

// SeedPlan describes the realistic data set `parley loadtest seed` writes:
// users, chats of every kind and messages in Russian and English. It is
// deterministic: the same plan gives the same chats and texts, so figures
// measured on two seeded directories compare.
type SeedPlan struct {
	Users    int // load-test users 1…Users
	Chats    int
	Messages int
	Seed     uint64
	// Messages are dated from Since to Until, increasing within each chat.
	Since, Until time.Time
}

// DefaultSeedPlan is the set issue 12 asks for.
func DefaultSeedPlan(now time.Time) SeedPlan {
	return SeedPlan{Users: 20000, Chats: 20000, Messages: 5_000_000, Seed: 12,
		Since: now.AddDate(-1, 0, 0), Until: now}
}

// Shares of the chats by kind; the global chat exists on every server.
var seedKinds = []struct {
	kind  string
	share float64
}{
	{"personal", 0.55}, {"group", 0.33}, {"channel", 0.07}, {"discussion", 0.04}, {"saved", 0.01},
}

// SeedChat is one chat of the plan. Members are load-test user numbers;
// the first is the creator and an admin.
type SeedChat struct {
	Index   int
	Kind    string
	Name    string
	Members []int
	Admins  int // Members[:Admins] are admins (only they post in a channel)
	Parent  int // a discussion's parent chat (its Index), -1 otherwise
}

// SeedMessage is one message of the plan.
type SeedMessage struct {
	Chat   int // SeedChat.Index
	Sender int // load-test user number
	Body   string
	At     time.Time
}

// ChatPlan lists the plan's chats.
func (p SeedPlan) ChatPlan() []SeedChat {
	r := rand.New(rand.NewPCG(p.Seed, 1))
	g := NewTextGen()
	out := make([]SeedChat, 0, p.Chats)
	user := func() int { return 1 + r.IntN(p.Users) }
	distinct := func(n int, first int) []int {
		seen := map[int]bool{first: true}
		m := []int{first}
		for len(m) < n && len(m) < p.Users {
			u := user()
			if !seen[u] {
				seen[u] = true
				m = append(m, u)
			}
		}
		return m
	}
	savedNext, channels := 1, 0
	personal := map[[2]int]bool{}
	for i := 0; i < p.Chats; i++ {
		x, kind := r.Float64(), seedKinds[len(seedKinds)-1].kind
		for _, k := range seedKinds {
			if x -= k.share; x < 0 {
				kind = k.kind
				break
			}
		}
		c := SeedChat{Index: i, Kind: kind, Parent: -1, Admins: 1}
		switch kind {
		case "personal":
			a, b := user(), user()
			if a == b || personal[[2]int{min(a, b), max(a, b)}] {
				i--
				continue
			}
			personal[[2]int{min(a, b), max(a, b)}] = true
			c.Members = []int{a, b}
			c.Admins = 2
		case "group":
			// Most groups are small teams; a few are whole departments.
			c.Members = distinct(paretoSize(r, 3, 1.3, 1000), user())
			c.Name = title(g, r)
		case "channel":
			// Channels are read by many: a couple by nearly everyone.
			size := paretoSize(r, 20, 0.9, 8000)
			if channels < 2 {
				size = min(8000, p.Users) // the chat limit
			}
			channels++
			c.Members = distinct(size, user())
			c.Admins = min(len(c.Members), 1+r.IntN(3))
			c.Name = title(g, r)
		case "discussion":
			// Comments on a message of an earlier group or channel.
			parent := -1
			for try := 0; try < 20 && len(out) > 0 && parent < 0; try++ {
				if cand := out[r.IntN(len(out))]; cand.Kind == "group" || cand.Kind == "channel" {
					parent = cand.Index
				}
			}
			if parent < 0 {
				i--
				continue
			}
			c.Parent = parent
			pm := out[parent].Members
			c.Members = []int{pm[0]}
			for _, m := range pm[1:] {
				if r.IntN(4) == 0 {
					c.Members = append(c.Members, m)
				}
			}
		case "saved":
			if savedNext > p.Users {
				i--
				continue
			}
			c.Members = []int{savedNext}
			savedNext++
		}
		out = append(out, c)
	}
	return out
}

// paretoSize draws a heavy-tailed size of at least lo, at most hi.
func paretoSize(r *rand.Rand, lo int, alpha float64, hi int) int {
	u := 1 - r.Float64()
	return min(hi, int(float64(lo)/math.Pow(u, 1/alpha)))
}

func title(g *TextGen, r *rand.Rand) string {
	words := g.Words(r, r.Float64() < g.ShareRU, 1+r.IntN(3))
	s := ""
	for i, w := range words {
		if i > 0 {
			s += " "
		}
		s += w
	}
	return s
}

// MessagePlan yields the plan's messages in time order across all chats
// (so message ids grow with time, as on a real server), oldest first.
// Chat activity follows Zipf's law too: a few chats hold much of the
// history, most hold little. It holds one small cursor per chat, never the
// messages.
func (p SeedPlan) MessagePlan(chats []SeedChat) iter.Seq[SeedMessage] {
	return func(yield func(SeedMessage) bool) {
		if len(chats) == 0 || p.Messages == 0 {
			return
		}
		r := rand.New(rand.NewPCG(p.Seed, 2))
		g := NewTextGen()
		// Chat activity ranks in a shuffled order, so that neither the
		// first chats nor one kind hold all the traffic.
		order := r.Perm(len(chats))
		z := NewZipf(len(chats), 1.0)
		counts := make([]int, len(chats))
		left := p.Messages
		for rank, ci := range order {
			n := int(math.Round(z.P(rank) * float64(p.Messages)))
			n = min(n, left)
			counts[ci] = n
			left -= n
		}
		for left > 0 { // what rounding left over goes to random chats
			counts[r.IntN(len(chats))]++
			left--
		}
		// Each chat's messages are evenly spread over the period with
		// jitter; a heap merges the chats by the time of their next one.
		span := p.Until.Sub(p.Since)
		h := &chatCursors{}
		for ci, n := range counts {
			if n > 0 {
				step := span / time.Duration(n+1)
				heap.Push(h, chatCursor{chat: ci, left: n, step: step, next: p.Since.Add(step/2 + time.Duration(r.Int64N(int64(max(step, 1)))))})
			}
		}
		for h.Len() > 0 {
			cur := (*h)[0]
			c := chats[cur.chat]
			posters := c.Members
			if c.Kind == "channel" {
				posters = c.Members[:c.Admins]
			}
			at := cur.next
			if at.After(p.Until) {
				at = p.Until
			}
			if !yield(SeedMessage{Chat: cur.chat, Sender: posters[r.IntN(len(posters))], Body: g.Message(r), At: at}) {
				return
			}
			if cur.left--; cur.left == 0 {
				heap.Pop(h)
				continue
			}
			cur.next = cur.next.Add(cur.step/2 + time.Duration(r.Int64N(int64(max(cur.step, 1)))))
			(*h)[0] = cur
			heap.Fix(h, 0)
		}
	}
}

type chatCursor struct {
	chat int
	left int
	step time.Duration
	next time.Time
}

type chatCursors []chatCursor

func (h chatCursors) Len() int           { return len(h) }
func (h chatCursors) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h chatCursors) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *chatCursors) Push(x any)        { *h = append(*h, x.(chatCursor)) }
func (h *chatCursors) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
