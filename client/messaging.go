package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// SendOptions describe a message to send.
type SendOptions struct {
	// To is the recipient: an agent name in this client's trust domain
	// ("billing"), or a SPIFFE ID ("spiffe://example.org/human/alice").
	To      string
	Subject string
	// ContentType is a media type, e.g. "text/plain; charset=utf-8" or
	// "application/json"; empty means opaque bytes. Textual types require
	// a valid UTF-8 Body.
	ContentType string
	// Thread is the ID of the thread's first message and ReplyTo the ID of
	// the message this one answers; both optional.
	Thread, ReplyTo string
	// Headers are signed and sealed at rest with the body.
	Headers map[string]string
	Body    []byte
	// IdempotencyKey, when set, makes a retry within 24 h return the first
	// send's ID instead of storing a second copy.
	IdempotencyKey string
}

// Message states reported by Send and GetMessage.
const (
	StateReady = "ready" // in the recipient's mailbox
	StateHeld  = "held"  // waiting for an approval before delivery
)

// Message is a delivered message whose signature this client checked.
type Message struct {
	ID string
	// From and To are SPIFFE IDs. From is the identity whose certificate
	// signed the message.
	From, To        string
	Subject         string
	ContentType     string
	Thread, ReplyTo string
	Headers         map[string]string
	Body            []byte
	// Created is when the hub accepted the message.
	Created time.Time
	// Attempt is 1 on the first delivery and grows with each redelivery.
	Attempt int
	// LeaseExpires is when an unacknowledged message becomes visible again.
	LeaseExpires time.Time
	// Verified reports that the signature, the sender's certificate chain
	// and the sender's identity checked out. Messages returned by Send,
	// Fetch, Receive and GetMessage are always verified; only DeadLetter
	// entries can carry false.
	Verified bool
	// Labels are the hub's provenance labels: what content screening found.
	// The hub sets them; the sender's signature does not cover them.
	Labels Labels
}

// Labels describe what the hub's content screening found in a message.
type Labels struct {
	Verdict    string // "allow", "flag", or "quarantine" (released by a human)
	Score      float64
	Categories []string
	// Redacted: the hub replaced secrets in the body with
	// [REDACTED:<kind>]. The sender signed the original body; a Verified
	// redacted message carries the hub's signature over the delivered one
	// instead, and reviewers can see the original (airlock quarantine show
	// ID --original).
	Redacted bool
}

// NewSendRequest builds and signs the request that sends o: it picks a new
// UUIDv7 message ID, resolves o.To to a SPIFFE ID and signs the canonical
// envelope with this client's key (sender = this client's SPIFFE ID). Send
// uses it; it is exported for callers of the raw Messaging client.
func (c *Client) NewSendRequest(o SendOptions) (*airlockv1.SendRequest, error) {
	me := c.Current()
	to, err := resolveRecipient(me.ID.TrustDomain(), o.To)
	if err != nil {
		return nil, err
	}
	id, err := messaging.NewID()
	if err != nil {
		return nil, err
	}
	e := messaging.Envelope{ID: id, Sender: me.ID.String(), Recipient: to, Subject: o.Subject,
		ContentType: o.ContentType, Thread: o.Thread, ReplyTo: o.ReplyTo, Headers: o.Headers, Body: o.Body}
	sig, err := messaging.Sign(me.Key, e)
	if err != nil {
		return nil, err
	}
	return &airlockv1.SendRequest{Id: id, To: to, Subject: o.Subject, ContentType: o.ContentType,
		Thread: o.Thread, ReplyTo: o.ReplyTo, Headers: o.Headers, Body: o.Body,
		IdempotencyKey: o.IdempotencyKey, Signature: sig}, nil
}

// Send signs and sends a message. It returns the message ID and its state:
// StateReady, or StateHeld when policy requires an approval first. A retry
// with the same IdempotencyKey returns the first send's ID.
func (c *Client) Send(ctx context.Context, o SendOptions) (id, state string, err error) {
	req, err := c.NewSendRequest(o)
	if err != nil {
		return "", "", fmt.Errorf("send: %w", err)
	}
	resp, err := c.Messaging.Send(ctx, connect.NewRequest(req))
	if err != nil {
		return "", "", fmt.Errorf("send: %w", err)
	}
	return resp.Msg.GetId(), resp.Msg.GetState(), nil
}

