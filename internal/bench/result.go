package bench

import (
	"time"

	"github.com/airlock-hub/airlock/internal/loadgen"
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

// throughput turns a tally of a closed-loop scenario into its outcome.
func throughput(t *loadgen.Tally, scenario string, concurrency int, elapsed time.Duration) Throughput {
	r := Throughput{
		Scenario: scenario, Concurrency: concurrency, Elapsed: elapsed,
		Count: t.OK(), Errors: t.Failed(), FirstError: t.First(),
	}
	if elapsed > 0 {
		r.PerSecond = float64(r.Count) / elapsed.Seconds()
	}
	return r
}
