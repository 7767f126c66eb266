package messaging

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store/pgtest"
	"github.com/airlock-hub/airlock/internal/store/postgres"
)

// TestClusterNotifier: two nodes on one PostgreSQL schema. A Notify on
// node A wakes a waiter of that mailbox on node B (through LISTEN/NOTIFY)
// and not a waiter of another mailbox; A's own waiter is woken at once.
func TestClusterNotifier(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	node := func() *ClusterNotifier {
		st, err := postgres.Open(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return &ClusterNotifier{B: st}
	}
	a, b := node(), node()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{}, 2)
	for _, n := range []*ClusterNotifier{a, b} {
		go func() { n.Run(ctx); done <- struct{}{} }()
	}
	defer func() { cancel(); <-done; <-done }()

	onA, stopA := a.Subscribe("agent/a2")
	defer stopA()
	onB, stopB := b.Subscribe("agent/a2")
	defer stopB()
	otherB, stopOther := b.Subscribe("agent/b7")
	defer stopOther()
	// B's LISTEN starts asynchronously: notify until B hears it.
	deadline := time.After(10 * time.Second)
	for heard := false; !heard; {
		a.Notify("agent/a2")
		select {
		case <-onB:
			heard = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("node B was not woken within 10 s")
		}
	}
	select {
	case <-onA:
	default:
		t.Error("node A's own waiter was not woken at once")
	}
	select {
	case <-otherB:
		t.Error("a waiter of another mailbox was woken")
	default:
	}
}

// TestClusterPayloads: pending mailboxes are sent once each, with this
// node's ID first, in payloads under PostgreSQL's limit.
func TestClusterPayloads(t *testing.T) {
	n := &ClusterNotifier{}
	n.init()
	want := map[string]bool{}
	for i := range 500 {
		mb := "agent/" + strings.Repeat("x", 40) + string(rune('a'+i%26)) + strings.Repeat("y", i%7) + "-" + string(rune('A'+i/26))
		want[mb] = true
		n.Notify(mb)
		n.Notify(mb)
	}
	got := map[string]int{}
	ps := n.payloads()
	if len(ps) < 2 {
		t.Fatalf("%d payloads for %d mailboxes, want them split", len(ps), len(want))
	}
	for _, p := range ps {
		if len(p) > maxPayload {
			t.Errorf("payload of %d bytes, limit %d", len(p), maxPayload)
		}
		lines := strings.Split(p, "\n")
		if lines[0] != n.self {
			t.Errorf("payload starts %q, want the node ID %q", lines[0], n.self)
		}
		for _, mb := range lines[1:] {
			got[mb]++
		}
	}
	for mb := range want {
		if got[mb] != 1 {
			t.Errorf("%s sent %d times, want once", mb, got[mb])
		}
	}
	if len(got) != len(want) || len(n.payloads()) != 0 {
		t.Errorf("sent %d mailboxes, want %d, and nothing left pending", len(got), len(want))
	}
}
