package audit

import (
	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// txHashes reads the tree's stored hashes in a store transaction.
func txHashes(tx store.Tx) tlog.HashReader { return tlog.HashReaderFunc(tx.ReadHashes) }

// leafHash is the Merkle leaf hash of an event.
func leafHash(e store.Event) tlog.Hash { return tlog.RecordHash(e.Canonical()) }

// rangeTree recomputes a Merkle tree leaf by leaf, keeping only the roots
// of its complete subtrees (a compact range: at most 64 hashes), so a
// tree of any size is rebuilt in constant memory. After each Append it
// knows the stored hashes the tlog layout assigns to that record, for
// comparison with what the store holds.
type rangeTree struct {
	n      int64       // leaves appended
	roots  []tlog.Hash // complete subtrees, largest (leftmost) first
	stored []tlog.Hash // stored hashes produced by the last Append
}

// Append adds the leaf hash of record t.n and returns the stored hashes
// for that record, in tlog storage order: the leaf, then each interior
// node it completes, bottom up. The slice is reused by the next call.
func (t *rangeTree) Append(leaf tlog.Hash) []tlog.Hash {
	t.stored = append(t.stored[:0], leaf)
	t.roots = append(t.roots, leaf)
	h := leaf
	for n := t.n; n&1 == 1; n >>= 1 {
		left := t.roots[len(t.roots)-2]
		h = tlog.NodeHash(left, h)
		t.roots = t.roots[:len(t.roots)-2]
		t.roots = append(t.roots, h)
		t.stored = append(t.stored, h)
	}
	t.n++
	return t.stored
}

// Root returns the tree hash of the leaves appended so far.
func (t *rangeTree) Root() tlog.Hash {
	if len(t.roots) == 0 {
		return tlog.Hash{}
	}
	h := t.roots[len(t.roots)-1]
	for i := len(t.roots) - 2; i >= 0; i-- {
		h = tlog.NodeHash(t.roots[i], h)
	}
	return h
}
