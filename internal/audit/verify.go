package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// verifyPage is how many events Verify reads per read transaction.
const verifyPage = 10_000

// VerifyError describes the first problem Verify found.
type VerifyError struct {
	// Index is the 0-based leaf index of the first event that is missing,
	// altered or not vouched for; Seq is Index+1. When stored hashes were
	// rewritten to match an altered log, the change can only be placed
	// between two checkpoints, and Index is the first event after the
	// last checkpoint that still matches.
	Index int64
	Seq   int64
	// Checkpoint is the size of the checkpoint involved, or 0.
	Checkpoint int64
	// Reason says what is wrong, for people.
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("audit log is not intact: first bad index %d: %s", e.Index, e.Reason)
}

// Report describes a log that verified.
type Report struct {
	// Size is the number of events verified, and Root the tree hash over
	// all of them.
	Size int64
	Root tlog.Hash
	// Checkpoints is the number of stored checkpoints checked; Latest is
	// the largest checkpoint checked, stored or external (zero if none).
	Checkpoints int
	Latest      Checkpoint
	// External is the external checkpoint given to Verify, if any.
	External *Checkpoint
	// Unsigned counts the events after Latest: they are protected only by
	// the stored hashes until the next checkpoint signs them.
	Unsigned int64
}

// target is a signed root the recomputed tree must match at one size.
type target struct {
	size     int64
	root     tlog.Hash
	external bool
}

// Verify reads every event in the store in Seq order, recomputes the
// Merkle tree and checks it against the stored hashes and every signed
// checkpoint: the stored ones, and external, a checkpoint note kept
// outside the store, if not nil. Checkpoint signatures are checked with
// vkey only. progress, if not nil, is called after each batch of events
// with the number verified and the log size when Verify began.
//
// It returns a *VerifyError for the first problem in the log, and other
// errors when it cannot do its job (bad vkey or external checkpoint,
// store errors).
func Verify(ctx context.Context, st store.Store, vkey string, external []byte, progress func(done, total int64)) (*Report, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key is not valid (want <origin>+<hash>+<key>): %w", err)
	}
	vr := &verification{st: st, origin: v.Name(), progress: progress, report: &Report{}}
	if external != nil {
		ext, err := parseCheckpoint(external, v)
		if err != nil {
			return nil, fmt.Errorf("external checkpoint: %w", err)
		}
		vr.report.External = &ext
		vr.targets = append(vr.targets, target{size: ext.Size, root: ext.Root, external: true})
	}
	if err := vr.loadCheckpoints(ctx, v); err != nil {
		return nil, err
	}
	if err := vr.scan(ctx); err != nil {
		return nil, err
	}
	if err := vr.finish(ctx); err != nil {
		return nil, err
	}
	return vr.report, nil
}

// verification is the state of one Verify call.
type verification struct {
	st       store.Store
	origin   string
	progress func(done, total int64)
	report   *Report
	total    int64
	targets  []target // sorted by size once loaded
	next     int      // first target not yet reached
	good     int64    // largest checkpoint size matched so far
	tree     rangeTree
}

// loadCheckpoints reads the log size and the stored checkpoints, and
// checks each checkpoint's signature and that sizes only grow.
func (vr *verification) loadCheckpoints(ctx context.Context, v note.Verifier) error {
	var cps []store.Checkpoint
	err := vr.st.View(ctx, func(tx store.Tx) error {
		var err error
		if vr.total, err = tx.AuditSize(); err != nil {
			return err
		}
		cps, err = tx.Checkpoints()
		return err
	})
	if err != nil {
		return fmt.Errorf("verify audit log: %w", err)
	}
	var prev int64 = -1
	for _, cp := range cps {
		c, err := parseCheckpoint(cp.Note, v)
		bad := func(reason string, args ...any) error {
			return &VerifyError{Index: max(cp.Size-1, 0), Seq: max(cp.Size, 1), Checkpoint: cp.Size,
				Reason: fmt.Sprintf("stored checkpoint at size %d: ", cp.Size) + fmt.Sprintf(reason, args...)}
		}
		switch {
		case err != nil:
			return bad("%v", err)
		case c.Size != cp.Size || c.Root != cp.Root:
			return bad("its size or root differs from its signed note (size %d, root %v)", c.Size, c.Root)
		case c.Size <= prev:
			return bad("checkpoints are out of order (after size %d)", prev)
		}
		prev = c.Size
		vr.targets = append(vr.targets, target{size: c.Size, root: c.Root})
	}
	vr.report.Checkpoints = len(cps)
	vr.targets = slices.DeleteFunc(vr.targets, func(t target) bool { return t.size == 0 }) // nothing to check
	slices.SortStableFunc(vr.targets, func(a, b target) int { return cmp.Compare(a.size, b.size) })
	return nil
}

