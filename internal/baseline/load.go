// Package baseline runs the messaging load of `airlock bench messaging`
// against peer brokers — RabbitMQ and NATS JetStream — so Airlock's
// figures can be compared with theirs. It lives outside the airlock binary:
// only cmd/airlock-baseline links the peer client libraries.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
	rec := &receipts{start: start, end: start.Add(o.Duration), changed: make(chan struct{}, 1)}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var recvErr atomic.Value
	for i := range o.Receivers {
		wg.Go(func() {
			if err := b.Receive(rctx, i, rec.add); err != nil && rctx.Err() == nil {
				recvErr.CompareAndSwap(nil, err)
			}
		})
	}
	var t tally
	body := make([]byte, o.Size)
	if o.Rate > 0 {
		r.Elapsed, r.Dropped = openLoop(ctx, senders, o, body, &t)
	} else {
		r.Elapsed = closedLoop(ctx, senders, o, body, &t)
	}
	r.Drain = rec.waitFor(ctx, t.ok.Load(), o.Drain)
	stop()
	wg.Wait()
	rec.report(&r, &t)
	if err, _ := recvErr.Load().(error); err != nil && r.FirstError == "" {
		r.FirstError = "receive: " + err.Error()
	}
	return r, nil
}

func closedLoop(ctx context.Context, senders []Sender, o Options, body []byte, t *tally) time.Duration {
	deadline := time.Now().Add(o.Duration)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, s := range senders {
		for range o.InFlight {
			wg.Go(func() {
				for ctx.Err() == nil && time.Now().Before(deadline) {
					q := int(next.Add(1)) % o.Receivers
					t.record(s.Send(ctx, q, body, time.Now()))
				}
			})
		}
	}
	wg.Wait()
	return time.Since(start)
}

// openLoop starts o.Rate sends per second, each in its own goroutine; a
// send due while a second's worth is outstanding is dropped, as in
// internal/bench.
func openLoop(ctx context.Context, senders []Sender, o Options, body []byte, t *tally) (time.Duration, int64) {
	total := max(int(float64(o.Rate)*o.Duration.Seconds()), 1)
	slots := make(chan struct{}, o.Rate)
	var dropped int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(o.Rate))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			dropped++
			continue
		}
		wg.Go(func() {
			t.record(senders[i%len(senders)].Send(ctx, i%o.Receivers, body, due))
			<-slots
		})
	}
	wg.Wait()
	return time.Since(start), dropped
}

// tally counts sends.
type tally struct {
	ok, failed atomic.Int64
	once       sync.Once
	first      string
}

func (t *tally) record(err error) {
	if err == nil {
		t.ok.Add(1)
		return
	}
	t.failed.Add(1)
	t.once.Do(func() { t.first = err.Error() })
}

// receipts collects deliveries; safe for concurrent use.
type receipts struct {
	start, end                       time.Time
	delivered, redelivered, inWindow atomic.Int64
	changed                          chan struct{}
	mu                               sync.Mutex
	samples                          []time.Duration
}

func (r *receipts) add(sent time.Time, redelivered bool) {
	now := time.Now()
	if redelivered {
		r.redelivered.Add(1)
		return
	}
	r.delivered.Add(1)
	if !now.After(r.end) {
		r.inWindow.Add(1)
	}
	r.mu.Lock()
	r.samples = append(r.samples, now.Sub(sent))
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *receipts) waitFor(ctx context.Context, n int64, limit time.Duration) time.Duration {
	start := time.Now()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for r.delivered.Load() < n {
		select {
		case <-r.changed:
		case <-deadline.C:
			return time.Since(start)
		case <-ctx.Done():
			return time.Since(start)
		}
	}
	return time.Since(start)
}

func (r *receipts) report(m *Result, t *tally) {
	m.Sent, m.SendErrors, m.FirstError = t.ok.Load(), t.failed.Load(), t.first
	m.Delivered, m.Redelivered = r.delivered.Load(), r.redelivered.Load()
	m.Undelivered = max(m.Sent-m.Delivered, 0)
	if m.Elapsed > 0 {
		m.SendsPerSecond = float64(m.Sent) / m.Elapsed.Seconds()
	}
	if w := r.end.Sub(r.start); w > 0 {
		m.DeliveriesPerSecond = float64(r.inWindow.Load()) / w.Seconds()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := slices.Clone(r.samples)
	slices.Sort(s)
	m.P50, m.P90, m.P99 = quantile(s, 0.50), quantile(s, 0.90), quantile(s, 0.99)
	if len(s) > 0 {
		m.Max = s[len(s)-1]
	}
}

// quantile is the q-quantile of sorted s (nearest rank), 0 when empty.
func quantile(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(int(q*float64(len(s))), len(s)-1)]
}
