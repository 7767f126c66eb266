// Package baseline runs the messaging load of `airlock bench messaging`
// against peer brokers — RabbitMQ and NATS JetStream — so Airlock's
// figures can be compared with theirs. It lives outside the airlock binary:
// only cmd/airlock-baseline links the peer client libraries.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airlock-hub/airlock/internal/loadgen"
)

// ErrUnreachable marks a broker that did not answer on its address; the
// command reports the system as skipped.
var ErrUnreachable = errors.New("unreachable")

// Broker is one peer system set up for a run: n durable queues (one per
// receiver), reachable by index.
type Broker interface {
	// NewSender opens a sender with its own connection.
	NewSender(ctx context.Context) (Sender, error)
	// Receive consumes queue i with its own connection, calling deliver
	// for every message, until ctx is done.
	Receive(ctx context.Context, i int, deliver func(sent time.Time, redelivered bool)) error
	// Close deletes the queues and closes the broker's connection.
	Close(ctx context.Context) error
}

// Sender sends durable messages; Send returns once the broker confirmed it.
// It is safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, queue int, body []byte, sent time.Time) error
	Close() error
}

// SentHeader carries a send's start (open loop: due) time in Unix
// nanoseconds, as in internal/bench.
const SentHeader = "x-bench-sent"

// Options shape the load; zero fields take the `airlock bench messaging`
// defaults.
type Options struct {
	Senders, Receivers int
	Size               int           // body bytes; default 1024
	Duration           time.Duration // send phase; default 10s
	InFlight           int           // closed loop, per sender; default 4
	Rate               int           // open loop when positive
	Drain              time.Duration // wait for confirmed messages; default 10s
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Senders, 16)
	def(&o.Receivers, 16)
	def(&o.Size, 1024)
	def(&o.InFlight, 4)
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Drain == 0 {
		o.Drain = 10 * time.Second
	}
}

// Result is one run against one system; the fields mirror bench.Messaging.
type Result struct {
	System      string        `json:"system"`
	Scenario    string        `json:"scenario"` // closed or open
	Senders     int           `json:"senders"`
	Receivers   int           `json:"receivers"`
	Size        int           `json:"size"`
	InFlight    int           `json:"in_flight,omitempty"`
	TargetRate  int           `json:"target_rate,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	Drain       time.Duration `json:"drain_ns"`
	Sent        int64         `json:"sent"`
	SendErrors  int64         `json:"send_errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Dropped     int64         `json:"dropped,omitempty"`
	Delivered   int64         `json:"delivered"`
	Redelivered int64         `json:"redelivered"`
	Undelivered int64         `json:"undelivered"`
	// SendsPerSecond is confirmed sends over the send phase;
	// DeliveriesPerSecond deliveries that arrived inside it.
	SendsPerSecond      float64       `json:"sends_per_second"`
	DeliveriesPerSecond float64       `json:"deliveries_per_second"`
	P50                 time.Duration `json:"p50_ns"`
	P90                 time.Duration `json:"p90_ns"`
	P99                 time.Duration `json:"p99_ns"`
	Max                 time.Duration `json:"max_ns"`
	// Skipped says why the system was not measured.
	Skipped string `json:"skipped,omitempty"`
}

// Run drives one run of o against b: receivers on every queue, senders
// round-robin over the queues, closed loop or (o.Rate > 0) open loop.
func Run(ctx context.Context, system string, b Broker, o Options) (Result, error) {
	o.defaults()
	r := Result{System: system, Scenario: "closed", Senders: o.Senders, Receivers: o.Receivers, Size: o.Size}
	if o.Rate > 0 {
		r.Scenario, r.TargetRate = "open", o.Rate
	} else {
		r.InFlight = o.InFlight
	}
	senders := make([]Sender, 0, o.Senders)
	defer func() {
		for _, s := range senders {
			_ = s.Close()
		}
	}()
	for range o.Senders {
		s, err := b.NewSender(ctx)
		if err != nil {
			return r, fmt.Errorf("open sender: %w", err)
		}
		senders = append(senders, s)
	}
	start := time.Now()
	rec := loadgen.NewReceipts(start, start.Add(o.Duration))
	deliver := func(sent time.Time, redelivered bool) { rec.Add(sent, time.Now(), redelivered) }
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var recvErr atomic.Value
	for i := range o.Receivers {
		wg.Go(func() {
			if err := b.Receive(rctx, i, deliver); err != nil && rctx.Err() == nil {
				recvErr.CompareAndSwap(nil, err)
			}
		})
	}
	var t loadgen.Tally
	body := make([]byte, o.Size)
	if o.Rate > 0 {
		r.Elapsed, r.Dropped = loadgen.OpenLoop(ctx, o.Rate, o.Duration, func(ctx context.Context, i int, due time.Time) error {
			return senders[i%len(senders)].Send(ctx, i%o.Receivers, body, due)
		}, &t)
	} else {
		r.Elapsed = loadgen.ClosedLoop(ctx, len(senders), o.InFlight, o.Duration, func(ctx context.Context, s, seq int) error {
			return senders[s].Send(ctx, seq%o.Receivers, body, time.Now())
		}, &t)
	}
	r.Drain = rec.WaitFor(ctx, t.OK(), o.Drain)
	stop()
	wg.Wait()
	rep := rec.Report(&t, r.Elapsed)
	r.Sent, r.SendErrors, r.FirstError = rep.Sent, rep.SendErrors, rep.FirstError
	r.Delivered, r.Redelivered, r.Undelivered = rep.Delivered, rep.Redelivered, rep.Undelivered
	r.SendsPerSecond, r.DeliveriesPerSecond = rep.SendsPerSecond, rep.DeliveriesPerSecond
	r.P50, r.P90, r.P99, r.Max = rep.P50, rep.P90, rep.P99, rep.Max
	if err, _ := recvErr.Load().(error); err != nil && r.FirstError == "" {
		r.FirstError = "receive: " + err.Error()
	}
	return r, nil
}
