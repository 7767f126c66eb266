package messaging

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

func TestSendFetchAck(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ids := []string{h.mustSend(a1, a2, "first"), h.mustSend(a1, a2, "second")}

	ds := h.fetch(a2, 10)
	if len(ds) != 2 {
		t.Fatalf("fetched %d messages, want 2", len(ds))
	}
	for i, d := range ds {
		if d.Envelope.ID != ids[i] {
			t.Errorf("delivery %d is %s, want %s (FIFO)", i, d.Envelope.ID, ids[i])
		}
		verifyDelivery(t, d, a1.id)
		if d.Attempt != 1 || d.Envelope.Recipient != a2.id || d.Envelope.Created.IsZero() || d.LeaseExpires.IsZero() {
			t.Errorf("delivery %d: attempt %d, recipient %q, created %v, lease %v", i, d.Attempt, d.Envelope.Recipient, d.Envelope.Created, d.LeaseExpires)
		}
	}
	if got, want := string(ds[0].Envelope.Body), "first"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got := ds[1].Envelope.Headers["x-trace"]; got != "trace-second" {
		t.Errorf("header x-trace = %q, want trace-second", got)
	}
	if more := h.fetch(a2, 10); len(more) != 0 {
		t.Errorf("leased messages fetched again: %d", len(more))
	}
	n, err := h.svc.Ack(context.Background(), a2.actor(), a2.mailbox(), ids)
	if err != nil || n != 2 {
		t.Fatalf("ack = %d, %v; want 2, nil", n, err)
	}
	if n, err := h.svc.Ack(context.Background(), a2.actor(), a2.mailbox(), ids[:1]); err != nil || n != 0 {
		t.Errorf("second ack = %d, %v; want 0, nil", n, err)
	}
	h.clock.advance(time.Hour)
	if again := h.fetch(a2, 10); len(again) != 0 {
		t.Errorf("acked messages redelivered: %d", len(again))
	}
	if got := len(h.events("message.sent")); got != 2 {
		t.Errorf("%d message.sent events, want 2", got)
	}
	if got := len(h.events("message.acked")); got != 2 {
		t.Errorf("%d message.acked events, want 2", got)
	}
	ev := h.events("message.sent")[0]
	if ev.Actor != a1.id || ev.Target != a2.id || len(ev.Reasons) == 0 || !strings.Contains(ev.Detail, ids[0]) {
		t.Errorf("message.sent event = %+v", ev)
	}
	d, err := h.svc.Get(context.Background(), a2.mailbox(), ids[0])
	if err != nil || d.State != store.MessageAcked || string(d.Envelope.Body) != "first" {
		t.Errorf("Get = %s state %s body %q, %v; want the acked message", d.Envelope.ID, d.State, d.Envelope.Body, err)
	}
}

func TestSendIgnoresClientSender(t *testing.T) {
	h := newHub(t)
	a1, a2, a3 := h.agent("a1"), h.agent("a2"), h.agent("a3")
	ctx := context.Background()

	// The sender field the client sent is overwritten by the mTLS identity.
	e := h.envelope(a1, a2, "hi")
	sig := h.sign(a1, e)
	e.Sender = a3.id
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); err != nil {
		t.Fatalf("send: %v", err)
	}
	ds := h.fetch(a2, 10)
	if len(ds) != 1 {
		t.Fatalf("fetched %d, want 1", len(ds))
	}
	verifyDelivery(t, ds[0], a1.id)

	// A signature over a forged sender does not verify against the real one.
	forged := h.envelope(a1, a2, "forged")
	forged.Sender = a3.id
	_, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), forged, h.sign(a1, forged), "")
	if !errors.Is(err, ErrBadSignature) {
		t.Errorf("send with forged sender = %v, want ErrBadSignature", err)
	}
}

