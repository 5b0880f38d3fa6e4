package chats

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parley/server/store"
)

// Events are kept a week: a client that resumes from before what was
// purged is told to resync; one that resumes from after it misses nothing.
func TestOldEventsArePurgedAndOlderResumesResync(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := New(ctx, db, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	emit := func(n int) {
		for range n {
			if err := s.write(ctx, func(tx *stmtTx, log *eventLog) error {
				log.add(event{audience: toUser, userID: 1, typ: "chat.updated", payload: map[string]any{"x": 1}})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	emit(3)
	mu.Lock()
	now = now.Add(8 * 24 * time.Hour)
	mu.Unlock()
	emit(2)
	frames, _, err := s.Replay(ctx, 1, 0, 100)
	if err != nil || len(frames) != 5 {
		t.Fatalf("before the purge: %d frames, %v", len(frames), err)
	}
	if err := s.purgeEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if _, resync, _ := s.Replay(ctx, 1, 0, 100); !resync {
		t.Error("a resume from before the purge was not told to resync")
	}
	frames, resync, err := s.Replay(ctx, 1, frames[2].Seq, 100)
	if err != nil || resync || len(frames) != 2 {
		t.Errorf("a resume from the last purged event: %d frames, resync %v, %v", len(frames), resync, err)
	}
}
