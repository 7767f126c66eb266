package messaging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
)

// concurrently runs n sends at once, as many as possible in the same
// batched commit, and returns their results and errors by index.
func concurrently(n int, send func(i int) (Result, error)) ([]Result, []error) {
	rs, errs := make([]Result, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			rs[i], errs[i] = send(i)
		})
	}
	close(start)
	wg.Wait()
	return rs, errs
}

// TestBatchedSendsQuota: concurrent sends over quota, committed in shared
// batches, store exactly the quota and refuse the rest with ErrQuota.
func TestBatchedSendsQuota(t *testing.T) {
	h := newHub(t)
	h.svc.QuotaMessages = 20
	a1, a2 := h.agent("a1"), h.agent("a2")
	_, errs := concurrently(50, func(i int) (Result, error) { return h.send(a1, a2, fmt.Sprint("m", i)) })
	stored := 0
	for _, err := range errs {
		switch {
		case err == nil:
			stored++
		case !errors.Is(err, ErrQuota):
			t.Errorf("send: %v, want nil or ErrQuota", err)
		}
	}
	if stored != 20 {
		t.Errorf("%d sends succeeded, want the quota of 20", stored)
	}
	if ds := h.fetch(a2, 100); len(ds) != 20 {
		t.Errorf("fetched %d messages, want 20", len(ds))
	}
	if evs := h.events("message.sent"); len(evs) != 20 {
		t.Errorf("%d message.sent events, want 20", len(evs))
	}
	if evs := h.events("message.rejected"); len(evs) != 30 {
		t.Errorf("%d message.rejected events, want 30", len(evs))
	}
}

// TestBatchedSendsIdempotency: concurrent sends with one idempotency key
// store one message, and every send returns its ID.
func TestBatchedSendsIdempotency(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	rs, errs := concurrently(30, func(i int) (Result, error) {
		e := h.envelope(a1, a2, fmt.Sprint("retry ", i))
		return h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, h.sign(a1, e), "same-key")
	})
	firsts := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if rs[i].ID != rs[0].ID {
			t.Errorf("send %d returned ID %s, want %s like the others", i, rs[i].ID, rs[0].ID)
		}
		if !rs[i].Duplicate {
			firsts++
		}
	}
	if firsts != 1 {
		t.Errorf("%d sends were not reported as duplicates, want exactly 1", firsts)
	}
	if ds := h.fetch(a2, 100); len(ds) != 1 {
		t.Errorf("fetched %d messages, want 1", len(ds))
	}
}

// TestBatchedSendsReplay: the same signed envelope sent many times at once
// is stored once; every other send is ErrDuplicate.
func TestBatchedSendsReplay(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	e := h.envelope(a1, a2, "once")
	sig := h.sign(a1, e)
	_, errs := concurrently(30, func(int) (Result, error) {
		return h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, sig, "")
	})
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrDuplicate):
			t.Errorf("replay: %v, want ErrDuplicate", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d sends of one envelope succeeded, want 1", ok)
	}
	if ds := h.fetch(a2, 100); len(ds) != 1 || ds[0].Envelope.ID != e.ID {
		t.Errorf("fetched %d messages, want the one", len(ds))
	}
}

// TestBatchedSendCancelled: a send whose context has ended before its
// batch starts is not stored.
func TestBatchedSendCancelled(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := h.envelope(a1, a2, "never")
	e.Sender, e.Recipient = a1.id, a2.id
	m := h.svc.newMessage(a2.mailbox(), a1.sender(), e, h.sign(a1, e), "", "ready")
	if err := h.svc.seal(context.Background(), a2.mailbox(), &m, e); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.commitBatched(ctx, a1.actor(), &m, nil); err == nil {
		// The batch may have taken it before the caller saw ctx end;
		// then it must be stored and delivered.
		if ds := h.fetch(a2, 10); len(ds) != 1 {
			t.Errorf("a send reported stored was not delivered")
		}
		return
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled send: %v, want context.Canceled", err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 0 {
		t.Errorf("a send that failed with context.Canceled was delivered")
	}
}

