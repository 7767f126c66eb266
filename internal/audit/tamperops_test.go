package audit

import (
	"fmt"
	"os"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
)

// contentCols are the audit_events columns other than seq.
const contentCols = `time, node, type, outcome, actor, target, request_id, reasons, detail`

// auditTables are the tables snapshot and restore copy.
var auditTables = []string{"audit_events", "audit_hashes", "audit_checkpoints"}

// swapEvents exchanges the contents of events a and c, keeping their seqs.
func (b *backend) swapEvents(t *testing.T, a, c int64) {
	t.Helper()
	ra, rc := b.eventRow(t, a), b.eventRow(t, c)
	b.setEventRow(t, a, rc)
	b.setEventRow(t, c, ra)
}

func (b *backend) eventRow(t *testing.T, seq int64) []any {
	t.Helper()
	vals := make([]any, 9)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q := `SELECT ` + contentCols + ` FROM audit_events WHERE seq = ?`
	if b.numbered {
		q = `SELECT ` + contentCols + ` FROM audit_events WHERE seq = $1`
	}
	if err := b.raw.QueryRow(q, seq).Scan(ptrs...); err != nil {
		t.Fatalf("read event %d: %v", seq, err)
	}
	return vals
}

func (b *backend) setEventRow(t *testing.T, seq int64, vals []any) {
	t.Helper()
	b.exec(t, `UPDATE audit_events SET time = ?, node = ?, type = ?, outcome = ?, actor = ?, target = ?,
		request_id = ?, reasons = ?, detail = ? WHERE seq = ?`, append(vals, seq)...)
}

// insertForged moves events seq and later up by one and inserts a forged
// event at seq, copied from its predecessor with a new actor and detail.
// Stored hashes are left alone.
func (b *backend) insertForged(t *testing.T, seq int64) {
	t.Helper()
	b.exec(t, `UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= ?`, seq)
	b.exec(t, `UPDATE audit_events SET seq = -seq WHERE seq < 0`)
	b.exec(t, `INSERT INTO audit_events (seq, `+contentCols+`)
		SELECT ?, time, node, type, outcome, 'spiffe://example.org/agent/mallory', target, request_id, reasons, 'forged'
		FROM audit_events WHERE seq = ?`, seq, seq-1)
}

// snapshot saves the database: a copy of the SQLite file, or copies of
// the audit tables in PostgreSQL.
func (b *backend) snapshot(t *testing.T) {
	t.Helper()
	if b.path != "" {
		b.close(t)
		if _, err := os.Stat(b.path + "-wal"); err == nil {
			t.Fatal("SQLite left a WAL file after close; the snapshot would miss it")
		}
		copyFile(t, b.path, b.path+".snapshot")
		b.open(t)
		return
	}
	for _, tbl := range auditTables {
		b.exec(t, fmt.Sprintf(`CREATE TABLE snapshot_%s AS SELECT * FROM %s`, tbl, tbl))
	}
}

// restore puts the snapshot back, as an operator restoring a backup (or
// an attacker rolling the log back) would.
func (b *backend) restore(t *testing.T) {
	t.Helper()
	if b.path != "" {
		b.close(t)
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(b.path + suffix); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		copyFile(t, b.path+".snapshot", b.path)
		b.open(t)
		return
	}
	for _, tbl := range auditTables {
		b.exec(t, `DELETE FROM `+tbl)
		b.exec(t, fmt.Sprintf(`INSERT INTO %s SELECT * FROM snapshot_%s`, tbl, tbl))
	}
}

// appendRegrown appends events, different from testEvent's, up to size.
func (b *backend) appendRegrown(t *testing.T, size int64) {
	t.Helper()
	appendWith(t, b.st, size, 10, func(seq int64) store.Event {
		e := testEvent(seq)
		e.Detail = fmt.Sprintf("regrown %03d", seq)
		return e
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
