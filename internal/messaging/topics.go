package messaging

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
)

// Topics fan a published message out to every durable subscription of the
// topic. A subscription is a mailbox, "sub/<topic>/<subscription>", so it
// has its own FIFO order, leases, acks, retries and dead letters, exactly
// like an agent's mailbox. Publish stores one copy per subscription,
// sealed with the topic's keyset ("topic/<name>"), and a bodiless
// publication record (mailbox "topic/<name>", acked) whose ID is the
// envelope's, so that a replayed envelope or a reused message ID is
// refused even if the topic had no subscription.

// Policy actions on topics.
const (
	ActionPublish   = "Publish"
	ActionSubscribe = "Subscribe"
)

// Prefixes of the names topics use.
const (
	topicRecipientPrefix = "topic:" // the signed recipient of a published envelope
	topicOwnerPrefix     = "topic/" // keyset owner, and mailbox of publication records
	subMailboxPrefix     = "sub/"   // subscription mailboxes
)

// MaxTopicName bounds topic, subscription and segment names.
const MaxTopicName = 64

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// CheckTopicName validates a topic, subscription or segment name: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit. The
// error wraps ErrInvalid and names field.
func CheckTopicName(field, name string) error {
	if len(name) > MaxTopicName || !topicNameRE.MatchString(name) {
		return invalid("%s %.80q: want 1 to %d letters, digits, '.', '_' or '-', starting with a letter or digit",
			field, name, MaxTopicName)
	}
	return nil
}

// TopicRecipient is the recipient a publisher signs for topic: "topic:<name>".
func TopicRecipient(topic string) string { return topicRecipientPrefix + topic }

// TopicEntity is the policy resource of a topic.
func TopicEntity(t store.Topic) policy.Entity {
	return policy.Entity{Type: policy.TypeTopic, ID: t.Name, Segment: t.Segment}
}

// SubscriptionMailbox is the mailbox of a subscription: "sub/<topic>/<name>".
func SubscriptionMailbox(topic, subscription string) string {
	return subMailboxPrefix + topic + "/" + subscription
}

// subscriptionOf splits a subscription mailbox; ok is false for others.
func subscriptionOf(mailbox string) (topic, subscription string, ok bool) {
	rest, ok := strings.CutPrefix(mailbox, subMailboxPrefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "/")
}

// copyID is the stored ID of a message's copy in a subscription. Envelope
// IDs are UUIDs and subscription names have no '/', so it is unique.
func copyID(envelopeID, subscription string) string { return envelopeID + "/" + subscription }

// keysetOf returns the keyset owner of a mailbox: the topic's for a
// subscription, the mailbox's own otherwise.
func keysetOf(mailbox string) string {
	if topic, _, ok := subscriptionOf(mailbox); ok {
		return topicOwnerPrefix + topic
	}
	return mailbox
}

// adOf is the associated data of one sealed part of m. A topic copy binds
// its subscription mailbox as well, so a copy moved to another
// subscription does not open.
func adOf(part string, m *store.Message) []byte {
	if _, _, ok := subscriptionOf(m.Mailbox); !ok {
		return sealAD(part, m)
	}
	b := []byte("airlock-topic-v1\x00")
	for _, f := range []string{part, m.ID, m.Sender, m.Recipient, m.Mailbox} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// unsealed returns m's envelope without its sealed parts. A topic copy
// carries the ID its publisher signed, not its stored ID.
func unsealed(m *store.Message) Envelope {
	id := m.ID
	if _, _, ok := subscriptionOf(m.Mailbox); ok {
		id, _, _ = strings.Cut(m.ID, "/")
	}
	return Envelope{ID: id, Sender: m.Sender, Recipient: m.Recipient, Subject: m.Subject,
		ContentType: m.ContentType, Thread: m.Thread, ReplyTo: m.ReplyTo, Created: m.Created}
}

// CreateTopic creates topic name in segment (default "default") and
// audits it as topic.created; store.ErrExists if it exists. The caller
// authorizes it (an administrative action).
func (s *Service) CreateTopic(ctx context.Context, a policy.Actor, name, segment string) (store.Topic, error) {
	if segment == "" {
		segment = policy.DefaultSegment
	}
	if err := CheckTopicName("topic", name); err != nil {
		return store.Topic{}, err
	}
	if err := CheckTopicName("segment", segment); err != nil {
		return store.Topic{}, err
	}
	t := store.Topic{Name: name, Segment: segment, Created: s.now(), CreatedBy: a.ID}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTopic(t); err != nil {
			return err
		}
		_, err := tx.AppendEvent(s.event(a.ID, a.RequestID, "topic.created", store.OutcomeSuccess,
			TopicRecipient(name), "segment "+segment, nil))
		return err
	})
	if err != nil {
		return store.Topic{}, fmt.Errorf("create topic %s: %w", name, err)
	}
	return t, nil
}

