package messaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Ack acknowledges delivered messages of mailbox, so they are not
// delivered again, and returns how many it acknowledged. Acking a message
// twice is not an error (the second time counts 0). It is all or nothing:
// an ID that is not a message of mailbox fails the call with ErrNotFound —
// another mailbox's message is reported exactly like an unknown ID — and a
// held or dead-lettered message with store.ErrConflict.
func (s *Service) Ack(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	if err := checkIDs(ids); err != nil {
		return 0, err
	}
	return s.ack(ctx, a, mailbox, ids)
}

// ack acknowledges the stored messages ids of mailbox; see Ack. The ready
// ones are acked with one statement per 64; only IDs that were not need a
// lookup, to tell an earlier ack from an error.
func (s *Service) ack(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	now, n := s.now(), 0
	err := s.inBatch(ctx, func(tx store.Tx) error {
		n = 0
		acked, err := tx.AckMessages(mailbox, ids, now)
		if err != nil {
			return err
		}
		counted := make(map[string]bool, len(acked))
		for _, id := range ids {
			if !acked[id] {
				if err := ackedBefore(tx, mailbox, id); err != nil {
					return err
				}
				continue
			}
			if counted[id] {
				continue // listed twice
			}
			counted[id] = true
			if _, err := tx.AppendEvent(s.event(a.ID, a.RequestID, "message.acked", store.OutcomeSuccess, mailbox, "message "+id, nil)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("ack: %w", err)
	}
	return n, nil
}

// ackedBefore returns nil if id is a message of mailbox acked earlier,
// an error wrapping store.ErrNotFound if mailbox has no such message, and
// one wrapping store.ErrConflict if it is not awaiting acknowledgement.
func ackedBefore(tx store.Tx, mailbox, id string) error {
	m, err := tx.Message(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.Mailbox != mailbox) {
		return fmt.Errorf("message %s: not in %s: %w", id, mailbox, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("message %s: %w", id, err)
	}
	if m.State != store.MessageAcked {
		return fmt.Errorf("message %s is not awaiting acknowledgement: %w", id, store.ErrConflict)
	}
	return nil
}

// Get returns one message of mailbox without leasing it, in any state but
// held (a held message is not visible to its recipient until released).
// A message of another mailbox is ErrNotFound; one that does not open is
// ErrCorrupt, audited as message.corrupt.
func (s *Service) Get(ctx context.Context, mailbox, id string) (Delivery, error) {
	var m store.Message
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = tx.Message(id)
		if err == nil && (m.Mailbox != mailbox || m.State == store.MessageHeld) {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("get message %.64q: %w", id, err)
	}
	e, err := s.open(ctx, &m)
	if errors.Is(err, ErrCorrupt) {
		_ = s.record(ctx, s.event("", "", "message.corrupt", store.OutcomeFailure, mailbox, err.Error(), nil))
	}
	if err != nil {
		return Delivery{}, err
	}
	d := delivery(&m, e)
	if m.State != store.MessageReady || m.Attempts == 0 || !m.VisibleAt.After(s.now()) {
		d.LeaseExpires = time.Time{} // not leased now
	}
	return d, nil
}

// DeadLetters lists up to limit (0: all) messages in mailbox's dead-letter
// queue, oldest first. Those that do not open carry Err wrapping ErrCorrupt.
func (s *Service) DeadLetters(ctx context.Context, mailbox string, limit int) ([]DeadLetter, error) {
	if limit < 0 {
		return nil, invalid("limit %d is negative", limit)
	}
	var ms []store.Message
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ms, err = tx.ListMessages(mailbox, store.MessageDead, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", mailbox, err)
	}
	out := make([]DeadLetter, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		e, err := s.open(ctx, m)
		if err != nil && !errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("dead letters of %s: %w", mailbox, err)
		}
		if err != nil {
			e = unsealed(m)
		}
		d := delivery(m, e)
		d.LeaseExpires = time.Time{}
		out = append(out, DeadLetter{Delivery: d, Err: err})
	}
	return out, nil
}

// Requeue moves dead-lettered messages of mailbox back to it, with a fresh
// set of delivery attempts, and returns how many it moved. It is all or
// nothing: an ID that is not a message of mailbox fails with ErrNotFound,
// one that is not dead-lettered with store.ErrConflict.
func (s *Service) Requeue(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	if err := checkIDs(ids); err != nil {
		return 0, err
	}
	return s.requeue(ctx, a, mailbox, ids)
}

// requeue moves the stored dead-lettered messages ids of mailbox back to
// it, each audited as message.requeued; see Requeue.
func (s *Service) requeue(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	now := s.now()
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			m, err := tx.Message(id)
			if err == nil && m.Mailbox != mailbox {
				err = store.ErrNotFound
			}
			if err != nil {
				return fmt.Errorf("message %s: %w", id, err)
			}
			if m.State != store.MessageDead {
				return fmt.Errorf("message %s is %s, not dead-lettered: %w", id, m.State, store.ErrConflict)
			}
			if err := tx.SetMessageState(id, store.MessageReady, now); err != nil {
				return fmt.Errorf("message %s: %w", id, err)
			}
			if _, err := tx.AppendEvent(s.event(a.ID, a.RequestID, "message.requeued", store.OutcomeSuccess, mailbox, "message "+id, nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requeue: %w", err)
	}
	s.notifier().Notify(mailbox)
	return len(ids), nil
}

// checkIDs bounds a batch of message IDs.
func checkIDs(ids []string) error {
	if len(ids) == 0 {
		return invalid("no message IDs")
	}
	if len(ids) > MaxBatch {
		return invalid("%d message IDs, limit is %d", len(ids), MaxBatch)
	}
	for _, id := range ids {
		if id == "" || len(id) > 64 {
			return invalid("message ID %.64q is not valid", id)
		}
	}
	return nil
}
