package audit

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/airlock-hub/airlock/internal/store"
)

// finish runs the checks that need the whole log read: checkpoints
// beyond its end, and hashes left behind by deleted tail events.
func (vr *verification) finish(ctx context.Context) error {
	n := vr.tree.n
	if vr.next < len(vr.targets) {
		t := vr.targets[vr.next]
		which := "checkpoint"
		if t.external {
			which = "the external checkpoint"
		}
		return &VerifyError{Index: n, Seq: n + 1, Checkpoint: t.size, Reason: fmt.Sprintf(
			"log truncated or rolled back: %s is at size %d but the log has only %d events", which, t.size, n)}
	}
	var orphan bool
	err := vr.st.View(ctx, func(tx store.Tx) error {
		_, err := tx.ReadHashes([]int64{tlog.StoredHashIndex(0, n)})
		orphan = err == nil
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify audit log: %w", err)
	}
	if orphan {
		return &VerifyError{Index: n, Seq: n + 1, Reason: fmt.Sprintf(
			"event %d is missing: its hash is stored but the event is not (tail deleted)", n+1)}
	}
	vr.report.Size = n
	vr.report.Root = vr.tree.Root()
	vr.report.Unsigned = n - vr.good
	return nil
}
