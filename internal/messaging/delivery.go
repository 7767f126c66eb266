package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Delivery is a message as its recipient receives it. The recipient checks
// Signature over Canonical(Envelope) with the key of SenderChain's leaf,
// after checking that chain against the hub's trust bundle and that the
// leaf's SPIFFE ID is Envelope.Sender.
type Delivery struct {
	Envelope     Envelope // with Sender and Created set by the hub
	Signature    []byte
	SenderChain  [][]byte // DER, leaf first
	Attempt      int      // 1 on first delivery
	LeaseExpires time.Time
	State        store.MessageState
	// Labels are the hub's provenance labels: what screening found.
	Labels Labels

	row string // the stored message's ID: Envelope.ID, or a topic copy's
}

// DeadLetter is a message in a mailbox's dead-letter queue. When its body
// or headers do not open, Err wraps ErrCorrupt and Delivery carries only
// the unsealed fields (no body, no headers).
type DeadLetter struct {
	Delivery
	Err error
}

// Fetch leases up to limit (default 16, at most MaxBatch) ready messages
// of mailbox, oldest first. Each stays invisible for Lease and is delivered
// again, with Attempt one higher, unless acked first. If none is ready it
// waits up to wait for one to commit. The caller must have been authorized
// to read mailbox (ActionRead, see AuthorizeRead).
//
// A message that does not open (modified, moved from another row, keyset
// shredded) is never returned: it moves to the dead-letter queue with a
// message.corrupt audit event and Fetch goes on with the others. Get and
// DeadLetters report it with ErrCorrupt.
func (s *Service) Fetch(ctx context.Context, a policy.Actor, mailbox string, limit int, wait time.Duration) ([]Delivery, error) {
	if limit > MaxBatch || limit < 0 {
		return nil, invalid("limit %d is outside 0..%d", limit, MaxBatch)
	}
	limit = orDefault(limit, defaultFetch)
	var wake <-chan struct{}
	if wait > 0 {
		var cancel func()
		wake, cancel = s.notifier().Subscribe(mailbox) // before looking: no lost wake-ups
		defer cancel()
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		ds, err := s.fetchOnce(ctx, a, mailbox, limit)
		if err != nil || len(ds) > 0 || wait <= 0 {
			return ds, err
		}
		select {
		case <-wake:
		case <-deadline.C:
			return s.fetchOnce(ctx, a, mailbox, limit)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Service) fetchOnce(ctx context.Context, a policy.Actor, mailbox string, limit int) ([]Delivery, error) {
	now := s.now()
	lease := orDefault(s.Lease, DefaultLease)
	maxAttempts := orDefault(s.MaxAttempts, DefaultMaxAttempts)
	var ms []store.Message
	err := s.inBatch(ctx, func(tx store.Tx) error {
		var dead []string
		var err error
		ms, dead, err = tx.LeaseMessages(mailbox, now, lease, limit, maxAttempts)
		if err == nil {
			err = s.auditDeadLettered(tx, a, mailbox, dead, maxAttempts)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	if err := ctx.Err(); err != nil && len(ms) > 0 {
		// The caller left while the lease committed: nobody will get these.
		ids := make([]string, len(ms))
		for i := range ms {
			ids[i] = ms[i].ID
		}
		s.release(ctx, mailbox, ids)
		return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
	}
	ds := make([]Delivery, 0, len(ms))
	var corrupt []store.Event
	for i := range ms {
		e, err := s.open(ctx, &ms[i])
		if errors.Is(err, ErrCorrupt) {
			corrupt = append(corrupt, s.event(a.ID, a.RequestID, "message.corrupt", store.OutcomeFailure, mailbox,
				err.Error()+"; moved to the dead-letter queue", nil))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", mailbox, err) // leased; redelivered later
		}
		ds = append(ds, delivery(&ms[i], e))
	}
	if len(corrupt) > 0 {
		if err := s.deadLetterCorrupt(ctx, ms, ds, corrupt, now); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", mailbox, err)
		}
	}
	return ds, nil
}

// auditDeadLettered records, in the transaction that moved them, each
// message that went to the dead-letter queue because it ran out of
// attempts. The actor is the caller whose Fetch found it.
func (s *Service) auditDeadLettered(tx store.Tx, a policy.Actor, mailbox string, ids []string, maxAttempts int) error {
	for _, id := range ids {
		detail := fmt.Sprintf("message %s: not acknowledged after %d attempts; moved to the dead-letter queue", id, maxAttempts)
		if _, err := tx.AppendEvent(s.event(a.ID, a.RequestID, "message.dead_lettered", store.OutcomeFailure, mailbox, detail, nil)); err != nil {
			return err
		}
	}
	return nil
}

// deadLetterCorrupt moves the leased messages that did not open (those of
// ms not in ds) to the dead-letter queue, with their audit events.
func (s *Service) deadLetterCorrupt(ctx context.Context, ms []store.Message, ds []Delivery, events []store.Event, now time.Time) error {
	ok := make(map[string]bool, len(ds))
	for _, d := range ds {
		ok[d.row] = true
	}
	return s.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		for _, m := range ms {
			if !ok[m.ID] {
				if err := tx.SetMessageState(m.ID, store.MessageDead, now); err != nil {
					return err
				}
			}
		}
		for _, e := range events {
			if _, err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// release ends the leases of messages ids, which were leased for a caller
// that will never see them (it left, or its stream broke), so they are
// delivered again at once rather than when the lease runs out. A failure
// is left to the lease: they come back then.
func (s *Service) release(ctx context.Context, mailbox string, ids []string) {
	now := s.now()
	err := s.inBatch(context.WithoutCancel(ctx), func(tx store.Tx) error {
		return tx.ReleaseMessages(mailbox, ids, now)
	})
	if err == nil {
		s.notifier().Notify(mailbox)
	}
}

func delivery(m *store.Message, e Envelope) Delivery {
	labels, _ := ParseLabels(m.Labels) // written by the hub itself; unparseable labels read as none
	return Delivery{Envelope: e, Signature: m.Signature, SenderChain: m.SenderChain,
		Attempt: m.Attempts, LeaseExpires: m.VisibleAt, State: m.State, Labels: labels, row: m.ID}
}

// Receive delivers mailbox's messages to deliver as they commit, in
// batches of up to limit, until ctx ends or deliver fails; it returns that
// error (ctx.Err() when ctx ends). deliver is called one message at a time
// and may block: that is the flow control. Messages deliver has not seen
// are delivered again when their lease ends, so none is lost.
func (s *Service) Receive(ctx context.Context, a policy.Actor, mailbox string, limit int, deliver func(Delivery) error) error {
	poll := orDefault(s.PollInterval, DefaultPollInterval)
	for {
		ds, err := s.Fetch(ctx, a, mailbox, limit, poll)
		if err != nil {
			return err
		}
		for i, d := range ds {
			if err := deliver(d); err != nil {
				rest := make([]string, 0, len(ds)-i)
				for _, d := range ds[i:] {
					rest = append(rest, d.row)
				}
				s.release(ctx, mailbox, rest)
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// AuthorizeRead asks the policy whether caller may read owner's mailbox
// (ReadMailbox); the API calls it before Fetch, Receive, Ack, Get,
// DeadLetters and Requeue. It returns the mailbox.
func (s *Service) AuthorizeRead(ctx context.Context, a policy.Actor, caller, owner policy.Entity) (string, error) {
	mailbox, err := MailboxOf(owner)
	if err != nil {
		return "", err
	}
	if _, err := s.Policy.Authorize(ctx, a, caller, ActionRead, owner); err != nil {
		return "", fmt.Errorf("read %s: %w", mailbox, err)
	}
	return mailbox, nil
}
