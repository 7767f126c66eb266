package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
)

// fakeMailbox is a MessagingService that plays one scripted batch of
// deliveries per Receive stream; a stream ends with end[i] (nil: it stays
// open until the client goes away). It records acks.
type fakeMailbox struct {
	airlockv1connect.UnimplementedMessagingServiceHandler
	streams [][]*airlockv1.Delivery
	end     []error

	fetch []*airlockv1.Delivery

	mu     sync.Mutex
	opened int
	acked  []string
}

func (f *fakeMailbox) Fetch(context.Context, *connect.Request[airlockv1.FetchRequest]) (*connect.Response[airlockv1.FetchResponse], error) {
	return connect.NewResponse(&airlockv1.FetchResponse{Deliveries: f.fetch}), nil
}

func (f *fakeMailbox) Receive(ctx context.Context, _ *connect.Request[airlockv1.ReceiveRequest], s *connect.ServerStream[airlockv1.ReceiveResponse]) error {
	f.mu.Lock()
	i := f.opened
	f.opened++
	f.mu.Unlock()
	if i >= len(f.streams) {
		return connect.NewError(connect.CodePermissionDenied, errors.New("no more streams"))
	}
	for _, d := range f.streams[i] {
		if err := s.Send(&airlockv1.ReceiveResponse{Delivery: d}); err != nil {
			return err
		}
	}
	if f.end[i] != nil {
		return f.end[i]
	}
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeMailbox) Ack(_ context.Context, req *connect.Request[airlockv1.AckRequest]) (*connect.Response[airlockv1.AckResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acked = append(f.acked, req.Msg.GetIds()...)
	return connect.NewResponse(&airlockv1.AckResponse{Acked: int32(len(req.Msg.GetIds()))}), nil
}

func startFake(t *testing.T, c *Client, f *fakeMailbox) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(airlockv1connect.NewMessagingServiceHandler(f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c.Messaging = airlockv1connect.NewMessagingServiceClient(srv.Client(), srv.URL)
}

func attempt(d *airlockv1.Delivery, n int32) *airlockv1.Delivery {
	d = proto.Clone(d).(*airlockv1.Delivery)
	d.Attempt = n
	return d
}

// TestReceive: the handler gets only verified messages; a message is
// acked only after the handler succeeds; a dropped stream is reopened and
// the redelivered message handled; the tampered one is never handled or
// acked; Receive returns ctx's error when ctx ends.
func TestReceive(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	a1, a2 := testClient(t, ca, "a1"), testClient(t, ca, "a2")
	good1 := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	good2 := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	bad := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	bad.Envelope.Body[0] ^= 1
	f := &fakeMailbox{
		streams: [][]*airlockv1.Delivery{{good1, bad}, {attempt(good1, 2), good2}},
		end:     []error{connect.NewError(connect.CodeUnavailable, errors.New("hub restarting")), nil},
	}
	startFake(t, a2, f)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type call struct {
		id      string
		attempt int
	}
	var calls []call
	err := a2.Receive(ctx, func(_ context.Context, m Message) error {
		calls = append(calls, call{m.ID, m.Attempt})
		if !m.Verified {
			t.Errorf("handler got an unverified message %s", m.ID)
		}
		switch {
		case m.ID == good1.Envelope.Id && m.Attempt == 1:
			return errors.New("busy")
		case m.ID == good2.Envelope.Id:
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Receive returned %v, want context.Canceled", err)
	}
	want := []call{{good1.Envelope.Id, 1}, {good1.Envelope.Id, 2}, {good2.Envelope.Id, 1}}
	if !slices.Equal(calls, want) {
		t.Errorf("handler calls = %v, want %v", calls, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if wantAcks := []string{good1.Envelope.Id, good2.Envelope.Id}; !slices.Equal(f.acked, wantAcks) {
		t.Errorf("acked %v, want %v (never the tampered %s)", f.acked, wantAcks, bad.Envelope.Id)
	}
	if f.opened != 2 {
		t.Errorf("opened %d streams, want 2", f.opened)
	}
}

// TestReceivePermanentError: a refusal that reconnecting cannot fix ends
// Receive with that error.
func TestReceivePermanentError(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	a2 := testClient(t, ca, "a2")
	startFake(t, a2, &fakeMailbox{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a2.Receive(ctx, func(context.Context, Message) error { return nil })
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("Receive returned %v, want PermissionDenied", err)
	}
}

// TestFetchPartial: Fetch returns the messages that verify, and an error
// naming the one that does not.
func TestFetchPartial(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	a1, a2 := testClient(t, ca, "a1"), testClient(t, ca, "a2")
	good1 := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	good2 := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	bad := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())
	bad.Signature = nil
	startFake(t, a2, &fakeMailbox{fetch: []*airlockv1.Delivery{good1, bad, good2}})
	ms, err := a2.Fetch(context.Background(), 10, 0)
	if !errors.Is(err, ErrUnverified) || !strings.Contains(err.Error(), bad.Envelope.Id) {
		t.Errorf("Fetch error = %v, want ErrUnverified naming %s", err, bad.Envelope.Id)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.ID)
	}
	if want := []string{good1.Envelope.Id, good2.Envelope.Id}; !slices.Equal(got, want) {
		t.Errorf("Fetch returned %v, want the two good ones %v", got, want)
	}
}

// TestAckerBatchesAndFallsBack: IDs queued while a call is in flight go
// in one call; when a batch is refused (the hub acks all or nothing),
// each of its IDs is acked alone, so only the one that cannot be acked
// stays unacked; close returns after everything queued was sent.
func TestAckerBatchesAndFallsBack(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
	acked := map[string]bool{}
	release := make(chan struct{})
	ack := func(_ context.Context, ids ...string) error {
		if ids[0] == "m0" {
			<-release // hold the first call so the others queue up
		}
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, slices.Clone(ids))
		if slices.Contains(ids, "dead") {
			return connect.NewError(connect.CodeFailedPrecondition, errors.New("dead-lettered"))
		}
		for _, id := range ids {
			acked[id] = true
		}
		return nil
	}
	c := &Client{opts: Options{Log: slog.New(slog.DiscardHandler)}}
	a := c.startAcker(context.Background(), ack)
	a.ids <- "m0"
	for _, id := range []string{"m1", "dead", "m2", "m3"} {
		a.ids <- id
	}
	close(release)
	a.close()

	mu.Lock()
	defer mu.Unlock()
	for _, id := range []string{"m0", "m1", "m2", "m3"} {
		if !acked[id] {
			t.Errorf("%s not acked (calls %v)", id, calls)
		}
	}
	if acked["dead"] {
		t.Error("the refused ID counts as acked")
	}
	batched := false
	for _, c := range calls {
		batched = batched || len(c) > 1
	}
	if !batched {
		t.Errorf("no call acked more than one ID: %v", calls)
	}
}

// TestAckerNoRetryWhenUnreachable: a batch that fails because the hub
// cannot be reached is not retried ID by ID (each retry would wait for
// the same timeout); its messages come again after their lease.
func TestAckerNoRetryWhenUnreachable(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	ack := func(_ context.Context, ids ...string) error {
		if ids[0] == "m0" {
			<-release
		}
		mu.Lock()
		defer mu.Unlock()
		calls++
		return connect.NewError(connect.CodeUnavailable, errors.New("hub unreachable"))
	}
	c := &Client{opts: Options{Log: slog.New(slog.DiscardHandler)}}
	a := c.startAcker(context.Background(), ack)
	a.ids <- "m0"
	for _, id := range []string{"m1", "m2", "m3"} {
		a.ids <- id
	}
	close(release)
	a.close()
	mu.Lock()
	defer mu.Unlock()
	if calls > 2 {
		t.Errorf("%d ack calls for a batch the hub could not be reached for, want at most 2 (no retries an ID at a time)", calls)
	}
}
