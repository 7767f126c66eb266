// Package postgres implements store.Store on PostgreSQL, for several hub
// nodes sharing state.
//
// Open takes a connection URL or key=value string as understood by pgx; a
// search_path parameter selects the schema, and the pgxpool parameters
// (pool_max_conns and the like) tune the connection pool, which holds at
// most 8 connections unless told otherwise. Every Update takes a
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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

const (
	// defaultMaxConns bounds the connections one Store opens when the
	// connection string sets no pool_max_conns.
	defaultMaxConns = 8
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
	pool   *pgxpool.Pool
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
	cfg, err := poolConfig(conn)
	if err != nil {
		return err
	}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
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
		s.pool.Close()
	}
	return err
}

// poolConfig parses conn as pgxpool does, then applies this package's
// defaults for what conn leaves unset.
func poolConfig(conn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		return nil, err
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	// pgxpool.ParseConfig consumes pool_max_conns, so look for it in a
	// plain parse; conn has already parsed once, so this one succeeds.
	if plain, err := pgx.ParseConfig(conn); err == nil {
		if _, ok := plain.RuntimeParams["pool_max_conns"]; !ok {
			cfg.MaxConns = defaultMaxConns
		}
	}
	return cfg, nil
}

// errorf wraps err with the operation and the redacted connection string.
func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("%s postgres %s: %w", op, s.name, redactErr(err, s.secret))
}

// runTx runs fn in a transaction with opts on a pooled connection,
// committing if fn returns nil and rolling back otherwise.
func (s *Store) runTx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.errorf("connect", err)
	}
	defer c.Release() // destroys the connection if fn left it broken or mid-transaction
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
		return sqlstore.Run(ctx, dialect, querier{tx}, fn)
	})
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.write(ctx, func(q sqlstore.Querier) error {
		return sqlstore.Run(ctx, dialect, q, fn)
	})
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return s.errorf("ping", err)
	}
	return nil
}

// Close closes the store's connections, waiting for those in use to be
// released. It is safe to call more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