// TestBatchedAckRefusalFailsAlone: acks of unknown IDs, run in the same
// batches as good acks and sends, fail alone; everything else commits.
func TestBatchedAckRefusalFailsAlone(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	for i := range 20 {
		h.mustSend(a1, a2, fmt.Sprint("m", i))
	}
	ds := h.fetch(a2, 20)
	if len(ds) != 20 {
		t.Fatalf("fetched %d, want 20", len(ds))
	}
	rs, errs := concurrently(60, func(i int) (Result, error) {
		switch i % 3 {
		case 0:
			n, err := h.svc.Ack(context.Background(), a2.actor(), a2.mailbox(), []string{ds[i/3].Envelope.ID})
			return Result{ID: fmt.Sprint(n)}, err
		case 1:
			_, err := h.svc.Ack(context.Background(), a2.actor(), a2.mailbox(), []string{fmt.Sprint("unknown-", i)})
			return Result{}, err
		}
		return h.send(a1, a2, fmt.Sprint("new ", i))
	})
	for i, err := range errs {
		switch i % 3 {
		case 0:
			if err != nil || rs[i].ID != "1" {
				t.Errorf("good ack %d: acked %s, %v; want 1, nil", i, rs[i].ID, err)
			}
		case 1:
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ack of an unknown ID: %v, want ErrNotFound", err)
			}
		default:
			if err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		}
	}
	if evs := h.events("message.acked"); len(evs) != 20 {
		t.Errorf("%d message.acked events, want 20", len(evs))
	}
	if got := h.fetch(a2, 100); len(got) != 20 {
		t.Errorf("fetched %d new messages, want the 20 sent alongside the acks", len(got))
	}
}

// TestReceiveReleasesUndelivered: when a Receive stream breaks, the
// messages it leased but could not deliver are delivered again at once,
// not when their lease runs out.
func TestReceiveReleasesUndelivered(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	for i := range 3 {
		h.mustSend(a1, a2, fmt.Sprint("m", i))
	}
	broken := errors.New("stream broke")
	err := h.svc.Receive(context.Background(), a2.actor(), a2.mailbox(), 10, func(Delivery) error { return broken })
	if !errors.Is(err, broken) {
		t.Fatalf("Receive = %v, want the delivery error", err)
	}
	ds := h.fetch(a2, 10) // the test clock stands still: no lease has run out
	if len(ds) != 3 {
		t.Fatalf("fetched %d messages after the stream broke, want all 3 again", len(ds))
	}
	for _, d := range ds {
		if d.Attempt != 2 {
			t.Errorf("message %s on attempt %d, want 2", d.Envelope.ID, d.Attempt)
		}
	}
}

// screenFunc is a Screener from a function.
type screenFunc func(body []byte) (screen.Result, error)

func (f screenFunc) Screen(_ context.Context, body []byte, _, _, _ string) (screen.Result, error) {
	return f(body)
}

// TestScreeningOverrunRefusesSend: when screening runs out of time (an
// overloaded hub), the send fails with the retryable ErrOverloaded and
// nothing is stored or quarantined; the same envelope sent again once the
// screener keeps up is stored.
func TestScreeningOverrunRefusesSend(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	h.svc.Screen = screenFunc(func([]byte) (screen.Result, error) {
		return screen.Result{Verdict: screen.Quarantine, Reason: "screening failed: budget"}, fmt.Errorf("%w: 50ms", screen.ErrBudgetExceeded)
	})
	e := h.envelope(a1, a2, "late")
	sig := h.sign(a1, e)
	_, err := h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, sig, "")
	if !errors.Is(err, ErrOverloaded) {
		t.Fatalf("send with screening over budget = %v, want ErrOverloaded", err)
	}
	if evs := h.events("message.rejected"); len(evs) != 1 {
		t.Errorf("%d message.rejected events, want 1", len(evs))
	}
	if evs := h.events("message.quarantined"); len(evs) != 0 {
		t.Errorf("an overrun was quarantined (%d events)", len(evs))
	}
	h.svc.Screen = screenFunc(func([]byte) (screen.Result, error) { return screen.Result{Verdict: screen.Allow}, nil })
	if _, err := h.svc.Send(context.Background(), a1.actor(), a1.sender(), a2.recipient(), e, sig, ""); err != nil {
		t.Fatalf("retry after the overrun: %v", err)
	}
	if ds := h.fetch(a2, 10); len(ds) != 1 {
		t.Errorf("fetched %d after the retry, want 1", len(ds))
	}
}

// TestBatchPanicFailsBatchOnly: an operation that panics fails its batch
// with an error instead of crashing the process, and later work goes on.
func TestBatchPanicFailsBatchOnly(t *testing.T) {
	h := newHub(t)
	a1, a2 := h.agent("a1"), h.agent("a2")
	err := h.svc.inBatch(context.Background(), func(store.Tx) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panicking operation: %v, want an error naming the panic", err)
	}
	h.mustSend(a1, a2, "after the panic")
	if ds := h.fetch(a2, 10); len(ds) != 1 {
		t.Errorf("fetched %d after the panic, want 1", len(ds))
	}
}
