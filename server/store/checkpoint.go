package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL's committed
// pages into the database file.
const checkpointEvery = 250 * time.Millisecond

// restartFrames is the WAL length (in 4 KiB pages) past which the
// checkpointer finishes a checkpoint on the write connection itself.
const restartFrames = 4096

// The writer connection does not checkpoint by itself (wal_autocheckpoint
// is 0 on it): SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying a thousand pages and syncing twice, and
// under a burst of messages that stalled the one writer every other batch.
// A connection of its own copies the pages instead, PASSIVE (never blocking
// the writer or readers), several times a second.
//
// A checkpoint beside a busy writer never quite catches up, and SQLite
// starts the WAL over only at a write that finds it fully copied. So once
// the WAL passes restartFrames the checkpointer runs one more checkpoint
// through the write connection, between two writes: little is left to copy
// by then, and the next write restarts the WAL. journal_size_limit trims
// the file after a spike.
type checkpointer struct {
	conn  *sql.DB
	write *sql.DB
	// restartAt is restartFrames; tests lower it.
	restartAt atomic.Int64
	stop      chan struct{}
	done      chan struct{}
	once      sync.Once
}

func startCheckpointer(dsn string, write *sql.DB) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, write: write, stop: make(chan struct{}), done: make(chan struct{})}
	c.restartAt.Store(restartFrames)
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.checkpoint(context.Background()); err != nil {
				// Nothing is lost: the pages stay in the WAL for the next try.
				slog.Warn("database checkpoint", "err", err)
			}
		}
	}
}

func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, logFrames, copied int
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
		return err
	}
	if int64(logFrames) < c.restartAt.Load() {
		return nil
	}
	return c.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied)
}

func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.conn.Close()
	})
	return err
}
