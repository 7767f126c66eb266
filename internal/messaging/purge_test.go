package messaging

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestPurgeAcked: acked messages older than Retention are deleted, in a
// transaction with a messages.purged event; unacked ones stay; and the
// purged message's captured envelope cannot be replayed, because its ID
// is by then older than MaxIDAge.
func TestPurgeAcked(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	a1, a2 := h.agent("a1"), h.agent("a2")
	e := h.envelope(a1, a2, "read and acked")
	sig := h.sign(a1, e)
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); err != nil {
		t.Fatal(err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 1 {
		t.Fatalf("fetched %d, want 1", len(ds))
	}
	if n, err := h.svc.Ack(ctx, a2.actor(), a2.mailbox(), []string{e.ID}); err != nil || n != 1 {
		t.Fatalf("ack = %d, %v", n, err)
	}
	waiting := h.mustSend(a1, a2, "not read yet")

	if n, err := h.svc.PurgeAcked(ctx); err != nil || n != 0 {
		t.Fatalf("purge before retention = %d, %v; want 0", n, err)
	}
	h.clock.advance(DefaultRetention + time.Hour)
	if n, err := h.svc.PurgeAcked(ctx); err != nil || n != 1 {
		t.Fatalf("purge after retention = %d, %v; want 1", n, err)
	}
	if _, err := h.svc.Get(ctx, a2.mailbox(), e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("purged message: Get = %v, want ErrNotFound", err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 1 || ds[0].Envelope.ID != waiting {
		t.Errorf("unacked message after purge: fetched %v, want %s", deliveryIDs(ds), waiting)
	}
	evs := h.events("messages.purged")
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Detail, "1 acked messages") {
		t.Errorf("messages.purged events = %+v, want one for 1 message", evs)
	}
	if n, err := h.svc.PurgeAcked(ctx); err != nil || n != 0 || len(h.events("messages.purged")) != 1 {
		t.Errorf("second purge = %d, %v; want 0 and no new event", n, err)
	}
	_, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, "")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "replayed") {
		t.Errorf("replay of the purged envelope = %v, want ErrInvalid (too old)", err)
	}
}
