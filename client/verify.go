package client

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// ErrUnverified is wrapped by every error about a delivered message that
// does not verify. Such a message is never returned as a Message.
var ErrUnverified = errors.New("message does not verify")

// VerifyDelivery checks a delivery from the raw Messaging client and
// returns it as a Message with Verified set. It checks that
//   - the sender's certificate chain (leaf first) chains to this client's
//     trust bundle at the time the hub accepted the message, so that a
//     message outlives its sender's short-lived certificate;
//   - the leaf's SPIFFE ID is the envelope's sender;
//   - the signature verifies with the leaf's key over the canonical
//     envelope (messaging.Canonical);
//   - or, when the hub redacted secrets from the body (Labels.Redacted),
//     the hub's signature over the sender's signature and the delivered
//     envelope verifies with a certificate of the hub (spiffe://TD/hub)
//     that chains to the bundle (the sender signed the original body).
//
// Any failure wraps ErrUnverified and returns a zero Message.
func (c *Client) VerifyDelivery(d *airlockv1.Delivery) (Message, error) {
	if err := verifyDelivery(c, d); err != nil {
		env := d.GetEnvelope()
		return Message{}, fmt.Errorf("%w: message %.80q from %.200q: %w", ErrUnverified, env.GetId(), env.GetSender(), err)
	}
	m := unverifiedMessage(d)
	m.Verified = true
	return m, nil
}

// verifyMine is VerifyDelivery for this client's own mailbox: the signed
// recipient must be this client, so that a message signed for someone else
// cannot be passed off as one for us.
func (c *Client) verifyMine(d *airlockv1.Delivery) (Message, error) {
	m, err := c.VerifyDelivery(d)
	if err != nil {
		return Message{}, err
	}
	if me := c.Current().ID.String(); m.To != me {
		return Message{}, fmt.Errorf("%w: message %.80q was signed for %.200q, not for %s", ErrUnverified, m.ID, m.To, me)
	}
	return m, nil
}

func verifyDelivery(c *Client, d *airlockv1.Delivery) error {
	pe := d.GetEnvelope()
	if pe == nil {
		return errors.New("delivery has no envelope")
	}
	if len(d.GetSenderChain()) == 0 {
		return errors.New("delivery has no sender certificate")
	}
	at := time.Now()
	if pe.GetCreatedAt() != nil {
		at = pe.GetCreatedAt().AsTime()
	}
	leaf, id, err := verifySenderChain(c, d.GetSenderChain(), at)
	if err != nil {
		return err
	}
	if id.String() != pe.GetSender() {
		return fmt.Errorf("the sender certificate is for %s, not the envelope's sender", id)
	}
	if d.GetLabels().GetRedacted() {
		return verifyRedaction(c, d, at)
	}
	return messaging.Verify(leaf.PublicKey, envelopeOf(pe), d.GetSignature())
}

// verifyRedaction checks the hub's statement on a redacted delivery: the
// hub's chain verifies to the trust bundle at time at, its leaf is the
// hub (spiffe://TD/hub), and its signature covers the sender's signature
// and the envelope as delivered (messaging.RedactionStatement). The
// sender's own signature covers the original body, which only reviewers
// see.
func verifyRedaction(c *Client, d *airlockv1.Delivery, at time.Time) error {
	if len(d.GetHubChain()) == 0 {
		return errors.New("redacted by the hub, but the delivery has no hub certificate")
	}
	hub, id, err := verifySenderChain(c, d.GetHubChain(), at)
	if err != nil {
		return fmt.Errorf("hub certificate: %w", err)
	}
	want, err := identity.HubID(c.Current().ID.TrustDomain())
	if err != nil {
		return err
	}
	if id != want {
		return fmt.Errorf("the redaction was signed by %s, not by the hub", id)
	}
	return messaging.VerifyRedaction(hub.PublicKey, d.GetSignature(), envelopeOf(d.GetEnvelope()), d.GetHubSignature())
}

// verifySenderChain checks der (leaf first) against c's trust bundle at
// time at and returns the leaf and its SPIFFE ID. A chain that verified
// before against the same bundle, with at inside the window in which all
// of their certificates are valid, is not verified again (see
// verifiedChains).
func verifySenderChain(c *Client, der [][]byte, at time.Time) (*x509.Certificate, spiffeid.ID, error) {
	me := c.Current()
	key := chainKey(me.ID.TrustDomain(), me.Bundle, der)
	if v, ok := verifiedChains.get(key, at); ok {
		return v.leaf, v.id, nil
	}
	chain := make([]*x509.Certificate, 0, len(der))
	for i, b := range der {
		cert, err := x509.ParseCertificate(b)
		if err != nil {
			return nil, spiffeid.ID{}, fmt.Errorf("sender certificate %d: %w", i, err)
		}
		chain = append(chain, cert)
	}
	bundle := x509bundle.FromX509Authorities(me.ID.TrustDomain(), me.Bundle)
	id, _, err := x509svid.Verify(chain, bundle, x509svid.WithTime(at))
	if err != nil {
		return nil, spiffeid.ID{}, fmt.Errorf("sender certificate: %w", err)
	}
	verifiedChains.put(key, id, chain, me.Bundle)
	return chain[0], id, nil
}

// envelopeOf converts the wire envelope to the one that is signed.
func envelopeOf(pe *airlockv1.Envelope) messaging.Envelope {
	return messaging.Envelope{ID: pe.GetId(), Sender: pe.GetSender(), Recipient: pe.GetRecipient(),
		Subject: pe.GetSubject(), ContentType: pe.GetContentType(), Thread: pe.GetThread(),
		ReplyTo: pe.GetReplyTo(), Headers: pe.GetHeaders(), Body: pe.GetBody()}
}

// unverifiedMessage copies d's fields into a Message with Verified false.
func unverifiedMessage(d *airlockv1.Delivery) Message {
	pe := d.GetEnvelope()
	m := Message{ID: pe.GetId(), From: pe.GetSender(), To: pe.GetRecipient(), Subject: pe.GetSubject(),
		ContentType: pe.GetContentType(), Thread: pe.GetThread(), ReplyTo: pe.GetReplyTo(),
		Headers: maps.Clone(pe.GetHeaders()), Body: slices.Clone(pe.GetBody()), Attempt: int(d.GetAttempt())}
	if pe.GetCreatedAt() != nil {
		m.Created = pe.GetCreatedAt().AsTime()
	}
	if d.GetLeaseExpiresAt() != nil {
		m.LeaseExpires = d.GetLeaseExpiresAt().AsTime()
	}
	if l := d.GetLabels(); l != nil {
		m.Labels = Labels{Verdict: l.GetVerdict(), Score: l.GetScore(), Categories: slices.Clone(l.GetCategories()), Redacted: l.GetRedacted()}
	}
	return m
}
