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
	// plainSend: the change only adds a message to a chat, which keeps
	// the writer's cache valid (writerCache).
	plainSend bool
}

// maxBatch bounds how many changes share one commit: enough to turn a burst
// of sends into a few transactions, few enough that one batch stays short.
const maxBatch = 256

// write runs fn on the writer and returns once its transaction has committed
// (and its events have been handed to the hub) or failed. Concurrent writes
// share commits: SQLite has one writer, and a commit per message would cap
// throughput at the commit rate.
func (s *Service) write(ctx context.Context, fn change) error {
	return s.enqueue(writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// writeSend is write for a change that only adds a message to a chat: it
// may read the chat and its members from the writer's cache.
func (s *Service) writeSend(ctx context.Context, fn change) error {
	return s.enqueue(writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1), plainSend: true})
}

func (s *Service) enqueue(req writeRequest) error {
	select {
	case s.writes <- req:
	case <-s.stopped:
		return ErrClosed
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
	// Once queued the change runs whatever the caller does next: waiting for
	// its outcome keeps "returned success" meaning "committed".
	return <-req.done
}

// runWriter is the single goroutine that owns the write connection for the
// messenger's tables. A committed batch goes to publish, which hands its
// events to the hub and answers its callers while the writer already
// applies the next batch: the writer is the one serial step of a send.
func (s *Service) runWriter() {
	committed := make(chan committedBatch, 4)
	published := make(chan struct{})
	go s.publish(committed, published)
	defer func() {
		close(committed)
		<-published
		close(s.writerDone)
	}()
	for {
		var batch []writeRequest
		select {
		case req := <-s.writes:
			batch = make([]writeRequest, 1, maxBatch)
			batch[0] = req
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
		committed <- s.commitBatch(batch)
	}
}

// committedBatch is a batch the writer is done with: its outcome per
// request, and (when it committed) the events to publish.
type committedBatch struct {
	batch   []writeRequest
	results []error
	logs    []*eventLog
}

// publish hands committed batches' events to the hub, in commit order (one
// goroutine: every connection sees events in seq order), and only then
// answers the callers: "returned" still means committed and on its way.
func (s *Service) publish(committed <-chan committedBatch, done chan<- struct{}) {
	defer close(done)
	for c := range committed {
		if hub := s.hub.Load(); hub != nil {
			for _, log := range c.logs {
				if log != nil {
					hub.Publish(log.published)
				}
			}
		}
		for i, req := range c.batch {
			req.done <- c.results[i]
		}
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
func (s *Service) commitBatch(batch []writeRequest) committedBatch {
	start := time.Now()
	out := committedBatch{batch: batch, results: make([]error, len(batch))}
	failAll := func(err error) committedBatch {
		s.cache.clear()
		for i := range out.results {
			out.results[i] = err
		}
		out.logs = nil
		return out
	}
	// The batch's transaction must not die with one request's context.
	sqlTx, err := s.db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		return failAll(fmt.Errorf("begin transaction: %w", err))
	}
	tx := &stmtTx{Tx: sqlTx, stmts: s.stmts}
	out.logs = make([]*eventLog, len(batch))
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			out.results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT change"); err != nil {
			out.results[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		if !req.plainSend {
			s.cache.clear()
		}
		log := &eventLog{now: s.now(), plainSend: req.plainSend}
		err := req.fn(tx, log)
		if err == nil {
			err = log.flush(s, tx)
		}
		if !req.plainSend {
			s.cache.clear()
		}
		if err != nil {
			// What the change read may have been its own undone writes.
			s.cache.clear()
			out.results[i] = err
			if _, rerr := tx.Exec("ROLLBACK TO change; RELEASE change"); rerr != nil {
				// The transaction is unusable: fail the whole batch.
				tx.Rollback()
				return failAll(errors.Join(err, fmt.Errorf("roll back change: %w", rerr)))
			}
			continue
		}
		if _, err := tx.Exec("RELEASE change"); err != nil {
			out.results[i] = fmt.Errorf("release savepoint: %w", err)
			continue
		}
		out.logs[i] = log
	}
	if err := writeTerms(tx, out.logs); err != nil {
		tx.Rollback()
		return failAll(err)
	}
	if err := tx.Commit(); err != nil {
		return failAll(fmt.Errorf("commit: %w", err))
	}
	s.metrics.observeBatch(len(batch), time.Since(start))
	s.stmts.prepareWanted()
	return out
}
