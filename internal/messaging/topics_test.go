package messaging

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// segmentAuthorizer allows topic actions within a segment only, as the
// starter policy does.
type segmentAuthorizer struct{}

func (segmentAuthorizer) Authorize(_ context.Context, _ policy.Actor, caller policy.Entity, action string, resource policy.Entity) (policy.Decision, error) {
	if caller.Segment != resource.Segment {
		return policy.Decision{Effect: policy.Deny}, fmt.Errorf("%w: %s %s %s", policy.ErrDenied, caller, action, resource)
	}
	return policy.Decision{Effect: policy.Allow, Reasons: []string{"segment-topics"}}, nil
}

var admin = policy.Actor{ID: "spiffe://example.org/human/admin", RequestID: "req-admin"}

func (a *agent) subscriber() Subscriber { return Subscriber{ID: a.id, Entity: a.entity} }

// topicEnvelope returns an envelope from a for topic.
func (h *hub) topicEnvelope(from *agent, topic, body string) Envelope {
	h.t.Helper()
	e := h.envelope(from, from, body)
	e.Recipient, e.Subject = TopicRecipient(topic), "news on "+topic
	return e
}

func (h *hub) publish(from *agent, topic, body, key string) (Publication, error) {
	h.t.Helper()
	e := h.topicEnvelope(from, topic, body)
	return h.svc.Publish(context.Background(), from.actor(), from.sender(), topic, e, h.sign(from, e), key)
}

func (h *hub) mustPublish(from *agent, topic, body string) Publication {
	h.t.Helper()
	p, err := h.publish(from, topic, body, "")
	if err != nil {
		h.t.Fatalf("publish %q: %v", body, err)
	}
	return p
}

func (h *hub) mustSubscribe(a *agent, topic, name string) string {
	h.t.Helper()
	mb, err := h.svc.Subscribe(context.Background(), a.actor(), a.subscriber(), topic, name)
	if err != nil {
		h.t.Fatalf("subscribe %s to %s as %s: %v", a.name, topic, name, err)
	}
	return mb
}

func (h *hub) mustCreateTopic(name, segment string) {
	h.t.Helper()
	if _, err := h.svc.CreateTopic(context.Background(), admin, name, segment); err != nil {
		h.t.Fatalf("create topic %s: %v", name, err)
	}
}

func bodies(ds []Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Envelope.Body))
	}
	return out
}

func TestTopicFanOut(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	pub, s1, s2 := h.agent("pub"), h.agent("s1"), h.agent("s2")
	h.mustCreateTopic("orders", "")
	h.mustPublish(pub, "orders", "before any subscription")
	mb1 := h.mustSubscribe(s1, "orders", "billing")
	mb2 := h.mustSubscribe(s2, "orders", "audit")
	if again := h.mustSubscribe(s1, "orders", "billing"); again != mb1 {
		t.Errorf("subscribing again: got mailbox %q, want %q", again, mb1)
	}
	first := h.mustPublish(pub, "orders", "one")
	h.mustPublish(pub, "orders", "two")
	if first.Subscriptions != 2 {
		t.Errorf("first publish reached %d subscriptions, want 2", first.Subscriptions)
	}

	got1, err := h.svc.Fetch(ctx, s1.actor(), mb1, 10, 0)
	if err != nil || !slices.Equal(bodies(got1), []string{"one", "two"}) {
		t.Fatalf("billing fetched %q, %v; want one, two", bodies(got1), err)
	}
	for _, d := range got1 {
		verifyDelivery(t, d, pub.id)
		if d.Envelope.Recipient != TopicRecipient("orders") || d.Attempt != 1 {
			t.Errorf("delivery %s: recipient %q attempt %d", d.Envelope.ID, d.Envelope.Recipient, d.Attempt)
		}
	}
	if got1[0].Envelope.ID != first.ID {
		t.Errorf("delivered ID %s, want the published %s", got1[0].Envelope.ID, first.ID)
	}
	// billing acks only "one"; audit is untouched by it.
	if n, err := h.svc.AckSubscription(ctx, s1.actor(), mb1, []string{first.ID}); err != nil || n != 1 {
		t.Fatalf("ack on billing = %d, %v", n, err)
	}
	got2, err := h.svc.Fetch(ctx, s2.actor(), mb2, 10, 0)
	if err != nil || !slices.Equal(bodies(got2), []string{"one", "two"}) {
		t.Fatalf("audit fetched %q, %v; want one, two", bodies(got2), err)
	}
	if n, err := h.svc.AckSubscription(ctx, s2.actor(), mb2, []string{got2[0].Envelope.ID, got2[1].Envelope.ID}); err != nil || n != 2 {
		t.Fatalf("ack on audit = %d, %v", n, err)
	}
	// After the lease, billing gets back "two" only; audit gets nothing.
	h.clock.advance(h.svc.Lease + 1)
	if got := h.fetchMailbox(s1, mb1); !slices.Equal(bodies(got), []string{"two"}) || got[0].Attempt != 2 {
		t.Errorf("billing after lease: %q, want two (attempt 2)", bodies(got))
	}
	if got := h.fetchMailbox(s2, mb2); len(got) != 0 {
		t.Errorf("audit after acking everything: %q", bodies(got))
	}
	if got := len(h.events("message.published")); got != 3 {
		t.Errorf("%d message.published events, want 3", got)
	}
}

