package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// BenchUpdateAppendEvent measures one Update that appends one event, the
// cost every audited state change pays.
func BenchUpdateAppendEvent(b *testing.B, s store.Store) {
	e := store.Event{
		Time: time.Now(), Node: "n1", Type: "bench.event", Outcome: store.OutcomeSuccess,
		Actor: alice, Target: "billing", RequestID: "r1", Reasons: []string{"policy/bench"},
	}
	for b.Loop() {
		err := s.Update(b.Context(), func(tx store.Tx) error {
			_, err := tx.AppendEvent(e)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchAppendBatched measures appending events in Updates of 1,000, as a
// busy hub does, and of 10,000, and reports events/s for each.
func BenchAppendBatched(b *testing.B, s store.Store) {
	for _, batch := range []int{1000, 10000} {
		b.Run(strconv.Itoa(batch), func(b *testing.B) { benchAppendBatch(b, s, batch) })
	}
}

func benchAppendBatch(b *testing.B, s store.Store, batch int) {
	e := store.Event{
		Time: time.Now(), Node: "n1", Type: "bench.event", Outcome: store.OutcomeSuccess,
		Actor: alice, Target: "billing", RequestID: "r1", Reasons: []string{"policy/bench"},
	}
	for b.Loop() {
		err := s.Update(b.Context(), func(tx store.Tx) error {
			for range batch {
				if _, err := tx.AppendEvent(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchUpdateParallel measures Updates that append one event each, made
// from 16 goroutines per CPU at once, as concurrent requests to a busy hub
// do; it reports events/s. A store that commits concurrent Updates
// together pays one durable commit per batch rather than per Update.
func BenchUpdateParallel(b *testing.B, s store.Store) {
	e := store.Event{
		Time: time.Now(), Node: "n1", Type: "bench.event", Outcome: store.OutcomeSuccess,
		Actor: alice, Target: "billing", RequestID: "r1", Reasons: []string{"policy/bench"},
	}
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := s.Update(b.Context(), func(tx store.Tx) error {
				_, err := tx.AppendEvent(e)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchMessageCycle measures the store's share of one message's life as
// the messaging hot path drives it: batches of sends (PutMessages with a
// message.sent event each), then per batch a lease and an ack with an
// event per message, each step its own Update. Bodies are body bytes, and
// every message carries a 1.2 KB sender chain, as agent SVIDs do.
func BenchMessageCycle(b *testing.B, s store.Store, batch, body int) {
	ctx := context.Background()
	chain := [][]byte{bytes.Repeat([]byte{0x30}, 650), bytes.Repeat([]byte{0x31}, 550)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		ms := make([]store.Message, batch)
		ids := make([]string, batch)
		for j := range ms {
			ms[j] = message(fmt.Sprintf("cycle-%d-%d", i, j), mailboxA)
			ms[j].Body, ms[j].Signature, ms[j].SenderChain = bytes.Repeat([]byte{'x'}, body), make([]byte, 72), chain
			ids[j] = ms[j].ID
		}
		err := s.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.TakenMessageIDs(ids); err != nil {
				return err
			}
			if _, err := tx.Usage(mailboxA); err != nil {
				return err
			}
			if _, err := tx.PutMessages(ms); err != nil {
				return err
			}
			for _, m := range ms {
				if _, err := tx.AppendEvent(store.Event{Time: base, Type: "message.sent", Actor: alice, Target: m.Recipient, Detail: "message " + m.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			err = s.Update(ctx, func(tx store.Tx) error {
				_, _, err := tx.LeaseMessages(mailboxA, base, time.Minute, batch, 0)
				return err
			})
		}
		if err == nil {
			err = s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.AckMessages(mailboxA, ids, base); err != nil {
					return err
				}
				for _, id := range ids {
					if _, err := tx.AppendEvent(store.Event{Time: base, Type: "message.acked", Actor: alice, Target: mailboxA, Detail: "message " + id}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchUsage measures the quota check every send makes, on a mailbox that
// already holds backlog unacknowledged 1 KiB messages (a flooded or idle
// recipient). It should not grow with the backlog.
func BenchUsage(b *testing.B, s store.Store, backlog int) {
	body := bytes.Repeat([]byte{'x'}, 1024)
	err := s.Update(b.Context(), func(tx store.Tx) error {
		ms := make([]store.Message, 0, 100)
		for i := range backlog {
			m := message(fmt.Sprintf("backlog-%07d", i), mailboxA)
			m.Body, m.Size = body, int64(len(body))
			if ms = append(ms, m); len(ms) == cap(ms) || i == backlog-1 {
				if _, err := tx.PutMessages(ms); err != nil {
					return err
				}
				ms = ms[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		err := s.View(b.Context(), func(tx store.Tx) error {
			u, err := tx.Usage(mailboxA)
			if err == nil && u.Messages != int64(backlog) {
				err = fmt.Errorf("usage counts %d messages, want %d", u.Messages, backlog)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
