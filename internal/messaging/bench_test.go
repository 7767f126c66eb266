package messaging

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSendFetchAck measures the hub's messaging core without the
// network: 16 senders send 1 KiB messages to 16 mailboxes (signature
// check, sealing, batched durable commit with audit events, on a real
// SQLite file) while 16 receivers fetch (opening each message) and ack.
// Envelopes are signed before the timer starts: signing is the client's
// work. One op is one message sent, delivered and acked; there is no
// screening (Screen is nil) and the authorizer is a stub.
func BenchmarkSendFetchAck(b *testing.B) {
	h := newHub(b)
	const n = 16
	senders, receivers := make([]*agent, n), make([]*agent, n)
	for i := range n {
		senders[i], receivers[i] = h.agent(fmt.Sprint("s", i)), h.agent(fmt.Sprint("r", i))
	}
	type signed struct {
		e   Envelope
		sig []byte
	}
	body := string(make([]byte, 1024))
	msgs := make([][]signed, n)
	for i := range b.N {
		from, to := senders[i%n], receivers[(i/n)%n]
		e := h.envelope(from, to, body)
		e.Sender, e.Recipient = from.id, to.id
		msgs[i%n] = append(msgs[i%n], signed{e, h.sign(from, e)})
	}
	ctx := context.Background()
	var delivered atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range n {
		wg.Go(func() {
			for _, m := range msgs[s] {
				to := receivers[indexOf(receivers, m.e.Recipient)]
				if _, err := h.svc.Send(ctx, senders[s].actor(), senders[s].sender(), to.recipient(), m.e, m.sig, ""); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for _, r := range receivers {
		wg.Go(func() {
			for delivered.Load() < int64(b.N) {
				ds, err := h.svc.Fetch(ctx, r.actor(), r.mailbox(), 256, 100*time.Millisecond)
				if err != nil {
					b.Error(err)
					return
				}
				ids := make([]string, len(ds))
				for i, d := range ds {
					ids[i] = d.Envelope.ID
				}
				if len(ids) > 0 {
					if _, err := h.svc.Ack(ctx, r.actor(), r.mailbox(), ids); err != nil {
						b.Error(err)
						return
					}
				}
				delivered.Add(int64(len(ids)))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func indexOf(as []*agent, id string) int {
	for i, a := range as {
		if a.id == id {
			return i
		}
	}
	return -1
}
