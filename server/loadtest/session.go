package loadtest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// member is one signed-in user with a WebSocket open, as the burst and
// ceiling runs hold them.
type member struct {
	*User
	idx     int
	ws      atomic.Pointer[WS]
	lastSeq atomic.Int64
	closing atomic.Bool
	// onNew is called for every message.new the socket receives.
	onNew func(m *member, syncID string)
}

// connectAll opens one WebSocket per user, par at a time, and starts their
// readers. A socket the server closes is reopened with ?since= so that no
// event is missed (counted in errs). It stops at the first failure to
// connect and returns what was connected, with the error.
func connectAll(ctx context.Context, t *Target, users []*User, par int, errs *Errors, onNew func(*member, string), progress io.Writer) ([]*member, error) {
	ms := make([]*member, len(users))
	for i, u := range users {
		ms[i] = &member{User: u, idx: i, onNew: onNew}
	}
	var (
		next     atomic.Int64
		firstErr error
		failedAt = int64(len(ms))
		mu       sync.Mutex
		wg       sync.WaitGroup
		count    atomic.Int64
	)
	start := time.Now()
	for range max(1, par) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ms)) || ctx.Err() != nil {
					return
				}
				mu.Lock()
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					return
				}
				if err := ms[i].connect(ctx, t, errs); err != nil {
					mu.Lock()
					if firstErr == nil || i < failedAt {
						firstErr, failedAt = fmt.Errorf("websocket of %s (user %d): %w", ms[i].Email, i+1, err), i
					}
					mu.Unlock()
					return
				}
				if c := count.Add(1); progress != nil && c%2000 == 0 {
					fmt.Fprintf(progress, "  %d WebSockets open (%.0f/s)\n", c, float64(c)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		var open []*member
		for _, m := range ms {
			if m.ws.Load() != nil {
				open = append(open, m)
			}
		}
		return open, firstErr
	}
	return ms, ctx.Err()
}

func (m *member) connect(ctx context.Context, t *Target, errs *Errors) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, err := ConnectWS(dctx, t, m.User, m.lastSeq.Load())
	if err != nil {
		return err
	}
	m.ws.Store(ws)
	go m.read(ctx, t, ws, errs)
	return nil
}

func (m *member) read(ctx context.Context, t *Target, ws *WS, errs *Errors) {
	for {
		data, err := ws.Read()
		if err != nil {
			if ws.ClosedByUs() || m.closing.Load() || ctx.Err() != nil {
				return
			}
			errs.Add(fmt.Errorf("websocket closed by the server, reopened with since: %w", err))
			for attempt := 0; ; attempt++ {
				if ctx.Err() != nil || m.closing.Load() {
					return
				}
				if err := m.connect(ctx, t, errs); err == nil {
					return
				} else if attempt > 5 {
					errs.Add(fmt.Errorf("websocket could not be reopened: %w", err))
					return
				}
				time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
			}
		}
		seq, isNew, syncID := frameInfo(data)
		if seq > 0 {
			m.lastSeq.Store(seq)
		}
		if isNew && m.onNew != nil {
			m.onNew(m, syncID)
		}
	}
}

// close ends the member's socket for good.
func (m *member) close() {
	m.closing.Store(true)
	if ws := m.ws.Load(); ws != nil {
		ws.Close()
	}
}

func closeAll(ms []*member) {
	for _, m := range ms {
		m.close()
	}
}

// reconnect closes the socket and opens a new one that resumes with since,
// as a client does after a network change; the old reader ends quietly.
func (m *member) reconnect(ctx context.Context, t *Target, errs *Errors) error {
	if old := m.ws.Load(); old != nil {
		old.Close()
	}
	return m.connect(ctx, t, errs)
}
