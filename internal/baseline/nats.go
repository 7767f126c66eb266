package baseline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is the JetStream baseline: one stream with file storage, a subject
// per receiver, a durable pull consumer with explicit acks per receiver,
// and publishes that wait for the stream's ack.
type NATS struct {
	url      string
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   string
	subjects []string
	batch    int // pull batch size
}

var _ Broker = (*NATS)(nil)

// OpenNATS connects to url and creates a file-storage stream and n durable
// consumers named after run. A connection failure wraps ErrUnreachable.
func OpenNATS(ctx context.Context, url, run string, n int) (*NATS, error) {
	nc, js, err := dialNATS(url)
	if err != nil {
		return nil, err
	}
	b := &NATS{url: url, nc: nc, js: js, stream: "AIRLOCK_BASELINE_" + run, batch: 256}
	prefix := "airlock-baseline." + run
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: b.stream, Subjects: []string{prefix + ".>"}, Storage: jetstream.FileStorage,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: create stream (is JetStream enabled?): %w", err)
	}
	for i := range n {
		subj := prefix + "." + strconv.Itoa(i)
		if _, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable: "r" + strconv.Itoa(i), FilterSubject: subj, AckPolicy: jetstream.AckExplicitPolicy,
		}); err != nil {
			_ = b.Close(ctx)
			return nil, fmt.Errorf("nats: create consumer %d: %w", i, err)
		}
		b.subjects = append(b.subjects, subj)
	}
	return b, nil
}

func dialNATS(url string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.MaxReconnects(0))
	if err != nil {
		if errors.Is(err, nats.ErrNoServers) {
			return nil, nil, fmt.Errorf("nats at %s: %w (%v)", url, ErrUnreachable, err)
		}
		return nil, nil, fmt.Errorf("nats: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	return nc, js, nil
}

// NewSender opens its own connection.
func (b *NATS) NewSender(context.Context) (Sender, error) {
	nc, js, err := dialNATS(b.url)
	if err != nil {
		return nil, err
	}
	return &natsSender{nc: nc, js: js, subjects: b.subjects}, nil
}

type natsSender struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	subjects []string
}

func (s *natsSender) Send(ctx context.Context, q int, body []byte, sent time.Time) error {
	m := nats.NewMsg(s.subjects[q])
	m.Header.Set(SentHeader, strconv.FormatInt(sent.UnixNano(), 10))
	m.Data = body
	if _, err := s.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("nats: publish: %w", err)
	}
	return nil
}

func (s *natsSender) Close() error {
	s.nc.Close()
	return nil
}

// Receive pulls from consumer i on its own connection and acks each
// message.
func (b *NATS) Receive(ctx context.Context, i int, deliver func(time.Time, bool)) error {
	nc, js, err := dialNATS(b.url)
	if err != nil {
		return err
	}
	defer nc.Close()
	c, err := js.Consumer(ctx, b.stream, "r"+strconv.Itoa(i))
	if err != nil {
		return fmt.Errorf("nats: consumer %d: %w", i, err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		if ns, err := strconv.ParseInt(m.Headers().Get(SentHeader), 10, 64); err == nil {
			redelivered := false
			if md, err := m.Metadata(); err == nil {
				redelivered = md.NumDelivered > 1
			}
			deliver(time.Unix(0, ns), redelivered)
		}
		_ = m.Ack()
	}, jetstream.PullMaxMessages(b.batch))
	if err != nil {
		return fmt.Errorf("nats: consume %d: %w", i, err)
	}
	<-ctx.Done()
	cc.Drain()
	<-cc.Closed()
	return nil
}

// Close deletes the stream (and its consumers) and closes the connection;
// safe to call twice.
func (b *NATS) Close(ctx context.Context) error {
	if b.nc == nil || b.nc.IsClosed() {
		return nil
	}
	defer b.nc.Close()
	if err := b.js.DeleteStream(ctx, b.stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("nats: delete stream %s: %w", b.stream, err)
	}
	return nil
}
