package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// Receive streams the messages of this client's mailbox to handler, one at
// a time, as the hub commits them, until ctx is done (it then returns
// ctx's error) or the hub refuses the stream for good (permission denied,
// unauthenticated, invalid argument, not implemented).
//
// Delivery is at least once. A message is acknowledged only after handler
// returns nil for it; if handler fails, or the process stops before the
// ack reaches the hub, the hub delivers the message again once its lease
// ends, with Message.Attempt one higher, and dead-letters it after too
// many attempts. Handlers should therefore be idempotent, e.g. by
// remembering the IDs they have processed.
//
// Only verified messages reach handler (see VerifyDelivery). A delivery
// that does not verify is logged and not acknowledged, so it ends in the
// dead-letter queue. When the stream drops, Receive reconnects with
// exponential backoff and resumes: unacknowledged messages come again.
func (c *Client) Receive(ctx context.Context, handler func(context.Context, Message) error) error {
	return c.receive(ctx, receiver{
		open: func(ctx context.Context) (*connect.ServerStreamForClient[airlockv1.ReceiveResponse], error) {
			return c.Messaging.Receive(ctx, connect.NewRequest(&airlockv1.ReceiveRequest{}))
		},
		verify: c.verifyMine,
		ack: func(ctx context.Context, id string) error {
			_, err := c.Ack(ctx, id)
			return err
		},
	}, handler)
}

// ReceiveSubscription is Receive for one of this client's topic
// subscriptions, with the same at-least-once delivery: a message is
// acknowledged only after handler returns nil for it.
func (c *Client) ReceiveSubscription(ctx context.Context, topic, subscription string, handler func(context.Context, Message) error) error {
	return c.receive(ctx, receiver{
		open: func(ctx context.Context) (*connect.ServerStreamForClient[airlockv1.ReceiveResponse], error) {
			return c.Topics.Receive(ctx, connect.NewRequest(&airlockv1.ReceiveSubscriptionRequest{Topic: topic, Subscription: subscription}))
		},
		verify: func(d *airlockv1.Delivery) (Message, error) { return c.verifyFor(d, messaging.TopicRecipient(topic)) },
		ack: func(ctx context.Context, id string) error {
			_, err := c.AckSubscription(ctx, topic, subscription, id)
			return err
		},
	}, handler)
}

// receiver is what differs between receiving a mailbox and a subscription.
type receiver struct {
	open   func(context.Context) (*connect.ServerStreamForClient[airlockv1.ReceiveResponse], error)
	verify func(*airlockv1.Delivery) (Message, error)
	ack    func(context.Context, string) error
}

// receive runs streams opened by r until ctx ends or the hub refuses for
// good, reconnecting with backoff.
func (c *Client) receive(ctx context.Context, r receiver, handler func(context.Context, Message) error) error {
	log := c.opts.Log.With("component", "messaging")
	var b backoff
	for {
		got, err := c.receiveStream(ctx, r, handler)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if permanent(err) {
			return fmt.Errorf("receive: %w", err)
		}
		if got {
			b.reset()
		}
		wait := b.next()
		log.Warn("message stream ended; reconnecting", "error", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// receiveStream handles the messages of one stream until it ends, and
// reports whether any arrived.
func (c *Client) receiveStream(ctx context.Context, r receiver, handler func(context.Context, Message) error) (got bool, err error) {
	stream, err := r.open(ctx)
	if err != nil {
		return false, err
	}
	defer stream.Close()
	for stream.Receive() {
		got = true
		c.handle(ctx, r, stream.Msg().GetDelivery(), handler)
	}
	return got, stream.Err()
}

// handle verifies d, passes it to handler and acks it if handler succeeds.
func (c *Client) handle(ctx context.Context, r receiver, d *airlockv1.Delivery, handler func(context.Context, Message) error) {
	log := c.opts.Log.With("component", "messaging")
	m, err := r.verify(d)
	if err != nil {
		log.Warn("dropped a message that does not verify; it is not acknowledged", "error", err)
		return
	}
	if err := handler(ctx, m); err != nil {
		log.Info("message handler failed; the hub will deliver the message again after its lease",
			"id", m.ID, "attempt", m.Attempt, "error", err)
		return
	}
	// The handler is done: ack even if ctx was canceled meanwhile, so that
	// a shutdown does not cause a needless redelivery.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.ack(actx, m.ID); err != nil {
		log.Warn("ack failed; the hub will deliver the message again after its lease", "id", m.ID, "error", err)
	}
}

// permanent reports whether a stream error will not go away by
// reconnecting.
func permanent(err error) bool {
	if err == nil {
		return false
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Code() {
	case connect.CodeUnauthenticated, connect.CodePermissionDenied, connect.CodeInvalidArgument,
		connect.CodeUnimplemented, connect.CodeFailedPrecondition, connect.CodeNotFound:
		return true
	}
	return false
}

// backoff yields exponentially growing waits with jitter, from
// minBackoff up to maxBackoff.
type backoff struct{ n int }

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

func (b *backoff) reset() { b.n = 0 }

// next returns a wait in [d/2, d), where d doubles with each call.
func (b *backoff) next() time.Duration {
	d := maxBackoff
	if b.n < 20 {
		d = min(minBackoff<<b.n, maxBackoff)
	}
	b.n++
	return d/2 + rand.N(d/2)
}
