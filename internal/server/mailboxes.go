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

func (m mailboxes) Rewrap(ctx context.Context, mailbox string, progress func(done, total int)) (int, int, error) {
	return m.msg.Rewrap(ctx, mailbox, messaging.RewrapProgress(progress))
}

func (m mailboxes) Shred(ctx context.Context, a policy.Actor, mailbox string) error {
	return m.msg.Shred(ctx, a, mailbox)
}

// Count is the number of messages a mailbox holds that are not acked.
func (m mailboxes) Count(ctx context.Context, mailbox string) (int64, error) {
	var u store.MailboxUsage
	err := m.st.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.Usage(mailbox)
		return err
	})
	return u.Messages, err
}

// Record appends an audit event in its own transaction.
func (m mailboxes) Record(ctx context.Context, e store.Event) error {
	e.Node = m.node
	return m.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AppendEvent(e)
		return err
	})
}
