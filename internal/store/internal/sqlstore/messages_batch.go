package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// maxMessageRows bounds the rows of one multi-row messages INSERT: 21
// columns each, so 16 rows bind 336 arguments (see maxEventRows).
const maxMessageRows = 16

// messageColumns is messageCols as a list, for writeRows.
var messageColumns = func() []string {
	cols := strings.Split(messageCols, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols
}()

// PutMessages implements store.Tx. The messages get consecutive Seqs in
// slice order after the largest one stored, and are inserted with
// multi-row statements (COPY on PostgreSQL for large batches).
func (tx *Tx) PutMessages(ms []store.Message) ([]int64, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	for _, m := range ms {
		if err := validState(m.State); err != nil {
			return nil, fmt.Errorf("put message %s: %w", m.ID, err)
		}
	}
	var next int64
	err := tx.queryRow(`SELECT COALESCE(MAX(seq), 0) + 1 FROM messages`, nil,
		func(r Rows) error { return r.Scan(&next) })
	var refs []string
	if err == nil {
		refs, err = tx.putChains(ms)
	}
	if err != nil {
		return nil, fmt.Errorf("put %d messages: %w", len(ms), err)
	}
	seqs := make([]int64, len(ms))
	rows := make([][]any, len(ms))
	for i, m := range ms {
		seqs[i] = next + int64(i)
		rows[i] = []any{seqs[i], m.ID, m.Mailbox, m.Sender, m.Recipient, m.Subject, m.ContentType, m.Thread,
			m.ReplyTo, bytesArg(m.Headers), bytesArg(m.Body), bytesArg(m.Signature), refs[i],
			m.Size, int64(m.KeyID), tx.d.timeArg(m.Created), string(m.State), m.Attempts,
			tx.d.timeArg(m.VisibleAt), m.Idempotency, bytesArg(m.Labels)}
	}
	if err := tx.writeRows("messages", messageColumns, maxMessageRows, rows); err != nil {
		return nil, fmt.Errorf("put %d messages: %w", len(ms), err)
	}
	return seqs, nil
}

// TakenMessageIDs implements store.Tx.
func (tx *Tx) TakenMessageIDs(ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	for chunk := range slices.Chunk(ids, maxLeaseRows) {
		err := tx.queryAll(`SELECT id FROM messages WHERE id IN (`+placeholders(len(chunk))+`)`,
			anys(chunk), func(r Rows) error {
				var id string
				err := r.Scan(&id)
				taken[id] = true
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("look up %d message IDs: %w", len(ids), err)
		}
	}
	return taken, nil
}

// AckMessages implements store.Tx: one UPDATE per up to 64 IDs.
func (tx *Tx) AckMessages(mailbox string, ids []string, at time.Time) (map[string]bool, error) {
	acked := map[string]bool{}
	for chunk := range slices.Chunk(ids, maxLeaseRows) {
		args := append([]any{string(store.MessageAcked), tx.d.timeArg(at), mailbox, string(store.MessageReady)},
			anys(chunk)...)
		err := tx.queryAll(tx.d.verb("UPDATE")+` messages SET state = ?, acked = ?
			WHERE mailbox = ? AND state = ? AND id IN (`+placeholders(len(chunk))+`) RETURNING id`,
			args, func(r Rows) error {
				var id string
				err := r.Scan(&id)
				acked[id] = true
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("ack %d messages in %s: %w", len(ids), mailbox, err)
		}
	}
	return acked, nil
}

// anys returns s as arguments.
func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ReleaseMessages implements store.Tx.
func (tx *Tx) ReleaseMessages(mailbox string, ids []string, at time.Time) error {
	for chunk := range slices.Chunk(ids, maxLeaseRows) {
		args := append([]any{tx.d.timeArg(normTime(at)), mailbox, string(store.MessageReady)}, anys(chunk)...)
		if _, err := tx.exec(tx.d.verb("UPDATE")+` messages SET visible_at = ?
			WHERE mailbox = ? AND state = ? AND id IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return fmt.Errorf("release %d messages of %s: %w", len(ids), mailbox, err)
		}
	}
	return nil
}
