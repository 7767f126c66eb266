// Package loadgen is the load generator shared by `airlock bench` and
// `airlock-baseline`: closed- and open-loop drivers, a tally of outcomes,
// delivery receipts and nearest-rank percentiles. Both commands measure
// with this one package so that their figures compare like with like.
package loadgen

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Tally counts the outcomes of concurrent operations. Safe for concurrent use.
type Tally struct {
	ok, failed atomic.Int64
	once       sync.Once
	first      string
}

// Record counts err: a success when nil, otherwise a failure (the first
// failure's message is kept).
func (t *Tally) Record(err error) {
	if err == nil {
		t.ok.Add(1)
		return
	}
	t.failed.Add(1)
	t.once.Do(func() { t.first = err.Error() })
}

// OK is the number of successes.
func (t *Tally) OK() int64 { return t.ok.Load() }

// Failed is the number of failures.
func (t *Tally) Failed() int64 { return t.failed.Load() }

// First is the message of the first failure, "" if none. Read it after
// the operations have finished.
func (t *Tally) First() string { return t.first }

// ClosedLoop keeps inFlight operations running per sender for d: each
// worker calls op(ctx, sender, seq) with a sequence number shared by all
// workers, until d has passed or ctx is done. It returns the elapsed time.
func ClosedLoop(ctx context.Context, senders, inFlight int, d time.Duration, op func(ctx context.Context, sender, seq int) error, t *Tally) time.Duration {
	deadline := time.Now().Add(d)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for s := range senders {
		for range inFlight {
			wg.Go(func() {
				for ctx.Err() == nil && time.Now().Before(deadline) {
					t.Record(op(ctx, s, int(next.Add(1))))
				}
			})
		}
	}
	wg.Wait()
	return time.Since(start)
}

// OpenLoop starts rate operations per second for d, each in its own
// goroutine; op gets the operation's sequence number and the time it was
// due. An operation due while rate operations (a second's worth) are still
// outstanding is not started and counts as dropped: the system under test
// has fallen a second behind, and queueing more would only make the run
// outlast d. It returns the elapsed time and the number dropped.
func OpenLoop(ctx context.Context, rate int, d time.Duration, op func(ctx context.Context, seq int, due time.Time) error, t *Tally) (time.Duration, int64) {
	total := max(int(float64(rate)*d.Seconds()), 1)
	slots := make(chan struct{}, rate)
	var dropped int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
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
			t.Record(op(ctx, i, due))
			<-slots
		})
	}
	wg.Wait()
	return time.Since(start), dropped
}

// Percentile returns the q-quantile (0 < q <= 1) of sorted by the
// nearest-rank method, 0 when sorted is empty.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Quantiles are the latency figures every scenario reports.
type Quantiles struct {
	P50, P90, P99, Max time.Duration
}

// Summarize sorts samples in place and returns their quantiles.
func Summarize(samples []time.Duration) Quantiles {
	slices.Sort(samples)
	q := Quantiles{P50: Percentile(samples, 0.50), P90: Percentile(samples, 0.90), P99: Percentile(samples, 0.99)}
	if len(samples) > 0 {
		q.Max = samples[len(samples)-1]
	}
	return q
}
