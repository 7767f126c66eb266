package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/loadgen"
)

// Protocol is the RPC protocol a scenario speaks to the agent API.
type Protocol string

// Protocols connect-go speaks; both run over HTTP/2 here.
const (
	GRPC    Protocol = "grpc"
	Connect Protocol = "connect"
)

func (p Protocol) options() ([]connect.ClientOption, error) {
	switch p {
	case GRPC:
		return []connect.ClientOption{connect.WithGRPC()}, nil
	case Connect, "":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown protocol %q: use grpc or connect", p)
}

// limit ends a closed-loop run after n operations (n > 0) or at deadline
// (non-zero), whichever comes first.
type limit struct {
	n        int64
	deadline time.Time
}

// drive runs op on workers goroutines until lim or ctx ends the run. Calls
// in flight when the deadline passes are allowed to finish.
func drive(ctx context.Context, workers int, lim limit, t *loadgen.Tally, op func(context.Context) error) time.Duration {
	var started atomic.Int64
	var wg sync.WaitGroup
	more := func() bool {
		switch {
		case ctx.Err() != nil:
			return false
		case !lim.deadline.IsZero() && time.Now().After(lim.deadline):
			return false
		}
		return lim.n <= 0 || started.Add(1) <= lim.n
	}
	start := time.Now()
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more() {
				t.Record(op(ctx))
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// h2Preface is the HTTP/2 client connection preface followed by an empty
// SETTINGS frame.
var h2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")

// Handshakes opens n connections to the agent API, concurrency at a time.
// Each one is a TCP connect, a full TLS 1.3 handshake with the agent's
// certificate (no resumption), and the HTTP/2 preface answered by the
// hub's first SETTINGS frame, which the hub only sends once it has
// verified and authorized the client certificate. Then it is closed.
func (h *Hub) Handshakes(ctx context.Context, n, concurrency int) (Throughput, error) {
	var t loadgen.Tally
	elapsed := drive(ctx, concurrency, limit{n: int64(n)}, &t, h.handshake)
	return throughput(&t, "handshake", concurrency, elapsed), nil
}

func (h *Hub) handshake(ctx context.Context) error {
	cfg := h.mtls.Clone()
	cfg.NextProtos = []string{"h2"}
	d := tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", h.Server.APIAddr())
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	defer conn.Close()
	cs := conn.(*tls.Conn).ConnectionState()
	if cs.DidResume || cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != "h2" {
		return fmt.Errorf("handshake: resumed=%v version=%x alpn=%q, want a full TLS 1.3 h2 handshake",
			cs.DidResume, cs.Version, cs.NegotiatedProtocol)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(h2Preface); err != nil {
		return fmt.Errorf("write preface: %w", err)
	}
	var frame [9]byte
	if _, err := io.ReadFull(conn, frame[:]); err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	if frame[3] != 0x4 {
		return fmt.Errorf("first frame has type %d, want SETTINGS", frame[3])
	}
	return nil
}

// WhoAmI calls IdentityService.WhoAmI from streams goroutines for d, all
// multiplexed over one HTTP/2 connection.
func (h *Hub) WhoAmI(ctx context.Context, d time.Duration, streams int, p Protocol) (Throughput, error) {
	c, err := h.Caller(ctx, p)
	if err != nil {
		return Throughput{}, err
	}
	defer c.Close()
	var t loadgen.Tally
	elapsed := drive(ctx, streams, limit{deadline: time.Now().Add(d)}, &t, c.Call)
	r := throughput(&t, "whoami-"+string(p), streams, elapsed)
	r.Connections = c.Connections()
	return r, nil
}

// Caller calls WhoAmI as the benchmark agent over a single HTTP/2
// connection. It is safe for concurrent use.
type Caller struct {
	ic        airlockv1connect.IdentityServiceClient
	want      string
	conns     *connCounter
	closeIdle func()
}

// Caller returns a connected Caller speaking protocol p.
func (h *Hub) Caller(ctx context.Context, p Protocol) (*Caller, error) {
	opts, err := p.options()
	if err != nil {
		return nil, err
	}
	hc, cc, closeIdle := h.h2Client()
	c := &Caller{
		ic:   airlockv1connect.NewIdentityServiceClient(hc, h.apiURL(), opts...),
		want: h.Agent.ID.String(), conns: cc, closeIdle: closeIdle,
	}
	if err := c.Call(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("warm-up call: %w", err)
	}
	return c, nil
}

// Call makes one WhoAmI call and checks the answer names the agent.
func (c *Caller) Call(ctx context.Context) error {
	resp, err := c.ic.WhoAmI(ctx, connect.NewRequest(&airlockv1.WhoAmIRequest{}))
	if err != nil {
		return err
	}
	if got := resp.Msg.GetSpiffeId(); got != c.want {
		return fmt.Errorf("whoami: got %q, want %q", got, c.want)
	}
	return nil
}

// Connections is the number of TCP connections the Caller has opened.
func (c *Caller) Connections() int64 { return c.conns.n.Load() }

// Close closes the Caller's connection.
func (c *Caller) Close() { c.closeIdle() }

// Latency starts WhoAmI calls (gRPC protocol, one HTTP/2 connection) at a
// steady rate per second for d, open loop, and reports the distribution of
// latencies measured from when each call was due.
func (h *Hub) Latency(ctx context.Context, rate int, d time.Duration) (Latency, error) {
	if rate <= 0 {
		return Latency{}, errors.New("latency: rate must be positive")
	}
	c, err := h.Caller(ctx, GRPC)
	if err != nil {
		return Latency{}, err
	}
	defer c.Close()
	total := max(int(float64(rate)*d.Seconds()), 1)
	samples := make([]time.Duration, total)
	var t loadgen.Tally
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Call(ctx)
			samples[i] = time.Since(due)
			if err != nil {
				samples[i] = -1
			}
			t.Record(err)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	ok := samples[:0]
	for _, s := range samples {
		if s > 0 {
			ok = append(ok, s)
		}
	}
	l := Latency{Scenario: "latency-grpc", TargetRate: rate, Count: t.OK(), Errors: t.Failed(),
		FirstError: t.First(), Elapsed: elapsed, PerSecond: float64(t.OK()) / elapsed.Seconds()}
	q := loadgen.Summarize(ok)
	l.P50, l.P90, l.P99, l.Max = q.P50, q.P90, q.P99, q.Max
	return l, nil
}

// EnrollConcurrency is the least number of enrollments the issuance
// scenario keeps in flight. An enrollment spends most of its time waiting
// for a durable commit, and a fleet of agents enrolls concurrently, so a
// handful in flight would measure the disk's latency rather than the hub's
// throughput.
const EnrollConcurrency = 32

// Issuance is the outcome of the issuance scenario.
type Issuance struct {
	// Enroll is certificate issuance end to end: client.Enroll over the
	// network (key generation, CSR, TLS handshake to the enrollment
	// listener, token check, signing, one durable commit), with the join
	// tokens created beforehand and not counted.
	Enroll Throughput `json:"enroll"`
	// TokenEnroll is the same with the join token created in-process as
	// part of each operation (a second durable commit), as when an
	// operator mints a token per agent.
	TokenEnroll Throughput `json:"token_enroll"`
	// CA is raw signing: identity.CA.IssueSVID on a parsed CSR, in-process.
	CA Throughput `json:"ca"`
}

// Issuance runs n enrollments with tokens made beforehand, then n that
// make their own tokens, each at least EnrollConcurrency at a time, then n
// raw CA issuances on every CPU.
func (h *Hub) Issuance(ctx context.Context, n, concurrency int) (Issuance, error) {
	concurrency = max(concurrency, EnrollConcurrency)
	var r Issuance
	var err error
	if r.Enroll, err = h.Enrollments(ctx, n, concurrency); err != nil {
		return r, err
	}
	if r.TokenEnroll, err = h.TokenEnrollments(ctx, n, concurrency); err != nil {
		return r, err
	}
	r.CA, err = h.CAIssuance(ctx, n)
	return r, err
}

// Enrollments creates n join tokens (concurrency at a time, not timed),
// then runs n enrollments over the network with them, concurrency at a
// time.
func (h *Hub) Enrollments(ctx context.Context, n, concurrency int) (Throughput, error) {
	tokens := make([]string, n)
	var made atomic.Int64
	var tt loadgen.Tally
	drive(ctx, concurrency, limit{n: int64(n)}, &tt, func(ctx context.Context) (err error) {
		i := made.Add(1) - 1
		tokens[i], err = h.createToken(ctx)
		return err
	})
	if tt.Failed() > 0 {
		return Throughput{}, fmt.Errorf("create tokens: %s", tt.First())
	}
	var used atomic.Int64
	var t loadgen.Tally
	elapsed := drive(ctx, concurrency, limit{n: int64(n)}, &t, func(ctx context.Context) error {
		return h.enrollOnce(ctx, tokens[used.Add(1)-1])
	})
	return throughput(&t, "enroll", concurrency, elapsed), nil
}

// TokenEnrollments runs n enrollments that each create their join token
// in-process first, concurrency at a time.
func (h *Hub) TokenEnrollments(ctx context.Context, n, concurrency int) (Throughput, error) {
	var t loadgen.Tally
	elapsed := drive(ctx, concurrency, limit{n: int64(n)}, &t, func(ctx context.Context) error {
		token, err := h.createToken(ctx)
		if err != nil {
			return err
		}
		return h.enrollOnce(ctx, token)
	})
	return throughput(&t, "token+enroll", concurrency, elapsed), nil
}

func (h *Hub) enrollOnce(ctx context.Context, token string) error {
	id, err := h.enrollWith(ctx, token)
	if err != nil {
		return err
	}
	if id.ID != h.Agent.ID {
		return fmt.Errorf("enroll: got %s, want %s", id.ID, h.Agent.ID)
	}
	return nil
}

// CAIssuance signs n SVIDs with the hub's CA in-process, on every CPU.
func (h *Hub) CAIssuance(ctx context.Context, n int) (Throughput, error) {
	csr, err := identity.ParseCSR(h.csr)
	if err != nil {
		return Throughput{}, fmt.Errorf("parse csr: %w", err)
	}
	ca := h.Server.Hub().CA
	workers := runtime.GOMAXPROCS(0)
	var t loadgen.Tally
	elapsed := drive(ctx, workers, limit{n: int64(n)}, &t, func(context.Context) error {
		_, err := ca.IssueSVID(csr, h.Agent.ID, time.Hour, time.Now())
		return err
	})
	return throughput(&t, "ca-issue", workers, elapsed), nil
}
