package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/postgres"
	"github.com/airlock-hub/airlock/internal/store/storetest"
)

// testURL returns the database URL from AIRLOCK_TEST_POSTGRES or skips t.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("AIRLOCK_TEST_POSTGRES")
	if u == "" {
		t.Skip("AIRLOCK_TEST_POSTGRES not set; set it to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run the PostgreSQL store tests")
	}
	return u
}

// freshSchema creates an empty schema dropped when t ends, and returns the
// test URL with search_path set to it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := testURL(t)
	schema := "airlock_test_" + randomHex()
	admin(t, base, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() { admin(t, base, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse AIRLOCK_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// admin runs one statement on its own connection.
func admin(t testing.TB, dbURL, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to AIRLOCK_TEST_POSTGRES: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func open(t testing.TB, dbURL string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, freshSchema(t)) })
}

// TestConcurrentOpen starts several nodes on one empty schema at once: the
// migrations must run exactly once and every node must come up.
func TestConcurrentOpen(t *testing.T) {
	dbURL := freshSchema(t)
	const nodes = 4
	stores := make([]*postgres.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dbURL) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	// Data written by one node is seen by another.
	err := stores[0].Update(t.Context(), func(tx store.Tx) error { return tx.PutBlob("k", []byte("v")) })
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	err = stores[nodes-1].View(t.Context(), func(tx store.Tx) error {
		b, err := tx.GetBlob("k")
		if string(b) != "v" {
			t.Errorf("blob on other node: got %q, want %q", b, "v")
		}
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

// TestSearchPath checks the store's tables land in the schema named by the
// URL's search_path and nowhere else.
func TestSearchPath(t *testing.T) {
	dbURL := freshSchema(t)
	open(t, dbURL)
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	c, err := pgx.Connect(t.Context(), testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	rows, err := c.Query(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 ORDER BY table_name`, schema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "access_requests approvals audit_checkpoints audit_events audit_hashes blobs certificates " +
		"grants join_tokens mailbox_usage message_originals messages policy_files policy_versions principals schema_migrations sender_chains subscriptions topics"
	if strings.Join(got, " ") != want {
		t.Errorf("tables in %s: got %q, want %q", schema, got, want)
	}
	var fn string
	if err := c.QueryRow(t.Context(), `SELECT string_agg(routine_name, ' ') FROM information_schema.routines
		WHERE routine_schema = $1`, schema).Scan(&fn); err != nil || fn != "messages_usage" {
		t.Errorf("functions in %s: got %q, %v; want messages_usage", schema, fn, err)
	}
}

func TestReopen(t *testing.T) {
	dbURL := freshSchema(t)
	s := open(t, dbURL)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutBlob("ca", []byte("key")) })
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	s.Close()
	s = open(t, dbURL)
	err = s.View(t.Context(), func(tx store.Tx) error {
		b, err := tx.GetBlob("ca")
		if string(b) != "key" {
			t.Errorf("blob after reopen: got %q, want %q", b, "key")
		}
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestOpenBadInput(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want string // in the error message
	}{
		{"unreachable", "postgres://hub:s3cretpw@127.0.0.1:1/hub?connect_timeout=2", "open postgres postgres://hub:xxxxx@127.0.0.1:1/hub"},
		{"unresolvable host", "postgres://hub:s3cretpw@no-such-host.invalid/hub?connect_timeout=2", "open postgres postgres://hub:xxxxx@no-such-host.invalid"},
		{"password in query", "postgres://127.0.0.1:1/hub?password=s3cretpw&connect_timeout=2", "password=xxxxx"},
		{"key value", "host=127.0.0.1 port=1 user=hub password=s3cretpw connect_timeout=2", "password=xxxxx"},
		{"malformed", "postgres://hub:s3cretpw@127.0.0.1:notaport/hub", "open postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, tt.url)
			if err == nil {
				s.Close()
				t.Fatal("Open: got nil error, want one")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("Open error: got %q, want it to contain %q", msg, tt.want)
			}
			if strings.Contains(msg, "s3cretpw") {
				t.Errorf("Open error leaks the password: %q", msg)
			}
		})
	}
}

func BenchmarkUpdateAppendEvent(b *testing.B) {
	storetest.BenchUpdateAppendEvent(b, open(b, freshSchema(b)))
}

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestUpgradeBackfillsAuditTree opens a schema whose events predate the
// audit tree: migration 2 must build the tree for them, and appends must
// continue it.
func TestUpgradeBackfillsAuditTree(t *testing.T) {
	dbURL := freshSchema(t)
	init, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	admin(t, dbURL, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`)
	admin(t, dbURL, string(init))
	admin(t, dbURL, `INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '');
		INSERT INTO audit_events
		SELECT g, timestamptz '2025-06-01 12:00:00Z' + g * interval '1.001 ms', 'n1', 'agent.created',
			'success', 'spiffe://example.org/human/alice', 'billing', 'r' || g,
			CASE WHEN g % 2 = 0 THEN '[]' ELSE '["a","b"]' END, ''
		FROM generate_series(1, 1100) g`)
	s := open(t, dbURL)
	storetest.CheckAuditTree(t, s)
	err = s.Update(t.Context(), func(tx store.Tx) error {
		seq, err := tx.AppendEvent(store.Event{Time: time.Now(), Type: "hub.started", Outcome: store.OutcomeSuccess})
		if seq != 1101 {
			t.Errorf("append after upgrade: got seq %d, want 1101", seq)
		}
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	storetest.CheckAuditTree(t, s)
}

func BenchmarkAppendBatched(b *testing.B) {
	storetest.BenchAppendBatched(b, open(b, freshSchema(b)))
}

func BenchmarkUpdateParallel(b *testing.B) {
	storetest.BenchUpdateParallel(b, open(b, freshSchema(b)))
}
