package bench_test

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/bench"
)

// startHub starts a benchmark hub that tb closes.
func startHub(tb testing.TB) *bench.Hub {
	tb.Helper()
	h, err := bench.Start(context.Background(), bench.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := h.Close(); err != nil {
			tb.Error(err)
		}
	})
	return h
}

func checkThroughput(b *testing.B, r bench.Throughput) {
	b.Helper()
	if r.Errors > 0 {
		b.Fatalf("%s: %d errors, first: %s", r.Scenario, r.Errors, r.FirstError)
	}
	b.ReportMetric(r.PerSecond, r.Scenario+"/s")
}

// BenchmarkHandshake measures full mutual-TLS 1.3 handshakes to the agent
// API, two per CPU in flight.
func BenchmarkHandshake(b *testing.B) {
	h := startHub(b)
	b.ResetTimer()
	r, err := h.Handshakes(context.Background(), b.N, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	checkThroughput(b, r)
}

// BenchmarkWhoAmI measures WhoAmI calls from 32 concurrent streams over one
// HTTP/2 connection, per protocol, with the p99 of the calls' latencies.
func BenchmarkWhoAmI(b *testing.B) {
	h := startHub(b)
	for _, p := range []bench.Protocol{bench.GRPC, bench.Connect} {
		b.Run(string(p), func(b *testing.B) {
			call, err := h.Caller(context.Background(), p)
			if err != nil {
				b.Fatal(err)
			}
			defer call.Close()
			lat := make([][]time.Duration, 32)
			var wg sync.WaitGroup
			next := make(chan struct{})
			b.ResetTimer()
			start := time.Now()
			go func() {
				for range b.N {
					next <- struct{}{}
				}
				close(next)
			}()
			for i := range lat {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range next {
						t0 := time.Now()
						if err := call.Call(context.Background()); err != nil {
							b.Error(err)
							return
						}
						lat[i] = append(lat[i], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
			if len(all) > 0 {
				b.ReportMetric(float64(all[(len(all)*99+99)/100-1])/1e6, "p99-ms")
			}
			if n := call.Connections(); n != 1 {
				b.Errorf("used %d connections, want 1", n)
			}
		})
	}
}

// BenchmarkEnroll measures enrollments over the network, EnrollConcurrency
// in flight: "enroll" with the join tokens made beforehand (not timed),
// "token" with each operation creating its token in-process first.
func BenchmarkEnroll(b *testing.B) {
	h := startHub(b)
	b.Run("enroll", func(b *testing.B) {
		r, err := h.Enrollments(context.Background(), b.N, bench.EnrollConcurrency)
		if err != nil {
			b.Fatal(err)
		}
		checkThroughput(b, r)
	})
	b.Run("token", func(b *testing.B) {
		r, err := h.TokenEnrollments(context.Background(), b.N, bench.EnrollConcurrency)
		if err != nil {
			b.Fatal(err)
		}
		checkThroughput(b, r)
	})
}

// BenchmarkIssueSVID measures raw CA signing on every CPU.
func BenchmarkIssueSVID(b *testing.B) {
	h := startHub(b)
	b.ResetTimer()
	r, err := h.CAIssuance(context.Background(), b.N)
	if err != nil {
		b.Fatal(err)
	}
	checkThroughput(b, r)
}
