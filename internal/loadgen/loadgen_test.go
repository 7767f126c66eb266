package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}, {0.01, 1}} {
		if got := Percentile(s, tc.q); got != tc.want {
			t.Errorf("Percentile(%v): got %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("empty: got %v", got)
	}
	q := Summarize([]time.Duration{3, 1, 2})
	if q.P50 != 2 || q.Max != 3 {
		t.Errorf("Summarize: %+v", q)
	}
}

func TestLoops(t *testing.T) {
	var tl Tally
	ClosedLoop(context.Background(), 2, 2, 20*time.Millisecond, func(_ context.Context, s, seq int) error {
		if seq%2 == 0 {
			return errors.New("even")
		}
		return nil
	}, &tl)
	if tl.OK() == 0 || tl.Failed() == 0 || tl.First() != "even" {
		t.Fatalf("closed loop tally: ok %d failed %d first %q", tl.OK(), tl.Failed(), tl.First())
	}
	var ol Tally
	_, dropped := OpenLoop(context.Background(), 100, 100*time.Millisecond, func(context.Context, int, time.Time) error {
		return nil
	}, &ol)
	if dropped != 0 || ol.OK() != 10 {
		t.Fatalf("open loop at 100/s for 0.1 s: %d ok, %d dropped; want 10 and 0", ol.OK(), dropped)
	}
}

func TestReceipts(t *testing.T) {
	start := time.Now()
	r := NewReceipts(start, start.Add(time.Hour))
	var tl Tally
	tl.Record(nil)
	tl.Record(nil)
	r.Add(start, start.Add(5*time.Millisecond), false)
	r.Add(start, start.Add(time.Millisecond), true)
	if waited := r.WaitFor(context.Background(), 1, time.Second); waited > time.Second {
		t.Fatalf("waited %v", waited)
	}
	rep := r.Report(&tl, time.Second)
	if rep.Sent != 2 || rep.Delivered != 1 || rep.Redelivered != 1 || rep.Undelivered != 1 || rep.P50 != 5*time.Millisecond {
		t.Fatalf("report %+v", rep)
	}
}
