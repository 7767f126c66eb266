package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const (
	alice = "spiffe://example.org/human/alice"
	bob   = "spiffe://example.org/human/bob"
)

// sampleEvents are appended in order and get Seq 1…5.
var sampleEvents = []store.Event{
	{Time: base, Node: "n1", Type: "agent.created", Outcome: store.OutcomeSuccess, Actor: alice,
		Target: "billing", RequestID: "r1", Reasons: []string{"policy/admins"}, Detail: "created"},
	{Time: base.Add(time.Minute), Node: "n1", Type: "agent.created", Outcome: store.OutcomeFailure,
		Actor: bob, Target: "billing", RequestID: "r2", Reasons: []string{"no policy matched"}},
	{Time: base.Add(2 * time.Minute), Node: "n2", Type: "token.used", Outcome: store.OutcomeSuccess,
		Target: "billing", RequestID: "r3"},
	{Time: base.Add(3 * time.Minute), Node: "n2", Type: "agent.suspended", Outcome: store.OutcomeSuccess,
		Actor: alice, Target: "billing", RequestID: "r4", Reasons: []string{"a", "b", "c"}},
	{Time: base.Add(4 * time.Minute), Node: "n1", Type: "agent.created", Outcome: store.OutcomeSuccess,
		Actor: alice, Target: "payroll", RequestID: "r5", Detail: "second"},
}

func appendSamples(t *testing.T, s store.Store) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for i, e := range sampleEvents {
			seq, err := tx.AppendEvent(e)
			wantErr(t, "append", err, nil)
			if want := int64(i + 1); seq != want {
				t.Errorf("append %d: got seq %d, want %d", i, seq, want)
			}
		}
		return nil
	})
}

func checkEvent(t *testing.T, got, want store.Event) {
	t.Helper()
	if got.Seq != want.Seq || !sameTime(got.Time, want.Time) || got.Node != want.Node ||
		got.Type != want.Type || got.Outcome != want.Outcome || got.Actor != want.Actor ||
		got.Target != want.Target || got.RequestID != want.RequestID ||
		!slices.Equal(got.Reasons, want.Reasons) || got.Detail != want.Detail {
		t.Errorf("event:\n got %+v\nwant %+v", got, want)
	}
}

func testEvents(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		es, err := tx.Events(store.EventFilter{})
		wantErr(t, "events of empty log", err, nil)
		if len(es) != 0 {
			t.Errorf("events of empty log: got %d, want 0", len(es))
		}
		return nil
	})
	appendSamples(t, s)
	// A second transaction continues the sequence.
	update(t, s, func(tx store.Tx) error {
		seq, err := tx.AppendEvent(store.Event{Time: base, Type: "hub.started", Outcome: store.OutcomeSuccess})
		if seq != 6 || err != nil {
			t.Errorf("append in second tx: got seq %d, err %v; want 6, nil", seq, err)
		}
		return err
	})
	view(t, s, func(tx store.Tx) error {
		es, err := tx.Events(store.EventFilter{})
		wantErr(t, "events", err, nil)
		if len(es) != 6 {
			t.Fatalf("events: got %d, want 6", len(es))
		}
		for i, want := range sampleEvents {
			want.Seq = int64(i + 1)
			checkEvent(t, es[i], want)
		}
		return nil
	})
}

func testEventFilters(t *testing.T, s store.Store) {
	appendSamples(t, s)
	tests := []struct {
		name string
		f    store.EventFilter
		want []int64
	}{
		{"all", store.EventFilter{}, []int64{1, 2, 3, 4, 5}},
		{"after seq", store.EventFilter{AfterSeq: 3}, []int64{4, 5}},
		{"after last", store.EventFilter{AfterSeq: 5}, nil},
		{"since", store.EventFilter{Since: base.Add(2 * time.Minute)}, []int64{3, 4, 5}},
		{"since in other zone", store.EventFilter{Since: base.Add(90 * time.Second).In(time.FixedZone("X", 5*3600))}, []int64{3, 4, 5}},
		{"actor", store.EventFilter{Actor: alice}, []int64{1, 4, 5}},
		{"type", store.EventFilter{Type: "agent.created"}, []int64{1, 2, 5}},
		{"outcome", store.EventFilter{Outcome: store.OutcomeFailure}, []int64{2}},
		{"limit", store.EventFilter{Limit: 2}, []int64{1, 2}},
		{"after seq and limit", store.EventFilter{AfterSeq: 1, Limit: 2}, []int64{2, 3}},
		{"combined", store.EventFilter{Actor: alice, Type: "agent.created", Since: base.Add(time.Second)}, []int64{5}},
		{"no match", store.EventFilter{Actor: "spiffe://example.org/nobody"}, nil},
	}
	view(t, s, func(tx store.Tx) error {
		for _, tt := range tests {
			es, err := tx.Events(tt.f)
			wantErr(t, tt.name, err, nil)
			var got []int64
			for _, e := range es {
				got = append(got, e.Seq)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: got seqs %v, want %v", tt.name, got, tt.want)
			}
		}
		return nil
	})
}
