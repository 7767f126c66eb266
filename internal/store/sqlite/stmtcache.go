package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

// Prepared statements. SQLite spends much of a small statement's time
// parsing and planning it; the writer runs the same few hundred statement
// texts over and over (multi-row inserts use power-of-two row counts for
// this reason), so it keeps each one prepared and runs it again with new
// arguments. Reads run once per View and are not cached.
//
// The writer pool has one connection, which a transaction holds, so a
// statement cannot be prepared on the pool while one runs: a text seen for
// the first time runs unprepared and is queued, and the writer goroutine
// prepares the queued texts between transactions.

// maxCachedStmts bounds the prepared statements kept; texts beyond it are
// always run unprepared.
const maxCachedStmts = 512

// stmtCache holds statements prepared on the writer's pool, by text.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool // seen, not yet prepared
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt), wanted: make(map[string]bool)}
}

// get returns the prepared statement for query, or nil after queueing it
// to be prepared (unless the cache is full).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = true
	}
	return nil
}

// prepareWanted prepares the queued texts. Call it only while no
// transaction holds the writer's connection. A text that fails to prepare
// is dropped; it keeps running unprepared and reports its error there.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		delete(c.wanted, q)
		if st, err := c.db.PrepareContext(ctx, q); err == nil {
			c.stmts[q] = st
		}
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close() //nolint:errcheck // closing; the connection goes next
		delete(c.stmts, q)
	}
}

// querier returns a Querier running tx's statements prepared.
func (c *stmtCache) querier(tx *sql.Tx) sqlstore.Querier {
	return cachedQuerier{tx: tx, cache: c}
}

// cachedQuerier runs statements in tx through the cache.
type cachedQuerier struct {
	tx    *sql.Tx
	cache *stmtCache
}

func (q cachedQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := q.cache.get(query); st != nil {
		res, err = q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = q.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q cachedQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if st := q.cache.get(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}
