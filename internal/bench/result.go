package bench

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Throughput is the outcome of a closed-loop scenario: how many operations
// completed, how many failed, and the rate of successful ones.
type Throughput struct {
	Scenario    string        `json:"scenario"`
	Concurrency int           `json:"concurrency"`
	Count       int64         `json:"count"`
	Errors      int64         `json:"errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	PerSecond   float64       `json:"per_second"`
	// Connections is the number of TCP connections the client opened,
	// where the scenario is meant to use one.
	Connections int64 `json:"connections,omitempty"`
}

// Latency is the outcome of an open-loop scenario: calls are started on a
// fixed schedule whether or not earlier ones have finished, and each
// latency is measured from the time the call was due, so a stalled hub
// shows up in the tail instead of slowing the generator down.
type Latency struct {
	Scenario   string        `json:"scenario"`
	TargetRate int           `json:"target_rate"`
	Count      int64         `json:"count"`
	Errors     int64         `json:"errors"`
	FirstError string        `json:"first_error,omitempty"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	PerSecond  float64       `json:"per_second"` // achieved rate of successful calls
	P50        time.Duration `json:"p50_ns"`
	P90        time.Duration `json:"p90_ns"`
	P99        time.Duration `json:"p99_ns"`
	Max        time.Duration `json:"max_ns"`
}

// tally collects outcomes from concurrent workers.
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

func (t *tally) throughput(scenario string, concurrency int, elapsed time.Duration) Throughput {
	r := Throughput{
		Scenario: scenario, Concurrency: concurrency, Elapsed: elapsed,
		Count: t.ok.Load(), Errors: t.failed.Load(), FirstError: t.first,
	}
	if elapsed > 0 {
		r.PerSecond = float64(r.Count) / elapsed.Seconds()
	}
	return r
}

// percentile returns the q-quantile (0 < q <= 1) of sorted by the
// nearest-rank method.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func summarize(l *Latency, samples []time.Duration) {
	slices.Sort(samples)
	l.P50 = percentile(samples, 0.50)
	l.P90 = percentile(samples, 0.90)
	l.P99 = percentile(samples, 0.99)
	if len(samples) > 0 {
		l.Max = samples[len(samples)-1]
	}
}
