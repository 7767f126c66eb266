package server_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/server"
	"github.com/airlock-hub/airlock/internal/store"
)

func subjects(ms []client.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

// TestTopics: an admin creates a topic in the default segment; two agents
// of that segment subscribe under their own names; a publish reaches both
// subscriptions, verified, and each acknowledges on its own; an agent of
// another segment may neither subscribe nor publish; nobody reads another's
// subscription.
func TestTopics(t *testing.T) {
	h := startHub(t, "", func(c *server.Config) { c.Messaging.Lease = time.Second })
	ctx := context.Background()
	pub, s1, s2 := h.agent(t, "pub"), h.agent(t, "s1"), h.agent(t, "s2")
	fin := h.agentIn(t, "fin", "finance")

	_, err := pub.CreateTopic(ctx, "orders", "default")
	wantCode(t, err, connect.CodePermissionDenied, "")
	topic, err := h.admin.CreateTopic(ctx, "orders", "default")
	if err != nil || topic.Name != "orders" || topic.Segment != "default" {
		t.Fatalf("create topic: %+v, %v", topic, err)
	}
	_, err = h.admin.CreateTopic(ctx, "orders", "default")
	wantCode(t, err, connect.CodeAlreadyExists, "")
	if ts, err := h.admin.ListTopics(ctx); err != nil || len(ts) != 1 || ts[0].Name != "orders" {
		t.Fatalf("list topics: %+v, %v", ts, err)
	}

	if _, n, err := pub.Publish(ctx, "orders", client.SendOptions{Subject: "early", Body: []byte("nobody listens")}); err != nil || n != 0 {
		t.Fatalf("publish before subscriptions: %d, %v", n, err)
	}
	for _, c := range []struct {
		cl   *client.Client
		name string
	}{{s1, "billing"}, {s2, "audit"}} {
		if err := c.cl.Subscribe(ctx, "orders", c.name); err != nil {
			t.Fatalf("subscribe %s: %v", c.name, err)
		}
	}
	wantCode(t, fin.Subscribe(ctx, "orders", "spy"), connect.CodePermissionDenied, "")
	_, _, err = fin.Publish(ctx, "orders", client.SendOptions{Subject: "from finance"})
	wantCode(t, err, connect.CodePermissionDenied, "")
	wantCode(t, s2.Subscribe(ctx, "orders", "billing"), connect.CodeAlreadyExists, "another subscriber")
	_, err = s2.FetchSubscription(ctx, "orders", "billing", 10, 0)
	wantCode(t, err, connect.CodeNotFound, "")

	first, n, err := pub.Publish(ctx, "orders", client.SendOptions{Subject: "one", Body: []byte("first")})
	if err != nil || n != 2 {
		t.Fatalf("publish: %d subscriptions, %v; want 2", n, err)
	}
	if _, _, err := pub.Publish(ctx, "orders", client.SendOptions{Subject: "two", Body: []byte("second")}); err != nil {
		t.Fatal(err)
	}

	got1, err := s1.FetchSubscription(ctx, "orders", "billing", 10, 2*time.Second)
	if err != nil || !slices.Equal(subjects(got1), []string{"one", "two"}) {
		t.Fatalf("billing got %q, %v; want one, two", subjects(got1), err)
	}
	if m := got1[0]; m.ID != first || !m.Verified || m.From != "spiffe://airlock.local/agent/pub" ||
		m.To != "topic:orders" || string(m.Body) != "first" {
		t.Fatalf("billing's first message: %+v", m)
	}
	if n, err := s1.AckSubscription(ctx, "orders", "billing", first); err != nil || n != 1 {
		t.Fatalf("billing ack: %d, %v", n, err)
	}
	got2, err := s2.FetchSubscription(ctx, "orders", "audit", 10, 2*time.Second)
	if err != nil || !slices.Equal(subjects(got2), []string{"one", "two"}) {
		t.Fatalf("audit got %q, %v; want one, two (billing's ack is its own)", subjects(got2), err)
	}
	if n, err := s2.AckSubscription(ctx, "orders", "audit", got2[0].ID, got2[1].ID); err != nil || n != 2 {
		t.Fatalf("audit ack: %d, %v", n, err)
	}
	// Acking through someone else's subscription is refused.
	_, err = s2.AckSubscription(ctx, "orders", "billing", got1[1].ID)
	wantCode(t, err, connect.CodeNotFound, "")

	time.Sleep(1500 * time.Millisecond) // longer than the lease
	again1, err := s1.FetchSubscription(ctx, "orders", "billing", 10, 0)
	if err != nil || !slices.Equal(subjects(again1), []string{"two"}) || again1[0].Attempt != 2 {
		t.Fatalf("billing after the lease: %q, %v; want two, redelivered", subjects(again1), err)
	}
	if again2, err := s2.FetchSubscription(ctx, "orders", "audit", 10, 0); err != nil || len(again2) != 0 {
		t.Fatalf("audit after acking all: %q, %v; want none", subjects(again2), err)
	}
}

// TestReceiveSubscription: the push stream of a subscription delivers
// verified messages and acks them after the handler, so nothing comes back.
func TestReceiveSubscription(t *testing.T) {
	h := startHub(t, "", func(c *server.Config) { c.Messaging.Lease = time.Second })
	ctx := context.Background()
	pub, sub := h.agent(t, "pub"), h.agent(t, "sub")
	if _, err := h.admin.CreateTopic(ctx, "news", "default"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(ctx, "news", "feed"); err != nil {
		t.Fatal(err)
	}
	id, _, err := pub.Publish(ctx, "news", client.SendOptions{Subject: "hello", Body: []byte("read all about it")})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got client.Message
	err = sub.ReceiveSubscription(rctx, "news", "feed", func(_ context.Context, m client.Message) error {
		got = m
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || got.ID != id || !got.Verified || string(got.Body) != "read all about it" {
		t.Fatalf("receive subscription: %v, got %+v", err, got)
	}
	time.Sleep(1500 * time.Millisecond) // past the lease: an unacked message would be back
	if again, err := sub.FetchSubscription(ctx, "news", "feed", 10, 0); err != nil || len(again) != 0 {
		t.Fatalf("after the handler succeeded: %d messages (%v), want none", len(again), err)
	}
}

// TestTopicKeyRotation: `keys rotate --all` rotates topic keysets too;
// copies sealed before and after the rotation read back; `keys rewrap`
// re-seals the older copies under the new primary key.
func TestTopicKeyRotation(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	pub, sub := h.agent(t, "pub"), h.agent(t, "sub")
	if _, err := h.admin.CreateTopic(ctx, "news", "default"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(ctx, "news", "s1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pub.Publish(ctx, "news", client.SendOptions{Subject: "old", Body: []byte("before rotation")}); err != nil {
		t.Fatal(err)
	}
	rot, err := h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{All: true}))
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	topicKey := func(keys []*airlockv1.KeyInfo) *airlockv1.KeyInfo {
		for _, k := range keys {
			if k.GetOwner() == "topic/news" {
				return k
			}
		}
		return nil
	}
	k := topicKey(rot.Msg.GetKeys())
	if k == nil || k.GetKeys() != 2 || k.GetMessages() != 1 {
		t.Fatalf("rotate --all: topic keyset %+v, want topic/news with 2 keys and 1 message", k)
	}
	if _, _, err := pub.Publish(ctx, "news", client.SendOptions{Subject: "new", Body: []byte("after rotation")}); err != nil {
		t.Fatal(err)
	}
	stream, err := h.admin.Keys.Rewrap(ctx, connect.NewRequest(&airlockv1.RewrapRequest{All: true}))
	if err != nil {
		t.Fatal(err)
	}
	finished := false
	for stream.Receive() {
		finished = finished || stream.Msg().GetFinished()
	}
	if err := stream.Err(); err != nil || !finished {
		t.Fatalf("rewrap: finished %v, %v", finished, err)
	}
	// Every stored copy is now under the topic's primary key.
	raw := h.srv.Hub().Store
	err = raw.View(ctx, func(tx store.Tx) error {
		for _, box := range []string{"sub/news/s1"} {
			ms, err := tx.ListMessages(box, store.MessageReady, 0)
			if err != nil {
				return err
			}
			acked, err := tx.ListMessages(box, store.MessageAcked, 0)
			if err != nil {
				return err
			}
			for _, m := range append(ms, acked...) {
				if m.KeyID != k.GetPrimaryKeyId() {
					t.Errorf("%s message %s sealed with key %d after rewrap, want the primary %d", box, m.ID, m.KeyID, k.GetPrimaryKeyId())
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sub.FetchSubscription(ctx, "news", "s1", 10, time.Second)
	if err != nil || !slices.Equal(subjects(ms), []string{"old", "new"}) {
		t.Fatalf("fetch after rotate and rewrap: %v, %v", subjects(ms), err)
	}
	if string(ms[0].Body) != "before rotation" || string(ms[1].Body) != "after rotation" {
		t.Errorf("bodies after rewrap: %q, %q", ms[0].Body, ms[1].Body)
	}
}

// TestSubscriptionDeadLetters: a copy its subscriber never acknowledges is
// dead-lettered after messaging.max_attempts deliveries; the subscriber
// lists it, requeues it and gets it again, and can then acknowledge it.
// Nobody else lists or requeues it, and an unknown ID requeues nothing.
func TestSubscriptionDeadLetters(t *testing.T) {
	h := startHub(t, "", func(c *server.Config) { c.Messaging.Lease, c.Messaging.MaxAttempts = time.Second, 2 })
	ctx := context.Background()
	pub, sub, other := h.agent(t, "pub"), h.agent(t, "sub"), h.agent(t, "other")
	if _, err := h.admin.CreateTopic(ctx, "orders", "default"); err != nil {
		t.Fatal(err)
	}
	for c, name := range map[*client.Client]string{sub: "billing", other: "audit"} {
		if err := c.Subscribe(ctx, "orders", name); err != nil {
			t.Fatal(err)
		}
	}
	id, _, err := pub.Publish(ctx, "orders", client.SendOptions{Subject: "poison", Body: []byte("never acked")})
	if err != nil {
		t.Fatal(err)
	}
	deadLetterAll(t, sub, "orders", "billing", 2)

	dead, err := sub.SubscriptionDeadLetters(ctx, "orders", "billing", 0)
	if err != nil || len(dead) != 1 || dead[0].ID != id || dead[0].Err != nil || !dead[0].Verified ||
		string(dead[0].Body) != "never acked" || dead[0].Attempt != 2 {
		t.Fatalf("dead letters: %+v, %v; want %s, verified, attempt 2", dead, err, id)
	}
	// Another subscriber of the topic can neither see nor move it; nor can
	// anyone name a topic or subscription that does not exist.
	_, err = other.SubscriptionDeadLetters(ctx, "orders", "billing", 0)
	wantCode(t, err, connect.CodeNotFound, "")
	_, err = other.RequeueSubscription(ctx, "orders", "billing", id)
	wantCode(t, err, connect.CodeNotFound, "")
	_, err = sub.SubscriptionDeadLetters(ctx, "missing", "billing", 0)
	wantCode(t, err, connect.CodeNotFound, "")
	_, err = sub.RequeueSubscription(ctx, "orders", "nosuch", id)
	wantCode(t, err, connect.CodeNotFound, "")
	// The other subscriber's own copy was never delivered: not dead.
	if dl, err := other.SubscriptionDeadLetters(ctx, "orders", "audit", 0); err != nil || len(dl) != 0 {
		t.Errorf("audit's dead letters: %d, %v; want none", len(dl), err)
	}
	unknown := "0190f1b2-7c1e-7000-8000-000000000000"
	n, err := sub.RequeueSubscription(ctx, "orders", "billing", id, unknown)
	wantCode(t, err, connect.CodeNotFound, "")
	if n != 0 {
		t.Errorf("requeue with an unknown ID moved %d", n)
	}
	if still, err := sub.SubscriptionDeadLetters(ctx, "orders", "billing", 0); err != nil || len(still) != 1 {
		t.Fatalf("after refused requeues: %d dead letters, %v; want the one still there", len(still), err)
	}
	if got := eventsOf(t, h, "message.requeued"); len(got) != 0 {
		t.Fatalf("refused requeues audited as message.requeued: %+v", got)
	}

	if n, err := sub.RequeueSubscription(ctx, "orders", "billing", id); err != nil || n != 1 {
		t.Fatalf("requeue: %d, %v; want 1", n, err)
	}
	if got := eventsOf(t, h, "message.requeued"); len(got) != 1 || got[0].Actor != "spiffe://airlock.local/agent/sub" {
		t.Errorf("message.requeued events: %+v, want one by sub", got)
	}
	ms, err := sub.FetchSubscription(ctx, "orders", "billing", 10, 2*time.Second)
	if err != nil || len(ms) != 1 || ms[0].ID != id || ms[0].Attempt != 1 || string(ms[0].Body) != "never acked" {
		t.Fatalf("after requeue: %+v, %v; want %s again, attempt 1", ms, err, id)
	}
	if n, err := sub.AckSubscription(ctx, "orders", "billing", id); err != nil || n != 1 {
		t.Fatalf("ack after requeue: %d, %v", n, err)
	}
	_, err = sub.RequeueSubscription(ctx, "orders", "billing", id)
	wantCode(t, err, connect.CodeFailedPrecondition, "not dead-lettered")
	time.Sleep(1500 * time.Millisecond) // past the lease: an unacked copy would be back
	if again, err := sub.FetchSubscription(ctx, "orders", "billing", 10, 0); err != nil || len(again) != 0 {
		t.Errorf("after the ack: %d messages, %v; want none", len(again), err)
	}
	if dl, err := sub.SubscriptionDeadLetters(ctx, "orders", "billing", 0); err != nil || len(dl) != 0 {
		t.Errorf("dead letters after the ack: %d, %v; want none", len(dl), err)
	}
}

// deadLetterAll fetches subscription sub of topic without acknowledging,
// once per attempt, waiting out each lease (1s, doubling), so that its
// messages end in the dead-letter queue.
func deadLetterAll(t *testing.T, c *client.Client, topic, sub string, attempts int) {
	t.Helper()
	ctx := context.Background()
	for attempt := 1; attempt <= attempts; attempt++ {
		ms, err := c.FetchSubscription(ctx, topic, sub, 10, 2*time.Second)
		if err != nil || len(ms) != 1 || ms[0].Attempt != attempt {
			t.Fatalf("fetch %d: %d messages, %v", attempt, len(ms), err)
		}
		time.Sleep(store.LeaseFor(time.Second, attempt) + 200*time.Millisecond)
	}
	if ms, err := c.FetchSubscription(ctx, topic, sub, 10, 0); err != nil || len(ms) != 0 {
		t.Fatalf("delivered after max attempts: %d messages, %v", len(ms), err)
	}
}

// eventsOf returns the hub's audit events of type typ.
func eventsOf(t *testing.T, h *hub, typ string) []store.Event {
	t.Helper()
	var evs []store.Event
	err := h.srv.Hub().Store.View(context.Background(), func(tx store.Tx) (err error) {
		evs, err = tx.Events(store.EventFilter{Type: typ})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestKeysForOneTopic: rotate, status and rewrap can name one topic's
// keyset; the other topic's and the agents' keysets are left alone, and a
// topic that does not exist, or two targets at once, are refused.
func TestKeysForOneTopic(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	pub, sub := h.agent(t, "pub"), h.agent(t, "sub")
	for _, topic := range []string{"news", "sport"} {
		if _, err := h.admin.CreateTopic(ctx, topic, "default"); err != nil {
			t.Fatal(err)
		}
		if err := sub.Subscribe(ctx, topic, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := pub.Publish(ctx, topic, client.SendOptions{Subject: "old " + topic, Body: []byte("before")}); err != nil {
			t.Fatal(err)
		}
	}
	keysOf := func(topic string) *airlockv1.KeyInfo {
		t.Helper()
		resp, err := h.admin.Keys.KeyStatus(ctx, connect.NewRequest(&airlockv1.KeyStatusRequest{Topic: topic}))
		if err != nil || len(resp.Msg.GetKeys()) != 1 || resp.Msg.GetKeys()[0].GetOwner() != "topic/"+topic {
			t.Fatalf("status --topic %s: %v, %v", topic, resp, err)
		}
		return resp.Msg.GetKeys()[0]
	}
	rot, err := h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "news"}))
	if err != nil || len(rot.Msg.GetKeys()) != 1 {
		t.Fatalf("rotate --topic news: %v, %v", rot, err)
	}
	if k := rot.Msg.GetKeys()[0]; k.GetOwner() != "topic/news" || k.GetKeys() != 2 || k.GetMessages() != 1 {
		t.Fatalf("rotate --topic news: %+v, want topic/news with 2 keys and 1 message", k)
	}
	if k := keysOf("sport"); k.GetKeys() != 1 {
		t.Errorf("sport after rotating news: %d keys, want 1", k.GetKeys())
	}
	all, err := h.admin.Keys.KeyStatus(ctx, connect.NewRequest(&airlockv1.KeyStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all.Msg.GetKeys() {
		if k.GetOwner() != "topic/news" && k.GetKeys() > 1 {
			t.Errorf("%s has %d keys after rotating news only", k.GetOwner(), k.GetKeys())
		}
	}
	if evs := eventsOf(t, h, "keys.rotated"); len(evs) != 1 || evs[0].Target != "topic/news" {
		t.Errorf("keys.rotated events: %+v, want one for topic/news", evs)
	}

	stream, err := h.admin.Keys.Rewrap(ctx, connect.NewRequest(&airlockv1.RewrapRequest{Topic: "news"}))
	if err != nil {
		t.Fatal(err)
	}
	var last *airlockv1.RewrapResponse
	for stream.Receive() {
		last = stream.Msg()
	}
	if err := stream.Err(); err != nil || last == nil || !last.GetFinished() || last.GetTotal() != 1 {
		t.Fatalf("rewrap --topic news: %+v, %v; want finished over 1 message", last, err)
	}
	ms, err := sub.FetchSubscription(ctx, "news", "s1", 10, time.Second)
	if err != nil || !slices.Equal(subjects(ms), []string{"old news"}) || string(ms[0].Body) != "before" {
		t.Fatalf("news after rotate and rewrap: %q, %v", subjects(ms), err)
	}

	_, err = h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "missing"}))
	wantCode(t, err, connect.CodeNotFound, "missing")
	_, err = h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "news", Agent: "pub"}))
	wantCode(t, err, connect.CodeInvalidArgument, "only one")
	_, err = h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "news", All: true}))
	wantCode(t, err, connect.CodeInvalidArgument, "only one")
	_, err = h.admin.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "../x"}))
	wantCode(t, err, connect.CodeInvalidArgument, "")
	_, err = h.admin.Keys.KeyStatus(ctx, connect.NewRequest(&airlockv1.KeyStatusRequest{Topic: "news", Agent: "pub"}))
	wantCode(t, err, connect.CodeInvalidArgument, "only one")
	_, err = pub.Keys.RotateKeys(ctx, connect.NewRequest(&airlockv1.RotateKeysRequest{Topic: "news"}))
	wantCode(t, err, connect.CodePermissionDenied, "")
	if k := keysOf("news"); k.GetKeys() != 2 {
		t.Errorf("news after refused rotations: %d keys, want 2", k.GetKeys())
	}
}