// scan checks every event, a page per read transaction.
func (vr *verification) scan(ctx context.Context) error {
	var after int64
	for {
		var es []store.Event
		var stored []tlog.Hash
		var missing *VerifyError
		err := vr.st.View(ctx, func(tx store.Tx) error {
			var err error
			es, err = tx.Events(store.EventFilter{AfterSeq: after, Limit: verifyPage})
			if err != nil || len(es) == 0 {
				return err
			}
			stored, missing, err = vr.readStored(tx, int64(len(es)))
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range es {
			if len(stored) == 0 && missing != nil {
				return missing
			}
			if err := vr.check(e, stored); err != nil {
				return err
			}
			stored = stored[len(vr.tree.stored):]
		}
		if vr.progress != nil && len(es) > 0 {
			vr.progress(vr.tree.n, max(vr.total, vr.tree.n))
		}
		if len(es) < verifyPage {
			return nil
		}
		after = es[len(es)-1].Seq
	}
}

// readStored reads the stored hashes of the next n records. If some are
// missing, it returns those of the records before the first such record,
// and a *VerifyError naming it for when the scan gets there.
func (vr *verification) readStored(tx store.Tx, n int64) ([]tlog.Hash, *VerifyError, error) {
	first := vr.tree.n
	lo, hi := tlog.StoredHashIndex(0, first), tlog.StoredHashIndex(0, first+n)
	hashes, err := readRange(tx, lo, hi)
	if err == nil {
		return hashes, nil, nil
	}
	for i := first; i < first+n; i++ {
		if _, err := readRange(tx, tlog.StoredHashIndex(0, i), tlog.StoredHashIndex(0, i+1)); err != nil {
			hashes, err2 := readRange(tx, lo, tlog.StoredHashIndex(0, i))
			if err2 != nil {
				return nil, nil, fmt.Errorf("verify audit log: read hashes: %w", err2)
			}
			return hashes, &VerifyError{Index: i, Seq: i + 1,
				Reason: fmt.Sprintf("event %d: the log holds no hashes for it (added outside the store?): %v", i+1, err)}, nil
		}
	}
	return nil, nil, fmt.Errorf("verify audit log: read hashes: %w", err)
}

func readRange(tx store.Tx, lo, hi int64) ([]tlog.Hash, error) {
	idx := make([]int64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		idx = append(idx, i)
	}
	hashes, err := tx.ReadHashes(idx)
	if err == nil && len(hashes) != len(idx) {
		err = fmt.Errorf("store returned %d hashes for %d indexes", len(hashes), len(idx))
	}
	return hashes, err
}

// check verifies the next event against its position, its stored hashes
// (stored starts with them) and any checkpoint at the new size.
func (vr *verification) check(e store.Event, stored []tlog.Hash) error {
	i := vr.tree.n
	switch {
	case e.Seq > i+1:
		return &VerifyError{Index: i, Seq: i + 1, Reason: fmt.Sprintf("event %d is missing (the next event is %d)", i+1, e.Seq)}
	case e.Seq < i+1:
		return &VerifyError{Index: i, Seq: i + 1, Reason: fmt.Sprintf("event %d appears after event %d (duplicate or out of order)", e.Seq, i)}
	}
	want := vr.tree.Append(tlog.RecordHash(e.Canonical()))
	if want[0] != stored[0] {
		return &VerifyError{Index: i, Seq: e.Seq, Reason: fmt.Sprintf("event %d: contents do not match the logged hash (edited)", e.Seq)}
	}
	for level := 1; level < len(want); level++ {
		if want[level] != stored[level] {
			return &VerifyError{Index: i, Seq: e.Seq, Reason: fmt.Sprintf(
				"event %d: the stored tree hash at level %d does not match the recomputed one (hashes edited)", e.Seq, level)}
		}
	}
	return vr.checkTargets()
}

// checkTargets compares the tree with the signed roots at its size.
func (vr *verification) checkTargets() error {
	size := vr.tree.n
	for vr.next < len(vr.targets) && vr.targets[vr.next].size == size {
		t := vr.targets[vr.next]
		vr.next++
		root := vr.tree.Root()
		if root != t.root {
			return vr.mismatch(t, root)
		}
		vr.good = size
		vr.report.Latest = Checkpoint{Origin: vr.origin, Size: size, Root: root}
	}
	return nil
}

func (vr *verification) mismatch(t target, root tlog.Hash) error {
	var reason string
	if t.external {
		reason = fmt.Sprintf("fork: the external checkpoint at size %d signs root %v, but the log's tree at size %d has root %v: "+
			"the log was rewritten, or rolled back and regrown, after event %d", t.size, t.root, t.size, root, vr.good)
	} else {
		reason = fmt.Sprintf("checkpoint at size %d does not match the log: one or more of events %d..%d were changed, "+
			"added or removed, and the stored hashes rewritten to hide it", t.size, vr.good+1, t.size)
	}
	return &VerifyError{Index: vr.good, Seq: vr.good + 1, Checkpoint: t.size, Reason: reason}
}
