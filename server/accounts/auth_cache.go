package accounts

import (
	"sync"
	"time"
)

// authCache remembers, for a moment, whom a token belongs to: every API
// request authenticates, and under a burst of messages those two queries
// were a tenth of the server's work. An entry lives authCacheTTL at most and
// is dropped at once when the user's sessions end, they are blocked or
// their role changes, so nothing is trusted longer than that moment.
type authCache struct {
	mu sync.Mutex
	m  map[string]authEntry
	// epoch moves on every forgetUser: an answer read from the database
	// before that is not cached, so a session ended while it was being
	// looked up cannot come back from the cache.
	epoch uint64
}

type authEntry struct {
	user    User
	session Session
	at      time.Time
}

const (
	authCacheTTL = 2 * time.Second
	authCacheMax = 100_000
)

func (c *authCache) get(key string, now time.Time) (authEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.Sub(e.at) > authCacheTTL || now.Before(e.at) {
		return authEntry{}, false
	}
	return e, true
}

// currentEpoch is read before looking a token up in the database.
func (c *authCache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *authCache) put(key string, e authEntry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.m == nil || len(c.m) >= authCacheMax {
		c.m = map[string]authEntry{}
	}
	c.m[key] = e
}

// forgetUser drops every entry of a user.
func (c *authCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for k, e := range c.m {
		if e.user.ID == userID {
			delete(c.m, k)
		}
	}
}
