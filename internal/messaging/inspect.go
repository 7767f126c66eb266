package messaging

import (
	"context"
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// Inspect opens any stored message, whatever its state, for a human
// reviewer (quarantine review). The caller authorizes the reviewer; the
// inspection is audited.
func (s *Service) Inspect(ctx context.Context, reviewer, requestID, id string) (Delivery, error) {
	var m store.Message
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = tx.Message(id)
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("message %.64q: %w", id, err)
	}
	e, err := s.open(ctx, &m)
	if err != nil {
		return Delivery{}, err
	}
	if err := s.record(ctx, s.event(reviewer, requestID, "message.inspected", store.OutcomeSuccess, m.Recipient,
		"message "+id+" ("+string(m.State)+")", nil)); err != nil {
		return Delivery{}, err // fail closed: an unaudited inspection is refused
	}
	return delivery(&m, e), nil
}

// Quarantined returns the stored message id if it is quarantined.
func (s *Service) Quarantined(ctx context.Context, id string) (store.Message, error) {
	var m store.Message
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		m, err = tx.Message(id)
		return err
	})
	return m, err
}
