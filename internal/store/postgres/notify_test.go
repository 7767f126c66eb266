package postgres_test

import (
	"context"
	"testing"
	"time"
)

// TestNotifyListen: a Notify reaches Listen on another Store of the same
// schema (another hub node), and not a Store of another schema.
func TestNotifyListen(t *testing.T) {
	dbURL := freshSchema(t)
	a, b := open(t, dbURL), open(t, dbURL)
	other := open(t, freshSchema(t))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	listen := func(s interface {
		Listen(context.Context, func(string), func()) error
	}) <-chan string {
		got := make(chan string, 100)
		go s.Listen(ctx, func(p string) { got <- p }, func() {}) //nolint:errcheck // ends with ctx
		return got
	}
	gotB, gotOther := listen(b), listen(other)
	// LISTEN starts asynchronously: notify until it is heard.
	await := func(name string, got <-chan string, notify func() error) string {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			if err := notify(); err != nil {
				t.Fatalf("notify: %v", err)
			}
			select {
			case p := <-got:
				return p
			case <-time.After(100 * time.Millisecond):
			case <-deadline:
				t.Fatalf("%s heard nothing in 10 s", name)
			}
		}
	}
	if p := await("the other node", gotB, func() error { return a.Notify(ctx, "agent/a2") }); p != "agent/a2" {
		t.Errorf("other node heard %q, want agent/a2", p)
	}
	if p := await("the other schema", gotOther, func() error { return other.Notify(ctx, "mine") }); p != "mine" {
		t.Errorf("a store of another schema heard %q, want only its own notification", p)
	}
}
