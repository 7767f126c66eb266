package sqlstore

import (
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// backfillBatch is how many events backfillAuditHashes reads at a time.
const backfillBatch = 1000

// backfillAuditHashes is the data step of migration 2, which adds the
// audit Merkle tree: it computes the stored hashes for the events recorded
// before the tree existed, exactly as AppendEvent would have. Seq numbers
// have no gaps, so event Seq is tree record Seq-1; a log with a gap is
// refused rather than given a tree that does not match it.
func backfillAuditHashes(tx *Tx) error {
	n, err := tx.AuditSize()
	if err != nil {
		return fmt.Errorf("backfill audit hashes: %w", err)
	}
	for done := int64(0); done < n; {
		es, err := tx.Events(store.EventFilter{AfterSeq: done, Limit: backfillBatch})
		if err != nil {
			return fmt.Errorf("backfill audit hashes: %w", err)
		}
		if len(es) == 0 {
			return fmt.Errorf("backfill audit hashes: events end at seq %d, want %d", done, n)
		}
		for _, e := range es {
			if e.Seq != done+1 {
				return fmt.Errorf("backfill audit hashes: event seq %d follows %d: the log has a gap", e.Seq, done)
			}
			if err := tx.appendLeaf(done, e.Canonical()); err != nil {
				return fmt.Errorf("backfill audit hashes: %w", err)
			}
			done = e.Seq
		}
	}
	return nil
}
