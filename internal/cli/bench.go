package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
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
	profile       string // --cpuprofile
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
			var rep *benchReport
			err := profiled(f.profile, func() (err error) { rep, err = f.run(cmd); return err })
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
	cmd.PersistentFlags().StringVar(&f.profile, "cpuprofile", "", "write a CPU profile of the whole run (hub and load generator) to this file; read it with `go tool pprof`")
	cmd.AddCommand(a.benchMessagingCommand(&f.profile))
	return cmd
}

// profiled runs fn under a CPU profile written to path, when one is asked for.
func profiled(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	defer pprof.StopCPUProfile()
	return fn()
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

// messagingReport is what `airlock bench messaging -o json` prints.
type messagingReport struct {
	GOMAXPROCS int               `json:"gomaxprocs"`
	Runs       []bench.Messaging `json:"runs"`
}

func (a *app) benchMessagingCommand(profile *string) *cobra.Command {
	var o bench.MessagingOptions
	size := byteSize(1024)
	cmd := &cobra.Command{
		Use:   "messaging",
		Short: "Measure direct messages end to end: sends/s, deliveries/s, latency",
		Long: `Start a throwaway hub in this process, enroll --senders and --receivers
agents in one segment, and send --size-byte messages from the senders to
the receivers (round-robin) through the whole pipeline: mutual TLS,
authorization, signature check, sealing, durable commit and audit. The
receivers fetch (or stream) and ack. Latency is end to end, from the start
of a send to the receiver holding the verified message.

Two runs: closed loop (--in-flight sends per sender) for --duration, then,
unless --rate is 0, open loop at --rate sends/s for --duration, with
latency measured from when each send was due.`,
		Example: "  airlock bench messaging --senders 16 --receivers 16 --size 1KiB --duration 30s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneRuntime()
			o.Size = int(size)
			var rep *messagingReport
			err := profiled(*profile, func() (err error) { rep, err = runMessagingBench(cmd, o); return err })
			if err != nil {
				return err
			}
			return a.emit(rep, rep.print)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Senders, "senders", 16, "sending agents, each with its own connection")
	fl.IntVar(&o.Receivers, "receivers", 16, "receiving agents, each with its own connection")
	fl.Var(&size, "size", "message body size: bytes, or with a unit (512B, 1KiB, 1MiB)")
	fl.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each run sends")
	fl.IntVar(&o.InFlight, "in-flight", 4, "sends each sender keeps in flight (closed loop)")
	fl.IntVar(&o.Rate, "rate", 5000, "sends started per second in the open-loop run; 0 skips it")
	fl.StringVar(&o.Consumer, "consumer", bench.ConsumeFetch, "fetch (batches, one ack per batch) or stream (Receive, one ack per message)")
	return cmd
}

func runMessagingBench(cmd *cobra.Command, o bench.MessagingOptions) (*messagingReport, error) {
	ctx := cmd.Context()
	h, err := bench.Start(ctx, bench.Options{})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	rep := &messagingReport{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	rate := o.Rate
	o.Rate = 0
	fmt.Fprintf(cmd.ErrOrStderr(), "running messaging, closed loop, %d in flight per sender…\n", o.InFlight)
	r, err := h.Messaging(ctx, o)
	if err != nil {
		return nil, err
	}
	rep.Runs = append(rep.Runs, r)
	if rate > 0 {
		o.Rate = rate
		fmt.Fprintf(cmd.ErrOrStderr(), "running messaging, open loop at %d/s…\n", rate)
		if r, err = h.Messaging(ctx, o); err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, r)
	}
	return rep, nil
}

func (r *messagingReport) print(w io.Writer) error {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	var rows [][]string
	for _, m := range r.Runs {
		load := fmt.Sprintf("closed, %d in flight/sender", m.InFlight)
		if m.TargetRate > 0 {
			load = fmt.Sprintf("open at %d/s, %d dropped", m.TargetRate, m.Dropped)
		}
		rows = append(rows, []string{m.Scenario, load, fmt.Sprintf("%.0f", m.SendsPerSecond), fmt.Sprintf("%.0f", m.DeliveriesPerSecond),
			fmt.Sprintf("%d/%d", m.Sent, m.SendErrors), fmt.Sprintf("%d/%d/%d", m.Delivered, m.Redelivered, m.Undelivered),
			fmt.Sprintf("p50 %s p90 %s p99 %s max %s", ms(m.P50), ms(m.P90), ms(m.P99), ms(m.Max)),
			fmt.Sprintf("%.0f", float64(m.CPUPerMessage)/float64(time.Microsecond))})
	}
	for _, m := range r.Runs {
		if m.FirstError != "" {
			fmt.Fprintf(w, "%s: first send error: %s\n", m.Scenario, m.FirstError)
		}
	}
	if len(r.Runs) > 0 {
		m := r.Runs[0]
		fmt.Fprintf(w, "GOMAXPROCS %d; %d senders, %d receivers, %d-byte bodies, consumer %s; load generator and hub share these CPUs\n",
			r.GOMAXPROCS, m.Senders, m.Receivers, m.Size, m.Consumer)
	}
	return printTable(w, []string{"SCENARIO", "LOAD", "SENDS/S", "DELIVERIES/S", "SENT/ERRORS", "DELIVERED/REDELIVERED/UNDELIVERED", "LATENCY MS", "CPU µs/MSG"}, rows)
}

// byteSize is a --size flag: a number of bytes with an optional unit.
type byteSize int

var sizeUnits = []struct {
	suffix string
	n      int
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000_000}, {"B", 1}}

func (s *byteSize) String() string { return strconv.Itoa(int(*s)) }
func (s *byteSize) Type() string   { return "size" }

func (s *byteSize) Set(v string) error {
	num, mult := v, 1
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = rest, u.n
			break
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 || n > (64<<20)/mult {
		return fmt.Errorf("%q is not a size such as 1024, 512B, 1KiB or 1MiB", v)
	}
	*s = byteSize(n * mult)
	return nil
}
