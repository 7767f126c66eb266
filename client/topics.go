package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// Topic is a named channel that fans messages out to its subscriptions.
type Topic struct {
	Name      string
	Segment   string // the policy segment; agents of it may publish and subscribe by default
	Created   time.Time
	CreatedBy string // SPIFFE ID
}

func topicOf(t *airlockv1.Topic) Topic {
	out := Topic{Name: t.GetName(), Segment: t.GetSegment(), CreatedBy: t.GetCreatedBy()}
	if t.GetCreatedAt() != nil {
		out.Created = t.GetCreatedAt().AsTime()
	}
	return out
}

// CreateTopic creates a topic in segment ("" for "default"). It needs
// ManageAgents on the hub (an administrator).
func (c *Client) CreateTopic(ctx context.Context, name, segment string) (Topic, error) {
	resp, err := c.Topics.CreateTopic(ctx, connect.NewRequest(&airlockv1.CreateTopicRequest{Name: name, Segment: segment}))
	if err != nil {
		return Topic{}, fmt.Errorf("create topic: %w", err)
	}
	return topicOf(resp.Msg.GetTopic()), nil
}

// ListTopics lists every topic by name (ManageAgents on the hub).
func (c *Client) ListTopics(ctx context.Context) ([]Topic, error) {
	resp, err := c.Topics.ListTopics(ctx, connect.NewRequest(&airlockv1.ListTopicsRequest{}))
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out := make([]Topic, 0, len(resp.Msg.GetTopics()))
	for _, t := range resp.Msg.GetTopics() {
		out = append(out, topicOf(t))
	}
	return out, nil
}

// NewPublishRequest builds and signs the request that publishes o to
// topic: a new UUIDv7 message ID, and a signature over the canonical
// envelope whose recipient is "topic:<topic>". o.To is ignored.
func (c *Client) NewPublishRequest(topic string, o SendOptions) (*airlockv1.PublishRequest, error) {
	if topic == "" {
		return nil, errors.New("no topic")
	}
	me := c.Current()
	id, err := messaging.NewID()
	if err != nil {
		return nil, err
	}
	e := messaging.Envelope{ID: id, Sender: me.ID.String(), Recipient: messaging.TopicRecipient(topic), Subject: o.Subject,
		ContentType: o.ContentType, Thread: o.Thread, ReplyTo: o.ReplyTo, Headers: o.Headers, Body: o.Body}
	sig, err := messaging.Sign(me.Key, e)
	if err != nil {
		return nil, err
	}
	return &airlockv1.PublishRequest{Id: id, Topic: topic, Subject: o.Subject, ContentType: o.ContentType,
		Thread: o.Thread, ReplyTo: o.ReplyTo, Headers: o.Headers, Body: o.Body,
		IdempotencyKey: o.IdempotencyKey, Signature: sig}, nil
}

// Publish signs o and publishes it to topic: every subscription of the
// topic gets a copy. It returns the message ID and how many subscriptions
// got it. A retry with the same IdempotencyKey returns the first ID.
func (c *Client) Publish(ctx context.Context, topic string, o SendOptions) (id string, subscriptions int, err error) {
	req, err := c.NewPublishRequest(topic, o)
	if err != nil {
		return "", 0, fmt.Errorf("publish: %w", err)
	}
	resp, err := c.Topics.Publish(ctx, connect.NewRequest(req))
	if err != nil {
		return "", 0, fmt.Errorf("publish: %w", err)
	}
	return resp.Msg.GetId(), int(resp.Msg.GetSubscriptions()), nil
}

// Subscribe creates the durable subscription named subscription of topic,
// owned by this client, or finds the one it created before. It receives
// the messages published from then on.
func (c *Client) Subscribe(ctx context.Context, topic, subscription string) error {
	req := &airlockv1.SubscribeRequest{Topic: topic, Subscription: subscription}
	if _, err := c.Topics.Subscribe(ctx, connect.NewRequest(req)); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	return nil
}

