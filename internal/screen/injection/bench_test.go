package injection

import (
	"encoding/base64"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// message4KiB is an ordinary e-mail-like body of 4 KiB.
func message4KiB() []byte {
	para := "Hi team, please find attached the invoice for March (order 4471, amount due $1,250.00). " +
		"The meeting on Thursday moves to 3pm; Anna will send the agenda and forward the contract to legal. "
	return []byte(strings.Repeat(para, 4096/len(para)+1)[:4096])
}

// BenchmarkScore4KiB measures throughput (MB/s) and reports the p99
// latency of one 4 KiB message and the CPU time of the benchmark's
// thread per message (cpu-µs/op), which other load on the machine
// disturbs less than the wall clock.
func BenchmarkScore4KiB(b *testing.B) {
	d := Default()
	msg := message4KiB()
	b.SetBytes(int64(len(msg)))
	lat := make([]time.Duration, 0, 1<<16)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	for b.Loop() {
		t0 := time.Now()
		d.Score(msg, "text/plain")
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	if cpu := threadCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

func BenchmarkScoreHTML4KiB(b *testing.B) {
	d := Default()
	msg := []byte("<html><body><p>" + string(message4KiB()[:4000]) + "</p><!-- footer --></body></html>")
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		d.Score(msg, "text/html")
	}
}

// BenchmarkPathological1MiB shows that hostile inputs stay linear.
func BenchmarkPathological1MiB(b *testing.B) {
	nested := []byte(attack)
	for range 8 {
		nested = []byte(base64.StdEncoding.EncodeToString(nested))
	}
	for name, in := range map[string][]byte{
		"a":      []byte(strings.Repeat("a", 1<<20)),
		"equals": []byte(strings.Repeat("=", 1<<20)),
		"nested": nested,
		"tags":   []byte(strings.Repeat("<div style='display:none'><!--", 1<<15)),
		"cjk":    []byte(strings.Repeat("系统 ai 사용자는", 1<<15) + "请"),
	} {
		b.Run(name, func(b *testing.B) {
			d := Default()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				d.Score(in, "text/html")
			}
		})
	}
}
