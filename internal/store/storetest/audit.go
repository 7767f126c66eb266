package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// memTree is an in-memory tlog tree, the reference the stores' trees are
// compared with.
type memTree struct {
	n      int64
	hashes map[int64]tlog.Hash
}

func newMemTree() *memTree { return &memTree{hashes: map[int64]tlog.Hash{}} }

func (m *memTree) add(data []byte) {
	hs, err := tlog.StoredHashes(m.n, data, m)
	if err != nil {
		panic("storetest: memTree: " + err.Error()) // it stores every hash it reads
	}
	for i, h := range hs {
		m.hashes[tlog.StoredHashIndex(0, m.n)+int64(i)] = h
	}
	m.n++
}

func (m *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m.hashes[x]
		if !ok {
			return nil, fmt.Errorf("memTree: no hash %d", x)
		}
		hs[i] = h
	}
	return hs, nil
}

func (m *memTree) root(t *testing.T) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(m.n, m)
	if err != nil {
		t.Fatalf("reference tree hash: %v", err)
	}
	return h
}

// reference builds the tree from the events as Events returns them.
func reference(t *testing.T, tx store.Tx) (*memTree, []store.Event) {
	t.Helper()
	es, err := tx.Events(store.EventFilter{})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	m := newMemTree()
	for i, e := range es {
		if want := int64(i + 1); e.Seq != want {
			t.Fatalf("event %d: got seq %d, want %d", i, e.Seq, want)
		}
		m.add(e.Canonical())
	}
	return m, es
}

// treeHash returns the tree hash the store computes for its whole log.
func treeHash(t *testing.T, tx store.Tx) (int64, tlog.Hash) {
	t.Helper()
	n, err := tx.AuditSize()
	if err != nil {
		t.Fatalf("audit size: %v", err)
	}
	h, err := tlog.TreeHash(n, tlog.HashReaderFunc(tx.ReadHashes))
	if err != nil {
		t.Fatalf("tree hash of size %d: %v", n, err)
	}
	return n, h
}

// checkTree fails t unless the store's Merkle tree is the one built in
// memory from its events, and returns the tree size.
func checkTree(t *testing.T, tx store.Tx) int64 {
	t.Helper()
	ref, _ := reference(t, tx)
	n, h := treeHash(t, tx)
	if n != ref.n {
		t.Fatalf("audit size: got %d, want %d (the number of events)", n, ref.n)
	}
	if want := ref.root(t); h != want {
		t.Errorf("tree hash of size %d: got %v, want %v", n, h, want)
	}
	return n
}

// CheckAuditTree fails t unless the Merkle tree in s matches the events in
// s, as computed independently in memory. Store tests use it after
// upgrading a database that had events before the tree existed.
func CheckAuditTree(t *testing.T, s store.Store) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		checkTree(t, tx)
		return nil
	})
}

// event returns a distinct event for the i'th append.
func event(i int) store.Event {
	e := sampleEvents[i%len(sampleEvents)]
	e.Time = base.Add(time.Duration(i) * 1001 * time.Nanosecond)
	e.RequestID = "req-" + strconv.Itoa(i)
	return e
}

// appendN appends n events in one Update and returns their seqs.
func appendN(t *testing.T, s store.Store, from, n int) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for i := range n {
			if _, err := tx.AppendEvent(event(from + i)); err != nil {
				return err
			}
		}
		return nil
	})
}

// testAuditTree grows the log one Update at a time to 40 events, checking
// the tree at every size, then to about 1000 in larger batches.
func testAuditTree(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		if n := checkTree(t, tx); n != 0 {
			t.Errorf("empty store: audit size %d, want 0", n)
		}
		return nil
	})
	total := 0
	for _, batch := range []int{1, 1, 1, 2, 3, 1, 7, 8, 1, 15} { // 40 in all
		for range batch {
			appendN(t, s, total, 1)
			total++
			view(t, s, func(tx store.Tx) error {
				if n := checkTree(t, tx); n != int64(total) {
					t.Errorf("audit size: got %d, want %d", n, total)
				}
				return nil
			})
		}
	}
	for _, batch := range []int{1, 300, 255, 256, 257, 7} {
		// Check inside the Update too: reads must see this transaction's appends.
		update(t, s, func(tx store.Tx) error {
			for i := range batch {
				if _, err := tx.AppendEvent(event(total + i)); err != nil {
					return err
				}
			}
			checkTree(t, tx)
			return nil
		})
		total += batch
	}
	view(t, s, func(tx store.Tx) error {
		if n := checkTree(t, tx); n != int64(total) {
			t.Errorf("audit size: got %d, want %d", n, total)
		}
		return nil
	})
}

