package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
	"github.com/airlock-hub/airlock/internal/store/storetest"
)

func openTemp(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
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
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "hub.db"))
	})
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	s := openTemp(t, path)
	// Write something so the WAL file exists too.
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutBlob("k", []byte("v")) })
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
			t.Errorf("%s mode: got %v, want %v", filepath.Base(p), got, want)
		}
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with space#and?odd", "hub.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 1, 12, 0, 0, 123000, time.UTC)
	s := openTemp(t, path)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutBlob("ca", []byte("key")); err != nil {
			return err
		}
		_, err := tx.AppendEvent(store.Event{Time: at, Type: "hub.started", Outcome: store.OutcomeSuccess})
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openTemp(t, path) // migrations must not run twice
	err = s.View(t.Context(), func(tx store.Tx) error {
		b, err := tx.GetBlob("ca")
		if string(b) != "key" || err != nil {
			t.Errorf("blob after reopen: got %q, %v; want %q, nil", b, err, "key")
		}
		es, err := tx.Events(store.EventFilter{})
		if len(es) != 1 || err != nil || !es[0].Time.Equal(at) {
			t.Errorf("events after reopen: got %+v, %v; want one at %v", es, err, at)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestOpenBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string // in the error message
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "hub.db"), "no such file or directory"},
		{"not a database", filepath.Join("testdata", "not-a-database.db"), "not a database"},
		{"directory", dir, "is a directory"},
		{"empty path", "", "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), tt.path)
			if err == nil {
				s.Close()
				t.Fatal("Open: got nil error, want one")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "open sqlite "+tt.path+": ") || !strings.Contains(msg, tt.want) {
				t.Errorf("Open error: got %q, want prefix %q containing %q", msg, "open sqlite "+tt.path+": ", tt.want)
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	s := openTemp(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, path)
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (9999, 'future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err := sqlite.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary supports") {
		t.Errorf("Open of a newer schema: got %v, want an error about the newer schema", err)
	}
}

func BenchmarkUpdateAppendEvent(b *testing.B) {
	storetest.BenchUpdateAppendEvent(b, openTemp(b, filepath.Join(b.TempDir(), "hub.db")))
}

// openRaw opens the file directly, bypassing the store, to tamper with it.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// makeV1 creates a database at schema version 1, before the audit Merkle
// tree, holding events with the given seqs.
func makeV1(t *testing.T, path string, seqs []int64) {
	t.Helper()
	init, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, path)
	defer raw.Close()
	stmts := []string{
		`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`,
		string(init),
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '')`,
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range seqs {
		_, err := tx.Exec(`INSERT INTO audit_events VALUES (?, ?, 'n1', 'agent.created', 'success', ?, 'billing', ?, ?, '')`,
			seq, at.Add(time.Duration(seq)*1001*time.Microsecond).UnixMicro(),
			"spiffe://example.org/human/alice", fmt.Sprintf("r%d", seq), []string{`[]`, `["a","b"]`}[seq%2])
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeBackfillsAuditTree opens a database whose events predate the
// audit tree: migration 2 must build the tree for them, and appends must
// continue it.
func TestUpgradeBackfillsAuditTree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	var seqs []int64
	for i := range int64(1100) {
		seqs = append(seqs, i+1)
	}
	makeV1(t, path, seqs)
	s := openTemp(t, path)
	storetest.CheckAuditTree(t, s)
	err := s.Update(t.Context(), func(tx store.Tx) error {
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

// TestUpgradeRefusesGap: a log with a missing seq cannot be given a tree
// whose record numbers match, so the upgrade fails and changes nothing.
func TestUpgradeRefusesGap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	makeV1(t, path, []int64{1, 2, 4})
	_, err := sqlite.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "0002_audit_tree.sql") || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("Open: got %v, want an error about the gap from 0002_audit_tree.sql", err)
	}
	raw := openRaw(t, path)
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name = 'audit_hashes'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("audit_hashes after failed upgrade: got %d tables, %v; want 0, nil", n, err)
	}
}

func BenchmarkAppendBatched(b *testing.B) {
	storetest.BenchAppendBatched(b, openTemp(b, filepath.Join(b.TempDir(), "hub.db")))
}

// TestSecureDelete: a deleted blob and a message's overwritten ciphertext
// must not survive in the database file (crypto-shredding).
func TestSecureDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	s := openTemp(t, path)
	keyset := bytes.Repeat([]byte("KEYSET-SECRET-"), 400) // spills to overflow pages
	sealed := bytes.Repeat([]byte("OLD-CIPHERTEXT-"), 50) // fits in its page
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutBlob("keyset/a2", keyset); err != nil {
			return err
		}
		_, err := tx.PutMessage(store.Message{ID: "m1", Mailbox: "agent/a2", Body: sealed,
			State: store.MessageReady, Created: time.Now(), VisibleAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.DeleteBlob("keyset/a2"); err != nil {
			return err
		}
		return tx.RewriteMessage("m1", nil, []byte("new"), 2)
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatalf("Close: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string][]byte{"deleted blob": keyset[:14], "rewritten body": sealed[:15]} {
		if bytes.Contains(data, secret) {
			t.Errorf("%s: %q still in the database file", name, secret)
		}
	}
}

// TestUpgradeRebuildsMessages opens a database at schema version 5:
// migration 6 rebuilds the messages table to allow quarantined messages,
// and must keep every row, column and index.
func TestUpgradeRebuildsMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	raw := openRaw(t, path)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v, name := range []string{"0001_init.sql", "0002_audit_tree.sql", "0003_policy.sql", "0004_messages.sql", "0005_topics.sql"} {
		text, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(text)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, '')`, v+1, name); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	_, err := raw.Exec(`INSERT INTO messages VALUES (7, 'm1', 'agent/a2', 'spiffe://example.org/agent/a1',
		'spiffe://example.org/agent/a2', 's', 'text/plain', 't1', 'r1', X'00ff', X'0102', X'5a', '["AQI="]',
		42, 3, ?, 'acked', 2, ?, 'k1', ?)`, created.UnixMicro(), created.UnixMicro(), created.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	// A ready message counts against the quota; migration 0008 must find it.
	_, err = raw.Exec(`INSERT INTO messages VALUES (5, 'm0', 'agent/a2', 'spiffe://example.org/agent/a1',
		'spiffe://example.org/agent/a2', 's', 'text/plain', '', '', X'', X'01', X'5a', '[]',
		5, 3, ?, 'ready', 0, ?, '', NULL)`, created.UnixMicro(), created.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s := openTemp(t, path)
	want := store.Message{ID: "m1", Seq: 7, Mailbox: "agent/a2", Sender: "spiffe://example.org/agent/a1",
		Recipient: "spiffe://example.org/agent/a2", Subject: "s", ContentType: "text/plain", Thread: "t1",
		ReplyTo: "r1", Headers: []byte{0x00, 0xff}, Body: []byte{0x01, 0x02}, Signature: []byte{0x5a},
		SenderChain: [][]byte{{0x01, 0x02}}, Size: 42, KeyID: 3, Created: created, State: store.MessageAcked,
		Attempts: 2, VisibleAt: created, Idempotency: "k1"}
	err = s.Update(t.Context(), func(tx store.Tx) error {
		got, err := tx.Message("m1")
		if err != nil {
			return err
		}
		// Sprint shows nil and empty Labels alike: the old row has none.
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("message after upgrade:\n got %+v\nwant %+v", got, want)
		}
		if got, err := tx.MessageByIdempotency(want.Sender, "k1", created); err != nil || got.ID != "m1" {
			t.Errorf("by idempotency after upgrade: got %q, %v; want m1", got.ID, err)
		}
		if u, err := tx.Usage("agent/a2"); err != nil || u != (store.MailboxUsage{Messages: 1, Bytes: 5}) {
			t.Errorf("usage after upgrade: got %+v, %v; want the one ready message of 5 bytes", u, err)
		}
		q := store.Message{ID: "m2", Mailbox: "agent/a2", State: store.MessageQuarantined, Labels: []byte(`{}`)}
		if seq, err := tx.PutMessage(q); err != nil || seq != 8 {
			t.Errorf("put quarantined after upgrade: got seq %d, %v; want 8, nil", seq, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	raw = openRaw(t, path)
	defer raw.Close()
	var idx string
	err = raw.QueryRow(`SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name)`).Scan(&idx)
	if want := "messages_idempotency messages_lease"; err != nil || idx != want {
		t.Errorf("indexes after upgrade: got %q, %v; want %q", idx, err, want)
	}
}

// BenchmarkMessageCycle: one op is one message sent, leased and acked,
// in batches of 1 and 16 (see storetest.BenchMessageCycle).
func BenchmarkMessageCycle(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprint("batch=", n), func(b *testing.B) {
			before := bytesWritten(b)
			storetest.BenchMessageCycle(b, openTemp(b, filepath.Join(b.TempDir(), "hub.db")), n, 1024)
			b.ReportMetric(float64(bytesWritten(b)-before)/float64(b.N), "written-B/op")
		})
	}
}

// BenchmarkUsage: the quota check of a send, with 100 and 10,000 messages
// waiting in the mailbox (see storetest.BenchUsage).
func BenchmarkUsage(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint("backlog=", n), func(b *testing.B) {
			storetest.BenchUsage(b, openTemp(b, filepath.Join(b.TempDir(), "hub.db")), n)
		})
	}
}

// bytesWritten is what this process has written so far (wchar in
// /proc/self/io: WAL frames, checkpoints into the database file, and the
// rest), a measure of write amplification that, unlike time, does not
// depend on what else the machine runs. It is 0 where /proc is missing.
func bytesWritten(b *testing.B) int64 {
	text, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatalf("/proc/self/io: %v", err)
			}
			return n
		}
	}
	return 0
}