// Topics lists every topic by name.
func (s *Service) Topics(ctx context.Context) ([]store.Topic, error) {
	var ts []store.Topic
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		ts, err = tx.Topics()
		return err
	})
	return ts, err
}

// topic looks a topic up; a bad name is ErrInvalid, a missing one
// store.ErrNotFound.
func (s *Service) topic(ctx context.Context, name string) (store.Topic, error) {
	if err := CheckTopicName("topic", name); err != nil {
		return store.Topic{}, err
	}
	var t store.Topic
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		t, err = tx.Topic(name)
		return err
	})
	return t, err
}

// Subscriber is the owner of a subscription, from its mTLS session.
type Subscriber struct {
	ID     string // SPIFFE ID
	Entity policy.Entity
}

// Subscribe authorizes Subscribe on topic and creates subscription name
// for sub, or returns it if sub created it before; it returns the
// subscription's mailbox. A subscription receives the messages published
// after it was created. A name taken by another subscriber is
// store.ErrExists.
func (s *Service) Subscribe(ctx context.Context, a policy.Actor, sub Subscriber, topic, name string) (string, error) {
	t, err := s.topic(ctx, topic)
	if err == nil {
		err = CheckTopicName("subscription", name)
	}
	if err != nil {
		return "", fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	d, err := s.Policy.Authorize(ctx, a, sub.Entity, ActionSubscribe, TopicEntity(t))
	if err != nil {
		return "", fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.Subscription(topic, name)
		switch {
		case err == nil && old.Owner == sub.ID:
			return nil // subscribed before
		case err == nil:
			return store.ErrExists
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if _, err := tx.CreateSubscription(store.Subscription{Topic: topic, Name: name, Owner: sub.ID, Created: s.now()}); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(a.ID, a.RequestID, "topic.subscribed", store.OutcomeSuccess,
			TopicRecipient(topic), "subscription "+name, d.Reasons))
		return err
	})
	if errors.Is(err, store.ErrExists) {
		err = fmt.Errorf("subscription %s belongs to another subscriber: %w", name, err)
	}
	if err != nil {
		return "", fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	return SubscriptionMailbox(topic, name), nil
}

// AuthorizeSubscription checks that sub owns subscription name of topic
// and may still Subscribe to the topic, and returns the subscription's
// mailbox for Fetch, Receive, AckSubscription, DeadLetters and
// RequeueSubscription. Another subscriber's subscription is reported like
// a missing one (store.ErrNotFound).
func (s *Service) AuthorizeSubscription(ctx context.Context, a policy.Actor, sub Subscriber, topic, name string) (string, error) {
	t, err := s.topic(ctx, topic)
	if err == nil {
		err = CheckTopicName("subscription", name)
	}
	if err == nil {
		err = s.Store.View(ctx, func(tx store.Tx) error {
			got, err := tx.Subscription(topic, name)
			if err == nil && got.Owner != sub.ID {
				err = fmt.Errorf("no subscription %s of yours: %w", name, store.ErrNotFound)
			}
			return err
		})
	}
	if err == nil {
		_, err = s.Policy.Authorize(ctx, a, sub.Entity, ActionSubscribe, TopicEntity(t))
	}
	if err != nil {
		return "", fmt.Errorf("read subscription %s of %s: %w", name, topic, err)
	}
	return SubscriptionMailbox(topic, name), nil
}

// AckSubscription acknowledges delivered messages of a subscription
// mailbox by the IDs their publishers gave them (Delivery.Envelope.ID);
// otherwise it is Ack.
func (s *Service) AckSubscription(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	rows, err := copyIDs(mailbox, ids)
	if err != nil {
		return 0, err
	}
	return s.ack(ctx, a, mailbox, rows)
}

// RequeueSubscription moves dead-lettered messages of a subscription
// mailbox back to it by the IDs their publishers gave them
// (Delivery.Envelope.ID); otherwise it is Requeue: all or nothing, audited
// as message.requeued.
func (s *Service) RequeueSubscription(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error) {
	rows, err := copyIDs(mailbox, ids)
	if err != nil {
		return 0, err
	}
	return s.requeue(ctx, a, mailbox, rows)
}

// copyIDs checks a batch of envelope IDs and returns the stored IDs of
// their copies in subscription mailbox.
func copyIDs(mailbox string, ids []string) ([]string, error) {
	_, name, ok := subscriptionOf(mailbox)
	if !ok {
		return nil, invalid("%s is not a subscription", mailbox)
	}
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	rows := make([]string, len(ids))
	for i, id := range ids {
		rows[i] = copyID(id, name)
	}
	return rows, nil
}

// Publication is what Publish reports.
type Publication struct {
	ID string
	// Subscriptions is how many subscriptions got a copy.
	Subscriptions int
	// Duplicate is true when a publish with the same idempotency key was
	// accepted earlier; ID is that message's and nothing new was stored.
	Duplicate bool
}

// Publish accepts an envelope signed by from for topic and stores one
// sealed copy in every subscription the topic has, in one transaction.
//
// As with Send, the hub sets e.Sender, e.Recipient ("topic:<name>", see
// TopicRecipient) and e.Created, validates the envelope, verifies sig,
// and authorizes Publish on the topic; an action that needs approval is
// refused. A retry with the same idempotency key within 24h returns the
// first ID with Duplicate set; any other reuse of a message ID fails with
// ErrDuplicate; a subscription over quota fails the whole publish with
// ErrQuota. The publish commits with its message.published audit event.
func (s *Service) Publish(ctx context.Context, a policy.Actor, from Sender, topic string, e Envelope, sig []byte, idempotencyKey string) (Publication, error) {
	e.Sender, e.Recipient, e.Created = from.ID, TopicRecipient(topic), s.now()
	to := Recipient{ID: e.Recipient}
	t, err := s.topic(ctx, topic)
	if errors.Is(err, ErrInvalid) {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID, err)
	}
	if err != nil {
		return Publication{}, fmt.Errorf("publish to %s: %w", topic, err)
	}
	if err := s.checkSend(from, e, sig, idempotencyKey); err != nil {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID, err)
	}
	// Topics have no per-copy quarantine: content that screening would
	// hold for a human is refused, never fanned out unscreened.
	res, err := s.screenMessage(ctx, e, t.Segment)
	if err != nil {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID, err)
	}
	if res.Verdict == screen.Reject || res.Verdict == screen.Quarantine {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID,
			fmt.Errorf("%w: %s (verdict %s; publish to a topic needs clean content)", ErrRejected, res.Reason, res.Verdict))
	}
	if res.Redacted != nil {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID, fmt.Errorf("%w: the message contains secrets", ErrRejected))
	}
	d, err := s.Policy.AuthorizeWith(ctx, a, from.Entity, ActionPublish, TopicEntity(t), screenAttrs(res))
	if err != nil {
		return Publication{}, fmt.Errorf("publish to %s: %w", topic, err)
	}
	labels := labelsOf(res).encode()
	record := s.newMessage(topicOwnerPrefix+topic, from, e, sig, idempotencyKey, store.MessageAcked)
	record.Size = 0        // the body is in the copies
	record.Labels = labels // every copy carries them
	p, subs, err := s.publish(ctx, a, &record, e, d.Reasons)
	if err != nil {
		return Publication{}, s.publishRejected(ctx, a, from, to, e.ID, err)
	}
	if !p.Duplicate {
		for _, sub := range subs {
			s.notifier().Notify(SubscriptionMailbox(topic, sub))
		}
	}
	return p, nil
}

