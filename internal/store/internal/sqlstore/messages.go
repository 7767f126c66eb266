package sqlstore

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// messageCols are the messages columns the Message type maps to, in
// scanMessage's order. acked is written by AckMessage only.
const messageCols = `seq, id, mailbox, sender, recipient, subject, content_type, thread, reply_to,
	headers, body, signature, sender_chain, size, key_id, created, state, attempts, visible_at, idempotency,
	labels`

// validState reports an error for a state the schema does not allow, so
// callers get a clear message rather than a constraint failure.
func validState(s store.MessageState) error {
	switch s {
	case store.MessageHeld, store.MessageQuarantined, store.MessageReady, store.MessageAcked, store.MessageDead:
		return nil
	}
	return fmt.Errorf("unknown message state %q", s)
}

// PutMessage implements store.Tx. Seq is the next number after the largest
// one stored; writes are serialised, so seqs follow commit order. m.Seq is
// ignored.
func (tx *Tx) PutMessage(m store.Message) (int64, error) {
	if err := validState(m.State); err != nil {
		return 0, fmt.Errorf("put message %s: %w", m.ID, err)
	}
	var seq int64
	err := tx.queryRow(`SELECT COALESCE(MAX(seq), 0) + 1 FROM messages`, nil,
		func(r Rows) error { return r.Scan(&seq) })
	var refs []string
	if err == nil {
		refs, err = tx.putChains([]store.Message{m})
	}
	if err != nil {
		return 0, fmt.Errorf("put message %s: %w", m.ID, err)
	}
	err = tx.insert("message "+m.ID,
		`INSERT INTO messages (`+messageCols+`)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		seq, m.ID, m.Mailbox, m.Sender, m.Recipient, m.Subject, m.ContentType, m.Thread, m.ReplyTo,
		bytesArg(m.Headers), bytesArg(m.Body), bytesArg(m.Signature), refs[0],
		m.Size, int64(m.KeyID), tx.d.timeArg(m.Created), string(m.State), m.Attempts,
		tx.d.timeArg(m.VisibleAt), m.Idempotency, bytesArg(m.Labels))
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// scanMessage scans a row of messageCols. A sender chain stored by
// reference is left nil, with the reference in *ref, for resolveChains.
func scanMessage(r Rows, ref *string) (store.Message, error) {
	var m store.Message
	var keyID int64
	var state string
	err := r.Scan(&m.Seq, &m.ID, &m.Mailbox, &m.Sender, &m.Recipient, &m.Subject, &m.ContentType,
		&m.Thread, &m.ReplyTo, &m.Headers, &m.Body, &m.Signature, chainDest{&m.SenderChain, ref},
		&m.Size, &keyID, timeDest{&m.Created}, &state, &m.Attempts, timeDest{&m.VisibleAt}, &m.Idempotency,
		&m.Labels)
	m.KeyID, m.State = uint32(keyID), store.MessageState(state)
	return m, err
}

// queryMessages runs a query selecting messageCols and returns the rows.
func (tx *Tx) queryMessages(query string, args ...any) ([]store.Message, error) {
	var ms []store.Message
	var refs []string
	err := tx.queryAll(query, args, func(r Rows) error {
		var ref string
		m, err := scanMessage(r, &ref)
		ms, refs = append(ms, m), append(refs, ref)
		return err
	})
	if err == nil {
		err = tx.resolveChains(ms, refs)
	}
	return ms, err
}

// queryMessage runs a query selecting messageCols and returns its one row,
// or store.ErrNotFound.
func (tx *Tx) queryMessage(query string, args ...any) (store.Message, error) {
	var m store.Message
	var ref string
	err := tx.queryRow(query, args, func(r Rows) (err error) {
		m, err = scanMessage(r, &ref)
		return err
	})
	if err == nil {
		ms := []store.Message{m}
		err = tx.resolveChains(ms, []string{ref})
		m = ms[0]
	}
	return m, err
}

// Message implements store.Tx.
func (tx *Tx) Message(id string) (store.Message, error) {
	m, err := tx.queryMessage(`SELECT `+messageCols+` FROM messages WHERE id = ?`, id)
	if err != nil {
		return store.Message{}, fmt.Errorf("get message %s: %w", id, err)
	}
	return m, nil
}

// MessageByIdempotency implements store.Tx. The empty key is no key: it
// never matches. Should several messages match, the newest (largest Seq)
// is returned.
func (tx *Tx) MessageByIdempotency(sender, key string, since time.Time) (store.Message, error) {
	if key == "" {
		return store.Message{}, fmt.Errorf("get message by idempotency key: empty key: %w", store.ErrNotFound)
	}
	// The literal idempotency <> '' lets the partial index serve the query.
	m, err := tx.queryMessage(`SELECT `+messageCols+` FROM messages
		WHERE sender = ? AND idempotency = ? AND idempotency <> '' AND created >= ?
		ORDER BY seq DESC LIMIT 1`, sender, key, tx.d.timeArg(since))
	if err != nil {
		return store.Message{}, fmt.Errorf("get message by idempotency key %s of %s: %w", key, sender, err)
	}
	return m, nil
}

// AckMessage implements store.Tx. at is kept in the acked column, for
// purging acknowledged messages later. The update is conditional on the
// message being ready, so two transactions can never both ack it.
func (tx *Tx) AckMessage(mailbox, id string, at time.Time) error {
	n, err := tx.exec(`UPDATE messages SET state = ?, acked = ?
		WHERE id = ? AND mailbox = ? AND state = ?`,
		string(store.MessageAcked), tx.d.timeArg(at), id, mailbox, string(store.MessageReady))
	if err == nil && n == 0 {
		err = store.ErrNotFound
		if m, gerr := tx.Message(id); gerr == nil && m.Mailbox == mailbox {
			err = store.ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("ack message %s in %s: %w", id, mailbox, err)
	}
	return nil
}

// ListMessages implements store.Tx.
func (tx *Tx) ListMessages(mailbox string, state store.MessageState, limit int) ([]store.Message, error) {
	query := `SELECT ` + messageCols + ` FROM messages WHERE mailbox = ? AND state = ? ORDER BY seq`
	args := []any{mailbox, string(state)}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, int64(limit))
	}
	ms, err := tx.queryMessages(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s messages of %s: %w", state, mailbox, err)
	}
	return ms, nil
}

// SetMessageState implements store.Tx. Moving a message out of
// store.MessageDead resets its Attempts to 0, so a requeued message gets
// a fresh set of delivery attempts instead of going straight back to the
// dead-letter queue at its next lease.
func (tx *Tx) SetMessageState(id string, state store.MessageState, visibleAt time.Time) error {
	err := validState(state)
	if err == nil {
		attempts := `attempts`
		if state != store.MessageDead {
			attempts = `CASE WHEN state = '` + string(store.MessageDead) + `' THEN 0 ELSE attempts END`
		}
		var n int64
		n, err = tx.exec(`UPDATE messages SET attempts = `+attempts+`, state = ?, visible_at = ? WHERE id = ?`,
			string(state), tx.d.timeArg(visibleAt), id)
		if err == nil && n == 0 {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("set message %s state %s: %w", id, state, err)
	}
	return nil
}

// RewriteMessage implements store.Tx.
func (tx *Tx) RewriteMessage(id string, headers, body []byte, keyID uint32) error {
	n, err := tx.exec(`UPDATE messages SET headers = ?, body = ?, key_id = ? WHERE id = ?`,
		bytesArg(headers), bytesArg(body), int64(keyID), id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("rewrite message %s: %w", id, err)
	}
	return nil
}

// Usage implements store.Tx. It reads mailbox_usage, which triggers on
// messages keep current (migration 0008), so it costs the same whatever
// the mailbox holds.
func (tx *Tx) Usage(mailbox string) (store.MailboxUsage, error) {
	var u store.MailboxUsage
	err := tx.queryRow(`SELECT messages, bytes FROM mailbox_usage WHERE mailbox = ?`,
		[]any{mailbox}, func(r Rows) error { return r.Scan(&u.Messages, &u.Bytes) })
	if errors.Is(err, store.ErrNotFound) {
		return store.MailboxUsage{}, nil // nothing was ever stored there
	}
	if err != nil {
		return store.MailboxUsage{}, fmt.Errorf("usage of %s: %w", mailbox, err)
	}
	return u, nil
}

// DeleteBlob implements store.Tx. The SQLite store runs with
// secure_delete, so the deleted bytes are overwritten in the database
// file; PostgreSQL keeps them in a dead tuple until VACUUM.
func (tx *Tx) DeleteBlob(name string) error {
	if _, err := tx.exec(`DELETE FROM blobs WHERE name = ?`, name); err != nil {
		return fmt.Errorf("delete blob %s: %w", name, err)
	}
	return nil
}

// seqList returns a placeholder list for seqs and the matching arguments.
func seqList(seqs []int64) (string, []any) {
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	return `(` + placeholders(len(seqs)) + `)`, args
}

// purgeChunk is how many rows PurgeAcked looks at, and deletes, per
// statement.
const purgeChunk = 500

// PurgeAcked implements store.Tx. It walks messages in seq order, which
// follows creation time, and stops at the first message created at or
// after before, so a pass reads only the old rows: those it deletes and
// the old ones it must keep (held, quarantined, ready, dead).
func (tx *Tx) PurgeAcked(before time.Time, limit int) (int, error) {
	var purge []int64
	after := int64(0)
	for len(purge) < limit {
		n, done := 0, false
		err := tx.queryAll(`SELECT seq, state, CASE WHEN created < ? THEN 1 ELSE 0 END FROM messages
			WHERE seq > ? ORDER BY seq LIMIT ?`, []any{tx.d.timeArg(normTime(before)), after, int64(purgeChunk)},
			func(r Rows) error {
				var seq, old int64
				var state string
				if err := r.Scan(&seq, &state, &old); err != nil {
					return err
				}
				n, after = n+1, seq
				if old == 0 {
					done = true
				} else if !done && state == string(store.MessageAcked) && len(purge) < limit {
					purge = append(purge, seq)
				}
				return nil
			})
		if err != nil {
			return 0, fmt.Errorf("purge acked messages: %w", err)
		}
		if done || n < purgeChunk {
			break
		}
	}
	for chunk := range slices.Chunk(purge, purgeChunk) {
		in, args := seqList(chunk)
		if _, err := tx.exec(`DELETE FROM messages WHERE seq IN `+in, args...); err != nil {
			return 0, fmt.Errorf("purge acked messages: %w", err)
		}
	}
	return len(purge), nil
}
