package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// returns nil for it (in the background, batched with the acks of the
// messages after it, and always before Receive returns); if handler
// fails, or the process stops before the ack reaches the hub, the hub delivers the message again once its lease
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
		ack: func(ctx context.Context, ids ...string) error {
			_, err := c.Ack(ctx, ids...)
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
		ack: func(ctx context.Context, ids ...string) error {
			_, err := c.AckSubscription(ctx, topic, subscription, ids...)
			return err
		},
	}, handler)
}

// receiver is what differs between receiving a mailbox and a subscription.
type receiver struct {
	open   func(context.Context) (*connect.ServerStreamForClient[airlockv1.ReceiveResponse], error)
	verify func(*airlockv1.Delivery) (Message, error)
	ack    func(context.Context, ...string) error
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
	acks := c.startAcker(ctx, r.ack)
	defer acks.close() // every handled message is acked before Receive returns
	for stream.Receive() {
		got = true
		c.handle(ctx, r, acks, stream.Msg().GetDelivery(), handler)
	}
	return got, stream.Err()
}

// handle verifies d, passes it to handler and, if handler succeeds, queues
// it to be acked.
func (c *Client) handle(ctx context.Context, r receiver, acks *acker, d *airlockv1.Delivery, handler func(context.Context, Message) error) {
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
	acks.ids <- m.ID
}

// Acks of a stream's messages are sent in the background, in batches:
// the next message does not wait for the previous one's ack (a round
// trip and a commit on the hub), and acks that queue up while one is in
// flight go in one call. A message is still acked only after its handler
// succeeded, and every queued ack is sent before the stream's Receive
// returns.
const (
	maxAckBatch = 256  // IDs in one ack call
	ackQueue    = 1024 // handled messages waiting to be acked
	ackTimeout  = 10 * time.Second
)

// acker sends the IDs queued on ids to the hub.
type acker struct {
	ctx  context.Context // values only: acks outlive a canceled stream
	ack  func(context.Context, ...string) error
	ids  chan string
	done chan struct{}
	log  *slog.Logger
}

func (c *Client) startAcker(ctx context.Context, ack func(context.Context, ...string) error) *acker {
	a := &acker{ctx: context.WithoutCancel(ctx), ack: ack, ids: make(chan string, ackQueue),
		done: make(chan struct{}), log: c.opts.Log.With("component", "messaging")}
	go a.run()
	return a
}

// run sends what is queued, up to maxAckBatch IDs a call, until ids is
// closed and empty.
func (a *acker) run() {
	defer close(a.done)
	batch := make([]string, 0, maxAckBatch)
	for id := range a.ids {
		batch = append(batch[:0], id)
	fill:
		for len(batch) < maxAckBatch {
			select {
			case id, ok := <-a.ids:
				if !ok {
					break fill
				}
				batch = append(batch, id)
			default:
				break fill
			}
		}
		a.send(batch)
	}
}

// send acks ids in one call. An ack is all or nothing on the hub, so if
// the hub refuses the call each ID is acked alone: one message that
// cannot be acked (dead-lettered after its lease ran out, say) does not
// make the others be delivered again. Other failures (the hub is
// unreachable, the call timed out) are not retried: the messages come
// again after their lease.
func (a *acker) send(ids []string) {
	err := a.call(ids...)
	if err == nil || len(ids) == 1 {
		return
	}
	switch connect.CodeOf(err) {
	case connect.CodeFailedPrecondition, connect.CodeNotFound, connect.CodeInvalidArgument:
		for _, id := range ids {
			_ = a.call(id)
		}
	default:
		a.log.Warn("ack failed; the hub will deliver the messages again after their lease", "count", len(ids), "error", err)
	}
}

func (a *acker) call(ids ...string) error {
	ctx, cancel := context.WithTimeout(a.ctx, ackTimeout)
	defer cancel()
	err := a.ack(ctx, ids...)
	if err != nil && len(ids) == 1 {
		a.log.Warn("ack failed; the hub will deliver the message again after its lease", "id", ids[0], "error", err)
	}
	return err
}

// close sends what is still queued and waits until it has been sent.
func (a *acker) close() {
	close(a.ids)
	<-a.done
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