// publish seals copies for the topic's subscriptions outside the write
// transaction, then commits them. Should a subscription appear in
// between, it seals for it too and tries again, so every subscription
// that exists when the publish commits gets a copy.
func (s *Service) publish(ctx context.Context, a policy.Actor, record *store.Message, e Envelope, reasons []string) (Publication, []string, error) {
	topic := strings.TrimPrefix(record.Mailbox, topicOwnerPrefix)
	copies := map[string]store.Message{}
	for range 5 {
		var subs []store.Subscription
		err := s.Store.View(ctx, func(tx store.Tx) (err error) {
			subs, err = tx.Subscriptions(topic)
			return err
		})
		if err != nil {
			return Publication{}, nil, err
		}
		for _, sub := range subs {
			if _, ok := copies[sub.Name]; ok {
				continue
			}
			m, err := s.sealCopy(ctx, record, sub.Name, e)
			if err != nil {
				return Publication{}, nil, fmt.Errorf("seal: %w", err)
			}
			copies[sub.Name] = m
		}
		p, names, err := s.commitPublication(ctx, a, record, copies, reasons)
		if !errors.Is(err, errNewSubscription) {
			return p, names, err
		}
	}
	return Publication{}, nil, fmt.Errorf("publish to %s: subscriptions keep changing; try again", topic)
}

// errNewSubscription makes commitPublication's caller seal for a
// subscription that appeared after it looked.
var errNewSubscription = errors.New("a subscription appeared")

