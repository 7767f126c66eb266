package messaging

import (
	"context"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// purgeBatch is how many acked messages one PurgeAcked transaction
// deletes, so a large purge never holds the writer for long.
const purgeBatch = 1000

// PurgeAcked deletes acked messages (and topic publication records)
// created more than Retention ago, in transactions of up to 1,000 rows,
// each with a messages.purged audit event giving the count and the
// cutoff. It returns how many it deleted. Held, quarantined, ready and
// dead-lettered messages are never purged. A deleted row frees its ID,
// but MaxIDAge (shorter than MinRetention) keeps the ID from being
// accepted again.
func (s *Service) PurgeAcked(ctx context.Context) (int, error) {
	retention := max(orDefault(s.Retention, DefaultRetention), MinRetention)
	cutoff := s.now().Add(-retention)
	total := 0
	for {
		var n int
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			if n, err = tx.PurgeAcked(cutoff, purgeBatch); err != nil || n == 0 {
				return err
			}
			detail := fmt.Sprintf("%d acked messages created before %s (retention %s)", n, cutoff.UTC().Format(time.RFC3339), retention)
			_, err = tx.AppendEvent(s.event("", "", "messages.purged", store.OutcomeSuccess, "messages", detail, nil))
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge acked messages: %w", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
