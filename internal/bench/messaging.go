package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/loadgen"
)

// Consumers the messaging scenario can receive with.
const (
	// ConsumeFetch leases batches with Client.Fetch and acks each batch
	// with one Client.Ack.
	ConsumeFetch = "fetch"
	// ConsumeStream uses Client.Receive: the server-streaming push, one
	// ack per message after the handler returns.
	ConsumeStream = "stream"
)

// SentHeader is the header in which the messaging scenario's senders put
// the time (Unix nanoseconds) a send started, or was due in open loop.
const SentHeader = "x-bench-sent"

// MessagingOptions configure the messaging scenario.
type MessagingOptions struct {
	// Senders and Receivers are how many agents send and receive; each has
	// its own client and connection. Defaults 16 and 16.
	Senders, Receivers int
	// Size is the body size in bytes; default 1024.
	Size int
	// Duration is how long messages are sent; default 10s.
	Duration time.Duration
	// InFlight is how many sends each sender keeps in flight in closed
	// loop; default 4.
	InFlight int
	// Rate, when positive, runs open loop: sends start at Rate per second,
	// round-robin over the senders, whether or not earlier ones finished,
	// and latency is measured from when each send was due.
	Rate int
	// Consumer is ConsumeFetch (default) or ConsumeStream.
	Consumer string
	// FetchBatch is the Fetch limit with ConsumeFetch; default 256.
	FetchBatch int
	// Drain bounds how long receivers go on after the last send, waiting
	// for every confirmed message; default 10s.
	Drain time.Duration
}

func (o *MessagingOptions) defaults() error {
	o.Senders = orDefault(o.Senders, 16)
	o.Receivers = orDefault(o.Receivers, 16)
	o.Size = orDefault(o.Size, 1024)
	o.Duration = orDefault(o.Duration, 10*time.Second)
	o.InFlight = orDefault(o.InFlight, 4)
	o.FetchBatch = orDefault(o.FetchBatch, 256)
	o.Drain = orDefault(o.Drain, 10*time.Second)
	if o.Consumer == "" {
		o.Consumer = ConsumeFetch
	}
	switch {
	case o.Senders < 0 || o.Receivers < 0 || o.Size < 0 || o.InFlight < 0 || o.Rate < 0:
		return errors.New("messaging: senders, receivers, size, in-flight and rate must not be negative")
	case o.Consumer != ConsumeFetch && o.Consumer != ConsumeStream:
		return fmt.Errorf("messaging: consumer must be %s or %s, not %q", ConsumeFetch, ConsumeStream, o.Consumer)
	}
	return nil
}

func orDefault[T int | time.Duration](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}

