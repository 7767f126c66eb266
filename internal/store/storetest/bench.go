package storetest

import (
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
