// Package realtime is the messenger's WebSocket side: the hub that fans
// committed events out to every socket of their recipients, the replay of
// missed events on reconnect, typing and presence.
package realtime

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Frame is one numbered event as a client receives it.
type Frame struct {
	Seq  int64
	Data []byte // a JSON object starting {"type":…; the hub adds "seq"
}

// Delivery is one committed event and who receives it.
type Delivery struct {
	Seq      int64
	Everyone bool    // every connected user gets Data
	Users    []int64 // receive Data
	Data     []byte
	SubUsers []int64 // receive SubData instead (channel subscribers)
	SubData  []byte
	// EndSession: that session's sockets close once this event is sent.
	EndSession int64
	// Session, when set, limits delivery to that session's sockets (a
	// command to one device).
	Session int64
}

// Hooks are what the hub asks the rest of the server; they are set once at
// wiring and never change.
type Hooks struct {
	// Replay returns what userID may see after since (at most limit), or
	// resync when the log no longer reaches back that far.
	Replay func(ctx context.Context, userID, since int64, limit int) ([]Frame, bool, error)
	// TypingAudience returns who is shown that userID types in the chat, or
	// an error when they may not post there.
	TypingAudience func(ctx context.Context, userID int64, chatID string) ([]int64, error)
	// Users resolves HUIDs to user ids, leaving out unknown ones.
	Users func(ctx context.Context, huids []string) (map[string]int64, error)
	// LastSeen is when each user was last active, for those not connected.
	LastSeen func(ctx context.Context, ids []int64) (map[int64]time.Time, error)
}

// Hub knows every open socket by user.
type Hub struct {
	hooks Hooks
	log   *slog.Logger

	mu       sync.RWMutex
	users    map[int64]map[*Conn]struct{}
	watchers map[int64]map[*Conn]struct{} // watched user → sockets watching
	lastSeen map[int64]time.Time
	closed   bool

	metrics hubMetrics
}

type hubMetrics struct {
	sockets  prometheus.Gauge
	dropped  prometheus.Counter
	frames   prometheus.Counter
	replayed prometheus.Counter
}

// NewHub makes a hub; reg may be nil (tests).
func NewHub(hooks Hooks, log *slog.Logger, reg prometheus.Registerer) *Hub {
	h := &Hub{hooks: hooks, log: log, users: map[int64]map[*Conn]struct{}{},
		watchers: map[int64]map[*Conn]struct{}{}, lastSeen: map[int64]time.Time{}}
	h.metrics = hubMetrics{
		sockets:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "parley_ws_sockets", Help: "Open WebSocket connections."}),
		dropped:  prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_ws_dropped_slow_total", Help: "Sockets cut off because they did not keep up."}),
		frames:   prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_ws_frames_total", Help: "Event frames queued to sockets."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_ws_replayed_total", Help: "Events replayed to resuming sockets."}),
	}
	if reg != nil {
		reg.MustRegister(h.metrics.sockets, h.metrics.dropped, h.metrics.frames, h.metrics.replayed)
	}
	return h
}

// withSeq turns a stored event into the frame a client reads.
func withSeq(seq int64, data []byte) []byte {
	n := strconv.AppendInt(make([]byte, 0, len(data)+24), seq, 10)
	out := append([]byte(`{"seq":`), n...)
	out = append(out, ',')
	return append(out, data[1:]...)
}

// Publish queues committed events to the sockets of their recipients. The
// chats writer calls it from one goroutine in commit order, so every socket
// receives events in seq order. It never blocks on a socket.
func (h *Hub) Publish(ds []Delivery) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var ending []*Conn
	for _, d := range ds {
		frame := withSeq(d.Seq, d.Data)
		if d.Everyone {
			for _, conns := range h.users {
				h.queueAll(conns, d.Seq, frame)
			}
		}
		for _, uid := range d.Users {
			if d.Session != 0 {
				for c := range h.users[uid] {
					if c.sessionID == d.Session {
						c.queue(d.Seq, frame)
					}
				}
				continue
			}
			h.queueAll(h.users[uid], d.Seq, frame)
		}
		if len(d.SubUsers) > 0 {
			sub := withSeq(d.Seq, d.SubData)
			for _, uid := range d.SubUsers {
				h.queueAll(h.users[uid], d.Seq, sub)
			}
		}
		if d.EndSession != 0 {
			for _, uid := range d.Users {
				for c := range h.users[uid] {
					if c.sessionID == d.EndSession {
						ending = append(ending, c)
					}
				}
			}
		}
	}
	for _, c := range ending {
		c.finish()
	}
}

func (h *Hub) queueAll(conns map[*Conn]struct{}, seq int64, frame []byte) {
	for c := range conns {
		if c.queue(seq, frame) {
			h.metrics.frames.Inc()
		} else {
			h.metrics.dropped.Inc()
		}
	}
}

// sendTo queues an unnumbered frame (typing, presence) to users' sockets,
// except skip.
func (h *Hub) sendTo(users []int64, frame []byte, skip *Conn) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, uid := range users {
		for c := range h.users[uid] {
			if c != skip {
				c.queue(0, frame)
			}
		}
	}
}

// add registers a socket; false once the hub is shutting down.
func (h *Hub) add(c *Conn) bool {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return false
	}
	conns := h.users[c.userID]
	first := len(conns) == 0
	if conns == nil {
		conns = map[*Conn]struct{}{}
		h.users[c.userID] = conns
	}
	conns[c] = struct{}{}
	h.mu.Unlock()
	h.metrics.sockets.Inc()
	if first {
		h.presenceChanged(c.userID, c.huid, true, time.Time{})
	}
	return true
}

// remove forgets a socket and its presence subscriptions.
func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	conns := h.users[c.userID]
	if _, ok := conns[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(conns, c)
	last := len(conns) == 0
	now := time.Now().UTC()
	if last {
		delete(h.users, c.userID)
		h.lastSeen[c.userID] = now
	}
	for _, uid := range c.watching {
		if w := h.watchers[uid]; w != nil {
			delete(w, c)
			if len(w) == 0 {
				delete(h.watchers, uid)
			}
		}
	}
	h.mu.Unlock()
	h.metrics.sockets.Dec()
	if last {
		h.presenceChanged(c.userID, c.huid, false, now)
	}
}

// Online reports whether the user has an open socket.
func (h *Hub) Online(userID int64) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users[userID]) > 0
}

// Sockets is the number of open sockets.
func (h *Hub) Sockets() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, conns := range h.users {
		n += len(conns)
	}
	return n
}

// Close ends every socket (going away) and refuses new ones: the server is
// shutting down and clients will reconnect elsewhere or later.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	var all []*Conn
	for _, conns := range h.users {
		for c := range conns {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		c.finish()
	}
}

// SessionsOf lists the sessions that have sockets open for the user.
func (h *Hub) SessionsOf(userID int64) []int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	seen := map[int64]bool{}
	var out []int64
	for c := range h.users[userID] {
		if !seen[c.sessionID] {
			seen[c.sessionID] = true
			out = append(out, c.sessionID)
		}
	}
	return out
}
