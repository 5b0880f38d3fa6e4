package chats

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A change is one write a request asks for. It runs inside the writer's
// transaction, under its own savepoint, and reports the events to publish
// once the transaction has committed.
type change func(tx *stmtTx, log *eventLog) error

type writeRequest struct {
	ctx  context.Context
	fn   change
	done chan error
}

// maxBatch bounds how many changes share one commit: enough to turn a burst
// of sends into a few transactions, few enough that one batch stays short.
const maxBatch = 256

// write runs fn on the writer and returns once its transaction has committed
// (and its events have been handed to the hub) or failed. Concurrent writes
// share commits: SQLite has one writer, and a commit per message would cap
// throughput at the commit rate.
func (s *Service) write(ctx context.Context, fn change) error {
	req := writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-s.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the change runs whatever the caller does next: waiting for
	// its outcome keeps "returned success" meaning "committed".
	return <-req.done
}

// runWriter is the single goroutine that owns the write connection for the
// messenger's tables.
func (s *Service) runWriter() {
	defer close(s.writerDone)
	batch := make([]writeRequest, 0, maxBatch)
	for {
		select {
		case req := <-s.writes:
			batch = append(batch[:0], req)
		case <-s.stopped:
			s.drainWrites()
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case req := <-s.writes:
				batch = append(batch, req)
			default:
				break collect
			}
		}
		s.commitBatch(batch)
	}
}

// drainWrites answers the changes still queued at shutdown.
func (s *Service) drainWrites() {
	for {
		select {
		case req := <-s.writes:
			req.done <- ErrClosed
		default:
			return
		}
	}
}

// commitBatch applies every change of the batch in one transaction, each
// under a savepoint so that one refused change does not undo the others.
func (s *Service) commitBatch(batch []writeRequest) {
	start := time.Now()
	// The batch's transaction must not die with one request's context.
	sqlTx, err := s.db.Write.BeginTx(context.Background(), nil)
	tx := &stmtTx{Tx: sqlTx, stmts: s.stmts}
	if err != nil {
		for _, req := range batch {
			req.done <- fmt.Errorf("begin transaction: %w", err)
		}
		return
	}
	results := make([]error, len(batch))
	logs := make([]*eventLog, len(batch))
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT change"); err != nil {
			results[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		log := &eventLog{now: s.now()}
		err := req.fn(tx, log)
		if err == nil {
			err = log.flush(tx)
		}
		if err != nil {
			results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO change; RELEASE change"); rerr != nil {
				// The transaction is unusable: fail the whole batch.
				tx.Rollback()
				for _, req := range batch {
					req.done <- errors.Join(err, fmt.Errorf("roll back change: %w", rerr))
				}
				return
			}
			continue
		}
		if _, err := tx.Exec("RELEASE change"); err != nil {
			results[i] = fmt.Errorf("release savepoint: %w", err)
			continue
		}
		logs[i] = log
	}
	if err := writeTerms(tx, logs); err != nil {
		tx.Rollback()
		for _, req := range batch {
			req.done <- err
		}
		return
	}
	if err := tx.Commit(); err != nil {
		for _, req := range batch {
			req.done <- fmt.Errorf("commit: %w", err)
		}
		return
	}
	s.metrics.observeBatch(len(batch), time.Since(start))
	s.stmts.prepareWanted()
	// Published in commit order, from this one goroutine: every connection
	// sees events in seq order.
	if hub := s.hub.Load(); hub != nil {
		for _, log := range logs {
			if log != nil {
				hub.Publish(log.published)
			}
		}
	}
	for i, req := range batch {
		req.done <- results[i]
	}
}
