package bench

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airlock-hub/airlock/client"
)

// receipts collects what the receivers got. It is safe for concurrent use.
type receipts struct {
	// start and end are the send phase; deliveries inside it count for
	// the delivery rate.
	start, end time.Time

	delivered, redelivered, inWindow atomic.Int64
	changed                          chan struct{} // signalled on each delivery, buffered 1

	mu      sync.Mutex
	samples []time.Duration
}

// add records the delivery of m at now.
func (r *receipts) add(m client.Message, now time.Time) {
	if m.Attempt > 1 {
		r.redelivered.Add(1)
		return
	}
	ns, err := strconv.ParseInt(m.Headers[SentHeader], 10, 64)
	if err != nil {
		return // not a scenario message
	}
	r.delivered.Add(1)
	if !now.After(r.end) {
		r.inWindow.Add(1)
	}
	r.mu.Lock()
	r.samples = append(r.samples, now.Sub(time.Unix(0, ns)))
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func newReceipts(start, end time.Time) *receipts {
	return &receipts{start: start, end: end, changed: make(chan struct{}, 1)}
}

// waitFor waits until n messages have been delivered, at most limit, and
// returns how long it waited.
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

// report fills r's delivery figures and t's send figures into m.
func (r *receipts) report(m *Messaging, t *tally) {
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
	var l Latency
	summarize(&l, r.samples)
	m.P50, m.P90, m.P99, m.Max = l.P50, l.P90, l.P99, l.Max
}

// consume receives c's messages into rec until ctx is done.
func consume(ctx context.Context, c *client.Client, o MessagingOptions, rec *receipts) {
	if o.Consumer == ConsumeStream {
		_ = c.Receive(ctx, func(_ context.Context, m client.Message) error {
			rec.add(m, time.Now())
			return nil
		})
		return
	}
	for ctx.Err() == nil {
		ms, err := c.Fetch(ctx, o.FetchBatch, time.Second)
		now := time.Now()
		if err != nil && len(ms) == 0 && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond) // e.g. the hub refused: don't spin
		}
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			rec.add(m, now)
			ids = append(ids, m.ID)
		}
		if len(ids) > 0 {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_, _ = c.Ack(actx, ids...)
			cancel()
		}
	}
}
