package sqlstore

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// Tx implements store.Tx over a Querier. It lives for one transaction,
// and buffers audit writes until Flush; use Run, which flushes before the
// transaction commits.
type Tx struct {
	ctx   context.Context
	d     *Dialect
	q     Querier
	audit auditLog
}

var _ store.Tx = (*Tx)(nil)

// NewTx returns a Tx running its statements through q with ctx.
func NewTx(ctx context.Context, d *Dialect, q Querier) *Tx {
	return &Tx{ctx: ctx, d: d, q: q, audit: auditLog{size: -1, hashes: map[int64]tlog.Hash{}}}
}

// Run calls fn with a Tx over q and then flushes the Tx's buffered writes.
// The caller commits q's transaction if Run returns nil and rolls it back
// otherwise.
func Run(ctx context.Context, d *Dialect, q Querier, fn func(store.Tx) error) error {
	return NewTx(ctx, d, q).Run(fn)
}

// Run calls fn with tx and then flushes tx's buffered writes.
func (tx *Tx) Run(fn func(store.Tx) error) error {
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Flush()
}

// Next returns a Tx for ctx over the same transaction that starts with
// tx's cached view of the audit log (tree size and hashes), which saves
// reading them again. It is for running several fns in one transaction,
// each in its own savepoint: call it only once tx.Run has returned nil, so
// nothing is pending, and never on a Tx whose writes, or whose successor's
// writes, were rolled back — the two share the cache, so after a rollback
// start again with NewTx.
func (tx *Tx) Next(ctx context.Context) *Tx {
	if tx.audit.err != nil || len(tx.audit.events) > 0 || len(tx.audit.stored) > 0 {
		return NewTx(ctx, tx.d, tx.q)
	}
	return &Tx{ctx: ctx, d: tx.d, q: tx.q, audit: auditLog{size: tx.audit.size, hashes: tx.audit.hashes}}
}

func (tx *Tx) exec(query string, args ...any) (int64, error) {
	return tx.q.Exec(tx.ctx, tx.d.rebind(query), args...)
}

// queryRow runs a query expected to return at most one row and calls scan
// for it; it returns store.ErrNotFound when there is no row.
func (tx *Tx) queryRow(query string, args []any, scan func(Rows) error) error {
	rows, err := tx.q.Query(tx.ctx, tx.d.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return store.ErrNotFound
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}

// queryAll runs a query and calls scan for each row.
func (tx *Tx) queryAll(query string, args []any, scan func(Rows) error) error {
	rows, err := tx.q.Query(tx.ctx, tx.d.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// insert runs an INSERT … ON CONFLICT DO NOTHING and reports store.ErrExists
// when it inserted nothing. Avoiding the constraint error keeps a
// PostgreSQL transaction usable after the conflict, as SQLite's is.
func (tx *Tx) insert(what, query string, args ...any) error {
	n, err := tx.exec(query, args...)
	if err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("insert %s: %w", what, store.ErrExists)
	}
	return nil
}

const principalCols = `kind, name, segment, roles, status, created, updated`

// CreatePrincipal implements store.Tx.
func (tx *Tx) CreatePrincipal(p store.Principal) error {
	return tx.insert("principal "+string(p.Kind)+" "+p.Name,
		`INSERT INTO principals (`+principalCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`,
		string(p.Kind), p.Name, p.Segment, stringsArg(p.Roles), string(p.Status),
		tx.d.timeArg(p.Created), tx.d.timeArg(p.Updated))
}

func scanPrincipal(r Rows) (store.Principal, error) {
	var p store.Principal
	var kind, status string
	err := r.Scan(&kind, &p.Name, &p.Segment, stringsDest{&p.Roles}, &status,
		timeDest{&p.Created}, timeDest{&p.Updated})
	p.Kind, p.Status = store.Kind(kind), store.Status(status)
	return p, err
}

// GetPrincipal implements store.Tx.
func (tx *Tx) GetPrincipal(kind store.Kind, name string) (store.Principal, error) {
	var p store.Principal
	err := tx.queryRow(`SELECT `+principalCols+` FROM principals WHERE kind = ? AND name = ?`,
		[]any{string(kind), name}, func(r Rows) (err error) {
			p, err = scanPrincipal(r)
			return err
		})
	if err != nil {
		return store.Principal{}, fmt.Errorf("get principal %s %s: %w", kind, name, err)
	}
	return p, nil
}

// ListPrincipals implements store.Tx.
func (tx *Tx) ListPrincipals(kind store.Kind) ([]store.Principal, error) {
	var ps []store.Principal
	err := tx.queryAll(`SELECT `+principalCols+` FROM principals WHERE kind = ? ORDER BY name`,
		[]any{string(kind)}, func(r Rows) error {
			p, err := scanPrincipal(r)
			ps = append(ps, p)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list principals %s: %w", kind, err)
	}
	return ps, nil
}

// SetPrincipalStatus implements store.Tx. Revoked is terminal: moving a
// revoked principal to any other status is store.ErrConflict.
func (tx *Tx) SetPrincipalStatus(kind store.Kind, name string, s store.Status, at time.Time) error {
	query := `UPDATE principals SET status = ?, updated = ? WHERE kind = ? AND name = ?`
	args := []any{string(s), tx.d.timeArg(at), string(kind), name}
	if s != store.StatusRevoked {
		query += ` AND status <> ?`
		args = append(args, string(store.StatusRevoked))
	}
	n, err := tx.exec(query, args...)
	if err == nil && n == 0 {
		err = store.ErrNotFound
		if _, gerr := tx.GetPrincipal(kind, name); gerr == nil {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("set principal %s %s status %s: %w", kind, name, s, err)
	}
	return nil
}
