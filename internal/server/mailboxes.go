package server

import (
	"context"

	"github.com/airlock-hub/airlock/internal/api"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// mailboxes adapts the messaging service and the store to api.Mailboxes.
type mailboxes struct {
	msg  *messaging.Service
	st   store.Store
	node string
}

var _ api.Mailboxes = mailboxes{}

// Rewrap re-seals the messages of every mailbox sealed with owner's
// keyset (an agent's mailbox; a topic's subscriptions).
func (m mailboxes) Rewrap(ctx context.Context, owner string, progress func(done, total int)) (int, int, error) {
	boxes, err := m.msg.MailboxesOf(ctx, owner)
	if err != nil {
		return 0, 0, err
	}
	var rewrapped, skipped, base int
	for _, box := range boxes {
		n := 0
		r, s, err := m.msg.Rewrap(ctx, box, func(done, total int) {
			n = total
			if progress != nil {
				progress(base+done, base+total)
			}
		})
		rewrapped, skipped, base = rewrapped+r, skipped+s, base+n
		if err != nil {
			return rewrapped, skipped, err
		}
	}
	return rewrapped, skipped, nil
}

// Topics returns the keyset owner of every topic.
func (m mailboxes) Topics(ctx context.Context) ([]string, error) {
	return m.msg.TopicKeysets(ctx)
}

func (m mailboxes) Shred(ctx context.Context, a policy.Actor, mailbox string) error {
	return m.msg.Shred(ctx, a, mailbox)
}

// Count is the number of messages sealed with owner's keyset that are
// not acked, over all its mailboxes.
func (m mailboxes) Count(ctx context.Context, owner string) (int64, error) {
	boxes, err := m.msg.MailboxesOf(ctx, owner)
	if err != nil {
		return 0, err
	}
	var n int64
	err = m.st.View(ctx, func(tx store.Tx) error {
		for _, box := range boxes {
			u, err := tx.Usage(box)
			if err != nil {
				return err
			}
			n += u.Messages
		}
		return nil
	})
	return n, err
}

// Record appends an audit event in its own transaction.
func (m mailboxes) Record(ctx context.Context, e store.Event) error {
	e.Node = m.node
	return m.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AppendEvent(e)
		return err
	})
}
