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
func (tx *Tx) LeaseMessages(mailbox string, now time.Time, lease time.Duration, n, maxAttempts int) ([]store.Message, []string, error) {
	now = normTime(now)
	var leased []store.Message
	var dead []string
	after := int64(0) // seqs up to here have been looked at
	for len(leased) < n {
		limit := min(n-len(leased), maxLeaseRows)
		ms, err := tx.queryMessages(`SELECT `+messageCols+` FROM messages
			WHERE mailbox = ? AND state = ? AND visible_at <= ? AND seq > ?
			ORDER BY seq LIMIT ?`,
			mailbox, string(store.MessageReady), tx.d.timeArg(now), after, int64(limit))
		if err == nil {
			leased, dead, err = tx.leaseBatch(ms, leased, dead, now, lease, maxAttempts)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("lease messages of %s: %w", mailbox, err)
		}
		if len(ms) < limit {
			break // nothing more is visible
		}
		after = ms[len(ms)-1].Seq
	}
	return leased, dead, nil
}

// leaseBatch leases the messages of ms that have attempts left, appending
// them to leased with their new Attempts and VisibleAt, and moves the
// others to store.MessageDead, appending their IDs to deadIDs.
func (tx *Tx) leaseBatch(ms, leased []store.Message, deadIDs []string, now time.Time, lease time.Duration, maxAttempts int) ([]store.Message, []string, error) {
	var dead []int64
	live := map[time.Time][]int64{} // by the new VisibleAt
	var untils []time.Time
	for _, m := range ms {
		if maxAttempts > 0 && m.Attempts >= maxAttempts {
			dead = append(dead, m.Seq)
			deadIDs = append(deadIDs, m.ID)
			continue
		}
		m.Attempts++
		m.VisibleAt = normTime(now.Add(store.LeaseFor(lease, m.Attempts)))
		if _, ok := live[m.VisibleAt]; !ok {
			untils = append(untils, m.VisibleAt)
		}
		live[m.VisibleAt] = append(live[m.VisibleAt], m.Seq)
		leased = append(leased, m)
	}
	if len(dead) > 0 {
		in, args := seqList(dead)
		if _, err := tx.exec(tx.d.verb("UPDATE")+` messages SET state = ? WHERE seq IN `+in,
			append([]any{string(store.MessageDead)}, args...)...); err != nil {
			return nil, nil, fmt.Errorf("move to dead letters: %w", err)
		}
	}
	for _, until := range untils {
		in, args := seqList(live[until])
		if _, err := tx.exec(tx.d.verb("UPDATE")+` messages SET attempts = attempts + 1, visible_at = ? WHERE seq IN `+in,
			append([]any{tx.d.timeArg(until)}, args...)...); err != nil {
			return nil, nil, err
		}
	}
	return leased, deadIDs, nil
}
