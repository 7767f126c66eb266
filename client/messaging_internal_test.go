package client

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/airlock-hub/airlock/internal/messaging"
)

func TestResolveRecipient(t *testing.T) {
	td := spiffeid.RequireTrustDomainFromString("example.org")
	tests := []struct {
		to, want string
		ok       bool
	}{
		{"billing", "spiffe://example.org/agent/billing", true},
		{"a-1", "spiffe://example.org/agent/a-1", true},
		{"spiffe://example.org/human/alice", "spiffe://example.org/human/alice", true},
		{"spiffe://other.org/agent/x", "spiffe://other.org/agent/x", true},
		{"", "", false},
		{"Billing", "", false},             // names are lowercase
		{"a/b", "", false},                 // not a name
		{"spiffe://", "", false},           // no trust domain
		{"spiffe://EX/agent/x", "", false}, // SPIFFE IDs are lowercase
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			got, err := resolveRecipient(td, tt.to)
			if (err == nil) != tt.ok {
				t.Fatalf("resolveRecipient(%q): err = %v, want ok %v", tt.to, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("resolveRecipient(%q) = %q, want %q", tt.to, got, tt.want)
			}
		})
	}
}

func TestWaitSeconds(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want int32
	}{{0, 0}, {-time.Second, 0}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {30 * time.Second, 30}} {
		if got := waitSeconds(tt.in); got != tt.want {
			t.Errorf("waitSeconds(%s) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// testClient returns a client for a fresh agent NAME of ca. It never dials.
func testClient(t *testing.T, ca *identity.CA, name string) *Client {
	t.Helper()
	leaf := identitytest.Leaf(t, ca, identitytest.Options{Name: name})
	c, err := New(&Identity{Key: leaf.Key, Chain: leaf.Chain, Bundle: ca.Roots(), ID: leaf.ID,
		Server: "https://127.0.0.1:1"}, Options{NoRenew: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// deliver turns a send request from sender into the delivery the hub
// would make of it, after checking the signature as the hub does.
func deliver(t *testing.T, sender *Client, req *airlockv1.SendRequest, created time.Time) *airlockv1.Delivery {
	t.Helper()
	me := sender.Current()
	e := messaging.Envelope{ID: req.GetId(), Sender: me.ID.String(), Recipient: req.GetTo(), Subject: req.GetSubject(),
		ContentType: req.GetContentType(), Thread: req.GetThread(), ReplyTo: req.GetReplyTo(),
		Headers: req.GetHeaders(), Body: req.GetBody()}
	if err := messaging.Validate(e, 0); err != nil {
		t.Fatalf("hub would reject the envelope: %v", err)
	}
	if err := messaging.Verify(me.Chain[0].PublicKey, e, req.GetSignature()); err != nil {
		t.Fatalf("hub would reject the signature: %v", err)
	}
	chain := make([][]byte, len(me.Chain))
	for i, c := range me.Chain {
		chain[i] = c.Raw
	}
	return &airlockv1.Delivery{
		Envelope: &airlockv1.Envelope{Id: e.ID, Sender: e.Sender, Recipient: e.Recipient, Subject: e.Subject,
			ContentType: e.ContentType, Thread: e.Thread, ReplyTo: e.ReplyTo, Headers: e.Headers, Body: e.Body,
			CreatedAt: timestamppb.New(created)},
		Signature: req.GetSignature(), SenderChain: chain, Attempt: 1,
	}
}

func sendReq(t *testing.T, c *Client, to string) *airlockv1.SendRequest {
	t.Helper()
	thread, _ := messaging.NewID()
	req, err := c.NewSendRequest(SendOptions{To: to, Subject: "invoice 42", ContentType: "text/plain; charset=utf-8",
		Thread: thread, Headers: map[string]string{"priority": "high", "x-trace": "abc"}, Body: []byte("please pay")})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestVerifyDelivery: a message signed by NewSendRequest verifies at the
// recipient; any change to a signed field, the signature or the sender's
// chain makes it an error, never a Message.
func TestVerifyDelivery(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	a1, a2 := testClient(t, ca, "a1"), testClient(t, ca, "a2")
	good := deliver(t, a1, sendReq(t, a1, "a2"), time.Now())

	m, err := a2.verifyMine(good)
	if err != nil {
		t.Fatalf("verify a good delivery: %v", err)
	}
	if !m.Verified || m.From != "spiffe://example.org/agent/a1" || m.To != "spiffe://example.org/agent/a2" ||
		m.Subject != "invoice 42" || string(m.Body) != "please pay" || m.Headers["priority"] != "high" || m.Attempt != 1 {
		t.Errorf("verified message = %+v", m)
	}

	other := identitytest.Leaf(t, ca, identitytest.Options{Name: "a3"})
	foreign := identitytest.Leaf(t, ca, identitytest.Options{Name: "a1", SignedByOtherCA: true})
	expired := identitytest.Leaf(t, ca, identitytest.Options{Name: "a1", NotAfter: time.Now().Add(-time.Minute)})
	tests := []struct {
		name   string
		tamper func(d *airlockv1.Delivery)
	}{
		{"flipped body byte", func(d *airlockv1.Delivery) { d.Envelope.Body[0] ^= 1 }},
		{"changed subject", func(d *airlockv1.Delivery) { d.Envelope.Subject = "invoice 43" }},
		{"added header", func(d *airlockv1.Delivery) { d.Envelope.Headers["x-extra"] = "1" }},
		{"removed header", func(d *airlockv1.Delivery) { delete(d.Envelope.Headers, "x-trace") }},
		{"changed thread", func(d *airlockv1.Delivery) { d.Envelope.Thread = "" }},
		{"changed id", func(d *airlockv1.Delivery) { d.Envelope.Id = "0190f0f0-0000-7000-8000-000000000000" }},
		{"changed content type", func(d *airlockv1.Delivery) { d.Envelope.ContentType = "" }},
		{"flipped signature byte", func(d *airlockv1.Delivery) { d.Signature[len(d.Signature)-1] ^= 1 }},
		{"no signature", func(d *airlockv1.Delivery) { d.Signature = nil }},
		{"no envelope", func(d *airlockv1.Delivery) { d.Envelope = nil }},
		{"no chain", func(d *airlockv1.Delivery) { d.SenderChain = nil }},
		{"garbage chain", func(d *airlockv1.Delivery) { d.SenderChain = [][]byte{[]byte("not a certificate")} }},
		{"sender claims another identity", func(d *airlockv1.Delivery) { d.Envelope.Sender = "spiffe://example.org/agent/a3" }},
		{"another agent's certificate", func(d *airlockv1.Delivery) { d.SenderChain = derChain(other) }},
		{"certificate from another CA", func(d *airlockv1.Delivery) { d.SenderChain = derChain(foreign) }},
		{"certificate expired when sent", func(d *airlockv1.Delivery) { d.SenderChain = derChain(expired) }},
		{"created before the certificate", func(d *airlockv1.Delivery) {
			d.Envelope.CreatedAt = timestamppb.New(time.Now().Add(-24 * time.Hour))
		}},
		{"signed for someone else", func(d *airlockv1.Delivery) {
			*d = *deliver(t, a1, sendReq(t, a1, "a3"), time.Now())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := proto.Clone(good).(*airlockv1.Delivery)
			tt.tamper(d)
			m, err := a2.verifyMine(d)
			if !errors.Is(err, ErrUnverified) {
				t.Fatalf("verify: err = %v, want ErrUnverified", err)
			}
			if m.Verified || m.ID != "" || m.Body != nil {
				t.Errorf("verify returned a message with an error: %+v", m)
			}
		})
	}
}

// TestVerifyAfterSenderCertExpired: a message outlives the sender's
// short-lived certificate; it is checked at the time the hub accepted it.
func TestVerifyAfterSenderCertExpired(t *testing.T) {
	ca, err := identity.NewCA(spiffeid.RequireTrustDomainFromString("example.org"), time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a2 := testClient(t, ca, "a2")
	old := identitytest.Leaf(t, ca, identitytest.Options{Name: "a1",
		NotBefore: time.Now().Add(-3 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	a1 := testClient(t, ca, "a1")
	a1.id = &Identity{Key: old.Key, Chain: old.Chain, Bundle: ca.Roots(), ID: old.ID, Server: a1.id.Server}
	d := deliver(t, a1, sendReq(t, a1, "a2"), time.Now().Add(-2*time.Hour))
	if _, err := a2.verifyMine(d); err != nil {
		t.Errorf("verify a message sent while the certificate was valid: %v", err)
	}
}

func derChain(c *identitytest.Cert) [][]byte {
	out := make([][]byte, len(c.Chain))
	for i, x := range c.Chain {
		out[i] = x.Raw
	}
	return out
}

func TestBackoff(t *testing.T) {
	var b backoff
	prev := time.Duration(0)
	for i := range 30 {
		d := b.next()
		if d < minBackoff/2 || d >= maxBackoff {
			t.Fatalf("wait %d = %s, outside [%s, %s)", i, d, minBackoff/2, maxBackoff)
		}
		if i == 10 && d < prev/4 {
			t.Errorf("wait %d = %s did not grow (previous %s)", i, d, prev)
		}
		prev = d
	}
	if prev < maxBackoff/2 {
		t.Errorf("after 30 waits: %s, want at least %s", prev, maxBackoff/2)
	}
	b.reset()
	if d := b.next(); d >= minBackoff {
		t.Errorf("after reset: %s, want under %s", d, minBackoff)
	}
}
