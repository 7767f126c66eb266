package baseline

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRun runs each system for about a second against the brokers on
// 127.0.0.1, skipping the ones that are not reachable.
func TestRun(t *testing.T) {
	for _, sys := range systems {
		t.Run(sys, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			b, err := Open(ctx, sys, "amqp://guest:guest@127.0.0.1:5672/", "nats://127.0.0.1:4222", 2)
			if errors.Is(err, ErrUnreachable) {
				t.Skipf("skipped: %s unreachable on 127.0.0.1: %v", sys, err)
			}
			if err != nil {
				t.Fatalf("Open(%s): %v", sys, err)
			}
			defer func() {
				if err := b.Close(context.WithoutCancel(ctx)); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			r, err := Run(ctx, sys, b, Options{Senders: 2, Receivers: 2, Duration: time.Second, InFlight: 2, Drain: 5 * time.Second})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if r.Delivered == 0 || r.SendErrors != 0 || r.Undelivered != 0 {
				t.Errorf("sent %d, errors %d (%s), delivered %d, undelivered %d; want deliveries, no errors, none lost",
					r.Sent, r.SendErrors, r.FirstError, r.Delivered, r.Undelivered)
			}
		})
	}
}

func TestSizeFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"1024", 1024, true}, {"1KiB", 1024, true}, {"2MiB", 2 << 20, true}, {"512B", 512, true}, {"1KB", 1000, true}, {"x", 0, false}, {"-1B", 0, false}} {
		var s sizeFlag
		err := s.Set(tc.in)
		if got := int(s); (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
