package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// Appended events and their Merkle hashes are buffered in the Tx and
// inserted with multi-row statements, or COPY where the Querier is a
// Copier (see copy.go): when enough are pending, before Events reads the
// log, and before the transaction commits (Run calls Flush). Statements
// are what appending costs on SQLite, and round trips and per-statement
// work on PostgreSQL, so this is what makes batched appends fast.
const (
	// flushEvents is how many pending events trigger a flush.
	flushEvents = 256
	// maxEventRows and maxHashRows bound the rows in one INSERT; beyond
	// a few hundred arguments modernc.org/sqlite binds them in time
	// quadratic in their number. Smaller batches use power-of-two row
	// counts, so a few statement texts cover every batch and stay in
	// pgx's prepared-statement cache.
	maxEventRows = 32
	maxHashRows  = 64
	// maxCachedHashes bounds the hash cache; it is emptied after a flush
	// once it grows past this.
	maxCachedHashes = 1 << 16
)

// auditLog is a transaction's view of the audit log and Merkle tree.
// Writes are serialised, so once read the tree size stays valid for the
// whole transaction.
//
// Invariant: every pending hash is also in hashes, so a hash missing from
// hashes is either stored in the database or does not exist.
type auditLog struct {
	size   int64               // number of events including pending ones; -1 until read
	hashes map[int64]tlog.Hash // stored hashes read or written in this transaction
	events [][]any             // rows of appended events, not yet inserted
	stored []storedHash        // computed, not yet inserted
	err    error               // a failed flush; the transaction must not commit
}

type storedHash struct {
	index int64
	hash  tlog.Hash
}

// errFlushed marks a transaction whose buffered audit writes failed.
var errFlushed = errors.New("audit log write failed earlier in this transaction")

// AppendEvent implements store.Tx. Seq is the next number after the
// largest one stored. Writes are serialised, so sequence numbers have no
// gaps (a rolled-back append frees its number) and follow commit order,
// which lets a reader that has seen Seq n safely ask for AfterSeq n.
//
// The event and its hashes are inserted when the Tx flushes, at the latest
// before commit; an error then fails the whole Update.
func (tx *Tx) AppendEvent(e store.Event) (int64, error) {
	n, err := tx.AuditSize()
	if err != nil {
		return 0, fmt.Errorf("append event %s: %w", e.Type, err)
	}
	e.Seq = n + 1
	e.Time = e.Time.UTC().Truncate(store.EventTimePrecision)
	if err := tx.appendLeaf(n, e.Canonical()); err != nil {
		return 0, fmt.Errorf("append event %s: %w", e.Type, err)
	}
	// Encode the row now: the caller may reuse e.Reasons once we return.
	tx.audit.events = append(tx.audit.events, []any{e.Seq, tx.d.timeArg(e.Time), e.Node, e.Type,
		string(e.Outcome), e.Actor, e.Target, e.RequestID, stringsArg(e.Reasons), e.Detail})
	tx.audit.size = e.Seq
	if len(tx.audit.events) >= flushEvents {
		if err := tx.Flush(); err != nil {
			return 0, fmt.Errorf("append event %s: %w", e.Type, err)
		}
	}
	return e.Seq, nil
}

// appendLeaf computes the stored hashes for record n and queues them.
// On error nothing is queued.
func (tx *Tx) appendLeaf(n int64, data []byte) error {
	hs, err := tlog.StoredHashes(n, data, tlog.HashReaderFunc(tx.ReadHashes))
	if err != nil {
		return fmt.Errorf("hash record %d: %w", n, err)
	}
	index := tlog.StoredHashIndex(0, n)
	for i, h := range hs {
		sh := storedHash{index + int64(i), h}
		tx.audit.hashes[sh.index] = h
		tx.audit.stored = append(tx.audit.stored, sh)
	}
	return nil
}

// AuditSize implements store.Tx.
func (tx *Tx) AuditSize() (int64, error) {
	if tx.audit.err != nil {
		return 0, fmt.Errorf("audit size: %w", tx.audit.err)
	}
	if tx.audit.size >= 0 {
		return tx.audit.size, nil
	}
	var n int64
	err := tx.queryRow(`SELECT COALESCE(MAX(seq), 0) FROM audit_events`, nil,
		func(r Rows) error { return r.Scan(&n) })
	if err != nil {
		return 0, fmt.Errorf("audit size: %w", err)
	}
	tx.audit.size = n
	return n, nil
}

