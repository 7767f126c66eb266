package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/server"
	"github.com/airlock-hub/airlock/internal/store/pgtest"
)

// TestCrossNodeWakeUp: two hub nodes share one PostgreSQL schema (and the
// KEK). a2, connected to node B, waits in Fetch; a1 sends through node
// A; B's Fetch returns the message as soon as A commits it (LISTEN/NOTIFY),
// long before its 30 s wait ends, as it would on one node.
func TestCrossNodeWakeUp(t *testing.T) {
	dbURL := pgtest.FreshSchema(t)
	a := startHub(t, dbURL)
	b := startHub(t, dbURL, func(c *server.Config) { c.DataDir = a.srv.Config.DataDir; c.Node = "node-b" })
	a1 := a.agent(t, "a1")
	id, err := a.enroll(t, a.createAgent(t, "a2"))
	if err != nil {
		t.Fatal(err)
	}
	id.Server = b.apiURL()
	a2 := b.connect(t, id)

	const wait = 30 * time.Second
	type fetched struct {
		ms      []client.Message
		err     error
		elapsed time.Duration
	}
	got := make(chan fetched, 1)
	ready := make(chan struct{})
	go func() {
		close(ready)
		start := time.Now()
		ms, err := a2.Fetch(context.Background(), 10, wait)
		got <- fetched{ms, err, time.Since(start)}
	}()
	<-ready
	time.Sleep(500 * time.Millisecond) // let the Fetch start waiting on node B
	sent, _, err := a1.Send(context.Background(), client.SendOptions{To: "a2", Subject: "across nodes",
		ContentType: "text/plain; charset=utf-8", Body: []byte("hello from node A")})
	if err != nil {
		t.Fatalf("send through node A: %v", err)
	}
	f := <-got
	if f.err != nil || len(f.ms) != 1 || f.ms[0].ID != sent {
		t.Fatalf("fetch on node B: %d messages, %v; want %s", len(f.ms), f.err, sent)
	}
	if f.elapsed >= wait-5*time.Second {
		t.Errorf("node B's Fetch returned after %s: woken by its wait ending, not by node A's commit", f.elapsed)
	}
}
