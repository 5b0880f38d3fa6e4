package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Limits of one socket.
const (
	// maxQueued frames may wait for a socket; past that the client is too
	// slow, is cut off, and resumes with ?since= (never slowing others).
	maxQueued = 1024
	// replayLimit events are replayed on connect; a client further behind
	// reloads (resync) instead.
	replayLimit = 5000
	pingEvery   = 30 * time.Second
	pongWait    = 75 * time.Second
	writeWait   = 10 * time.Second
	// maxClientFrame bounds what a client may send: typing and presence
	// subscriptions are small.
	maxClientFrame = 16 << 10
)

// Conn is one WebSocket of one session.
type Conn struct {
	hub       *Hub
	ws        *websocket.Conn
	userID    int64
	huid      string
	sessionID int64

	mu      sync.Mutex
	queued  []queuedFrame // nil while idle: an idle socket holds no buffer
	wake    chan struct{} // capacity 1: something was queued
	done    chan struct{} // closed by finish
	endOnce sync.Once
	slow    bool

	// Owned by the reading goroutine.
	watching   []int64
	lastTyping time.Time
}

type queuedFrame struct {
	seq  int64 // 0: unnumbered
	data []byte
}

// queue adds a frame without blocking; false when the socket was too slow
// and has been cut off.
func (c *Conn) queue(seq int64, data []byte) bool {
	c.mu.Lock()
	if c.slow {
		c.mu.Unlock()
		return false
	}
	if len(c.queued) >= maxQueued {
		c.slow = true
		ws := c.ws
		c.mu.Unlock()
		c.finish()
		// The writer may be stuck sending to this client: unblock it now
		// rather than at its write deadline.
		if ws != nil {
			ws.UnderlyingConn().SetWriteDeadline(time.Now())
		}
		return false
	}
	c.queued = append(c.queued, queuedFrame{seq, data})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// take hands the writer everything queued so far.
func (c *Conn) take() []queuedFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queued
	c.queued = nil
	return q
}

// finish makes the socket end: the writer says goodbye and closes it.
func (c *Conn) finish() {
	c.endOnce.Do(func() { close(c.done) })
}

// writeLoop sends replayed events, then live ones, then pings; it alone
// writes to the socket. Live events queued while the replay was read are
// skipped up to the replay's last number, so nothing arrives twice.
func (c *Conn) writeLoop(ctx context.Context, since int64, resume bool) {
	defer c.ws.Close()
	last := since
	if resume {
		frames, resync, err := c.hub.hooks.Replay(ctx, c.userID, since, replayLimit+1)
		switch {
		case err != nil:
			c.hub.log.Error("replay events", "user", c.userID, "since", since, "err", err)
			c.closeWith(websocket.CloseInternalServerErr, "could not replay events; reconnect")
			return
		case resync || len(frames) > replayLimit:
			if !c.write([]byte(`{"type":"resync"}`)) {
				return
			}
			// The client reloads its snapshots; live events from here on.
			last = 0
		default:
			for _, f := range frames {
				if !c.write(withSeq(f.Seq, f.Data)) {
					return
				}
				last = f.Seq
			}
			c.hub.metrics.replayed.Add(float64(len(frames)))
		}
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
			for _, f := range c.take() {
				if f.seq != 0 && f.seq <= last {
					continue
				}
				if !c.write(f.data) {
					return
				}
				if f.seq != 0 {
					last = f.seq
				}
			}
		case <-ping.C:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-c.done:
			// Send what is already queued (a session.ended event, say) first.
			for _, f := range c.take() {
				if f.seq != 0 && f.seq <= last {
					continue
				}
				if !c.write(f.data) {
					return
				}
			}
			c.mu.Lock()
			slow := c.slow
			c.mu.Unlock()
			if slow {
				c.closeWith(websocket.ClosePolicyViolation, "too slow: resume with ?since=")
			} else {
				c.closeWith(websocket.CloseGoingAway, "closing")
			}
			return
		}
	}
}

func (c *Conn) write(data []byte) bool {
	c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, data) == nil
}

func (c *Conn) closeWith(code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}
