package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/bench"
)

// TestMessagingSmoke runs the messaging scenario briefly, closed and open
// loop, with both consumers, and checks that every confirmed message was
// delivered. It asserts nothing about speed.
func TestMessagingSmoke(t *testing.T) {
	h := startHub(t)
	tests := []struct {
		name string
		o    bench.MessagingOptions
	}{
		{"closed-fetch", bench.MessagingOptions{Senders: 2, Receivers: 3, InFlight: 2, Consumer: bench.ConsumeFetch}},
		{"closed-stream", bench.MessagingOptions{Senders: 2, Receivers: 2, InFlight: 2, Consumer: bench.ConsumeStream}},
		{"open-fetch", bench.MessagingOptions{Senders: 2, Receivers: 2, Rate: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Size, tt.o.Duration, tt.o.Drain = 1024, 300*time.Millisecond, 10*time.Second
			r, err := h.Messaging(context.Background(), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Sent == 0 || r.SendErrors != 0 {
				t.Fatalf("sent %d, %d errors (first: %s); want sends and no errors", r.Sent, r.SendErrors, r.FirstError)
			}
			if r.Delivered < r.Sent || r.Undelivered != 0 {
				t.Errorf("delivered %d of %d sent (%d undelivered)", r.Delivered, r.Sent, r.Undelivered)
			}
			if tt.o.Rate > 0 && r.Sent != 60 {
				t.Errorf("open loop at 200/s for 300ms sent %d, want 60", r.Sent)
			}
			if r.CPUPerMessage <= 0 || r.CPUPerMessage > time.Second {
				t.Errorf("CPU per message %s, want a positive figure below a second", r.CPUPerMessage)
			}
			if !(0 < r.P50 && r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.Max) {
				t.Errorf("percentiles out of order: p50 %s p90 %s p99 %s max %s", r.P50, r.P90, r.P99, r.Max)
			}
		})
	}
}

func TestMessagingBadOptions(t *testing.T) {
	h := startHub(t)
	for _, o := range []bench.MessagingOptions{{Consumer: "carrier-pigeon"}, {Senders: -1}} {
		if _, err := h.Messaging(context.Background(), o); err == nil {
			t.Errorf("Messaging(%+v) succeeded, want an error", o)
		}
	}
}

// BenchmarkMessaging runs the messaging scenario for 2 s per iteration
// (16 senders, 16 receivers, 1 KiB, fetch) and reports delivered messages
// per second and the p99 end-to-end latency.
func BenchmarkMessaging(b *testing.B) {
	h := startHub(b)
	for range b.N {
		r, err := h.Messaging(context.Background(), bench.MessagingOptions{Duration: 2 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		if r.SendErrors > 0 || r.Undelivered > 0 {
			b.Fatalf("%d send errors (first: %s), %d undelivered", r.SendErrors, r.FirstError, r.Undelivered)
		}
		b.ReportMetric(r.DeliveriesPerSecond, "deliveries/s")
		b.ReportMetric(float64(r.P99)/1e6, "p99-ms")
	}
}