// testInclusionProofs proves records and older trees against the stored
// hashes and checks the proofs as a verifier would.
func testInclusionProofs(t *testing.T, s store.Store) {
	const n = 1000
	appendN(t, s, 0, 300)
	appendN(t, s, 300, n-300)
	view(t, s, func(tx store.Tx) error {
		r := tlog.HashReaderFunc(tx.ReadHashes)
		size, root := treeHash(t, tx)
		if size != n {
			t.Fatalf("audit size: got %d, want %d", size, n)
		}
		es, err := tx.Events(store.EventFilter{})
		wantErr(t, "events", err, nil)
		for _, i := range []int64{0, 1, 2, 511, 512, 600, n - 2, n - 1} {
			p, err := tlog.ProveRecord(n, i, r)
			if err != nil {
				t.Fatalf("prove record %d: %v", i, err)
			}
			leaf := tlog.RecordHash(es[i].Canonical())
			if err := tlog.CheckRecord(p, n, root, i, leaf); err != nil {
				t.Errorf("check record %d: %v", i, err)
			}
			other := tlog.RecordHash(es[(i+1)%n].Canonical())
			if err := tlog.CheckRecord(p, n, root, i, other); err == nil {
				t.Errorf("check record %d with another event's leaf: got nil error, want one", i)
			}
		}
		for _, old := range []int64{1, 2, 300, 512, 999} {
			oldRoot, err := tlog.TreeHash(old, r)
			if err != nil {
				t.Fatalf("tree hash %d: %v", old, err)
			}
			p, err := tlog.ProveTree(n, old, r)
			if err != nil {
				t.Fatalf("prove tree %d in %d: %v", old, n, err)
			}
			if err := tlog.CheckTree(p, n, root, old, oldRoot); err != nil {
				t.Errorf("check tree %d in %d: %v", old, n, err)
			}
		}
		return nil
	})
}

// testAuditRollback checks that a rolled-back Update leaves neither events
// nor hashes behind.
func testAuditRollback(t *testing.T, s store.Store) {
	appendN(t, s, 0, 5)
	var size int64
	var root tlog.Hash
	view(t, s, func(tx store.Tx) error {
		size, root = treeHash(t, tx)
		return nil
	})
	for _, n := range []int{1, 3, 300} { // 300 also flushes before the rollback
		err := s.Update(t.Context(), func(tx store.Tx) error {
			for i := range n {
				if _, err := tx.AppendEvent(event(100 + i)); err != nil {
					return err
				}
			}
			return errTest
		})
		wantErr(t, fmt.Sprintf("update appending %d", n), err, errTest)
		view(t, s, func(tx store.Tx) error {
			gotSize, gotRoot := treeHash(t, tx)
			if gotSize != size || gotRoot != root {
				t.Errorf("after rolling back %d appends: got size %d root %v, want %d %v", n, gotSize, gotRoot, size, root)
			}
			next := tlog.StoredHashIndex(0, size)
			if _, err := tx.ReadHashes([]int64{next}); err == nil {
				t.Errorf("read hash %d after rollback: got nil error, want one", next)
			}
			return nil
		})
	}
	appendN(t, s, 5, 2)
	view(t, s, func(tx store.Tx) error {
		if n := checkTree(t, tx); n != size+2 {
			t.Errorf("audit size: got %d, want %d", n, size+2)
		}
		return nil
	})
}

