// Package postgres implements store.Store on PostgreSQL, for several hub
// nodes sharing state.
//
// Open takes a connection URL or key=value string as understood by pgx; a
// search_path parameter selects the schema. Every Update takes a
// transaction-scoped advisory lock (one per schema) before running, so
// updates from all nodes are serialised: a read followed by a write inside
// Update is atomic, audit sequence numbers follow commit order, and no
// serialization failures or retries arise. View runs in a read-only
// REPEATABLE READ transaction and never waits for the lock.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

const (
	// poolSize bounds the connections one Store opens.
	poolSize = 8
	// defaultConnectTimeout applies when the URL sets no connect_timeout.
	defaultConnectTimeout = 10 * time.Second
	// lockClass is the first key of the advisory write lock ("airl"); the
	// second is a hash of the current schema.
	lockClass = 0x6169726c
)

var dialect = &sqlstore.Dialect{
	Numbered: true,
	Time:     func(t time.Time) any { return t },
}

// Store is a store.Store backed by a PostgreSQL schema.
type Store struct {
	name   string // redacted connection string, for messages
	secret string // password to keep out of messages
	pool   *pool

	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at conn and applies any pending
// migrations. Error messages never contain the password.
func Open(ctx context.Context, conn string) (*Store, error) {
	s := &Store{name: redactURL(conn), secret: password(conn)}
	if err := s.open(ctx, conn); err != nil {
		return nil, s.errorf("open", err)
	}
	return s, nil
}

func (s *Store) open(ctx context.Context, conn string) error {
	cfg, err := pgx.ParseConfig(conn)
	if err != nil {
		return err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	s.pool = newPool(cfg, poolSize)
	if err := s.ping(ctx); err != nil {
		s.pool.close()
		return fmt.Errorf("connect: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err == nil {
		var ms []sqlstore.Migration
		if ms, err = sqlstore.LoadMigrations(sub); err == nil {
			err = sqlstore.Migrate(ctx, s.write, dialect, ms)
		}
	}
	if err != nil {
		s.pool.close()
	}
	return err
}

// errorf wraps err with the operation and the redacted connection string.
func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("%s postgres %s: %w", op, s.name, redactErr(err, s.secret))
}

// runTx runs fn in a transaction with opts on a pooled connection,
// committing if fn returns nil and rolling back otherwise.
func (s *Store) runTx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	c, err := s.pool.acquire(ctx)
	if err != nil {
		return s.errorf("connect", err)
	}
	defer s.pool.release(c)
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// write runs fn in a READ COMMITTED transaction that first takes the
// schema's advisory write lock, so writes from every node run one at a time.
func (s *Store) write(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return s.runTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))`, lockClass)
		if err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return fn(querier{tx})
	})
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return s.runTx(ctx, opts, func(tx pgx.Tx) error {
		return fn(sqlstore.NewTx(ctx, dialect, querier{tx}))
	})
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.write(ctx, func(q sqlstore.Querier) error {
		return fn(sqlstore.NewTx(ctx, dialect, q))
	})
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		return s.errorf("ping", err)
	}
	return nil
}

func (s *Store) ping(ctx context.Context) error {
	c, err := s.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.pool.release(c)
	return c.Ping(ctx)
}

// Close closes the store's connections. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.close)
	return nil
}
