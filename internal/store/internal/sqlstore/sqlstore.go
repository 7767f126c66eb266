// Package sqlstore holds the SQL logic shared by the SQLite and PostgreSQL
// stores: the store.Tx implementation, the event log queries and the
// migration runner. The two stores differ only in how they open
// connections, begin transactions and spell a few things, which a Dialect
// describes.
package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Numbered placeholders ($1, $2…) instead of ?.
	Numbered bool
	// Time converts a time to the value bound to a timestamp column.
	// Times arrive already in UTC and truncated to microseconds.
	Time func(time.Time) any
	// OrFail writes the multi-row statements of the hot paths as INSERT OR
	// FAIL and UPDATE OR FAIL (SQLite). A plain multi-row statement on a
	// table with constraints makes SQLite keep a statement journal, so it
	// can undo just that statement; that costs a copy of every page it
	// touches and, with modernc.org/sqlite, an mmap and munmap per
	// statement. Nothing here needs the statement undone alone: the checks
	// run first, and a failure fails the whole Update, whose rollback
	// undoes the statement anyway.
	OrFail bool
}

// verb returns the statement verb (INSERT or UPDATE) for the dialect; see
// OrFail.
func (d *Dialect) verb(v string) string {
	if d.OrFail {
		return v + " OR FAIL"
	}
	return v
}

// Querier runs statements inside one transaction. Queries are written with
// ? placeholders; the Tx rewrites them for the dialect.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// WriteFunc runs fn in a read-write transaction that is serialised against
// every other write to the same store, committing if fn returns nil.
type WriteFunc func(ctx context.Context, fn func(Querier) error) error

// rebind rewrites ? placeholders to $n when the dialect needs it. None of
// the package's statements contain a literal question mark.
func (d *Dialect) rebind(query string) string {
	if !d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// SQLQuerier adapts a database/sql transaction to Querier.
func SQLQuerier(tx *sql.Tx) Querier { return sqlQuerier{tx} }

type sqlQuerier struct{ tx *sql.Tx }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return q.tx.QueryContext(ctx, query, args...)
}