func (h *hub) fetchMailbox(a *agent, mailbox string) []Delivery {
	h.t.Helper()
	ds, err := h.svc.Fetch(context.Background(), a.actor(), mailbox, 10, 0)
	if err != nil {
		h.t.Fatalf("fetch %s: %v", mailbox, err)
	}
	return ds
}

func TestTopicAuthorization(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	h.svc.Policy = segmentAuthorizer{}
	pub, owner, spy := h.agent("pub"), h.agent("owner"), h.agent("spy")
	spy.entity = policy.Agent("spy", "finance")
	h.mustCreateTopic("orders", "default")
	mb := h.mustSubscribe(owner, "orders", "mine")

	if _, err := h.svc.Subscribe(ctx, spy.actor(), spy.subscriber(), "orders", "spy"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("subscribe from another segment: %v, want ErrDenied", err)
	}
	if _, err := h.publish(spy, "orders", "from finance", ""); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("publish from another segment: %v, want ErrDenied", err)
	}
	// Another subscriber cannot take, read or ack someone's subscription.
	other := h.agent("other")
	if _, err := h.svc.Subscribe(ctx, other.actor(), other.subscriber(), "orders", "mine"); !errors.Is(err, store.ErrExists) {
		t.Errorf("subscribe under a taken name: %v, want ErrExists", err)
	}
	if _, err := h.svc.AuthorizeSubscription(ctx, other.actor(), other.subscriber(), "orders", "mine"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("read another's subscription: %v, want ErrNotFound", err)
	}
	if got, err := h.svc.AuthorizeSubscription(ctx, owner.actor(), owner.subscriber(), "orders", "mine"); err != nil || got != mb {
		t.Errorf("owner reads its subscription: %q, %v", got, err)
	}
	// The owner moved to another segment may no longer read it.
	owner.entity = policy.Agent("owner", "finance")
	if _, err := h.svc.AuthorizeSubscription(ctx, owner.actor(), owner.subscriber(), "orders", "mine"); !errors.Is(err, policy.ErrDenied) {
		t.Errorf("read after leaving the segment: %v, want ErrDenied", err)
	}
	for _, tc := range []struct{ topic, sub string }{{"missing", "x"}, {"orders", "bad/name"}, {"../etc", "x"}} {
		if _, err := h.svc.Subscribe(ctx, pub.actor(), pub.subscriber(), tc.topic, tc.sub); err == nil {
			t.Errorf("subscribe %s/%s succeeded", tc.topic, tc.sub)
		}
	}
}

