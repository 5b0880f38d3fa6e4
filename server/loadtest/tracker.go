package loadtest

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// tracker follows every message in flight from its scheduled send to the
// moment the last member of its chat received it over the WebSocket. A
// message counts only when its POST succeeded and every member got it.
type tracker struct {
	shards [64]struct {
		mu sync.Mutex
		m  map[string]*flight
	}
	seed      maphash.Seed
	lat       *Histogram // scheduled send → delivered to all
	delivered atomic.Int64
	dupes     atomic.Int64 // a member got the same message twice
	strays    atomic.Int64 // message.new of ours no flight expects (already timed out)
}

type flight struct {
	sched  time.Time
	need   int32           // members, plus one for the POST's success
	left   atomic.Int32    // members still to receive it, plus the POST if not back yet
	seen   []atomic.Uint64 // a bit per member
	done   chan bool       // closed-loop senders wait here; nil in the open loop
	chatID string
}

func newTracker() *tracker {
	t := &tracker{seed: maphash.MakeSeed(), lat: &Histogram{}}
	for i := range t.shards {
		t.shards[i].m = map[string]*flight{}
	}
	return t
}

func (t *tracker) shard(id string) *struct {
	mu sync.Mutex
	m  map[string]*flight
} {
	return &t.shards[maphash.String(t.seed, id)%uint64(len(t.shards))]
}

func (t *tracker) start(id string, sched time.Time, members int, wait bool) *flight {
	f := &flight{sched: sched, need: int32(members + 1), seen: make([]atomic.Uint64, (members+63)/64)}
	f.left.Store(f.need)
	if wait {
		f.done = make(chan bool, 1)
	}
	s := t.shard(id)
	s.mu.Lock()
	s.m[id] = f
	s.mu.Unlock()
	return f
}

// finish removes the flight; true if this call removed it.
func (t *tracker) finish(id string, ok bool) bool {
	s := t.shard(id)
	s.mu.Lock()
	f := s.m[id]
	delete(s.m, id)
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if ok {
		t.lat.Record(time.Since(f.sched))
		t.delivered.Add(1)
	}
	if f.done != nil {
		f.done <- ok
	}
	return true
}

// posted records the POST's success.
func (t *tracker) posted(id string, f *flight) {
	if f.left.Add(-1) == 0 {
		t.finish(id, true)
	}
}

// got records that member number pos of the chat received message id.
func (t *tracker) got(id string, pos int) {
	s := t.shard(id)
	s.mu.Lock()
	f := s.m[id]
	s.mu.Unlock()
	if f == nil {
		t.strays.Add(1)
		return
	}
	if pos < 0 || pos/64 >= len(f.seen) {
		t.strays.Add(1)
		return
	}
	bit := uint64(1) << (pos & 63)
	if f.seen[pos/64].Or(bit)&bit != 0 {
		t.dupes.Add(1)
		return
	}
	if f.left.Add(-1) == 0 {
		t.finish(id, true)
	}
}

// expire ends flights older than timeout as failures and returns how many.
func (t *tracker) expire(timeout time.Duration) int {
	cut := time.Now().Add(-timeout)
	var old []string
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for id, f := range s.m {
			if f.sched.Before(cut) {
				old = append(old, id)
			}
		}
		s.mu.Unlock()
	}
	n := 0
	for _, id := range old {
		if t.finish(id, false) {
			n++
		}
	}
	return n
}

func (t *tracker) inFlight() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

var (
	markNew  = []byte(`"type":"message.new"`)
	markSync = []byte(`"sync_id":"`)
	markSeq  = []byte(`"seq":`)
)

// frameInfo pulls out of one server frame what the load tool needs without
// decoding all of it (a thousand sockets receive 150,000 frames a second):
// the seq and, for message.new, the message's sync_id. Frames not in Go's
// compact JSON fall back to a full decode.
func frameInfo(data []byte) (seq int64, isNew bool, syncID string) {
	if i := bytes.Index(data, markSeq); i >= 0 {
		rest := data[i+len(markSeq):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		seq, _ = strconv.ParseInt(string(rest[:j]), 10, 64)
	}
	if !bytes.Contains(data, markNew) {
		if !bytes.Contains(data, []byte("message.new")) {
			return seq, false, ""
		}
		var ev struct {
			Type    string `json:"type"`
			Seq     int64  `json:"seq"`
			Message struct {
				SyncID string `json:"sync_id"`
			} `json:"message"`
		}
		if json.Unmarshal(data, &ev) != nil || ev.Type != "message.new" {
			return seq, false, ""
		}
		return ev.Seq, true, ev.Message.SyncID
	}
	if i := bytes.Index(data, markSync); i >= 0 {
		rest := data[i+len(markSync):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return seq, true, string(rest[:j])
		}
	}
	return seq, true, ""
}
