package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

// TestSenderChainsStoredOnce: messages from one sender chain share one
// sender_chains row and hold a reference to it; rows written before the
// table existed (the chain inline) still read back.
func TestSenderChainsStoredOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	chain := [][]byte{bytes.Repeat([]byte{0x30}, 600), bytes.Repeat([]byte{0x31}, 500)}
	var ms []store.Message
	for i := range 10 {
		ms = append(ms, store.Message{ID: fmt.Sprint("m", i), Mailbox: "agent/a2", State: store.MessageReady, SenderChain: chain})
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.PutMessages(ms[:5]); err != nil {
			return err
		}
		for _, m := range ms[5:] {
			if _, err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var chains int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sender_chains`).Scan(&chains); err != nil || chains != 1 {
		t.Errorf("sender_chains rows: %d (%v), want 1 for ten messages with one chain", chains, err)
	}
	var ref string
	if err := db.QueryRow(`SELECT sender_chain FROM messages WHERE id = 'm7'`).Scan(&ref); err != nil || !strings.HasPrefix(ref, "sha256:") {
		t.Errorf("stored sender_chain %q (%v), want a sha256: reference", ref, err)
	}
	// A row as written before migration 0007: the chain inline.
	if _, err := db.Exec(`INSERT INTO messages (seq, id, mailbox, sender, recipient, subject, content_type, thread, reply_to,
		headers, body, signature, sender_chain, size, key_id, created, state, attempts, visible_at, idempotency, labels)
		VALUES (100, 'legacy', 'agent/a2', '', '', '', '', '', '', x'', x'', x'', '["AAE="]', 0, 0, 0, 'ready', 0, 0, '', x'')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTemp(t, path)
	err = s.View(ctx, func(tx store.Tx) error {
		for _, id := range []string{"m0", "m9"} {
			m, err := tx.Message(id)
			if err != nil || !slices.EqualFunc(m.SenderChain, chain, bytes.Equal) {
				t.Errorf("message %s: chain of %d certificates (%v), want the stored chain", id, len(m.SenderChain), err)
			}
		}
		m, err := tx.Message("legacy")
		if err != nil || len(m.SenderChain) != 1 || !bytes.Equal(m.SenderChain[0], []byte{0, 1}) {
			t.Errorf("legacy message chain %v (%v), want the inline one", m.SenderChain, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
