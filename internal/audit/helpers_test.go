package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for tamper SQL
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // registers the "sqlite" driver for tamper SQL

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/pgtest"
	"github.com/airlock-hub/airlock/internal/store/postgres"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

const testOrigin = "example.org/audit"

// backend is a real store plus a raw database/sql connection to the same
// database, through which tests tamper with the log behind the store's back.
type backend struct {
	name     string
	numbered bool   // $n placeholders
	path     string // SQLite file; "" for PostgreSQL
	url      string // PostgreSQL URL with the test schema
	st       store.Store
	raw      *sql.DB
}

// backends runs fn against SQLite and, when AIRLOCK_TEST_POSTGRES is set,
// PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, b *backend)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPostgres(t)) })
}

func newSQLite(t *testing.T) *backend {
	t.Helper()
	b := &backend{name: "sqlite", path: filepath.Join(t.TempDir(), "airlock.db")}
	b.open(t)
	return b
}

func newPostgres(t *testing.T) *backend {
	t.Helper()
	b := &backend{name: "postgres", numbered: true, url: pgtest.FreshSchema(t)}
	b.open(t)
	return b
}

// open (re)opens the store and the raw connection.
func (b *backend) open(t *testing.T) {
	t.Helper()
	b.openTB(t)
}

func (b *backend) openTB(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	var err error
	if b.path != "" {
		b.st, err = sqlite.Open(ctx, b.path)
		if err == nil {
			b.raw, err = sql.Open("sqlite", "file:"+b.path+"?_pragma=busy_timeout(5000)")
		}
	} else {
		b.st, err = postgres.Open(ctx, b.url)
		if err == nil {
			b.raw, err = sql.Open("pgx", b.url)
		}
	}
	if err != nil {
		t.Fatalf("open %s: %v", b.name, err)
	}
	st, raw := b.st, b.raw
	t.Cleanup(func() { raw.Close(); st.Close() })
}

// close closes the store and the raw connection.
func (b *backend) close(t *testing.T) {
	t.Helper()
	if err := errors.Join(b.raw.Close(), b.st.Close()); err != nil {
		t.Fatal(err)
	}
}

// exec runs tamper SQL written with ? placeholders.
func (b *backend) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if b.numbered {
		for n := 1; strings.Contains(query, "?"); n++ {
			query = strings.Replace(query, "?", "$"+strconv.Itoa(n), 1)
		}
	}
	if _, err := b.raw.Exec(query, args...); err != nil {
		t.Fatalf("tamper %s: %s: %v", b.name, query, err)
	}
}

func newKEK(t testing.TB) keys.KEK {
	t.Helper()
	k, err := keys.CreateFileKEK(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testSigner(t testing.TB, st store.Store) *Signer {
	t.Helper()
	s, err := LoadOrCreateSigner(context.Background(), st, newKEK(t), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// appendEvents appends events until the log has size events, in
// transactions of up to batch events. Details are "event NNN".
func appendEvents(t testing.TB, st store.Store, size int64, batch int) {
	t.Helper()
	appendWith(t, st, size, batch, testEvent)
}

// appendWith appends events made by mk(seq) until the log has size events.
func appendWith(t testing.TB, st store.Store, size int64, batch int, mk func(int64) store.Event) {
	t.Helper()
	ctx := context.Background()
	for {
		var n int64
		err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			if n, err = tx.AuditSize(); err != nil {
				return err
			}
			for i := 0; i < batch && n < size; i++ {
				n++
				_, err := tx.AppendEvent(mk(n))
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n >= size {
			return
		}
	}
}

var testTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testEvent(seq int64) store.Event {
	return store.Event{
		Time: testTime.Add(time.Duration(seq) * time.Millisecond), Node: "node-1", Type: "message.sent",
		Outcome: store.OutcomeSuccess, Actor: "spiffe://example.org/agent/billing",
		Target: "spiffe://example.org/agent/ledger", RequestID: fmt.Sprintf("req-%06d", seq),
		Reasons: []string{"policy:allow-billing"}, Detail: fmt.Sprintf("event %03d", seq),
	}
}

// checkpointAt appends events up to size and signs a checkpoint there.
func checkpointAt(t testing.TB, st store.Store, cp *Checkpointer, size int64) store.Checkpoint {
	t.Helper()
	appendEvents(t, st, size, 10)
	c, err := cp.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != size {
		t.Fatalf("checkpoint size %d, want %d", c.Size, size)
	}
	return c
}

func newCheckpointer(t testing.TB, st store.Store, s *Signer, cfg Config) *Checkpointer {
	t.Helper()
	cp, err := NewCheckpointer(st, s, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	return cp
}

func allEvents(t testing.TB, st store.Store) []store.Event {
	t.Helper()
	var es []store.Event
	err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		es, err = tx.Events(store.EventFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// rewriteHashes plays an attacker with write access to the database: it
// recomputes every stored hash from the events as they now are, so the
// stored tree matches the tampered log.
func (b *backend) rewriteHashes(t *testing.T) {
	t.Helper()
	es := allEvents(t, b.st)
	var hashes memHashes
	for i, e := range es {
		hs, err := tlog.StoredHashes(int64(i), e.Canonical(), hashes)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	b.exec(t, `DELETE FROM audit_hashes`)
	for i, h := range hashes {
		b.exec(t, `INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)`, int64(i), h[:])
	}
}

// noLeak fails t if goroutines started during the test outlive it.
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := runtime.NumGoroutine(); got > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after:\n%s", before, got, buf[:runtime.Stack(buf, true)])
		}
	})
}
