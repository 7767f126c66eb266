package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/bench"
)

// TestHarnessSmoke runs every scenario briefly against a real hub and
// checks that each one completes work without errors. It asserts nothing
// about speed.
func TestHarnessSmoke(t *testing.T) {
	h := startHub(t)
	ctx := context.Background()
	check := func(t *testing.T, r bench.Throughput, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if r.Count == 0 || r.Errors != 0 {
			t.Errorf("%s: count %d, errors %d (first: %s), want count > 0 and no errors",
				r.Scenario, r.Count, r.Errors, r.FirstError)
		}
	}
	t.Run("handshake", func(t *testing.T) {
		r, err := h.Handshakes(ctx, 20, 4)
		check(t, r, err)
		if r.Count != 20 {
			t.Errorf("got %d handshakes, want 20", r.Count)
		}
	})
	for _, p := range []bench.Protocol{bench.GRPC, bench.Connect} {
		t.Run("whoami-"+string(p), func(t *testing.T) {
			r, err := h.WhoAmI(ctx, 200*time.Millisecond, 32, p)
			check(t, r, err)
			if r.Connections != 1 {
				t.Errorf("used %d connections, want 1", r.Connections)
			}
		})
	}
	t.Run("latency", func(t *testing.T) {
		l, err := h.Latency(ctx, 500, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if l.Count != 100 || l.Errors != 0 {
			t.Errorf("count %d, errors %d (first: %s), want 100 and 0", l.Count, l.Errors, l.FirstError)
		}
		if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
			t.Errorf("percentiles out of order: p50 %s p90 %s p99 %s max %s", l.P50, l.P90, l.P99, l.Max)
		}
	})
	t.Run("issuance", func(t *testing.T) {
		r, err := h.Issuance(ctx, 10, 2)
		if err != nil {
			t.Fatal(err)
		}
		check(t, r.Enroll, nil)
		check(t, r.TokenEnroll, nil)
		check(t, r.CA, nil)
		if r.Enroll.Count != 10 || r.TokenEnroll.Count != 10 {
			t.Errorf("got %d and %d enrollments, want 10 each", r.Enroll.Count, r.TokenEnroll.Count)
		}
	})
}

func TestUnknownProtocol(t *testing.T) {
	h := startHub(t)
	if _, err := h.WhoAmI(context.Background(), time.Millisecond, 1, "soap"); err == nil {
		t.Error("WhoAmI with protocol soap succeeded, want an error")
	}
}