// FetchSubscription leases up to limit messages (0: the hub's default) of
// one of this client's subscriptions, waiting up to wait for one. As with
// Fetch, each must be acknowledged (AckSubscription) before its lease
// ends, and only messages that verify and were signed for the topic are
// returned; the others are reported in an error wrapping ErrUnverified.
func (c *Client) FetchSubscription(ctx context.Context, topic, subscription string, limit int, wait time.Duration) ([]Message, error) {
	req := &airlockv1.FetchSubscriptionRequest{Topic: topic, Subscription: subscription,
		Limit: int32(min(max(limit, 0), math.MaxInt32)), WaitSeconds: waitSeconds(wait)}
	resp, err := c.Topics.Fetch(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, fmt.Errorf("fetch subscription: %w", err)
	}
	ms := make([]Message, 0, len(resp.Msg.GetDeliveries()))
	var errs []error
	for _, d := range resp.Msg.GetDeliveries() {
		m, err := c.verifyFor(d, messaging.TopicRecipient(topic))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms = append(ms, m)
	}
	return ms, errors.Join(errs...)
}

// AckSubscription acknowledges delivered messages of one of this client's
// subscriptions by ID and returns how many the hub acknowledged.
func (c *Client) AckSubscription(ctx context.Context, topic, subscription string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	req := &airlockv1.AckSubscriptionRequest{Topic: topic, Subscription: subscription, Ids: ids}
	resp, err := c.Topics.Ack(ctx, connect.NewRequest(req))
	if err != nil {
		return 0, fmt.Errorf("ack subscription: %w", err)
	}
	return int(resp.Msg.GetAcked()), nil
}

// SubscriptionDeadLetters lists up to limit (0: the hub's default)
// messages of the dead-letter queue of one of this client's
// subscriptions: those delivered messaging.max_attempts times without an
// ack. As with DeadLetters, an entry that does not verify, or was not
// signed for the topic, carries Err and must not be trusted.
func (c *Client) SubscriptionDeadLetters(ctx context.Context, topic, subscription string, limit int) ([]DeadLetter, error) {
	req := &airlockv1.ListSubscriptionDeadLettersRequest{Topic: topic, Subscription: subscription,
		Limit: int32(min(max(limit, 0), math.MaxInt32))}
	resp, err := c.Topics.ListDeadLetters(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, fmt.Errorf("list subscription dead letters: %w", err)
	}
	verify := func(d *airlockv1.Delivery) (Message, error) { return c.verifyFor(d, messaging.TopicRecipient(topic)) }
	return deadLetters(resp.Msg.GetDeliveries(), verify), nil
}

// RequeueSubscription moves dead-lettered messages of one of this
// client's subscriptions back to it, by ID, with a fresh set of delivery
// attempts, and returns how many moved. It is all or nothing: an ID that
// is not a message of the subscription fails the call (NotFound), one that
// is not dead-lettered too (FailedPrecondition), and nothing moves.
func (c *Client) RequeueSubscription(ctx context.Context, topic, subscription string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	req := &airlockv1.RequeueSubscriptionRequest{Topic: topic, Subscription: subscription, Ids: ids}
	resp, err := c.Topics.Requeue(ctx, connect.NewRequest(req))
	if err != nil {
		return 0, fmt.Errorf("requeue subscription: %w", err)
	}
	return int(resp.Msg.GetRequeued()), nil
}

// verifyFor is VerifyDelivery for messages signed for recipient, so that a
// message signed for someone else cannot be passed off as one for it.
func (c *Client) verifyFor(d *airlockv1.Delivery, recipient string) (Message, error) {
	m, err := c.VerifyDelivery(d)
	if err != nil {
		return Message{}, err
	}
	if m.To != recipient {
		return Message{}, fmt.Errorf("%w: message %.80q was signed for %.200q, not for %s", ErrUnverified, m.ID, m.To, recipient)
	}
	return m, nil
}
