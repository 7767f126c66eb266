package messaging

import (
	"context"
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// partOriginal is the sealed part that keeps the original body of a
// message the hub redacted, for reviewers.
const partOriginal = "original"

// redactionPrefix separates the hub's redaction statements from any other
// use of its key, and versions the encoding.
const redactionPrefix = "airlock-redaction-v1\x00"

// HubKey is the hub's own signing identity: its current key and
// certificate chain (DER, leaf first; the leaf's SPIFFE ID is the hub's).
// The hub signs with it what it changed in a message (redaction), since
// the sender's signature no longer covers that.
type HubKey interface {
	HubKey() (crypto.Signer, [][]byte, error)
}

// RedactionStatement is what the hub signs when it delivers a redacted
// body: the prefix "airlock-redaction-v1\x00", the sender's signature over
// the original envelope (length-prefixed), and Canonical(delivered), the
// envelope as delivered. It says: "the sender signed an envelope with this
// signature, which I verified; I replaced its body with this one". The
// original body stays sealed at the hub for reviewers.
func RedactionStatement(senderSig []byte, delivered Envelope) []byte {
	c := Canonical(delivered)
	b := make([]byte, 0, len(redactionPrefix)+binary.MaxVarintLen64+len(senderSig)+len(c))
	b = append(b, redactionPrefix...)
	b = appendField(b, string(senderSig))
	return append(b, c...)
}

// SignRedaction signs RedactionStatement(senderSig, delivered) with key.
func SignRedaction(key crypto.Signer, senderSig []byte, delivered Envelope) ([]byte, error) {
	sig, err := signBytes(key, RedactionStatement(senderSig, delivered))
	if err != nil {
		return nil, fmt.Errorf("sign redaction: %w", err)
	}
	return sig, nil
}

// VerifyRedaction checks that hubSig is hub's signature over
// RedactionStatement(senderSig, delivered). The caller checks that hub's
// certificate is the hub's. Failures wrap ErrBadSignature.
func VerifyRedaction(hub crypto.PublicKey, senderSig []byte, delivered Envelope, hubSig []byte) error {
	return verifyBytes(hub, RedactionStatement(senderSig, delivered), hubSig, "the redacted envelope and the hub's key")
}

// attestRedaction signs m's redacted envelope e (Sender, Recipient set)
// with the hub's key and records signature and chain in l. Without a hub
// key the message goes out unattested, and the SDK reports it unverified.
func (s *Service) attestRedaction(l *Labels, sig []byte, e Envelope) error {
	if s.HubKey == nil {
		return nil
	}
	key, chain, err := s.HubKey.HubKey()
	if err != nil {
		return fmt.Errorf("hub key: %w", err)
	}
	if l.HubSignature, err = SignRedaction(key, sig, e); err != nil {
		return err
	}
	l.HubChain = chain
	return nil
}

// sealOriginal seals the original body of a redacted message with m's
// mailbox key, bound to m like its other parts.
func (s *Service) sealOriginal(ctx context.Context, mailbox string, m *store.Message, body []byte) ([]byte, error) {
	return s.Keys.Seal(ctx, mailbox, body, adOf(partOriginal, m))
}

// InspectOriginal opens the original body of a message whose body the
// hub redacted, for a human reviewer, and returns the message as its
// sender signed it (so the sender's signature verifies; Labels.Redacted is
// false and the hub's attestation is left out). The caller authorizes the
// reviewer; the inspection is audited as message.inspected. A message
// without an original is store.ErrNotFound.
func (s *Service) InspectOriginal(ctx context.Context, reviewer, requestID, id string) (Delivery, error) {
	var m store.Message
	var sealed []byte
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if m, err = tx.Message(id); err != nil {
			return err
		}
		sealed, err = tx.Original(id)
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("original of message %.64q: %w", id, err)
	}
	e, err := s.open(ctx, &m)
	if err == nil {
		e.Body, err = s.Keys.Open(ctx, keysetOf(m.Mailbox), sealed, adOf(partOriginal, &m))
	}
	if err != nil {
		if c := corruptErr(err); c != nil {
			err = c
		}
		return Delivery{}, fmt.Errorf("original of message %s: %w", id, err)
	}
	if err := s.record(ctx, s.event(reviewer, requestID, "message.inspected", store.OutcomeSuccess, m.Recipient,
		"original of redacted message "+id+" ("+string(m.State)+")", nil)); err != nil {
		return Delivery{}, err // fail closed: an unaudited inspection is refused
	}
	d := delivery(&m, e)
	d.Labels.Redacted, d.Labels.HubSignature, d.Labels.HubChain = false, nil, nil
	return d, nil
}

// rewrapOriginal re-seals m's original, if it has one, under the primary
// key of its mailbox's keyset.
func (s *Service) rewrapOriginal(ctx context.Context, m *store.Message, primary uint32) (bool, error) {
	var sealed []byte
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		sealed, err = tx.Original(m.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && keyIDOf(sealed) == primary) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	owner := keysetOf(m.Mailbox)
	body, err := s.Keys.Open(ctx, owner, sealed, adOf(partOriginal, m))
	if err != nil {
		return false, err
	}
	if sealed, err = s.sealOriginal(ctx, owner, m, body); err != nil {
		return false, err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error { return tx.PutOriginal(m.ID, sealed) })
	return err == nil, err
}
