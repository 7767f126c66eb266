package sqlstore

import (
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// maxLeaseRows bounds the messages LeaseMessages reads, and so the seqs it
// binds, per statement (see maxEventRows).
const maxLeaseRows = 64

// LeaseMessages implements store.Tx. It walks the mailbox's visible ready
// messages in Seq order, moving those out of attempts to
// store.MessageDead, until it has leased n or there are no more. A
// maxAttempts of 0 or less means no limit. Writes are serialised, so no
// other transaction can lease the same messages until this one commits,
// after which their VisibleAt hides them until the lease runs out.
func (tx *Tx) LeaseMessages(mailbox string, now time.Time, lease time.Duration, n, maxAttempts int) ([]store.Message, error) {
	now = normTime(now)
	until := normTime(now.Add(lease))
	var leased []store.Message
	after := int64(0) // seqs up to here have been looked at
	for len(leased) < n {
		limit := min(n-len(leased), maxLeaseRows)
		ms, err := tx.queryMessages(`SELECT `+messageCols+` FROM messages
			WHERE mailbox = ? AND state = ? AND visible_at <= ? AND seq > ?
			ORDER BY seq LIMIT ?`,
			mailbox, string(store.MessageReady), tx.d.timeArg(now), after, int64(limit))
		if err == nil {
			leased, err = tx.leaseBatch(ms, leased, until, maxAttempts)
		}
		if err != nil {
			return nil, fmt.Errorf("lease messages of %s: %w", mailbox, err)
		}
		if len(ms) < limit {
			break // nothing more is visible
		}
		after = ms[len(ms)-1].Seq
	}
	return leased, nil
}

// leaseBatch leases the messages of ms that have attempts left, appending
// them to leased with their new Attempts and VisibleAt, and moves the
// others to store.MessageDead.
func (tx *Tx) leaseBatch(ms, leased []store.Message, until time.Time, maxAttempts int) ([]store.Message, error) {
	var live, dead []int64
	for _, m := range ms {
		if maxAttempts > 0 && m.Attempts >= maxAttempts {
			dead = append(dead, m.Seq)
			continue
		}
		live = append(live, m.Seq)
		m.Attempts++
		m.VisibleAt = until
		leased = append(leased, m)
	}
	if len(dead) > 0 {
		in, args := seqList(dead)
		if _, err := tx.exec(tx.d.verb("UPDATE")+` messages SET state = ? WHERE seq IN `+in,
			append([]any{string(store.MessageDead)}, args...)...); err != nil {
			return nil, fmt.Errorf("move to dead letters: %w", err)
		}
	}
	if len(live) > 0 {
		in, args := seqList(live)
		if _, err := tx.exec(tx.d.verb("UPDATE")+` messages SET attempts = attempts + 1, visible_at = ? WHERE seq IN `+in,
			append([]any{tx.d.timeArg(until)}, args...)...); err != nil {
			return nil, err
		}
	}
	return leased, nil
}