func TestSendRejects(t *testing.T) {
	h := newHub(t)
	h.svc.MaxBody = 64
	a1, a2, a3 := h.agent("a1"), h.agent("a2"), h.agent("a3")
	ctx := context.Background()
	other := identitytest.Leaf(t, h.ca, identitytest.Options{Name: "a1"}) // same ID, other key
	for _, tc := range []struct {
		name   string
		mutate func(e *Envelope, sig *[]byte, from *Sender, to *Recipient)
		want   error
	}{
		{"missing signature", func(_ *Envelope, sig *[]byte, _ *Sender, _ *Recipient) { *sig = nil }, ErrBadSignature},
		{"flipped signature byte", func(_ *Envelope, sig *[]byte, _ *Sender, _ *Recipient) { (*sig)[len(*sig)-1] ^= 1 }, ErrBadSignature},
		{"body changed after signing", func(e *Envelope, _ *[]byte, _ *Sender, _ *Recipient) { e.Body = []byte("changed") }, ErrBadSignature},
		{"signed by another key", func(e *Envelope, sig *[]byte, _ *Sender, _ *Recipient) {
			*sig, _ = Sign(other.Key, *e)
		}, ErrBadSignature},
		{"signed for another recipient", func(_ *Envelope, _ *[]byte, _ *Sender, to *Recipient) { *to = a3.recipient() }, ErrBadSignature},
		{"certificate of another agent", func(_ *Envelope, _ *[]byte, from *Sender, _ *Recipient) {
			from.Leaf, from.Chain = a3.cert.Leaf(), nil
		}, ErrBadSignature},
		{"no certificate", func(_ *Envelope, _ *[]byte, from *Sender, _ *Recipient) { from.Leaf = nil }, ErrBadSignature},
		{"body over limit", func(e *Envelope, sig *[]byte, _ *Sender, _ *Recipient) {
			e.Body = bytes.Repeat([]byte("a"), 65)
			*sig, _ = Sign(a1.cert.Key, *e)
		}, ErrInvalid},
		{"invalid utf-8 text body", func(e *Envelope, sig *[]byte, _ *Sender, _ *Recipient) {
			e.Body = []byte("caf\xe9")
			*sig, _ = Sign(a1.cert.Key, *e)
		}, ErrInvalid},
		{"recipient is not an agent", func(_ *Envelope, _ *[]byte, _ *Sender, to *Recipient) {
			to.Entity = policy.Entity{Type: policy.TypeTopic, ID: "t"}
		}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := h.envelope(a1, a2, "hello")
			sig, from, to := h.sign(a1, e), a1.sender(), a2.recipient()
			tc.mutate(&e, &sig, &from, &to)
			if _, err := h.svc.Send(ctx, a1.actor(), from, to, e, sig, ""); !errors.Is(err, tc.want) {
				t.Fatalf("send = %v, want %v", err, tc.want)
			}
		})
	}
	if got := h.fetch(a2, 100); len(got) != 0 {
		t.Errorf("rejected messages were delivered: %d", len(got))
	}
	if got := h.fetch(a3, 100); len(got) != 0 {
		t.Errorf("rejected messages were delivered to a3: %d", len(got))
	}
	if got := len(h.events("message.rejected")); got != 10 {
		t.Errorf("%d message.rejected events, want 10", got)
	}
}

func TestSendPolicy(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	h.authz.set(policy.Deny)
	if _, err := h.send(a1, a2, "denied"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("denied send = %v, want ErrDenied", err)
	}
	h.authz.set(policy.Approval)
	r, err := h.send(a1, a2, "held")
	if err != nil || r.State != store.MessageHeld {
		t.Fatalf("approval-gated send = %+v, %v; want held", r, err)
	}
	if got := h.fetch(a2, 10); len(got) != 0 {
		t.Errorf("held message delivered")
	}
	if _, err := h.svc.Get(context.Background(), a2.mailbox(), r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a held message = %v, want ErrNotFound", err)
	}
	if got := len(h.events("message.held")); got != 1 {
		t.Errorf("%d message.held events, want 1", got)
	}
	if h.authz.requests[0] != `Agent::"a1" SendMessage Agent::"a2"` {
		t.Errorf("authorized %q", h.authz.requests[0])
	}
}

func TestReplayRejected(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx := context.Background()
	e := h.envelope(a1, a2, "once")
	sig := h.sign(a1, e)
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); !errors.Is(err, ErrDuplicate) {
		t.Errorf("replay = %v, want ErrDuplicate", err)
	}
	ds := h.fetch(a2, 10)
	if _, err := h.svc.Ack(ctx, a2.actor(), a2.mailbox(), []string{e.ID}); err != nil {
		t.Fatal(err)
	}
	// Replayed after it was acked: still a duplicate, never new.
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); !errors.Is(err, ErrDuplicate) {
		t.Errorf("replay after ack = %v, want ErrDuplicate", err)
	}
	if len(ds) != 1 || len(h.fetch(a2, 10)) != 0 {
		t.Errorf("replayed message delivered more than once")
	}
}

