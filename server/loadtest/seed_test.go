package loadtest

import (
	"slices"
	"testing"
	"time"
)

func TestSeedPlanHasEveryKindRealisticSizesAndAllTheMessages(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := SeedPlan{Users: 9000, Chats: 4000, Messages: 200_000, Seed: 5, Since: now.AddDate(-1, 0, 0), Until: now}
	chats := p.ChatPlan()
	if len(chats) != p.Chats {
		t.Fatalf("%d chats, want %d", len(chats), p.Chats)
	}
	kinds := map[string]int{}
	pairs := map[[2]int]bool{}
	biggest := 0
	for i, c := range chats {
		kinds[c.Kind]++
		if c.Index != i || len(c.Members) == 0 || c.Admins < 1 || c.Admins > len(c.Members) {
			t.Fatalf("chat %d: index %d, %d members, %d admins", i, c.Index, len(c.Members), c.Admins)
		}
		seen := map[int]bool{}
		for _, m := range c.Members {
			if m < 1 || m > p.Users || seen[m] {
				t.Fatalf("chat %d (%s): member %d out of range or twice", i, c.Kind, m)
			}
			seen[m] = true
		}
		switch c.Kind {
		case "personal":
			k := [2]int{min(c.Members[0], c.Members[1]), max(c.Members[0], c.Members[1])}
			if len(c.Members) != 2 || pairs[k] {
				t.Fatalf("personal chat %d: members %v (a pair has one personal chat)", i, c.Members)
			}
			pairs[k] = true
		case "discussion":
			if c.Parent < 0 || c.Parent >= i || (chats[c.Parent].Kind != "group" && chats[c.Parent].Kind != "channel") {
				t.Fatalf("discussion %d has parent %d", i, c.Parent)
			}
		case "saved":
			if len(c.Members) != 1 {
				t.Fatalf("saved messages %d with %d members", i, len(c.Members))
			}
		}
		biggest = max(biggest, len(c.Members))
	}
	for _, k := range seedKinds {
		got := float64(kinds[k.kind]) / float64(len(chats))
		if got < k.share*0.8 || got > k.share*1.2 {
			t.Errorf("%s: %.3f of chats, want about %.2f", k.kind, got, k.share)
		}
	}
	if biggest != 8000 {
		t.Errorf("largest chat has %d members, want a channel of 8,000", biggest)
	}

	total, last := 0, map[int]time.Time{}
	var prev time.Time
	perChat := map[int]int{}
	for m := range p.MessagePlan(chats) {
		total++
		perChat[m.Chat]++
		c := chats[m.Chat]
		posters := c.Members
		if c.Kind == "channel" {
			posters = c.Members[:c.Admins]
		}
		if !slices.Contains(posters, m.Sender) {
			t.Fatalf("message in chat %d (%s) from %d, who may not post there", m.Chat, c.Kind, m.Sender)
		}
		if m.At.Before(p.Since) || m.At.After(p.Until) || m.At.Before(last[m.Chat]) || m.Body == "" {
			t.Fatalf("message in chat %d at %v (previous %v), body %q", m.Chat, m.At, last[m.Chat], m.Body)
		}
		last[m.Chat] = m.At
		if m.At.Before(prev) {
			t.Fatalf("message at %v after one at %v: not in time order", m.At, prev)
		}
		prev = m.At
	}
	if total != p.Messages {
		t.Fatalf("%d messages, want %d", total, p.Messages)
	}
	// Activity is skewed: the busiest chat holds far more than the median.
	counts := make([]int, 0, len(perChat))
	for _, n := range perChat {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	if top, median := counts[len(counts)-1], counts[len(counts)/2]; top < 100*median {
		t.Errorf("busiest chat %d messages, median %d: not Zipf-like", top, median)
	}

	// The same plan gives the same data.
	again := p.ChatPlan()
	for i := range chats {
		if !slices.Equal(chats[i].Members, again[i].Members) || chats[i].Name != again[i].Name {
			t.Fatalf("chat %d differs between two runs of the same plan", i)
		}
	}
}