// testCanonicalRoundTrip checks that an event read back encodes exactly as
// it did when appended, so its leaf can be recomputed from the stored row.
func testCanonicalRoundTrip(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC-3:30", -(3*3600 + 1800))
	events := []store.Event{
		{Time: time.Date(2025, 1, 2, 3, 4, 5, 123456789, zone), Type: "t.nanos", Outcome: store.OutcomeSuccess},
		{Time: time.Date(1969, 7, 20, 20, 17, 40, 999999, time.UTC), Type: "t.before-epoch", Reasons: []string{}},
		{Time: time.Date(1969, 12, 31, 23, 59, 59, 1500, zone), Type: "t.before-epoch-sub-micro"},
		{Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Type: "t.far-future"},
		{Time: time.Now(), Type: "t.now", Reasons: nil},
		{Time: base, Node: "nœud", Type: "t.unicode", Outcome: store.OutcomeFailure, Actor: alice,
			Target: `quo"te\back`, RequestID: "<&>", Reasons: []string{"", "ünï", "a\nb", "\u2028"},
			Detail: "tab\there"},
	}
	want := make([][]byte, len(events))
	update(t, s, func(tx store.Tx) error {
		for i, e := range events {
			e.Reasons = slices.Clone(e.Reasons)
			seq, err := tx.AppendEvent(e)
			if err != nil {
				return err
			}
			e.Seq = seq
			want[i] = e.Canonical()
			if len(e.Reasons) > 0 {
				e.Reasons[0] = "changed by the caller after AppendEvent"
			}
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		es, err := tx.Events(store.EventFilter{})
		wantErr(t, "events", err, nil)
		if len(es) != len(events) {
			t.Fatalf("events: got %d, want %d", len(es), len(events))
		}
		for i, e := range es {
			if got := e.Canonical(); string(got) != string(want[i]) {
				t.Errorf("%s: canonical read back:\n got %s\nwant %s", events[i].Type, got, want[i])
			}
			hs, err := tx.ReadHashes([]int64{tlog.StoredHashIndex(0, e.Seq-1)})
			wantErr(t, "read leaf", err, nil)
			if len(hs) == 1 && hs[0] != tlog.RecordHash(want[i]) {
				t.Errorf("%s: stored leaf hash is not the hash of the canonical encoding", events[i].Type)
			}
		}
		checkTree(t, tx)
		return nil
	})
}

func testReadHashes(t *testing.T, s store.Store) {
	appendN(t, s, 0, 8) // 8 records: stored hash indexes 0…14
	view(t, s, func(tx store.Tx) error {
		hs, err := tx.ReadHashes(nil)
		if len(hs) != 0 || err != nil {
			t.Errorf("read no hashes: got %d, %v; want 0, nil", len(hs), err)
		}
		fwd, err := tx.ReadHashes([]int64{0, 1, 2, 14})
		wantErr(t, "read hashes", err, nil)
		back, err := tx.ReadHashes([]int64{14, 2, 1, 0, 2})
		wantErr(t, "read hashes reversed", err, nil)
		if len(fwd) != 4 || len(back) != 5 || fwd[0] != back[3] || fwd[1] != back[2] ||
			fwd[2] != back[1] || fwd[3] != back[0] || back[4] != fwd[2] || fwd[0] == fwd[1] {
			t.Errorf("read hashes: order not kept:\nforward %v\nreversed %v", fwd, back)
		}
		for _, missing := range []int64{15, 1 << 40, -1} {
			_, err := tx.ReadHashes([]int64{0, missing, 1})
			if err == nil || !strings.Contains(err.Error(), strconv.FormatInt(missing, 10)) {
				t.Errorf("read missing hash %d: got %v, want an error naming the index", missing, err)
			}
			wantErr(t, fmt.Sprintf("read missing hash %d", missing), err, store.ErrNotFound)
		}
		return nil
	})
}

func checkpoint(size int64) store.Checkpoint {
	c := store.Checkpoint{Size: size, Note: []byte("airlock\n" + strconv.FormatInt(size, 10) + "\n\x00\xff sig\n"),
		Created: base.Add(time.Duration(size) * time.Second)}
	c.Root[0], c.Root[31] = byte(size), 0xee
	return c
}

func checkCheckpoint(t *testing.T, got, want store.Checkpoint) {
	t.Helper()
	if got.Size != want.Size || got.Root != want.Root || string(got.Note) != string(want.Note) ||
		!sameTime(got.Created, want.Created) {
		t.Errorf("checkpoint:\n got %+v\nwant %+v", got, want)
	}
}

func testCheckpoints(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		_, err := tx.LatestCheckpoint()
		wantErr(t, "latest of none", err, store.ErrNotFound)
		cs, err := tx.Checkpoints()
		if len(cs) != 0 || err != nil {
			t.Errorf("checkpoints of none: got %d, %v; want 0, nil", len(cs), err)
		}
		return nil
	})
	sizes := []int64{5, 0, 1000, 3}
	update(t, s, func(tx store.Tx) error {
		for _, n := range sizes {
			wantErr(t, fmt.Sprintf("put %d", n), tx.PutCheckpoint(checkpoint(n)), nil)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		dup := checkpoint(5)
		dup.Root[1] = 1
		wantErr(t, "put duplicate size", tx.PutCheckpoint(dup), store.ErrExists)
		// The transaction is still usable after the conflict.
		wantErr(t, "put after duplicate", tx.PutCheckpoint(checkpoint(7)), nil)
		return nil
	})
	sizes = append(sizes, 7)
	slices.Sort(sizes)
	view(t, s, func(tx store.Tx) error {
		cs, err := tx.Checkpoints()
		wantErr(t, "checkpoints", err, nil)
		if len(cs) != len(sizes) {
			t.Fatalf("checkpoints: got %d, want %d", len(cs), len(sizes))
		}
		for i, n := range sizes {
			checkCheckpoint(t, cs[i], checkpoint(n))
		}
		latest, err := tx.LatestCheckpoint()
		wantErr(t, "latest", err, nil)
		checkCheckpoint(t, latest, checkpoint(1000))
		return nil
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.PutCheckpoint(checkpoint(2000)); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "rolled-back put", err, errTest)
	view(t, s, func(tx store.Tx) error {
		latest, err := tx.LatestCheckpoint()
		wantErr(t, "latest after rollback", err, nil)
		checkCheckpoint(t, latest, checkpoint(1000))
		return nil
	})
}

// testConcurrentAppends appends from many goroutines at once; the tree
// must still match the log.
func testConcurrentAppends(t *testing.T, s store.Store) {
	const goroutines, updates = 8, 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	seqs := map[int64]bool{}
	for g := range goroutines {
		wg.Go(func() {
			for u := range updates {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					for i := range 1 + (g+u)%3 {
						seq, err := tx.AppendEvent(event(g*100 + u*10 + i))
						if err != nil {
							return err
						}
						mu.Lock()
						seqs[seq] = true
						mu.Unlock()
					}
					if u == updates-1 && g%2 == 0 {
						return errTest // roll back some, leaving no gaps
					}
					return nil
				})
				if err != nil && !errors.Is(err, errTest) {
					t.Errorf("goroutine %d update %d: %v", g, u, err)
				}
			}
		})
	}
	wg.Wait()
	view(t, s, func(tx store.Tx) error {
		n := checkTree(t, tx)
		if n == 0 || int(n) > len(seqs) {
			t.Errorf("audit size: got %d, want between 1 and %d", n, len(seqs))
		}
		return nil
	})
}

// testAuditWriteInView checks that appending in a View fails the View,
// even when fn ignores the error, and that nothing is stored.
func testAuditWriteInView(t *testing.T, s store.Store) {
	for _, n := range []int{1, 300} { // 300 fails on a flush inside AppendEvent
		err := s.View(t.Context(), func(tx store.Tx) error {
			for i := range n {
				_, _ = tx.AppendEvent(event(i))
			}
			return nil
		})
		if err == nil {
			t.Errorf("View appending %d events: got nil error, want one", n)
		}
	}
	view(t, s, func(tx store.Tx) error {
		if n := checkTree(t, tx); n != 0 {
			t.Errorf("audit size after appends in View: got %d, want 0", n)
		}
		return nil
	})
}
