package baseline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// RabbitMQ is the AMQP 0-9-1 baseline: a durable classic queue per
// receiver, persistent messages published to the default exchange in
// confirm mode (a send counts once its confirm arrives), and consumers
// with manual acks.
type RabbitMQ struct {
	url    string
	conn   *amqp.Connection
	queues []string
	// prefetch is each consumer's QoS window.
	prefetch int
}

var _ Broker = (*RabbitMQ)(nil)

// OpenRabbitMQ connects to url and declares n durable queues named after
// run. A connection failure wraps ErrUnreachable.
func OpenRabbitMQ(ctx context.Context, url, run string, n int) (*RabbitMQ, error) {
	conn, err := dialAMQP(url)
	if err != nil {
		return nil, err
	}
	r := &RabbitMQ{url: url, conn: conn, prefetch: 256}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("rabbitmq: channel: %w", err)
	}
	defer ch.Close()
	for i := range n {
		name := fmt.Sprintf("airlock-baseline-%s-%d", run, i)
		if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
			_ = r.Close(ctx)
			return nil, fmt.Errorf("rabbitmq: declare %s: %w", name, err)
		}
		r.queues = append(r.queues, name)
	}
	return r, nil
}

func dialAMQP(url string) (*amqp.Connection, error) {
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) {
			return nil, fmt.Errorf("rabbitmq at %s: %w (%v)", redactURL(url), ErrUnreachable, err)
		}
		return nil, fmt.Errorf("rabbitmq: dial: %w", err)
	}
	return conn, nil
}

// NewSender opens a connection and a channel in confirm mode.
func (r *RabbitMQ) NewSender(ctx context.Context) (Sender, error) {
	conn, err := dialAMQP(r.url)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("rabbitmq: confirm channel: %w", err)
	}
	return &rabbitSender{conn: conn, ch: ch, queues: r.queues}, nil
}

type rabbitSender struct {
	conn   *amqp.Connection
	ch     *amqp.Channel
	queues []string
}

func (s *rabbitSender) Send(ctx context.Context, q int, body []byte, sent time.Time) error {
	dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, "", s.queues[q], false, false, amqp.Publishing{
		Headers:      amqp.Table{SentHeader: sent.UnixNano()},
		ContentType:  "application/octet-stream",
		DeliveryMode: amqp.Persistent,
		Body:         body,
	})
	if err != nil {
		return fmt.Errorf("rabbitmq: publish: %w", err)
	}
	ok, err := dc.WaitContext(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("rabbitmq: confirm: %w", err)
	case !ok:
		return errors.New("rabbitmq: publish nacked")
	}
	return nil
}

func (s *rabbitSender) Close() error { return s.conn.Close() }

// Receive consumes queue i with manual acks, one ack per message.
func (r *RabbitMQ) Receive(ctx context.Context, i int, deliver func(time.Time, bool)) error {
	conn, err := dialAMQP(r.url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: channel: %w", err)
	}
	if err := ch.Qos(r.prefetch, 0, false); err != nil {
		return fmt.Errorf("rabbitmq: qos: %w", err)
	}
	ds, err := ch.ConsumeWithContext(ctx, r.queues[i], "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("rabbitmq: consume: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case d, ok := <-ds:
			if !ok {
				return errors.New("rabbitmq: delivery channel closed")
			}
			if ns, ok := d.Headers[SentHeader].(int64); ok {
				deliver(time.Unix(0, ns), d.Redelivered)
			}
			if err := d.Ack(false); err != nil {
				return fmt.Errorf("rabbitmq: ack: %w", err)
			}
		}
	}
}

// Close deletes the queues and closes the connection; safe to call twice.
func (r *RabbitMQ) Close(context.Context) error {
	if r.conn == nil || r.conn.IsClosed() {
		return nil
	}
	defer r.conn.Close()
	ch, err := r.conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: channel: %w", err)
	}
	defer ch.Close()
	var errs []error
	for _, q := range r.queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			errs = append(errs, fmt.Errorf("rabbitmq: delete %s: %w", q, err))
		}
	}
	return errors.Join(errs...)
}

// redactURL drops the password from an AMQP URL for messages.
func redactURL(u string) string {
	uri, err := amqp.ParseURI(u)
	if err != nil {
		return "(invalid URL)"
	}
	return uri.Host + ":" + strconv.Itoa(uri.Port)
}