// sealCopy returns record's copy for subscription, sealed with the
// topic's keyset.
func (s *Service) sealCopy(ctx context.Context, record *store.Message, subscription string, e Envelope) (store.Message, error) {
	m := *record
	m.ID = copyID(record.ID, subscription)
	m.Mailbox = SubscriptionMailbox(strings.TrimPrefix(record.Mailbox, topicOwnerPrefix), subscription)
	m.Size, m.State, m.Idempotency = int64(len(e.Body)), store.MessageReady, ""
	if err := s.seal(ctx, keysetOf(m.Mailbox), &m, e); err != nil {
		return store.Message{}, err
	}
	return m, nil
}

// commitPublication stores the publication record and the copies, unless
// the record is a duplicate, with the message.published event. It fails
// with errNewSubscription if the topic has a subscription copies lacks.
func (s *Service) commitPublication(ctx context.Context, a policy.Actor, record *store.Message, copies map[string]store.Message, reasons []string) (Publication, []string, error) {
	var p Publication
	var names []string
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		p, names = Publication{}, nil
		if dup, err := s.admitPublication(tx, record, &p); err != nil || dup {
			return err
		}
		subs, err := tx.Subscriptions(strings.TrimPrefix(record.Mailbox, topicOwnerPrefix))
		if err != nil {
			return err
		}
		if _, err := tx.PutMessage(*record); err != nil {
			return duplicateID(record.ID, err)
		}
		for _, sub := range subs {
			m, ok := copies[sub.Name]
			if !ok {
				return errNewSubscription
			}
			if err := s.checkQuota(tx, &m); err != nil {
				return err
			}
			if _, err := tx.PutMessage(m); err != nil {
				return duplicateID(record.ID, err)
			}
			names = append(names, sub.Name)
		}
		_, err = tx.AppendEvent(s.event(record.Sender, a.RequestID, "message.published", store.OutcomeSuccess,
			record.Recipient, fmt.Sprintf("message %s to %d subscriptions", record.ID, len(names)), reasons))
		p = Publication{ID: record.ID, Subscriptions: len(names)}
		return err
	})
	return p, names, err
}

// admitPublication finds an earlier publication with record's
// idempotency key (dup), or fails if record's ID was used before.
func (s *Service) admitPublication(tx store.Tx, record *store.Message, p *Publication) (dup bool, err error) {
	if record.Idempotency != "" {
		first, err := tx.MessageByIdempotency(record.Sender, record.Idempotency, record.Created.Add(-IdempotencyWindow))
		switch {
		case err == nil && first.Mailbox == record.Mailbox:
			n, err := tx.Subscriptions(strings.TrimPrefix(record.Mailbox, topicOwnerPrefix))
			*p = Publication{ID: first.ID, Subscriptions: len(n), Duplicate: true}
			return true, err
		case err == nil:
			return false, invalid("idempotency key %.64q was used for a message to %s", record.Idempotency, first.Recipient)
		case !errors.Is(err, store.ErrNotFound):
			return false, err
		}
	}
	if _, err := tx.Message(record.ID); err == nil {
		return false, fmt.Errorf("%w: message ID %s was already used", ErrDuplicate, record.ID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	return false, nil
}

// checkQuota fails with ErrQuota if m does not fit in its mailbox.
func (s *Service) checkQuota(tx store.Tx, m *store.Message) error {
	u, err := tx.Usage(m.Mailbox)
	if err != nil {
		return err
	}
	maxN, maxB := orDefault(s.QuotaMessages, DefaultQuotaMessages), orDefault(s.QuotaBytes, DefaultQuotaBytes)
	if u.Messages+1 > maxN || u.Bytes+m.Size > maxB {
		return fmt.Errorf("%w: %s holds %d messages (%d bytes); the limit is %d messages (%d bytes) until its subscriber acknowledges some",
			ErrQuota, m.Mailbox, u.Messages, u.Bytes, maxN, maxB)
	}
	return nil
}

func duplicateID(id string, err error) error {
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("%w: message ID %s was already used", ErrDuplicate, id)
	}
	return err
}

// publishRejected audits a refused publish as message.rejected and
// returns err; store outages are not audited.
func (s *Service) publishRejected(ctx context.Context, a policy.Actor, from Sender, to Recipient, id string, err error) error {
	for _, audited := range []error{ErrInvalid, ErrBadSignature, ErrDuplicate, ErrQuota, ErrRejected, ErrOverloaded} {
		if errors.Is(err, audited) {
			detail := fmt.Sprintf("message %.64q: %v", id, err)
			_ = s.record(ctx, s.event(from.ID, a.RequestID, "message.rejected", store.OutcomeFailure, to.ID, detail, nil))
			break
		}
	}
	return fmt.Errorf("publish to %s: %w", strings.TrimPrefix(to.ID, topicRecipientPrefix), err)
}
