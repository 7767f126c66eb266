package cli

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/internal/bench"
)

// benchScenarios are the values --scenario accepts.
var benchScenarios = []string{"all", "handshake", "whoami", "latency", "issuance"}

// benchFlags are the flags of `airlock bench`.
type benchFlags struct {
	duration      time.Duration
	streams, rate int
	handshakes    int
	enrollments   int
	scenario      string
}

// benchReport is what `airlock bench -o json` prints.
type benchReport struct {
	GOMAXPROCS int                `json:"gomaxprocs"`
	Handshake  *bench.Throughput  `json:"handshake,omitempty"`
	WhoAmI     []bench.Throughput `json:"whoami,omitempty"`
	Latency    *bench.Latency     `json:"latency,omitempty"`
	Issuance   *bench.Issuance    `json:"issuance,omitempty"`
}

func (a *app) benchCommand() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a hub started in-process: handshakes, calls/s, latency, issuance",
		Long: `Start a throwaway hub in this process (127.0.0.1, SQLite in a temporary
directory, logs and metrics off), enroll an agent through the enrollment
listener, and drive the agent API over the network. The load generator shares
the CPUs with the hub, so figures are a lower bound for a dedicated hub.
See docs/performance.md for targets and reference figures.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneRuntime() // the hub under test runs as it would under airlock serve
			if !slices.Contains(benchScenarios, f.scenario) {
				return fmt.Errorf("--scenario must be one of %v, not %q", benchScenarios, f.scenario)
			}
			rep, err := f.run(cmd)
			if err != nil {
				return err
			}
			return a.emit(rep, rep.print)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 5*time.Second, "how long the whoami and latency scenarios run")
	fl.IntVar(&f.streams, "streams", 32, "concurrent streams on the one HTTP/2 connection (whoami)")
	fl.IntVar(&f.rate, "rate", 5000, "calls started per second (latency)")
	fl.IntVar(&f.handshakes, "handshakes", 5000, "handshakes to perform (handshake)")
	fl.IntVar(&f.enrollments, "enrollments", 1000, "enrollments and CA issuances to perform (issuance)")
	fl.StringVar(&f.scenario, "scenario", "all", "all, handshake, whoami, latency or issuance")
	return cmd
}

func (f *benchFlags) wants(s string) bool { return f.scenario == "all" || f.scenario == s }

func (f *benchFlags) run(cmd *cobra.Command) (*benchReport, error) {
	ctx := cmd.Context()
	h, err := bench.Start(ctx, bench.Options{})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	rep := &benchReport{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	progress := func(s string) { fmt.Fprintf(cmd.ErrOrStderr(), "running %s…\n", s) }
	if f.wants("handshake") {
		progress("handshake")
		r, err := h.Handshakes(ctx, f.handshakes, 2*rep.GOMAXPROCS)
		if err != nil {
			return nil, err
		}
		rep.Handshake = &r
	}
	if f.wants("whoami") {
		for _, p := range []bench.Protocol{bench.GRPC, bench.Connect} {
			progress("whoami over " + string(p))
			r, err := h.WhoAmI(ctx, f.duration, f.streams, p)
			if err != nil {
				return nil, err
			}
			rep.WhoAmI = append(rep.WhoAmI, r)
		}
	}
	if f.wants("latency") {
		progress(fmt.Sprintf("latency at %d calls/s", f.rate))
		l, err := h.Latency(ctx, f.rate, f.duration)
		if err != nil {
			return nil, err
		}
		rep.Latency = &l
	}
	if f.wants("issuance") {
		progress("issuance")
		r, err := h.Issuance(ctx, f.enrollments, 2*rep.GOMAXPROCS)
		if err != nil {
			return nil, err
		}
		rep.Issuance = &r
	}
	return rep, nil
}

func (r *benchReport) print(w io.Writer) error {
	var rows [][]string
	add := func(t bench.Throughput, unit string) {
		rows = append(rows, []string{t.Scenario, fmt.Sprintf("%.0f %s", t.PerSecond, unit),
			fmt.Sprint(t.Count), fmt.Sprint(t.Errors), fmt.Sprint(t.Concurrency), t.Elapsed.Round(time.Millisecond).String(), ""})
	}
	if r.Handshake != nil {
		add(*r.Handshake, "handshakes/s")
	}
	for _, t := range r.WhoAmI {
		add(t, "calls/s")
		rows[len(rows)-1][6] = fmt.Sprintf("%d connection(s)", t.Connections)
	}
	if l := r.Latency; l != nil {
		ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
		rows = append(rows, []string{l.Scenario, fmt.Sprintf("%.0f calls/s", l.PerSecond), fmt.Sprint(l.Count),
			fmt.Sprint(l.Errors), fmt.Sprintf("open loop at %d/s", l.TargetRate), l.Elapsed.Round(time.Millisecond).String(),
			fmt.Sprintf("ms p50 %s p90 %s p99 %s max %s", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))})
	}
	if i := r.Issuance; i != nil {
		add(i.Enroll, "enrollments/s")
		add(i.CA, "certificates/s")
	}
	fmt.Fprintf(w, "GOMAXPROCS %d; load generator and hub share these CPUs\n", r.GOMAXPROCS)
	return printTable(w, []string{"SCENARIO", "RATE", "OK", "ERRORS", "CONCURRENCY", "ELAPSED", "NOTES"}, rows)
}
