package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Receipts collects what receivers got during a messaging run. Safe for
// concurrent use.
type Receipts struct {
	// start and end are the send phase; deliveries inside it count for
	// the delivery rate.
	start, end time.Time

	delivered, redelivered, inWindow atomic.Int64
	changed                          chan struct{} // signalled on each delivery, buffered 1

	mu      sync.Mutex
	samples []time.Duration
}

// NewReceipts returns receipts for a send phase from start to end.
func NewReceipts(start, end time.Time) *Receipts {
	return &Receipts{start: start, end: end, changed: make(chan struct{}, 1)}
}

// Add records a delivery, at now, of a message sent at sent; a
// redelivery only counts as one.
func (r *Receipts) Add(sent, now time.Time, redelivered bool) {
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

// WaitFor waits until n messages have been delivered, at most limit, and
// returns how long it waited.
func (r *Receipts) WaitFor(ctx context.Context, n int64, limit time.Duration) time.Duration {
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

// Report is what a messaging run measured.
type Report struct {
	Sent, SendErrors, Delivered, Redelivered, Undelivered int64
	FirstError                                            string
	SendsPerSecond, DeliveriesPerSecond                   float64
	Quantiles
}

// Report combines the receipts with t, the senders' tally, over elapsed.
func (r *Receipts) Report(t *Tally, elapsed time.Duration) Report {
	m := Report{Sent: t.OK(), SendErrors: t.Failed(), FirstError: t.First(),
		Delivered: r.delivered.Load(), Redelivered: r.redelivered.Load()}
	m.Undelivered = max(m.Sent-m.Delivered, 0)
	if elapsed > 0 {
		m.SendsPerSecond = float64(m.Sent) / elapsed.Seconds()
	}
	if w := r.end.Sub(r.start); w > 0 {
		m.DeliveriesPerSecond = float64(r.inWindow.Load()) / w.Seconds()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m.Quantiles = Summarize(r.samples)
	return m
}