// resolveRecipient returns to as a SPIFFE ID: to itself if it starts with
// "spiffe://", else spiffe://TD/agent/TO.
func resolveRecipient(td spiffeid.TrustDomain, to string) (string, error) {
	if to == "" {
		return "", errors.New("no recipient: set To to an agent name or a SPIFFE ID")
	}
	if strings.HasPrefix(to, "spiffe://") {
		id, err := spiffeid.FromString(to)
		if err != nil {
			return "", fmt.Errorf("recipient %q: %w", to, err)
		}
		return id.String(), nil
	}
	id, err := identity.AgentID(td, to)
	if err != nil {
		return "", fmt.Errorf("recipient: %w", err)
	}
	return id.String(), nil
}

// Fetch leases up to limit messages of this client's mailbox (0: the hub's
// default), waiting up to wait for one to arrive. Each must be acknowledged
// with Ack before its lease ends, or the hub delivers it again.
//
// Fetch returns only messages that verify (see VerifyDelivery). If any
// delivery does not, Fetch returns the others together with an error
// wrapping ErrUnverified that names it; such a delivery is never acked, so
// the hub dead-letters it after its maximum number of attempts.
func (c *Client) Fetch(ctx context.Context, limit int, wait time.Duration) ([]Message, error) {
	req := &airlockv1.FetchRequest{Limit: int32(min(max(limit, 0), math.MaxInt32)), WaitSeconds: waitSeconds(wait)}
	resp, err := c.Messaging.Fetch(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	ms := make([]Message, 0, len(resp.Msg.GetDeliveries()))
	var errs []error
	for _, d := range resp.Msg.GetDeliveries() {
		m, err := c.verifyMine(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms = append(ms, m)
	}
	return ms, errors.Join(errs...)
}

// waitSeconds rounds wait up to whole seconds.
func waitSeconds(wait time.Duration) int32 {
	if wait <= 0 {
		return 0
	}
	s := (wait + time.Second - 1) / time.Second
	return int32(min(s, math.MaxInt32))
}

// Ack acknowledges delivered messages of this client's mailbox, so that
// they are not delivered again, and returns how many the hub acknowledged.
func (c *Client) Ack(ctx context.Context, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	resp, err := c.Messaging.Ack(ctx, connect.NewRequest(&airlockv1.AckRequest{Ids: ids}))
	if err != nil {
		return 0, fmt.Errorf("ack: %w", err)
	}
	return int(resp.Msg.GetAcked()), nil
}

// GetMessage returns one message of this client's mailbox, verified,
// without leasing it, and its state.
func (c *Client) GetMessage(ctx context.Context, id string) (Message, string, error) {
	resp, err := c.Messaging.GetMessage(ctx, connect.NewRequest(&airlockv1.GetMessageRequest{Id: id}))
	if err != nil {
		return Message{}, "", fmt.Errorf("get message: %w", err)
	}
	m, err := c.verifyMine(resp.Msg.GetDelivery())
	if err != nil {
		return Message{}, "", err
	}
	return m, resp.Msg.GetState(), nil
}

// DeadLetter is a message of the dead-letter queue. Messages land there
// after too many failed deliveries, or because they are corrupt; Err says
// why this one does not verify (nil when it does). An entry with a non-nil
// Err has Verified false, and its content must not be trusted.
type DeadLetter struct {
	Message
	Err error
}

// DeadLetters lists up to limit (0: the hub's default) messages of this
// client's dead-letter queue.
func (c *Client) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	req := &airlockv1.ListDeadLettersRequest{Limit: int32(min(max(limit, 0), math.MaxInt32))}
	resp, err := c.Messaging.ListDeadLetters(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return deadLetters(resp.Msg.GetDeliveries(), c.verifyMine), nil
}

// deadLetters verifies each delivery of a dead-letter queue with verify,
// keeping the ones that fail as unverified entries with their error.
func deadLetters(ds []*airlockv1.Delivery, verify func(*airlockv1.Delivery) (Message, error)) []DeadLetter {
	out := make([]DeadLetter, 0, len(ds))
	for _, d := range ds {
		m, err := verify(d)
		if err != nil {
			m = unverifiedMessage(d)
		}
		out = append(out, DeadLetter{Message: m, Err: err})
	}
	return out
}

// Requeue moves dead-lettered messages back to the mailbox and returns how
// many moved.
func (c *Client) Requeue(ctx context.Context, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	resp, err := c.Messaging.Requeue(ctx, connect.NewRequest(&airlockv1.RequeueRequest{Ids: ids}))
	if err != nil {
		return 0, fmt.Errorf("requeue: %w", err)
	}
	return int(resp.Msg.GetRequeued()), nil
}
