package chats

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
)

// stmtTx is a transaction whose queries run as statements prepared once
// per connection and kept: parsing SQL was a quarter of the server's CPU
// under a burst of sends, more than running it. The writer's transactions
// use the write connection's statements, read transactions (readTx) the
// readers'.
type stmtTx struct {
	*sql.Tx
	stmts *stmtCache
	// bound are the cached statements bound to this transaction, each
	// bound once per batch rather than once per use.
	bound map[string]*sql.Stmt
}

// stmtCache holds the writer's prepared statements by their SQL text.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // asked for inside a transaction, not prepared yet
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

func (c *stmtCache) get(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	if !ok {
		c.wanted[query] = true
	}
	return st, ok
}

// prepareWanted prepares the statements transactions asked for and did not
// find. It runs between transactions: preparing takes the one write
// connection, which a running transaction holds.
func (c *stmtCache) prepareWanted() {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	wanted := c.wanted
	c.wanted = map[string]bool{}
	c.mu.Unlock()
	// Prepared without the lock: preparing may wait for a free connection.
	for q := range wanted {
		st, err := c.db.Prepare(q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

func firstLine(q string) string {
	for i, r := range q {
		if r == '\n' {
			return q[:i]
		}
	}
	return q
}

// stmt binds the cached statement to this transaction; database/sql reuses
// the connection's prepared statement, since the writer has one connection.
func (t *stmtTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.bound[query]; ok {
		return st, nil
	}
	if st, ok := t.stmts.get(query); ok {
		bound := t.Tx.StmtContext(context.Background(), st)
		if t.bound == nil {
			t.bound = map[string]*sql.Stmt{}
		}
		t.bound[query] = bound
		return bound, nil
	}
	st, err := t.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", firstLine(query), err)
	}
	return st, nil
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *stmtTx) Exec(query string, args ...any) (sql.Result, error) {
	return t.ExecContext(context.Background(), query, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (t *stmtTx) Query(query string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(context.Background(), query, args...)
}

// QueryRowContext reports a failed prepare through the row's Scan, as
// database/sql does.
func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		// An unpreparable query fails the same way when run directly.
		return t.Tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (t *stmtTx) QueryRow(query string, args ...any) *sql.Row {
	return t.QueryRowContext(context.Background(), query, args...)
}

// readTx begins a read-only transaction (one snapshot) whose queries use
// the readers' prepared statements; end it with done.
func (s *Service) readTx(ctx context.Context) (*stmtTx, error) {
	tx, err := s.db.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read: %w", err)
	}
	return &stmtTx{Tx: tx, stmts: s.readStmts}, nil
}

// done ends a read transaction and prepares what it asked for, now that
// its connection is back in the pool.
func (t *stmtTx) done() {
	t.Tx.Rollback()
	t.stmts.prepareWanted()
}

// idsJSON passes a list of ids as one parameter, read in SQL with
// json_each: the query text stays the same whatever the list, so it is
// prepared once.
func idsJSON(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
