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
//
// An idle socket costs one goroutine (its reader) and a few small structs:
// a writer goroutine runs only while there is something to send, and pings
// come from a timer. Ten thousand idle sockets then fit in a few hundred
// MiB less than with a writer and a ticker each.
type Conn struct {
	hub       *Hub
	ws        *websocket.Conn
	userID    int64
	huid      string
	sessionID int64

	mu      sync.Mutex
	queued  []queuedFrame // nil while idle: an idle socket holds no buffer
	writing bool          // a writer goroutine is draining queued
	ending  bool          // finish was called: the writer closes the socket
	closed  bool          // the socket is closed; nothing more is written
	slow    bool
	// last is the seq of the newest numbered frame written; replayed and
	// live frames up to it are not sent twice. Written by the writer only.
	last int64
	// start is what the first writer sends before anything queued: the
	// replay of missed events (resume) from since.
	start    func() bool
	ping     *time.Timer
	wake     chan struct{} // capacity 1: more was queued for a lingering writer
	endOnce  sync.Once
	finished chan struct{} // closed once the socket is closed

	// Owned by the reading goroutine.
	watching   []int64
	lastTyping time.Time
}

type queuedFrame struct {
	seq  int64 // 0: unnumbered; pingFrame: a ping
	data []byte
}

// pingFrame marks a queued ping.
const pingFrame = -1

// lingerFor is how long an idle writer waits for more before it ends.
const lingerFor = 2 * time.Second

// queue adds a frame without blocking; false when the socket was too slow
// and has been cut off.
func (c *Conn) queue(seq int64, data []byte) bool {
	c.mu.Lock()
	if c.slow || c.closed {
		c.mu.Unlock()
		return !c.slow
	}
	if len(c.queued) >= maxQueued {
		c.slow = true
		c.ending = true
		ws := c.ws
		c.mu.Unlock()
		// The writer may be stuck sending to this client: unblock it now
		// rather than at its write deadline.
		if ws != nil {
			ws.UnderlyingConn().SetWriteDeadline(time.Now())
		}
		c.kick()
		return false
	}
	c.queued = append(c.queued, queuedFrame{seq, data})
	c.kickLocked()
	return true
}

// kick starts the writer unless it runs, or the socket is not upgraded yet
// (attach starts it then).
func (c *Conn) kick() {
	c.mu.Lock()
	c.kickLocked()
}

// kickLocked is kick with c.mu held; it unlocks it.
func (c *Conn) kickLocked() {
	if c.writing {
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
		return
	}
	if c.ws == nil || c.closed {
		c.mu.Unlock()
		return
	}
	c.writing = true
	c.mu.Unlock()
	go c.drain()
}

// attach gives the upgraded socket to the Conn and starts it: the replay
// (or the resync notice) first, then whatever was queued meanwhile.
func (c *Conn) attach(ctx context.Context, ws *websocket.Conn, since int64, resume bool) {
	if resume {
		c.start = func() bool { return c.replay(ctx, since) }
	}
	c.last = since
	c.mu.Lock()
	c.ws = ws
	c.ping = time.AfterFunc(pingEvery, c.pingNow)
	c.mu.Unlock()
	c.kick()
}

func (c *Conn) pingNow() {
	c.queue(pingFrame, nil)
	c.mu.Lock()
	if !c.closed {
		c.ping.Reset(pingEvery)
	}
	c.mu.Unlock()
}

// finish makes the socket end: the writer sends what is queued (a
// session.ended event, say), says goodbye and closes it.
func (c *Conn) finish() {
	c.mu.Lock()
	c.ending = true
	c.mu.Unlock()
	c.kick()
}

// drain is the socket's writer while there is something to write: it alone
// writes to the socket, then exits once the queue is empty.
func (c *Conn) drain() {
	if c.start != nil {
		start := c.start
		c.start = nil
		if !start() {
			c.close(false)
			return
		}
	}
	var linger *time.Timer // made on the first wait, reused after
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		c.mu.Lock()
		if c.slow {
			// Cut off: what waits is for the resumed socket to replay.
			c.mu.Unlock()
			c.close(true)
			return
		}
		q := c.queued
		c.queued = nil
		if len(q) == 0 {
			if c.ending {
				c.mu.Unlock()
				c.close(false)
				return
			}
			c.mu.Unlock()
			// A socket of a busy chat gets its next frame soon: the writer
			// lingers a moment rather than being started for every one.
			if linger == nil {
				linger = time.NewTimer(lingerFor)
			} else {
				linger.Reset(lingerFor)
			}
			select {
			case <-c.wake:
				continue
			case <-linger.C:
			}
			c.mu.Lock()
			if len(c.queued) > 0 || c.ending {
				c.mu.Unlock()
				continue
			}
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		w := c.frames()
		for _, f := range q {
			switch {
			case f.seq == pingFrame:
				w.add(websocket.PingMessage, nil)
				continue
			case f.seq > 0 && f.seq <= c.last:
				continue // already sent by the replay
			}
			w.add(websocket.TextMessage, f.data)
			if f.seq > 0 {
				c.last = f.seq
			}
		}
		if !w.flush() {
			c.close(false)
			return
		}
	}
}

// replay sends the events missed since, or tells the client to resync.
func (c *Conn) replay(ctx context.Context, since int64) bool {
	frames, resync, err := c.hub.hooks.Replay(ctx, c.userID, since, replayLimit+1)
	switch {
	case err != nil:
		c.hub.log.Error("replay events", "user", c.userID, "since", since, "err", err)
		c.closeWith(websocket.CloseInternalServerErr, "could not replay events; reconnect")
		return false
	case resync || len(frames) > replayLimit:
		// The client reloads its snapshots; live events from here on.
		c.last = 0
		return c.write([]byte(`{"type":"resync"}`))
	}
	w := c.frames()
	for _, f := range frames {
		w.add(websocket.TextMessage, withSeq(f.Seq, f.Data))
		c.last = f.Seq
	}
	if !w.flush() {
		return false
	}
	c.hub.metrics.replayed.Add(float64(len(frames)))
	return true
}

// close says why the socket ends (unless it broke) and closes it, once.
func (c *Conn) close(slow bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.writing = false
	c.queued = nil
	if c.ping != nil {
		c.ping.Stop()
	}
	ending := c.ending
	c.mu.Unlock()
	switch {
	case slow:
		c.closeWith(websocket.ClosePolicyViolation, "too slow: resume with ?since=")
	case ending:
		c.closeWith(websocket.CloseGoingAway, "closing")
	}
	c.ws.Close()
	c.endOnce.Do(func() { close(c.finished) })
}

func (c *Conn) write(data []byte) bool {
	w := c.frames()
	w.add(websocket.TextMessage, data)
	return w.flush()
}

func (c *Conn) closeWith(code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}