func TestIdempotency(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx := context.Background()
	send := func(body string) Result {
		t.Helper()
		e := h.envelope(a1, a2, body)
		r, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, h.sign(a1, e), "key-1")
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		return r
	}
	first := send("one")
	retry := send("one again")
	if !retry.Duplicate || retry.ID != first.ID || first.Duplicate {
		t.Errorf("retry = %+v, first = %+v; want the first ID, duplicate", retry, first)
	}
	if ds := h.fetch(a2, 10); len(ds) != 1 {
		t.Errorf("fetched %d, want 1", len(ds))
	}
	h.clock.advance(IdempotencyWindow + time.Minute)
	if late := send("after a day"); late.Duplicate || late.ID == first.ID {
		t.Errorf("send after the window = %+v, want a new message", late)
	}
}

func TestLeaseExpiryAndDeadLetters(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx := context.Background()
	id := h.mustSend(a1, a2, "retry me")
	for attempt := 1; attempt <= h.svc.MaxAttempts; attempt++ {
		ds := h.fetch(a2, 10)
		if len(ds) != 1 || ds[0].Attempt != attempt {
			t.Fatalf("fetch %d: deliveries %v", attempt, deliveryIDs(ds))
		}
		if len(h.fetch(a2, 10)) != 0 {
			t.Fatalf("redelivered before the lease ran out")
		}
		// Redelivery backs off: each lease is twice the one before.
		h.clock.advance(store.LeaseFor(h.svc.Lease, attempt) - time.Second)
		if attempt > 1 && len(h.fetch(a2, 10)) != 0 {
			t.Fatalf("attempt %d redelivered before its longer lease ran out", attempt)
		}
		h.clock.advance(2 * time.Second)
	}
	if ds := h.fetch(a2, 10); len(ds) != 0 {
		t.Fatalf("delivered after MaxAttempts: %v", deliveryIDs(ds))
	}
	evs := h.events("message.dead_lettered")
	if len(evs) != 1 || evs[0].Actor != a2.id || evs[0].Target != a2.mailbox() || !strings.Contains(evs[0].Detail, id) ||
		evs[0].Outcome != store.OutcomeFailure {
		t.Errorf("message.dead_lettered events = %+v, want one by a2 on its mailbox naming %s", evs, id)
	}
	dead, err := h.svc.DeadLetters(ctx, a2.mailbox(), 0)
	if err != nil || len(dead) != 1 || dead[0].Envelope.ID != id || dead[0].Err != nil || string(dead[0].Envelope.Body) != "retry me" {
		t.Fatalf("DeadLetters = %d entries, %v", len(dead), err)
	}
	if _, err := h.svc.Ack(ctx, a2.actor(), a2.mailbox(), []string{id}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ack of a dead letter = %v, want ErrConflict", err)
	}
	if n, err := h.svc.Requeue(ctx, a2.actor(), a2.mailbox(), []string{id}); err != nil || n != 1 {
		t.Fatalf("requeue = %d, %v", n, err)
	}
	ds := h.fetch(a2, 10)
	if len(ds) != 1 || ds[0].Attempt != 1 {
		t.Fatalf("after requeue: %v", deliveryIDs(ds))
	}
	if _, err := h.svc.Requeue(ctx, a2.actor(), a2.mailbox(), []string{id}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("requeue of a live message = %v, want ErrConflict", err)
	}
}

