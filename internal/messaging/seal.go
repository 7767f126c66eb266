package messaging

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// Parts of a message sealed separately, each with its own associated data.
const (
	partBody    = "body"
	partHeaders = "headers"
)

// sealAD is the associated data of one sealed part of a message: a version,
// the part, and the message's ID, sender and recipient, length-prefixed.
// A ciphertext copied into another row, another mailbox or the other part
// of the same row does not open.
func sealAD(part string, m *store.Message) []byte {
	b := []byte("airlock-message-v1\x00")
	for _, f := range []string{part, m.ID, m.Sender, m.Recipient} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// seal encrypts e's headers (as JSON) and body into m with mailbox's key.
func (s *Service) seal(ctx context.Context, mailbox string, m *store.Message, e Envelope) error {
	headers, err := json.Marshal(e.Headers)
	if err != nil {
		return fmt.Errorf("encode headers: %w", err)
	}
	if m.Headers, err = s.Keys.Seal(ctx, mailbox, headers, adOf(partHeaders, m)); err != nil {
		return err
	}
	if m.Body, err = s.Keys.Seal(ctx, mailbox, e.Body, adOf(partBody, m)); err != nil {
		return err
	}
	m.KeyID = keyIDOf(m.Body)
	return nil
}

// open decrypts a stored message. Errors wrap ErrCorrupt when the message
// can never be opened (see corruptErr).
func (s *Service) open(ctx context.Context, m *store.Message) (Envelope, error) {
	e := unsealed(m)
	owner := keysetOf(m.Mailbox)
	headers, err := s.Keys.Open(ctx, owner, m.Headers, adOf(partHeaders, m))
	if err == nil {
		e.Body, err = s.Keys.Open(ctx, owner, m.Body, adOf(partBody, m))
	}
	if err == nil {
		if err = json.Unmarshal(headers, &e.Headers); err != nil {
			err = fmt.Errorf("%w: headers: %v", ErrCorrupt, err)
		}
	}
	if err != nil {
		if c := corruptErr(err); c != nil {
			err = c
		}
		return Envelope{}, fmt.Errorf("open message %s: %w", m.ID, err)
	}
	if len(e.Body) == 0 {
		e.Body = nil
	}
	return e, nil
}

// keyIDOf returns the key ID in the Tink prefix of a ciphertext (0x01 and
// a big-endian uint32), or 0.
func keyIDOf(ct []byte) uint32 {
	if len(ct) < 5 || ct[0] != 0x01 {
		return 0
	}
	return binary.BigEndian.Uint32(ct[1:5])
}

// RewrapProgress is told how many of a mailbox's messages were looked at.
type RewrapProgress func(done, total int)

// Rewrap re-seals the stored messages of mailbox that are not sealed under
// its keyset's primary key, so older keys can later be retired. Messages
// that do not open are left as they are and counted in skipped. progress,
// if not nil, is called after each message.
func (s *Service) Rewrap(ctx context.Context, mailbox string, progress RewrapProgress) (rewrapped, skipped int, err error) {
	st, err := s.Keys.Status(ctx, keysetOf(mailbox))
	if err != nil {
		return 0, 0, fmt.Errorf("rewrap %s: %w", mailbox, err)
	}
	if st.Shredded {
		return 0, 0, fmt.Errorf("rewrap %s: keyset was shredded", mailbox)
	}
	var ms []store.Message
	err = s.Store.View(ctx, func(tx store.Tx) error {
		for _, state := range []store.MessageState{store.MessageHeld, store.MessageQuarantined, store.MessageReady, store.MessageDead, store.MessageAcked} {
			batch, err := tx.ListMessages(mailbox, state, 0)
			if err != nil {
				return err
			}
			ms = append(ms, batch...)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("rewrap %s: %w", mailbox, err)
	}
	for i := range ms {
		done, err := s.rewrapOne(ctx, mailbox, &ms[i], st.Primary)
		switch {
		case err != nil && corruptErr(err) == nil:
			return rewrapped, skipped, fmt.Errorf("rewrap %s: %w", mailbox, err)
		case err != nil:
			skipped++
		case done:
			rewrapped++
		}
		if progress != nil {
			progress(i+1, len(ms))
		}
	}
	return rewrapped, skipped, nil
}

func (s *Service) rewrapOne(ctx context.Context, mailbox string, m *store.Message, primary uint32) (bool, error) {
	done, err := s.rewrapOriginal(ctx, m, primary)
	if err != nil {
		return false, err
	}
	if m.KeyID == primary && keyIDOf(m.Headers) == primary {
		return done, nil
	}
	e, err := s.open(ctx, m)
	if err != nil {
		return false, err
	}
	if err := s.seal(ctx, keysetOf(mailbox), m, e); err != nil {
		return false, err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		return tx.RewriteMessage(m.ID, m.Headers, m.Body, m.KeyID)
	})
	return err == nil, err
}