func TestPublishRejects(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	pub, sub := h.agent("pub"), h.agent("sub")
	h.mustCreateTopic("orders", "")
	h.mustCreateTopic("other", "")
	mb := h.mustSubscribe(sub, "orders", "s")

	// Signed for another topic.
	e := h.topicEnvelope(pub, "other", "wrong topic")
	if _, err := h.svc.Publish(ctx, pub.actor(), pub.sender(), "orders", e, h.sign(pub, e), ""); !errors.Is(err, ErrBadSignature) {
		t.Errorf("publish signed for another topic: %v, want ErrBadSignature", err)
	}
	// Replay of a published envelope.
	e = h.topicEnvelope(pub, "orders", "once")
	sig := h.sign(pub, e)
	if _, err := h.svc.Publish(ctx, pub.actor(), pub.sender(), "orders", e, sig, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Publish(ctx, pub.actor(), pub.sender(), "orders", e, sig, ""); !errors.Is(err, ErrDuplicate) {
		t.Errorf("replayed publish: %v, want ErrDuplicate", err)
	}
	// Idempotent retry.
	p1, err := h.publish(pub, "orders", "idem", "k1")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := h.publish(pub, "orders", "idem", "k1")
	if err != nil || !p2.Duplicate || p2.ID != p1.ID {
		t.Errorf("retry with the same key: %+v, %v; want duplicate of %s", p2, err, p1.ID)
	}
	if _, err := h.publish(pub, "missing", "x", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("publish to a missing topic: %v, want ErrNotFound", err)
	}
	if got := bodies(h.fetchMailbox(sub, mb)); !slices.Equal(got, []string{"once", "idem"}) {
		t.Errorf("subscription holds %q, want once, idem", got)
	}
	if _, err := h.svc.CreateTopic(ctx, admin, "orders", ""); !errors.Is(err, store.ErrExists) {
		t.Errorf("create an existing topic: %v, want ErrExists", err)
	}
}

func TestPublishQuota(t *testing.T) {
	h := newHub(t)
	h.svc.QuotaMessages = 1
	pub, sub := h.agent("pub"), h.agent("sub")
	h.mustCreateTopic("orders", "")
	h.mustSubscribe(sub, "orders", "s")
	h.mustPublish(pub, "orders", "fits")
	if _, err := h.publish(pub, "orders", "overflows", ""); !errors.Is(err, ErrQuota) {
		t.Errorf("publish over a subscription's quota: %v, want ErrQuota", err)
	}
}

func TestTopicCopyMovedIsCorrupt(t *testing.T) {
	h := newHub(t)
	pub, s1, s2 := h.agent("pub"), h.agent("s1"), h.agent("s2")
	h.mustCreateTopic("orders", "")
	mb1 := h.mustSubscribe(s1, "orders", "one")
	mb2 := h.mustSubscribe(s2, "orders", "two")
	p := h.mustPublish(pub, "orders", "secret")
	// Overwrite two's copy with one's: same envelope, other subscription.
	h.reopen(func(db *sql.DB) {
		mustExec(t, db, `UPDATE messages SET body = (SELECT body FROM messages WHERE id = ?), headers = (SELECT headers FROM messages WHERE id = ?) WHERE id = ?`,
			copyID(p.ID, "one"), copyID(p.ID, "one"), copyID(p.ID, "two"))
	})
	if got := h.fetchMailbox(s2, mb2); len(got) != 0 {
		t.Fatalf("moved copy delivered: %q", bodies(got))
	}
	if m := h.message(copyID(p.ID, "two")); m.State != store.MessageDead {
		t.Errorf("moved copy is %s, want dead", m.State)
	}
	if got := h.fetchMailbox(s1, mb1); !slices.Equal(bodies(got), []string{"secret"}) {
		t.Errorf("intact copy: got %q", bodies(got))
	}
	if n := len(h.events("message.corrupt")); n != 1 {
		t.Errorf("%d message.corrupt events, want 1", n)
	}
	h.close()
	if h.rawContains([]byte("secret")) {
		t.Error("the database file holds the plaintext body")
	}
	h.open()
}

func (s segmentAuthorizer) AuthorizeWith(ctx context.Context, a policy.Actor, caller policy.Entity, action string, resource policy.Entity, _ map[string]any) (policy.Decision, error) {
	return s.Authorize(ctx, a, caller, action, resource)
}

// TestSubscriptionDeadLetters: a copy never acked is dead-lettered after
// MaxAttempts, listed by its envelope ID, requeued by it with a fresh set
// of attempts (audited), and can then be acked. The requeue is all or
// nothing, and works only through the copy's own subscription.
func TestSubscriptionDeadLetters(t *testing.T) {
	h := newHub(t)
	ctx := context.Background()
	pub, s1, s2 := h.agent("pub"), h.agent("s1"), h.agent("s2")
	h.mustCreateTopic("orders", "")
	mb1 := h.mustSubscribe(s1, "orders", "billing")
	mb2 := h.mustSubscribe(s2, "orders", "audit")
	p := h.mustPublish(pub, "orders", "never acked")
	for attempt := 1; attempt <= h.svc.MaxAttempts; attempt++ {
		if got := h.fetchMailbox(s1, mb1); len(got) != 1 || got[0].Attempt != attempt {
			t.Fatalf("fetch %d: %v", attempt, deliveryIDs(got))
		}
		h.clock.advance(store.LeaseFor(h.svc.Lease, attempt) + time.Second)
	}
	if got := h.fetchMailbox(s1, mb1); len(got) != 0 {
		t.Fatalf("delivered after MaxAttempts: %v", deliveryIDs(got))
	}
	dead, err := h.svc.DeadLetters(ctx, mb1, 0)
	if err != nil || len(dead) != 1 || dead[0].Envelope.ID != p.ID || dead[0].Err != nil || string(dead[0].Envelope.Body) != "never acked" {
		t.Fatalf("DeadLetters = %+v, %v; want %s", dead, err, p.ID)
	}
	if other, err := h.svc.DeadLetters(ctx, mb2, 0); err != nil || len(other) != 0 {
		t.Errorf("audit's dead letters = %d, %v; want none (its copy was never fetched)", len(other), err)
	}
	unknown, _ := NewID()
	if _, err := h.svc.RequeueSubscription(ctx, s1.actor(), mb1, []string{p.ID, unknown}); !errors.Is(err, ErrNotFound) {
		t.Errorf("requeue with an unknown ID = %v, want ErrNotFound", err)
	}
	if _, err := h.svc.RequeueSubscription(ctx, s2.actor(), mb2, []string{p.ID}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("requeue of audit's live copy = %v, want ErrConflict", err)
	}
	if _, err := h.svc.RequeueSubscription(ctx, s1.actor(), s1.mailbox(), []string{p.ID}); !errors.Is(err, ErrInvalid) {
		t.Errorf("requeue through a mailbox = %v, want ErrInvalid", err)
	}
	if got := len(h.events("message.requeued")); got != 0 {
		t.Fatalf("%d message.requeued events after failed requeues, want 0", got)
	}
	if n, err := h.svc.RequeueSubscription(ctx, s1.actor(), mb1, []string{p.ID}); err != nil || n != 1 {
		t.Fatalf("requeue = %d, %v; want 1", n, err)
	}
	if evs := h.events("message.requeued"); len(evs) != 1 || evs[0].Actor != s1.id || evs[0].Target != mb1 {
		t.Errorf("message.requeued events = %+v, want one by s1 on %s", evs, mb1)
	}
	got := h.fetchMailbox(s1, mb1)
	if len(got) != 1 || got[0].Envelope.ID != p.ID || got[0].Attempt != 1 {
		t.Fatalf("after requeue: %v, want %s#1", deliveryIDs(got), p.ID)
	}
	if n, err := h.svc.AckSubscription(ctx, s1.actor(), mb1, []string{p.ID}); err != nil || n != 1 {
		t.Fatalf("ack after requeue = %d, %v", n, err)
	}
	if dead, err := h.svc.DeadLetters(ctx, mb1, 0); err != nil || len(dead) != 0 {
		t.Errorf("dead letters after requeue and ack = %d, %v", len(dead), err)
	}
}
