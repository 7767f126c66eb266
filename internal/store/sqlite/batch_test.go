package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
	"github.com/airlock-hub/airlock/internal/store/storetest"
)

// checkGoroutines fails t if goroutines started during the test outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines leaked: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// TestUpdateCanceledWhileQueued cancels an Update waiting behind another:
// it returns at once and its fn never runs.
func TestUpdateCanceledWhileQueued(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "hub.db"))
	release, running := make(chan struct{}), make(chan struct{})
	first := make(chan error)
	go func() {
		first <- s.Update(t.Context(), func(tx store.Tx) error {
			close(running)
			<-release
			return tx.PutBlob("first", nil)
		})
	}()
	<-running
	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan error)
	called := false
	go func() {
		second <- s.Update(ctx, func(tx store.Tx) error {
			called = true
			return tx.PutBlob("second", nil)
		})
	}()
	time.Sleep(10 * time.Millisecond) // let it queue; the test holds either way
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Update: got %v, want %v", err, context.Canceled)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first Update: %v", err)
	}
	if called {
		t.Error("canceled Update ran fn")
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetBlob("second")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("blob of canceled Update: got %v, want %v", err, store.ErrNotFound)
	}
}

// TestCloseDuringUpdates closes the store under concurrent Updates: every
// Update returns, those after Close fail, and the writer goroutine exits.
func TestCloseDuringUpdates(t *testing.T) {
	checkGoroutines(t)
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := map[string]bool{}
	for g := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				name := strconv.Itoa(g) + "-" + strconv.Itoa(i)
				err := s.Update(context.Background(), func(tx store.Tx) error { return tx.PutBlob(name, nil) })
				if err != nil {
					return
				}
				mu.Lock()
				committed[name] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait() // every Update returned
	if err := s.Update(context.Background(), func(store.Tx) error { return nil }); err == nil {
		t.Error("Update after Close: got nil error, want one")
	}
	if len(committed) == 0 {
		t.Fatal("no Update committed before Close")
	}
	// What was reported committed is on disk.
	s2 := openTemp(t, path)
	err = s2.View(t.Context(), func(tx store.Tx) error {
		for name := range committed {
			if _, err := tx.GetBlob(name); err != nil {
				t.Errorf("blob %s reported committed: %v", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkUpdateParallel measures single-event Updates from many
// goroutines, which group commit batches.
func BenchmarkUpdateParallel(b *testing.B) {
	storetest.BenchUpdateParallel(b, openTemp(b, filepath.Join(b.TempDir(), "hub.db")))
}

// TestUpdateGoexit calls runtime.Goexit in fn, as t.FailNow does: the
// calling goroutine exits as if fn had run in it, nothing is written, and
// the store keeps working.
func TestUpdateGoexit(t *testing.T) {
	checkGoroutines(t)
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Updates around it may share its transaction: they must all return,
	// and what reports success must be stored.
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := map[string]bool{}
	for i := range 20 {
		wg.Go(func() {
			name := "ok" + strconv.Itoa(i)
			err := s.Update(context.Background(), func(tx store.Tx) error { return tx.PutBlob(name, nil) })
			if err == nil {
				mu.Lock()
				committed[name] = true
				mu.Unlock()
			}
		})
	}
	returned, exited := false, make(chan struct{})
	go func() {
		defer close(exited)
		_ = s.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.PutBlob("gone", nil); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
		returned = true
	}()
	<-exited
	wg.Wait()
	if returned {
		t.Error("Update returned after fn called runtime.Goexit")
	}
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.PutBlob("after", nil) })
	if err != nil {
		t.Errorf("Update after Goexit: %v", err)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		for name := range committed {
			if _, err := tx.GetBlob(name); err != nil {
				t.Errorf("blob %s reported committed: %v", name, err)
			}
		}
		_, err := tx.GetBlob("gone")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("blob written before Goexit: got %v, want %v", err, store.ErrNotFound)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