func TestAckNotFound(t *testing.T) {
	h := newHub(t)
	a1, a2, a3 := h.agent("a1"), h.agent("a2"), h.agent("a3")
	ctx := context.Background()
	forA3 := h.mustSend(a1, a3, "for a3")
	forA2 := h.mustSend(a1, a2, "for a2")
	unknown, _ := NewID()
	for name, ids := range map[string][]string{"someone else's": {forA3}, "unknown": {unknown}, "mixed": {forA2, unknown}} {
		if _, err := h.svc.Ack(ctx, a2.actor(), a2.mailbox(), ids); !errors.Is(err, ErrNotFound) {
			t.Errorf("ack %s = %v, want ErrNotFound", name, err)
		}
		if _, err := h.svc.Requeue(ctx, a2.actor(), a2.mailbox(), ids[len(ids)-1:]); !errors.Is(err, ErrNotFound) {
			t.Errorf("requeue %s = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := h.svc.Get(ctx, a2.mailbox(), forA3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of someone else's message = %v, want ErrNotFound", err)
	}
	// The mixed ack was all or nothing; a3's message is still a3's.
	if ds := h.fetch(a2, 10); len(ds) != 1 || ds[0].Envelope.ID != forA2 {
		t.Errorf("a2 fetched %v", deliveryIDs(ds))
	}
	if ds := h.fetch(a3, 10); len(ds) != 1 || ds[0].Envelope.ID != forA3 {
		t.Errorf("a3 fetched %v", deliveryIDs(ds))
	}
}

func TestQuota(t *testing.T) {
	h := newHub(t)
	h.svc.QuotaMessages, h.svc.QuotaBytes = 2, 1000
	a1, a2 := h.agent("a1"), h.agent("a2")
	ids := []string{h.mustSend(a1, a2, "1"), h.mustSend(a1, a2, "2")}
	_, err := h.send(a1, a2, "3")
	if !errors.Is(err, ErrQuota) {
		t.Fatalf("send over message quota = %v, want ErrQuota", err)
	}
	if !strings.Contains(err.Error(), "holds 2 messages") {
		t.Errorf("quota error %q does not say the mailbox holds 2 messages", err)
	}
	// The refused message was rolled back with its Update: only two are there.
	ds, err := h.svc.Fetch(context.Background(), a2.actor(), a2.mailbox(), 10, 0)
	if err != nil || len(ds) != 2 {
		t.Fatalf("fetch after a refused send: %d deliveries, err %v; want 2", len(ds), err)
	}
	if _, err := h.svc.Ack(context.Background(), a2.actor(), a2.mailbox(), ids); err != nil {
		t.Fatal(err)
	}
	h.mustSend(a1, a2, "after ack")
	if _, err := h.send(a1, a2, strings.Repeat("x", 1000)); !errors.Is(err, ErrQuota) {
		t.Errorf("send over byte quota = %v, want ErrQuota", err)
	}
}

func TestFetchWaitsForSend(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan []Delivery, 1)
	errc := make(chan error, 1)
	go func() {
		// Waits far longer than ctx: only a notification ends it in time.
		ds, err := h.svc.Fetch(ctx, a2.actor(), a2.mailbox(), 10, time.Hour)
		got <- ds
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // usually lets Fetch start waiting; correct either way
	id := h.mustSend(a1, a2, "wake up")
	ds, err := <-got, <-errc
	if err != nil || len(ds) != 1 || ds[0].Envelope.ID != id {
		t.Fatalf("Fetch = %v, %v", deliveryIDs(ds), err)
	}
}

func TestReceive(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan Delivery)
	done := make(chan error, 1)
	go func() {
		done <- h.svc.Receive(ctx, a2.actor(), a2.mailbox(), 4, func(d Delivery) error {
			select {
			case got <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var want []string
	for i := range 5 {
		want = append(want, h.mustSend(a1, a2, "m"+string(rune('0'+i))))
	}
	for i := range want {
		select {
		case d := <-got:
			if d.Envelope.ID != want[i] {
				t.Errorf("received %s, want %s", d.Envelope.ID, want[i])
			}
		case <-ctx.Done():
			t.Fatalf("received %d of %d", i, len(want))
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Receive = %v, want context.Canceled", err)
	}
}

func TestNoPlaintextAtRest(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	body := "plaintext-body-7f3a9c"
	h.mustSend(a1, a2, body)
	h.fetch(a2, 10)
	h.close()
	if h.rawContains([]byte(body)) {
		t.Error("the database holds the plaintext body")
	}
	if h.rawContains([]byte("trace-" + body)) {
		t.Error("the database holds a plaintext header value")
	}
	if !h.rawContains([]byte("hello a2")) {
		t.Error("the database lacks the subject; the raw-bytes check is not looking at the right files")
	}
}

func TestTamperedCiphertext(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx := context.Background()
	flipped := h.mustSend(a1, a2, "flip me")
	moved := h.mustSend(a1, a2, "overwrite me")
	source := h.mustSend(a1, a2, "copy me")
	intact := h.mustSend(a1, a2, "intact")
	h.reopen(func(db *sql.DB) {
		var body []byte
		if err := db.QueryRow(`SELECT body FROM messages WHERE id = ?`, flipped).Scan(&body); err != nil {
			t.Fatal(err)
		}
		body[len(body)/2] ^= 0x01
		mustExec(t, db, `UPDATE messages SET body = ? WHERE id = ?`, body, flipped)
		mustExec(t, db, `UPDATE messages SET body = (SELECT body FROM messages WHERE id = ?) WHERE id = ?`, source, moved)
	})
	for _, id := range []string{flipped, moved} {
		if _, err := h.svc.Get(ctx, a2.mailbox(), id); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Get %s = %v, want ErrCorrupt", id, err)
		}
	}
	ds := h.fetch(a2, 10)
	if len(ds) != 2 || ds[0].Envelope.ID != source || ds[1].Envelope.ID != intact {
		t.Fatalf("fetched %v, want only the two intact messages", deliveryIDs(ds))
	}
	for _, id := range []string{flipped, moved} {
		if m := h.message(id); m.State != store.MessageDead {
			t.Errorf("corrupt message %s is %s, want dead", id, m.State)
		}
	}
	dead, err := h.svc.DeadLetters(ctx, a2.mailbox(), 0)
	if err != nil || len(dead) != 2 {
		t.Fatalf("DeadLetters = %d entries, %v", len(dead), err)
	}
	for _, d := range dead {
		if !errors.Is(d.Err, ErrCorrupt) || d.Envelope.Body != nil {
			t.Errorf("dead letter %s: err %v, body %q", d.Envelope.ID, d.Err, d.Envelope.Body)
		}
	}
	// Fetch audits both; the Gets above audited them too.
	if got := len(h.events("message.corrupt")); got != 4 {
		t.Errorf("%d message.corrupt events, want 4", got)
	}
}

func TestHeadersMovedToBody(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	id := h.mustSend(a1, a2, "swap")
	h.reopen(func(db *sql.DB) {
		mustExec(t, db, `UPDATE messages SET body = headers WHERE id = ?`, id)
	})
	if _, err := h.svc.Get(context.Background(), a2.mailbox(), id); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get = %v, want ErrCorrupt", err)
	}
}

func TestRotateAndRewrap(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx := context.Background()
	old := h.mustSend(a1, a2, "old")
	newKey, err := h.svc.Keys.Rotate(ctx, a2.mailbox())
	if err != nil {
		t.Fatal(err)
	}
	fresh := h.mustSend(a1, a2, "new")
	if h.message(old).KeyID == newKey || h.message(fresh).KeyID != newKey {
		t.Fatalf("key IDs: old %d, new %d, rotated to %d", h.message(old).KeyID, h.message(fresh).KeyID, newKey)
	}
	for id, body := range map[string]string{old: "old", fresh: "new"} {
		d, err := h.svc.Get(ctx, a2.mailbox(), id)
		if err != nil || string(d.Envelope.Body) != body {
			t.Errorf("Get %s after rotation = %q, %v", id, d.Envelope.Body, err)
		}
	}
	var calls int
	n, skipped, err := h.svc.Rewrap(ctx, a2.mailbox(), func(done, total int) { calls++ })
	if err != nil || n != 1 || skipped != 0 || calls != 2 {
		t.Fatalf("Rewrap = %d, %d, %v (%d progress calls); want 1 rewrapped", n, skipped, err, calls)
	}
	if got := h.message(old).KeyID; got != newKey {
		t.Errorf("after rewrap the old message uses key %d, want %d", got, newKey)
	}
	ds := h.fetch(a2, 10)
	if len(ds) != 2 || string(ds[0].Envelope.Body) != "old" {
		t.Fatalf("fetch after rewrap: %v", deliveryIDs(ds))
	}
	verifyDelivery(t, ds[0], a1.id)
}

func TestShred(t *testing.T) {
	h := newHub(t)
	a1, a2, a3 := h.agent("a1"), h.agent("a2"), h.agent("a3")
	ctx := context.Background()
	body := "shred-me-4b1d"
	id := h.mustSend(a1, a2, body)
	kept := h.mustSend(a1, a3, "keep-me")
	var record []byte
	if err := h.st.View(ctx, func(tx store.Tx) error {
		var err error
		record, err = tx.GetBlob("keyset/" + a2.mailbox())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Shred(ctx, policy.Actor{ID: "spiffe://example.org/human/admin"}, a2.mailbox()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Get(ctx, a2.mailbox(), id); !errors.Is(err, ErrCorrupt) || !errors.Is(err, keys.ErrShredded) {
		t.Errorf("Get after shred = %v, want ErrCorrupt and keys.ErrShredded", err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 0 {
		t.Errorf("delivered after shred: %v", deliveryIDs(ds))
	}
	if _, err := h.send(a1, a2, "after"); !errors.Is(err, keys.ErrShredded) {
		t.Errorf("send to a shredded mailbox = %v, want keys.ErrShredded", err)
	}
	if d, err := h.svc.Get(ctx, a3.mailbox(), kept); err != nil || string(d.Envelope.Body) != "keep-me" {
		t.Errorf("another mailbox after shred: %q, %v", d.Envelope.Body, err)
	}
	if got := len(h.events("keys.shredded")); got != 1 {
		t.Errorf("%d keys.shredded events, want 1", got)
	}
	// A fresh hub with the same KEK and database cannot read it either.
	h.reopen(nil)
	if _, err := h.svc.Get(ctx, a2.mailbox(), id); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get after reopen = %v, want ErrCorrupt", err)
	}
	h.close()
	if h.rawContains([]byte(body)) {
		t.Error("the database holds the plaintext body")
	}
	if wrapped := record[len(record)/2 : len(record)/2+64]; h.rawContains(wrapped) {
		t.Error("the database still holds the shredded keyset record")
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", q, n)
	}
}

// deliveryIDs lists the IDs and attempts of ds, for failure messages.
func deliveryIDs(ds []Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s#%d", d.Envelope.ID, d.Attempt)
	}
	return out
}

// TestSendWaitsForSlot: at most maxPendingSends sends are in progress at
// once; another waits for a slot, gives up when its context
// ends without storing anything, and goes through once a slot is free.
func TestSendWaitsForSlot(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	var releases []func()
	for range maxPendingSends {
		release, err := h.svc.sendSlot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	e := h.envelope(a1, a2, "waits")
	if _, err := h.svc.Send(ctx, a1.actor(), a1.sender(), a2.recipient(), e, h.sign(a1, e), ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send with every slot taken = %v, want context.DeadlineExceeded", err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 0 {
		t.Fatalf("a send that got no slot stored %d messages", len(ds))
	}
	releases[0]()
	h.mustSend(a1, a2, "after a slot was freed")
	if ds := h.fetch(a2, 10); len(ds) != 1 {
		t.Errorf("fetched %d messages, want 1", len(ds))
	}
	for _, release := range releases[1:] {
		release()
	}
}

// TestIDTime: a new envelope's ID must be a UUIDv7 made within MaxIDAge
// before the hub's clock and MaxIDSkew after it, so that a captured
// envelope cannot be replayed after the hub has purged its row.
func TestIDTime(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	now := h.clock.Now()
	for _, tt := range []struct {
		name, id, want string
	}{
		{"v4", "3b241101-e2bb-4255-8caf-4136c566a962", "must be a UUIDv7"},
		{"older than a day", idAt(t, now.Add(-MaxIDAge-time.Minute)), "more than 24h0m0s ago"},
		{"from the future", idAt(t, now.Add(MaxIDSkew+time.Minute)), "ahead of the hub's clock"},
	} {
		e := h.envelope(a1, a2, "hello")
		e.ID = tt.id
		_, err := h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, h.sign(a1, e), "")
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: send = %v, want ErrInvalid saying %q", tt.name, err, tt.want)
		}
	}
	for _, at := range []time.Time{now.Add(-MaxIDAge + time.Minute), now.Add(MaxIDSkew - time.Minute)} {
		e := h.envelope(a1, a2, "in the window")
		e.ID = idAt(t, at)
		if _, err := h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, h.sign(a1, e), ""); err != nil {
			t.Errorf("send with an ID made at %s: %v", at, err)
		}
	}
	if got := len(h.events("message.rejected")); got != 3 {
		t.Errorf("%d message.rejected events, want 3", got)
	}
}
