package audit

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var benchEvents = flag.Int64("audit.events", 100_000, "events in the log BenchmarkVerify and BenchmarkProve build (try 1000000)")

// benchLog is a SQLite log of *benchEvents events with a checkpoint at
// the end, built once per test binary run.
var benchLog struct {
	once sync.Once
	dir  string
	path string
	vkey string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchLog.dir != "" {
		os.RemoveAll(benchLog.dir)
	}
	os.Exit(code)
}

// openBenchLog builds the benchmark log on first use and opens it.
func openBenchLog(b *testing.B) *backend {
	b.Helper()
	benchLog.once.Do(func() {
		benchLog.dir, benchLog.err = os.MkdirTemp("", "airlock-audit-bench-")
		if benchLog.err != nil {
			return
		}
		benchLog.path = filepath.Join(benchLog.dir, "airlock.db")
		st := &backend{name: "sqlite", path: benchLog.path}
		st.openTB(b)
		defer st.st.Close()
		s := testSigner(b, st.st)
		start := time.Now()
		appendEvents(b, st.st, *benchEvents, 1000)
		cp, err := NewCheckpointer(st.st, s, DefaultConfig(), nil)
		if err != nil {
			benchLog.err = err
			return
		}
		_, benchLog.err = cp.Checkpoint(context.Background())
		b.Logf("built a log of %d events in %v", *benchEvents, time.Since(start).Round(time.Millisecond))
		benchLog.vkey = s.VerifierKey()
	})
	if benchLog.err != nil {
		b.Fatal(benchLog.err)
	}
	bk := &backend{name: "sqlite", path: benchLog.path}
	bk.openTB(b)
	return bk
}

// BenchmarkVerify verifies the whole log per iteration. s/1M-events
// extrapolates linearly to a log of a million events.
func BenchmarkVerify(b *testing.B) {
	bk := openBenchLog(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		r, err := Verify(ctx, bk.st, benchLog.vkey, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		if r.Size != *benchEvents {
			b.Fatalf("verified %d events, want %d", r.Size, *benchEvents)
		}
	}
	per := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(per/float64(*benchEvents)*1e6, "s/1M-events")
	b.ReportMetric(float64(*benchEvents)/per, "events/s")
}

// BenchmarkProve builds an inclusion proof for a random event.
func BenchmarkProve(b *testing.B) {
	bk := openBenchLog(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		seq := 1 + rng.Int64N(*benchEvents)
		if _, err := Prove(ctx, bk.st, seq); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckProof verifies a proof offline.
func BenchmarkCheckProof(b *testing.B) {
	s := loadTestdataSigner(b)
	p := memProof(b, s, 1000, 377)
	for b.Loop() {
		if _, _, err := CheckProof(p, s.VerifierKey()); err != nil {
			b.Fatal(err)
		}
	}
}
