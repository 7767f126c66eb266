package messaging

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Defaults for Service fields left zero.
const (
	DefaultLease         = 30 * time.Second
	DefaultMaxAttempts   = 5
	DefaultQuotaMessages = 10_000
	DefaultQuotaBytes    = 100 << 20 // 100 MiB
	DefaultPollInterval  = 2 * time.Second
	DefaultRetention     = 7 * 24 * time.Hour
	// MinRetention is the shortest Retention: acked rows must outlive the
	// idempotency window and MaxIDAge (plus skew) so that neither a retry
	// nor a replay can be mistaken for a new message.
	MinRetention = 48 * time.Hour
	// IdempotencyWindow is how long a sender's idempotency key is honoured.
	IdempotencyWindow = 24 * time.Hour
	// MaxIDAge is how old (by the time in its UUIDv7) a new envelope's ID
	// may be, and MaxIDSkew how far in the future. Older envelopes are
	// refused, so a captured one cannot be replayed once its row is
	// purged (see Service.Retention, which must exceed MaxIDAge).
	MaxIDAge  = 24 * time.Hour
	MaxIDSkew = 5 * time.Minute
	// MaxBatch bounds the messages of one Fetch, Ack or Requeue.
	MaxBatch     = 1000
	defaultFetch = 16
	// maxPendingSends bounds the Sends in progress (signature check,
	// screening, authorization, sealing, store Update); more wait for a
	// slot. The store runs Updates in arrival order and the CPU is shared,
	// so without a bound an overload of sends queues every Fetch and Ack
	// behind thousands of them, receivers starve and the backlog grows.
	maxPendingSends = 64
)

// Policy actions messaging authorizes.
const (
	ActionSend = "SendMessage"
	ActionRead = "ReadMailbox"
)

// Authorizer decides whether caller may do action on resource: nil error
// to allow, an error wrapping policy.ErrDenied to deny, and one wrapping
// policy.ErrApprovalRequired when the action needs approval first.
// *policy.Service implements it.
type Authorizer interface {
	Authorize(ctx context.Context, a policy.Actor, caller policy.Entity, action string, resource policy.Entity) (policy.Decision, error)
	AuthorizeWith(ctx context.Context, a policy.Actor, caller policy.Entity, action string, resource policy.Entity, attrs map[string]any) (policy.Decision, error)
}

var _ Authorizer = (*policy.Service)(nil)

// Service stores, delivers and acknowledges mailbox messages. Every state
// change commits together with its audit event.
type Service struct {
	Store  store.Store
	Keys   *keys.Keyring
	Policy Authorizer
	// Holds files the access request of an approval-gated send; nil
	// stores held messages without one.
	Holds Holder
	// Screen screens every message before it is stored; nil delivers
	// unscreened (tests only: the hub always sets it).
	Screen Screener
	// HubKey signs the hub's statement on a redacted message (see
	// RedactionStatement); nil delivers redacted messages unattested, and
	// the SDK then reports them unverified.
	HubKey HubKey
	// Notifier wakes Fetch and Receive when a message commits; default a
	// LocalNotifier (one hub node).
	Notifier Notifier
	Node     string // hub node name recorded in audit events
	// MaxBody is the body limit in bytes; default 1 MiB.
	MaxBody int
	// Lease is how long a fetched message stays invisible before it is
	// delivered again unless acked; default 30s.
	Lease time.Duration
	// MaxAttempts is how many deliveries a message gets before it moves to
	// the dead-letter queue; default 5.
	MaxAttempts int
	// QuotaMessages and QuotaBytes bound what a mailbox holds unacked
	// (held, ready, leased, dead); defaults 10,000 and 100 MiB of bodies.
	QuotaMessages int64
	QuotaBytes    int64
	// Retention is how long acked messages are kept before PurgeAcked
	// deletes them (DefaultRetention if zero; at least MinRetention).
	Retention time.Duration
	// PollInterval bounds how long Receive waits without a notification
	// before it looks again (for leases that ran out); default 2s.
	PollInterval time.Duration
	Now          func() time.Time

	initNotifier sync.Once
	initSlots    sync.Once
	sendSlots    chan struct{} // see maxPendingSends
	batcher      batcher       // see inBatch
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) notifier() Notifier {
	s.initNotifier.Do(func() {
		if s.Notifier == nil {
			s.Notifier = &LocalNotifier{}
		}
	})
	return s.Notifier
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Sender is the authenticated sender of a message, from its mTLS session.
type Sender struct {
	ID     string // SPIFFE ID
	Entity policy.Entity
	Leaf   *x509.Certificate // the client certificate; its key signed the envelope
	Chain  [][]byte          // DER, leaf first, given to recipients; default the leaf
}

// Recipient is the addressee of a message, resolved by the caller.
type Recipient struct {
	ID     string // SPIFFE ID
	Entity policy.Entity
}

// Result is what Send reports.
type Result struct {
	ID    string
	State store.MessageState // ready, or held until approved
	// Duplicate is true when a send with the same idempotency key was
	// accepted earlier; ID is that message's and nothing new was stored.
	Duplicate bool
	// AccessRequestID names the request that releases a held message.
	AccessRequestID string
}

// MailboxOf returns the mailbox, and keyset owner, of an agent entity:
// "agent/<name>".
func MailboxOf(e policy.Entity) (string, error) {
	if e.Type != policy.TypeAgent || e.ID == "" {
		return "", invalid("%s has no mailbox: only agents do", e)
	}
	return "agent/" + e.ID, nil
}

// event builds an audit event stamped with the service's node and clock.
func (s *Service) event(actor, requestID, typ string, outcome store.Outcome, target, detail string, reasons []string) store.Event {
	return store.Event{Time: s.now(), Node: s.Node, Type: typ, Outcome: outcome, Actor: actor,
		Target: target, RequestID: requestID, Reasons: reasons, Detail: detail}
}

// record appends events in their own transaction, for outcomes whose
// change did not happen (a rejected send) or already committed.
func (s *Service) record(ctx context.Context, events ...store.Event) error {
	return s.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		for _, e := range events {
			if _, err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Shred destroys mailbox's keyset, so every message ever sealed for it
// becomes unreadable for good, and audits it as keys.shredded.
func (s *Service) Shred(ctx context.Context, a policy.Actor, mailbox string) error {
	if err := s.Keys.Shred(ctx, mailbox); err != nil {
		return fmt.Errorf("shred %s: %w", mailbox, err)
	}
	e := s.event(a.ID, a.RequestID, "keys.shredded", store.OutcomeSuccess, mailbox, "keyset destroyed; stored messages are unreadable", nil)
	if err := s.record(ctx, e); err != nil {
		return fmt.Errorf("shred %s: keyset destroyed, audit failed: %w", mailbox, err)
	}
	return nil
}

// corruptErr classifies an error from opening a stored message: it wraps
// ErrCorrupt when the message itself can never be opened (the ciphertext
// does not authenticate, or the keyset is gone), and is nil for errors that
// may pass (the store or the KEK is unavailable).
func corruptErr(err error) error {
	switch {
	case errors.Is(err, ErrCorrupt):
		return err
	case errors.Is(err, keys.ErrInvalidCiphertext), errors.Is(err, keys.ErrShredded), errors.Is(err, keys.ErrNoKeyset):
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return nil
}
