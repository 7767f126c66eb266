package messaging

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/keys"
)

func TestLocalNotifier(t *testing.T) {
	var n LocalNotifier
	a, cancelA := n.Subscribe("agent/a")
	b, cancelB := n.Subscribe("agent/b")
	defer cancelB()
	n.Notify("agent/a")
	n.Notify("agent/a") // coalesces; never blocks
	select {
	case <-a:
	default:
		t.Fatal("subscriber of agent/a was not woken")
	}
	select {
	case <-a:
		t.Fatal("two notifications were not coalesced")
	case <-b:
		t.Fatal("subscriber of agent/b was woken by agent/a")
	default:
	}
	cancelA()
	cancelA() // safe twice
	n.Notify("agent/a")
	select {
	case <-a:
		t.Fatal("cancelled subscriber was woken")
	default:
	}
	if len(n.subs) != 1 {
		t.Errorf("%d mailboxes subscribed after cancel, want 1", len(n.subs))
	}
}

func TestStoreKeysets(t *testing.T) {
	h := newHub(t)
	ks := StoreKeysets{Store: h.st}
	ctx := context.Background()
	if _, _, err := ks.GetKeyset(ctx, "agent/x"); !errors.Is(err, keys.ErrNoKeyset) {
		t.Fatalf("GetKeyset of a new owner = %v, want ErrNoKeyset", err)
	}
	if err := ks.PutKeyset(ctx, "agent/x", 1, []byte("r1")); !errors.Is(err, keys.ErrKeysetConflict) {
		t.Errorf("PutKeyset at version 1 of a new owner = %v, want ErrKeysetConflict", err)
	}
	if err := ks.PutKeyset(ctx, "agent/x", 0, []byte("r1")); err != nil {
		t.Fatal(err)
	}
	if err := ks.PutKeyset(ctx, "agent/x", 0, []byte("r1 again")); !errors.Is(err, keys.ErrKeysetConflict) {
		t.Errorf("second create = %v, want ErrKeysetConflict", err)
	}
	if err := ks.PutKeyset(ctx, "agent/x", 1, []byte("r2")); err != nil {
		t.Fatal(err)
	}
	data, v, err := ks.GetKeyset(ctx, "agent/x")
	if err != nil || v != 2 || string(data) != "r2" {
		t.Errorf("GetKeyset = %q, %d, %v; want r2, 2", data, v, err)
	}
}

// TestConcurrentDeliveredOnce runs senders and receivers at once: every
// message is delivered, and none twice (leases do not run out here).
func TestConcurrentDeliveredOnce(t *testing.T) {
	h := newHub(t)
	a2 := h.agent("a2")
	senders := []*agent{h.agent("s1"), h.agent("s2"), h.agent("s3")}
	const perSender = 20
	total := perSender * len(senders)
	// Bounds the test if a send fails and receivers wait for it forever.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perSender {
				e := h.envelope(s, a2, "concurrent")
				sig, err := Sign(s.cert.Key, e)
				if err == nil {
					_, err = h.svc.Send(ctx, s.actor(), s.sender(), a2.recipient(), e, sig, "")
				}
				if err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	var mu sync.Mutex
	seen := map[string]int{}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				done := len(seen) >= total
				mu.Unlock()
				if done {
					return
				}
				ds, err := h.svc.Fetch(ctx, a2.actor(), a2.mailbox(), 7, 50*time.Millisecond)
				if err != nil {
					t.Errorf("fetch: %v", err)
					return
				}
				ids := make([]string, len(ds))
				mu.Lock()
				for i, d := range ds {
					seen[d.Envelope.ID]++
					ids[i] = d.Envelope.ID
				}
				mu.Unlock()
				if len(ids) > 0 {
					if _, err := h.svc.Ack(ctx, a2.actor(), a2.mailbox(), ids); err != nil {
						t.Errorf("ack: %v", err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != total {
		t.Errorf("delivered %d distinct messages, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}
}
