package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
)

// outcome is how a concurrent Update in testConcurrentFailures ends.
type outcome int

const (
	succeeds outcome = iota
	fails
	panics
	swallows // hits ErrExists, ignores it and succeeds
	// failsFlushed appends enough events for a store that buffers them to
	// have written them all before it fails, leaving nothing pending.
	failsFlushed
)

func outcomeOf(i int) outcome {
	switch {
	case i%11 == 4:
		return failsFlushed
	case i%3 == 0:
		return fails
	case i%5 == 1:
		return panics
	case i%7 == 2:
		return swallows
	}
	return succeeds
}

// concurrentUpdate writes a principal, a blob and an event named after i,
// then ends as outcomeOf(i) says. It returns the event's seq.
func concurrentUpdate(tx store.Tx, i int) (int64, error) {
	name := "c" + strconv.Itoa(i)
	if err := tx.CreatePrincipal(agent(name)); err != nil {
		return 0, err
	}
	if err := tx.PutBlob(name, []byte(name)); err != nil {
		return 0, err
	}
	seq, err := tx.AppendEvent(event(i))
	if err != nil {
		return 0, err
	}
	switch outcomeOf(i) {
	case fails:
		return 0, errTest
	case failsFlushed:
		for range 255 { // 256 in all, a multiple of any sensible buffer size
			if _, err := tx.AppendEvent(event(i)); err != nil {
				return 0, err
			}
		}
		return 0, errTest
	case panics:
		panic("panic " + name)
	case swallows:
		if err := tx.CreatePrincipal(agent(name)); !errors.Is(err, store.ErrExists) {
			return 0, fmt.Errorf("create principal twice: got %v, want %v", err, store.ErrExists)
		}
	}
	return seq, nil
}

// testConcurrentFailures runs many Updates at once, some of which fail or
// panic after writing. Each one's writes must be there exactly when it
// succeeded, whatever the others did: a store that groups Updates into
// one transaction must still roll back only the failing ones.
func testConcurrentFailures(t *testing.T, s store.Store) {
	const n = 96
	seqs := make([]int64, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() {
				r := recover()
				want := any(nil)
				if outcomeOf(i) == panics {
					want = "panic c" + strconv.Itoa(i)
				}
				if r != want {
					t.Errorf("update %d: recovered %v, want %v", i, r, want)
				}
			}()
			<-start
			err := s.Update(t.Context(), func(tx store.Tx) (err error) {
				seqs[i], err = concurrentUpdate(tx, i)
				return err
			})
			want := error(nil)
			if o := outcomeOf(i); o == fails || o == failsFlushed {
				want = errTest
			}
			wantErr(t, "update "+strconv.Itoa(i), err, want)
		})
	}
	close(start)
	wg.Wait()
	checkConcurrentFailures(t, s, seqs)
}

// checkConcurrentFailures checks the store after testConcurrentFailures.
func checkConcurrentFailures(t *testing.T, s store.Store, seqs []int64) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		checkTree(t, tx) // also checks that seqs have no gaps
		es, err := tx.Events(store.EventFilter{})
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		bySeq := map[int64]string{}
		for _, e := range es {
			bySeq[e.Seq] = e.RequestID
		}
		committed := 0
		for i, seq := range seqs {
			name := "c" + strconv.Itoa(i)
			_, perr := tx.GetPrincipal(store.KindAgent, name)
			_, berr := tx.GetBlob(name)
			if o := outcomeOf(i); o == fails || o == failsFlushed || o == panics {
				wantErr(t, "get principal "+name, perr, store.ErrNotFound)
				wantErr(t, "get blob "+name, berr, store.ErrNotFound)
				continue
			}
			committed++
			wantErr(t, "get principal "+name, perr, nil)
			wantErr(t, "get blob "+name, berr, nil)
			if got, want := bySeq[seq], event(i).RequestID; got != want {
				t.Errorf("update %d: event at its seq %d has request %q, want %q", i, seq, got, want)
			}
		}
		if len(es) != committed {
			t.Errorf("events: got %d, want %d (one per successful update)", len(es), committed)
		}
		return nil
	})
}
