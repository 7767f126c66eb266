package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// errClosed is returned when the store is used after Close.
var errClosed = errors.New("store closed")

// pool is a small bounded pool of pgx connections. (pgxpool would do, but
// needs a module this repository does not depend on yet.) It starts no
// goroutines: connections are dialled on demand and checked when reused.
type pool struct {
	cfg   *pgx.ConnConfig
	slots chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []*pgx.Conn
	closed bool
}

func newPool(cfg *pgx.ConnConfig, size int) *pool {
	return &pool{cfg: cfg, slots: make(chan struct{}, size)}
}

// acquire returns a connection, waiting while size connections are in use.
// Every acquired connection must be given back with release.
func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := p.takeIdle()
	if c == nil && err == nil {
		c, err = pgx.ConnectConfig(ctx, p.cfg)
	}
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// takeIdle returns a healthy idle connection, or nil if there is none.
func (p *pool) takeIdle() (*pgx.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 && !p.closed {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if c.PgConn().CheckConn() == nil {
			return c, nil
		}
		closeConn(c)
	}
	if p.closed {
		return nil, errClosed
	}
	return nil, nil
}

// release gives c back to the pool. Connections that are broken, inside a
// transaction, or released after Close are closed instead.
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slots }()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		closeConn(c)
		return
	}
	p.idle = append(p.idle, c)
}

// close closes the idle connections; connections in use are closed when
// they are released.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		closeConn(c)
	}
	p.idle = nil
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx) // best effort: the connection is being discarded
}
