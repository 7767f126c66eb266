package store

import "time"

// MessageState is where a message is in its mailbox.
type MessageState string

const (
	// MessageHeld: waiting for approval; not delivered.
	MessageHeld MessageState = "held"
	// MessageQuarantined: held by the content screener for human review;
	// not delivered. Like a held message it counts against the quota, and
	// SetMessageState releases it (MessageReady) or rejects it
	// (MessageDead).
	MessageQuarantined MessageState = "quarantined"
	// MessageReady: deliverable when VisibleAt has passed (new, or its
	// lease ran out and it waits for redelivery).
	MessageReady MessageState = "ready"
	// MessageAcked: delivered and acknowledged; kept for idempotency and
	// audit until purged.
	MessageAcked MessageState = "acked"
	// MessageDead: moved to the dead-letter queue after MaxAttempts.
	MessageDead MessageState = "dead"
)

// Message is one stored envelope. Body and Headers are ciphertext sealed
// with the recipient's key; the hub never stores them in plaintext.
// Labels are the hub's own plaintext annotations, outside the sender's
// signature: a recipient must not take them as the sender's word.
type Message struct {
	ID          string // time-ordered (UUIDv7), unique
	Seq         int64  // assigned by the store: FIFO order within the store
	Mailbox     string // e.g. "agent/a2"
	Sender      string // SPIFFE ID, from the mTLS identity
	Recipient   string // SPIFFE ID
	Subject     string
	ContentType string
	Thread      string
	ReplyTo     string
	Headers     []byte // sealed
	Body        []byte // sealed
	Signature   []byte // sender's signature over the canonical envelope
	SenderChain [][]byte
	Size        int64 // plaintext body size, for quotas
	KeyID       uint32
	Created     time.Time
	State       MessageState
	Attempts    int
	VisibleAt   time.Time // not delivered before this (lease / backoff)
	Idempotency string    // sender's idempotency key, "" if none
	Labels      []byte    // hub-set provenance labels (JSON): screening verdict, score, categories; not signed by the sender
}

// MailboxUsage is what a mailbox holds that counts against its quota:
// messages not yet acknowledged (held, quarantined, ready, leased, dead).
type MailboxUsage struct {
	Messages int64
	Bytes    int64
}

// MaxLeaseFactor caps the redelivery backoff: no lease is longer than
// this many times the base lease.
const MaxLeaseFactor = 16

// LeaseFor is the lease of a message's attempt-th delivery (1 for the
// first): lease doubled for each earlier delivery, at most MaxLeaseFactor
// times lease. An unacked message is thus redelivered with exponential
// backoff — after 30 s, 60 s, 2 min… with the default lease of 30 s.
func LeaseFor(lease time.Duration, attempt int) time.Duration {
	f := int64(1)
	for i := 1; i < attempt && f < MaxLeaseFactor; i++ {
		f *= 2
	}
	return time.Duration(min(f, MaxLeaseFactor)) * lease
}

// MessageTx holds the message operations of Tx.
type MessageTx interface {
	// PutMessage stores m and returns its Seq; ErrExists if m.ID is taken.
	PutMessage(m Message) (int64, error)
	// PutMessages stores ms in order, with consecutive Seqs, and returns
	// them; ErrExists (or another error) fails the whole call if an ID is
	// taken, so check with TakenMessageIDs first. It is PutMessage for a
	// batch, with far fewer statements.
	PutMessages(ms []Message) ([]int64, error)
	// TakenMessageIDs returns which of ids are stored messages.
	TakenMessageIDs(ids []string) (map[string]bool, error)
	// Message returns one message; ErrNotFound if absent.
	Message(id string) (Message, error)
	// MessageByIdempotency returns the message sender stored with key
	// created at or after since (the newest if several); ErrNotFound if
	// none. The empty key never matches.
	MessageByIdempotency(sender, key string, since time.Time) (Message, error)
	// LeaseMessages returns up to n ready messages of mailbox whose
	// VisibleAt <= now, oldest Seq first, and leases them: Attempts+1,
	// VisibleAt = now + LeaseFor(lease, Attempts), so each redelivery
	// waits twice as long as the one before. Messages whose Attempts
	// already reached maxAttempts are moved to MessageDead instead of being
	// returned (their IDs are in dead, oldest first, for the caller to
	// audit), and the search goes on to fill n; maxAttempts <= 0 means no
	// limit.
	LeaseMessages(mailbox string, now time.Time, lease time.Duration, n, maxAttempts int) (leased []Message, dead []string, err error)
	// AckMessage marks a message of mailbox acked, leased or not, and
	// records at; ErrNotFound if mailbox has no such message, ErrConflict
	// if it is not ready (already acked, held, quarantined or dead).
	AckMessage(mailbox, id string, at time.Time) error
	// AckMessages marks acked, and records at for, those of ids that are
	// ready messages of mailbox, and returns them; the others are left
	// alone (look them up to tell unknown from not ready).
	AckMessages(mailbox string, ids []string, at time.Time) (map[string]bool, error)
	// ReleaseMessages ends the lease of those of ids that are ready
	// messages of mailbox, making them visible again at at (their Attempts
	// stay counted); others, acked ones included, are left alone.
	ReleaseMessages(mailbox string, ids []string, at time.Time) error
	// ListMessages returns messages of mailbox in state, oldest first,
	// without leasing them (at most limit; 0 means no limit).
	ListMessages(mailbox string, state MessageState, limit int) ([]Message, error)
	// SetMessageState moves a message to state with VisibleAt (requeue from
	// dead, release a held or quarantined message); ErrNotFound if absent. Moving a
	// message out of MessageDead resets Attempts to 0, so a requeued
	// message gets maxAttempts fresh deliveries.
	SetMessageState(id string, state MessageState, visibleAt time.Time) error
	// RewriteMessage replaces the sealed Headers and Body and KeyID of a
	// message (key rotation rewrap, shredding); ErrNotFound if absent.
	RewriteMessage(id string, headers, body []byte, keyID uint32) error
	// PutOriginal stores, replacing any, the sealed original of message id
	// when the hub delivers a redacted body (for reviewers only);
	// ErrNotFound if there is no such message. It goes when the message
	// goes.
	PutOriginal(id string, original []byte) error
	// Original returns the sealed original of message id; ErrNotFound if
	// it has none.
	Original(id string) ([]byte, error)
	// DeleteOriginal removes the original of message id; no error if it
	// has none.
	DeleteOriginal(id string) error
	// PurgeAcked deletes up to limit acked messages created before
	// before, oldest first, and returns how many. Messages in any other
	// state stay. Topic publication records are acked messages too.
	PurgeAcked(before time.Time, limit int) (int, error)
	// Usage returns what mailbox holds against its quota.
	Usage(mailbox string) (MailboxUsage, error)
	// DeleteBlob removes a named blob; no error if absent. Used to destroy
	// keysets (crypto-shredding); the store must not keep the old bytes in
	// free pages (SQLite: secure_delete).
	DeleteBlob(name string) error
}
