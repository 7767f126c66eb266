package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
)

// TestStmtCache: a statement the writer runs is prepared after its first
// transaction and reused with new arguments afterwards; the cache is
// bounded.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(name string) {
		t.Helper()
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.PutBlob(name, []byte("value of "+name))
		})
		if err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
	}
	put("first")
	cached := func() int {
		s.stmts.mu.Lock()
		defer s.stmts.mu.Unlock()
		return len(s.stmts.stmts)
	}
	n := cached()
	if n == 0 {
		t.Fatal("no statement prepared after the first Update")
	}
	for i := range 5 {
		put(fmt.Sprint("blob-", i))
	}
	if got := cached(); got != n {
		t.Errorf("cached statements went from %d to %d running the same statements again", n, got)
	}
	err = s.View(ctx, func(tx store.Tx) error {
		for _, name := range []string{"first", "blob-0", "blob-4"} {
			b, err := tx.GetBlob(name)
			if err != nil || string(b) != "value of "+name {
				t.Errorf("blob %s = %q, %v; want its own value", name, b, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The bound: texts beyond it are not queued or prepared.
	c := newStmtCache(s.writer)
	for i := range maxCachedStmts + 10 {
		c.get(fmt.Sprintf("SELECT %d", i))
	}
	c.prepareWanted(ctx)
	if len(c.stmts) != maxCachedStmts || len(c.wanted) != 0 {
		t.Errorf("cache holds %d prepared and %d wanted, want %d and 0", len(c.stmts), len(c.wanted), maxCachedStmts)
	}
	c.close()
}

// TestCheckpointer: the writer does not checkpoint on commit; the
// checkpointer's PASSIVE checkpoint copies the whole WAL back.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var auto int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Errorf("writer wal_autocheckpoint = %d (%v), want 0", auto, err)
	}
	for i := range 50 {
		err := s.Update(ctx, func(tx store.Tx) error {
			return tx.PutBlob(fmt.Sprint("blob-", i), make([]byte, 8<<10))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pages, copied, err := checkpoint(s.checkpointer)
	if err != nil || pages == 0 || copied != pages {
		t.Errorf("checkpoint: %d WAL pages, %d copied (%v); want all of a non-empty WAL", pages, copied, err)
	}
}
