package realtime

import (
	"context"
	"encoding/json"
	"time"
)

// Presence goes only to sockets that asked for it (the people on their
// screen), so its traffic grows with what is shown, not with the square of
// the users.

type presenceFrame struct {
	Type     string     `json:"type"`
	User     string     `json:"user"`
	Online   bool       `json:"online"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

func presenceJSON(huid string, online bool, lastSeen time.Time) []byte {
	f := presenceFrame{Type: "presence", User: huid, Online: online}
	if !online && !lastSeen.IsZero() {
		t := lastSeen.UTC().Truncate(time.Second)
		f.LastSeen = &t
	}
	b, _ := json.Marshal(f)
	return b
}

// subscribePresence replaces the socket's watched users and answers with
// each one's current state.
func (c *Conn) subscribePresence(ctx context.Context, huids []string) {
	ids, err := c.hub.hooks.Users(ctx, huids)
	if err != nil {
		c.queue(0, errorFrame("presence_failed", "could not look the users up; try again"))
		return
	}
	h := c.hub
	h.mu.Lock()
	for _, uid := range c.watching {
		if w := h.watchers[uid]; w != nil {
			delete(w, c)
			if len(w) == 0 {
				delete(h.watchers, uid)
			}
		}
	}
	c.watching = c.watching[:0]
	online := map[int64]bool{}
	var offline []int64
	for _, uid := range ids {
		w := h.watchers[uid]
		if w == nil {
			w = map[*Conn]struct{}{}
			h.watchers[uid] = w
		}
		w[c] = struct{}{}
		c.watching = append(c.watching, uid)
		if len(h.users[uid]) > 0 {
			online[uid] = true
		} else {
			offline = append(offline, uid)
		}
	}
	seen := map[int64]time.Time{}
	for _, uid := range offline {
		if t, ok := h.lastSeen[uid]; ok {
			seen[uid] = t
		}
	}
	h.mu.Unlock()
	var missing []int64
	for _, uid := range offline {
		if _, ok := seen[uid]; !ok {
			missing = append(missing, uid)
		}
	}
	if len(missing) > 0 && h.hooks.LastSeen != nil {
		if stored, err := h.hooks.LastSeen(ctx, missing); err == nil {
			for uid, t := range stored {
				seen[uid] = t
			}
		}
	}
	for huid, uid := range ids {
		c.queue(0, presenceJSON(huid, online[uid], seen[uid]))
	}
}

// presenceChanged tells the watchers of a user that they came online or
// went away.
func (h *Hub) presenceChanged(userID int64, huid string, online bool, at time.Time) {
	frame := presenceJSON(huid, online, at)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.watchers[userID] {
		c.queue(0, frame)
	}
}