// ReadHashes implements store.Tx. Hashes read or written earlier in the
// transaction come from memory; the rest are read in one query.
func (tx *Tx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if tx.audit.err != nil {
		return nil, fmt.Errorf("read audit hashes: %w", tx.audit.err)
	}
	var missing []int64
	for _, i := range indexes {
		if _, ok := tx.audit.hashes[i]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		if err := tx.loadHashes(missing); err != nil {
			return nil, err
		}
	}
	hs := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := tx.audit.hashes[i]
		if !ok {
			return nil, fmt.Errorf("read audit hash %d: %w", i, store.ErrNotFound)
		}
		hs[k] = h
	}
	return hs, nil
}

// loadHashes reads the stored hashes at indexes into the cache; absent
// ones are left out.
func (tx *Tx) loadHashes(indexes []int64) error {
	for len(indexes) > 0 {
		chunk := indexes[:min(len(indexes), maxHashRows)]
		indexes = indexes[len(chunk):]
		args := make([]any, len(chunk))
		for k, i := range chunk {
			args[k] = i
		}
		query := `SELECT idx, hash FROM audit_hashes WHERE idx IN (` + placeholders(len(chunk)) + `)`
		err := tx.queryAll(query, args, func(r Rows) error {
			var i int64
			var b []byte
			if err := r.Scan(&i, &b); err != nil {
				return err
			}
			if len(b) != tlog.HashSize {
				return fmt.Errorf("audit hash %d has %d bytes, want %d", i, len(b), tlog.HashSize)
			}
			tx.audit.hashes[i] = tlog.Hash(b)
			return nil
		})
		if err != nil {
			return fmt.Errorf("read audit hashes: %w", err)
		}
	}
	return nil
}

// Flush inserts the buffered events and hashes. After a failure the Tx
// refuses further audit operations and Flush keeps failing, so the
// transaction cannot commit a log whose events and hashes disagree.
func (tx *Tx) Flush() error {
	if tx.audit.err != nil {
		return fmt.Errorf("flush audit log: %w", tx.audit.err)
	}
	if err := tx.flush(); err != nil {
		tx.audit.err = fmt.Errorf("%w: %w", errFlushed, err)
		return fmt.Errorf("flush audit log: %w", err)
	}
	return nil
}

func (tx *Tx) flush() error {
	if len(tx.audit.events) > 0 {
		if err := tx.writeRows("audit_events", eventColumns, maxEventRows, tx.audit.events); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		tx.audit.events = tx.audit.events[:0]
	}
	if len(tx.audit.stored) > 0 {
		rows := make([][]any, len(tx.audit.stored))
		for i, sh := range tx.audit.stored {
			rows[i] = []any{sh.index, sh.hash[:]}
		}
		if err := tx.writeRows("audit_hashes", hashColumns, maxHashRows, rows); err != nil {
			return fmt.Errorf("insert hashes: %w", err)
		}
		tx.audit.stored = tx.audit.stored[:0]
	}
	if len(tx.audit.hashes) > maxCachedHashes {
		clear(tx.audit.hashes) // nothing is pending, so the invariant holds
	}
	return nil
}

// insertRows inserts rows into table with statements of at most maxRows
// rows, whose row counts are powers of two.
func (tx *Tx) insertRows(table string, columns []string, maxRows int, rows [][]any) error {
	prefix := tx.d.verb("INSERT") + " INTO " + table + " (" + strings.Join(columns, ", ") + ")"
	row := "(" + placeholders(len(rows[0])) + ")"
	for len(rows) > 0 {
		k := maxRows
		for k > len(rows) {
			k /= 2
		}
		args := make([]any, 0, k*len(rows[0]))
		for _, r := range rows[:k] {
			args = append(args, r...)
		}
		query := prefix + " VALUES " + strings.Repeat(row+", ", k-1) + row
		if _, err := tx.exec(query, args...); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}
