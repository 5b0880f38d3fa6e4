package helpcenter

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// Searching needs no account, so searches are limited per client: per
// address for visitors who are not signed in, per account, more
// generously, for those who are. Each client has a bucket of searches that
// refills at a steady rate: a person searching, refining and searching
// again never meets the limit; a script looping over the search does after
// the first burst.
type rateLimit struct {
	burst float64       // searches a client may make at once
	every time.Duration // one more search becomes available this often
}

var (
	anonymousSearches = rateLimit{burst: 30, every: 2 * time.Second}         // 30 at once, then 30 a minute
	signedInSearches  = rateLimit{burst: 120, every: 500 * time.Millisecond} // 120 at once, then 120 a minute
)

// maxTrackedClients bounds the limiter's memory. When that many clients
// are tracked, those whose buckets are full again (idle for a while) are
// forgotten; if all are active, a new client is let through untracked:
// the query log stays bounded anyway (see maxQueriesPerDay), and turning
// away everyone new during a flood from many addresses would hurt people
// more than the flood.
const maxTrackedClients = 10000

// limiter holds the buckets of the clients seen recently.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
	limit  rateLimit
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// refill brings b up to now.
func (b *bucket) refill(now time.Time) {
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(b.limit.burst, b.tokens+float64(elapsed)/float64(b.limit.every))
		b.at = now
	}
}

// allow takes one search from key's bucket. When there is none it returns
// false and how long until there is.
func (l *limiter) allow(key string, limit rateLimit, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxTrackedClients {
			l.forgetIdle(now)
			if len(l.buckets) >= maxTrackedClients {
				return true, 0
			}
		}
		b = &bucket{tokens: limit.burst, at: now, limit: limit}
		l.buckets[key] = b
	}
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(b.limit.every))
	return false, wait
}

// forgetIdle drops the buckets that have refilled: their clients would
// start afresh with a full bucket anyway.
func (l *limiter) forgetIdle(now time.Time) {
	for key, b := range l.buckets {
		b.refill(now)
		if b.tokens >= b.limit.burst {
			delete(l.buckets, key)
		}
	}
}

// addressKey is the bucket of a client address. IPv6 clients are counted
// by their /64 network: one subscriber usually holds a whole /64 and may
// use any address in it.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "addr:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "net:" + p.String()
	}
	return "addr:" + a.String()
}