// Messaging is the outcome of the messaging scenario.
type Messaging struct {
	Scenario   string `json:"scenario"`
	Senders    int    `json:"senders"`
	Receivers  int    `json:"receivers"`
	Size       int    `json:"size"`
	Consumer   string `json:"consumer"`
	InFlight   int    `json:"in_flight,omitempty"`   // closed loop
	TargetRate int    `json:"target_rate,omitempty"` // open loop
	// Elapsed is the send phase; Drain how long receivers went on after it.
	Elapsed time.Duration `json:"elapsed_ns"`
	Drain   time.Duration `json:"drain_ns"`
	// Sent counts sends the hub confirmed; SendErrors the others.
	Sent       int64  `json:"sent"`
	SendErrors int64  `json:"send_errors"`
	FirstError string `json:"first_error,omitempty"`
	// Dropped counts open-loop sends not started because Rate sends (a
	// second's worth) were still outstanding: the hub could not keep up.
	Dropped int64 `json:"dropped,omitempty"`
	// Delivered counts first deliveries (attempt 1) of scenario messages,
	// Redelivered later attempts, Undelivered confirmed messages not
	// delivered by the end of the drain (at least Sent - Delivered).
	Delivered   int64 `json:"delivered"`
	Redelivered int64 `json:"redelivered"`
	Undelivered int64 `json:"undelivered"`
	// SendsPerSecond is Sent over Elapsed; DeliveriesPerSecond counts the
	// deliveries that arrived within the send phase over Elapsed.
	SendsPerSecond      float64 `json:"sends_per_second"`
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`
	// End-to-end latency, from send start (open loop: when the send was
	// due) to the receiver having the verified message.
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// CPUPerMessage is the process's CPU time (user and system, hub and
	// load generator) from the first send to the end of the drain, over
	// Delivered: a figure that depends less on what else the machine runs
	// than the rates do. Zero where the OS does not report it.
	CPUPerMessage time.Duration `json:"cpu_per_message_ns"`
}

// Messaging enrolls o.Senders and o.Receivers agents, sends o.Size-byte
// messages from the senders to the receivers (round-robin) for o.Duration
// through the whole pipeline — mutual TLS, authorization, signature check,
// sealing, durable commit with its audit event — receives and acks them
// on the receivers, and reports rates and end-to-end latency.
func (h *Hub) Messaging(ctx context.Context, o MessagingOptions) (Messaging, error) {
	if err := o.defaults(); err != nil {
		return Messaging{}, err
	}
	f, err := h.enrollFleet(ctx, o.Senders, o.Receivers)
	if err != nil {
		return Messaging{}, err
	}
	defer f.close()
	r := Messaging{Scenario: "messaging", Senders: o.Senders, Receivers: o.Receivers, Size: o.Size, Consumer: o.Consumer}
	if o.Rate > 0 {
		r.Scenario, r.TargetRate = "messaging-open", o.Rate
	} else {
		r.InFlight = o.InFlight
	}
	cpu0 := processCPU()
	start := time.Now()
	rec := loadgen.NewReceipts(start, start.Add(o.Duration))
	rctx, stopReceivers := context.WithCancel(ctx)
	var receivers sync.WaitGroup
	for _, c := range f.receivers {
		receivers.Add(1)
		go func() {
			defer receivers.Done()
			consume(rctx, c, o, rec)
		}()
	}
	var t loadgen.Tally
	body := make([]byte, o.Size)
	if o.Rate > 0 {
		r.Elapsed, r.Dropped = loadgen.OpenLoop(ctx, o.Rate, o.Duration, func(ctx context.Context, i int, due time.Time) error {
			return send(ctx, f.senders[i%len(f.senders)], f.recipient(i), body, due)
		}, &t)
	} else {
		r.Elapsed = loadgen.ClosedLoop(ctx, len(f.senders), o.InFlight, o.Duration, func(ctx context.Context, s, seq int) error {
			return send(ctx, f.senders[s], f.recipient(seq), body, time.Now())
		}, &t)
	}
	r.Drain = rec.WaitFor(ctx, t.OK(), o.Drain)
	stopReceivers()
	receivers.Wait()
	rep := rec.Report(&t, r.Elapsed)
	r.Sent, r.SendErrors, r.FirstError = rep.Sent, rep.SendErrors, rep.FirstError
	r.Delivered, r.Redelivered, r.Undelivered = rep.Delivered, rep.Redelivered, rep.Undelivered
	r.SendsPerSecond, r.DeliveriesPerSecond = rep.SendsPerSecond, rep.DeliveriesPerSecond
	r.P50, r.P90, r.P99, r.Max = rep.P50, rep.P90, rep.P99, rep.Max
	if cpu := processCPU() - cpu0; cpu0 > 0 && r.Delivered > 0 {
		r.CPUPerMessage = cpu / time.Duration(r.Delivered)
	}
	return r, nil
}

// processCPU is the user and system CPU time this process has used, or 0
// if the OS does not say.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// send sends one scenario message from c to recipient, stamped with sent.
func send(ctx context.Context, c *client.Client, recipient string, body []byte, sent time.Time) error {
	_, _, err := c.Send(ctx, client.SendOptions{To: recipient, Subject: "bench", ContentType: "application/octet-stream",
		Headers: map[string]string{SentHeader: fmt.Sprint(sent.UnixNano())}, Body: body})
	return err
}
