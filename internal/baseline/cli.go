package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Systems the command can measure.
var systems = []string{"rabbitmq", "nats"}

type config struct {
	system, output     string
	rabbitURL, natsURL string
	size               sizeFlag
	opts               Options
}

// Main is the airlock-baseline command: it parses args, runs the chosen
// systems (closed loop, then open loop unless --rate is 0) and prints a
// table or JSON to stdout. It returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "airlock-baseline:", err)
		return 2
	}
	var results []Result
	for _, sys := range cfg.systemList() {
		rs, err := measure(ctx, cfg, sys, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "airlock-baseline: %s: %v\n", sys, err)
			return 1
		}
		results = append(results, rs...)
	}
	if cfg.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			GOMAXPROCS int      `json:"gomaxprocs"`
			Results    []Result `json:"results"`
		}{runtime.GOMAXPROCS(0), results})
	} else {
		err = printTable(stdout, results)
	}
	if err != nil {
		fmt.Fprintln(stderr, "airlock-baseline:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{size: 1024}
	fl := flag.NewFlagSet("airlock-baseline", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&c.system, "system", "all", "rabbitmq, nats or all")
	fl.StringVar(&c.output, "o", "table", "output: table or json")
	fl.StringVar(&c.rabbitURL, "rabbitmq-url", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ AMQP URL")
	fl.StringVar(&c.natsURL, "nats-url", "nats://127.0.0.1:4222", "NATS URL (JetStream enabled)")
	fl.IntVar(&c.opts.Senders, "senders", 16, "senders, each with its own connection")
	fl.IntVar(&c.opts.Receivers, "receivers", 16, "receivers, each with its own connection and queue")
	fl.Var(&c.size, "size", "message body size: bytes, or with a unit (512B, 1KiB, 1MiB)")
	fl.DurationVar(&c.opts.Duration, "duration", 10*time.Second, "how long each run sends")
	fl.IntVar(&c.opts.InFlight, "in-flight", 4, "sends each sender keeps in flight (closed loop)")
	fl.IntVar(&c.opts.Rate, "rate", 5000, "sends started per second in the open-loop run; 0 skips it")
	fl.DurationVar(&c.opts.Drain, "drain", 10*time.Second, "how long receivers wait for confirmed messages after a run")
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	c.opts.Size = int(c.size)
	switch {
	case fl.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fl.Arg(0))
	case c.system != "all" && c.system != "rabbitmq" && c.system != "nats":
		return nil, fmt.Errorf("--system must be rabbitmq, nats or all, not %q", c.system)
	case c.output != "table" && c.output != "json":
		return nil, fmt.Errorf("-o must be table or json, not %q", c.output)
	case c.opts.Senders <= 0 || c.opts.Receivers <= 0 || c.opts.InFlight <= 0 || c.opts.Rate < 0 || c.opts.Duration <= 0:
		return nil, errors.New("--senders, --receivers, --in-flight and --duration must be positive, --rate not negative")
	}
	return c, nil
}

func (c *config) systemList() []string {
	if c.system == "all" {
		return systems
	}
	return []string{c.system}
}

// measure runs the closed loop and, if configured, the open loop against
// sys, each on freshly created queues. An unreachable system yields one
// skipped result.
func measure(ctx context.Context, c *config, sys string, stderr io.Writer) ([]Result, error) {
	runs := []int{0}
	if c.opts.Rate > 0 {
		runs = append(runs, c.opts.Rate)
	}
	var out []Result
	for _, rate := range runs {
		o := c.opts
		o.Rate = rate
		fmt.Fprintf(stderr, "running %s, %s…\n", sys, describe(o))
		r, err := measureOnce(ctx, c, sys, o)
		if errors.Is(err, ErrUnreachable) {
			fmt.Fprintf(stderr, "skipped: %v\n", err)
			return []Result{{System: sys, Skipped: err.Error()}}, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func describe(o Options) string {
	if o.Rate > 0 {
		return fmt.Sprintf("open loop at %d/s", o.Rate)
	}
	return fmt.Sprintf("closed loop, %d in flight per sender", o.InFlight)
}

func measureOnce(ctx context.Context, c *config, sys string, o Options) (Result, error) {
	b, err := Open(ctx, sys, c.rabbitURL, c.natsURL, o.Receivers)
	if err != nil {
		return Result{}, err
	}
	r, err := Run(ctx, sys, b, o)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return r, errors.Join(err, b.Close(cctx))
}

// Open connects to sys and creates n queues under a fresh run name.
func Open(ctx context.Context, sys, rabbitURL, natsURL string, n int) (Broker, error) {
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	switch sys {
	case "rabbitmq":
		return OpenRabbitMQ(ctx, rabbitURL, run, n)
	case "nats":
		return OpenNATS(ctx, natsURL, run, n)
	}
	return nil, fmt.Errorf("unknown system %q", sys)
}

func printTable(w io.Writer, rs []Result) error {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "GOMAXPROCS %d\n", runtime.GOMAXPROCS(0))
	fmt.Fprintln(tw, "SYSTEM\tRUN\tSENDS/S\tDELIVERIES/S\tP50 MS\tP99 MS\tERRORS\tSENT/DELIVERED/LOST\tDROPPED")
	for _, r := range rs {
		if r.Skipped != "" {
			continue
		}
		run := fmt.Sprintf("closed, %d in flight/sender", r.InFlight)
		if r.TargetRate > 0 {
			run = fmt.Sprintf("open at %d/s", r.TargetRate)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%s\t%s\t%d\t%d/%d/%d\t%d\n", r.System, run, r.SendsPerSecond, r.DeliveriesPerSecond,
			ms(r.P50), ms(r.P99), r.SendErrors, r.Sent, r.Delivered, r.Undelivered, r.Dropped)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rs {
		if r.Skipped != "" {
			fmt.Fprintf(w, "skipped: %s\n", r.Skipped)
		}
		if r.FirstError != "" {
			fmt.Fprintf(w, "%s %s: first error: %s\n", r.System, r.Scenario, r.FirstError)
		}
	}
	return nil
}

// sizeFlag is a --size value: bytes with an optional unit.
type sizeFlag int

func (s *sizeFlag) String() string { return strconv.Itoa(int(*s)) }

func (s *sizeFlag) Set(v string) error {
	num, mult := v, 1
	for _, u := range []struct {
		suffix string
		n      int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000_000}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = rest, u.n
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size such as 1024, 512B, 1KiB or 1MiB", v)
	}
	*s = sizeFlag(n * mult)
	return nil
}
