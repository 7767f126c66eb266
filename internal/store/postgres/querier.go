package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/airlock-hub/airlock/internal/store/internal/sqlstore"
)

// querier adapts a pgx transaction to sqlstore.Querier and
// sqlstore.Copier.
type querier struct{ tx pgx.Tx }

var (
	_ sqlstore.Querier = querier{}
	_ sqlstore.Copier  = querier{}
)

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rowsAdapter{rows}, nil
}

// CopyFrom loads rows into table with the COPY protocol. The table name
// stays unqualified, so the connection's search_path resolves it.
func (q querier) CopyFrom(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	return q.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
}

// rowsAdapter gives pgx.Rows the Close signature of database/sql.
type rowsAdapter struct{ pgx.Rows }

func (r rowsAdapter) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}
