package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int64
	Name    string // file name, for messages
	SQL     string
}

// LoadMigrations reads the *.sql files at the root of fsys. Each name
// starts with its version number, e.g. 0001_init.sql; versions must be
// unique. The result is sorted by version.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	var ms []Migration
	for _, name := range names {
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("load migrations: %s: name must start with a positive version number", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: path.Base(name), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("load migrations: %s and %s share version %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name    TEXT NOT NULL,
	applied TEXT NOT NULL
)`

// Migrate applies the migrations not yet recorded in schema_migrations,
// each in its own write transaction. Because write runs transactions one at
// a time, even across processes, two nodes migrating at once apply each
// migration exactly once. A database with a migration this binary does not
// know is an error: it was upgraded by a newer version.
func Migrate(ctx context.Context, write WriteFunc, d *Dialect, ms []Migration) error {
	err := write(ctx, func(q Querier) error {
		if _, err := q.Exec(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("migrate: create schema_migrations: %w", err)
		}
		return checkNewer(NewTx(ctx, d, q), ms)
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := write(ctx, func(q Querier) error { return apply(ctx, q, d, m) }); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

// goSteps are data migrations that run, in the same transaction, after the
// SQL migration of the same version. Both dialects number their
// migrations alike, so the steps are shared.
var goSteps = map[int64]func(*Tx) error{
	2: backfillAuditHashes,
}

// apply runs m unless it has been applied already.
func apply(ctx context.Context, q Querier, d *Dialect, m Migration) error {
	tx := NewTx(ctx, d, q)
	var n int64
	err := tx.queryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`,
		[]any{m.Version}, func(r Rows) error { return r.Scan(&n) })
	if err != nil || n > 0 {
		return err
	}
	if _, err := q.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if step := goSteps[m.Version]; step != nil {
		if err := step(tx); err != nil {
			return err
		}
		if err := tx.Flush(); err != nil {
			return err
		}
	}
	_, err = tx.exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// checkNewer fails if the database has a migration newer than any in ms.
func checkNewer(tx *Tx, ms []Migration) error {
	var latest, current int64
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	err := tx.queryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`, nil,
		func(r Rows) error { return r.Scan(&current) })
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("migrate: database schema version %d is newer than this binary supports (%d)", current, latest)
	}
	return nil
}
