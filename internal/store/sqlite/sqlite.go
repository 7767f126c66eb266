// Package sqlite implements store.Store on an embedded SQLite database
// (modernc.org/sqlite, no cgo). It is the default store for a single hub
// node.
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// Update survives a crash, and with secure_delete, so deleted and
// overwritten data (destroyed keysets, rewrapped message ciphertext) is
// zeroed in the database file rather than left in free pages; the old
// page images can remain in the -wal file until a checkpoint reuses it. All writes go through one connection that
// begins with BEGIN IMMEDIATE, which serialises them within the process
// and, through SQLite's lock, across processes; reads use a separate pool
// and run concurrently with the writer.
//
// Concurrent Updates share transactions (group commit, see batch.go): one
// writer goroutine runs queued fns one at a time, each in its own
// savepoint, and commits them together, so a burst of N small Updates
// costs one fsync rather than N.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeout is how long a connection waits for another process's lock.
const busyTimeout = 5 * time.Second

var dialect = &sqlstore.Dialect{
	OrFail: true,
	Time:   func(t time.Time) any { return t.UnixMicro() },
}

// Store is a store.Store backed by one SQLite file.
type Store struct {
	path   string
	writer *sql.DB    // one connection, BEGIN IMMEDIATE
	reader *sql.DB    // query_only connections
	stmts  *stmtCache // statements prepared on the writer
	// checkpointer is the connection the checkpoint goroutine uses; it
	// closes checkpointed when it has stopped (see checkpoint.go).
	checkpointer *sql.DB
	checkpointed chan struct{}

	queue   chan *request // Updates waiting for the writer goroutine
	quit    chan struct{} // closed by Close to stop the writer
	stopped chan struct{} // closed by the writer when it exits

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file with mode 0600
// if it does not exist, and applies any pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

func open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := createFile(abs); err != nil {
		return nil, err
	}
	s := &Store{path: path, queue: make(chan *request, maxBatch),
		quit: make(chan struct{}), stopped: make(chan struct{})}
	if s.writer, err = openDB(ctx, abs, 1, "synchronous(FULL)", "foreign_keys(1)",
		// Keep each Update's savepoint journal in memory, not a temp file.
		"temp_store(MEMORY)",
		// The checkpointer checkpoints, not the writer's commits.
		"wal_autocheckpoint(0)"); err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.writer.Close()
		return nil, err
	}
	s.stmts = newStmtCache(s.writer)
	n := max(4, runtime.GOMAXPROCS(0))
	if s.reader, err = openDB(ctx, abs, n, "query_only(1)"); err != nil {
		s.writer.Close()
		return nil, err
	}
	if s.checkpointer, err = openDB(ctx, abs, 1, "synchronous(FULL)"); err != nil {
		s.reader.Close()
		s.writer.Close()
		return nil, err
	}
	s.checkpointed = make(chan struct{})
	go runCheckpointer(s.checkpointer, s.quit, s.checkpointed)
	go s.runWriter()
	return s, nil
}

// createFile makes sure the database file exists with mode 0600 before
// SQLite opens it; SQLite gives its -wal and -shm files the same mode.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// openDB opens a connection pool of size conns on the file at abs with the
// given pragmas, and checks it can read the database. A single-connection
// pool is the writer and begins transactions with BEGIN IMMEDIATE.
func openDB(ctx context.Context, abs string, conns int, pragmas ...string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// Overwrite deleted content with zeros, so destroyed keysets and
	// rewritten message ciphertext do not linger in free pages.
	q.Add("_pragma", "secure_delete(ON)")
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if conns == 1 {
		q.Set("_txlock", "immediate")
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := checkDB(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkDB reads the schema, which fails on a file that is not a database.
func checkDB(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n)
	if err != nil {
		return fmt.Errorf("read schema: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	ms, err := sqlstore.LoadMigrations(sub)
	if err != nil {
		return err
	}
	return sqlstore.Migrate(ctx, s.write, dialect, ms)
}

// write runs fn in a write transaction on the single writer connection.
func (s *Store) write(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return runTx(ctx, s.writer, nil, func(tx *sql.Tx) error { return fn(sqlstore.SQLQuerier(tx)) })
}

// runTx runs fn in a transaction on db, committing if fn returns nil and
// rolling back otherwise, also when fn panics.
func runTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return runTx(ctx, s.reader, &sql.TxOptions{ReadOnly: true}, func(tx *sql.Tx) error {
		return sqlstore.Run(ctx, dialect, sqlstore.SQLQuerier(tx), fn)
	})
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := checkDB(ctx, s.reader); err != nil {
		return fmt.Errorf("ping sqlite %s: %w", s.path, err)
	}
	return nil
}

// Close waits for the Update being run, if any, and closes the database.
// Updates that have not started fail. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.stopped
		<-s.checkpointed
		s.stmts.close()
		s.closeErr = errors.Join(s.checkpointer.Close(), s.reader.Close(), s.writer.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("close sqlite %s: %w", s.path, s.closeErr)
		}
	})
	return s.closeErr
}
