package messaging

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

// fakeAuthorizer answers every request with one effect, and records them.
type fakeAuthorizer struct {
	mu       sync.Mutex
	effect   policy.Effect
	requests []string
}

func (f *fakeAuthorizer) set(e policy.Effect) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.effect = e
}

func (f *fakeAuthorizer) Authorize(_ context.Context, _ policy.Actor, caller policy.Entity, action string, resource policy.Entity) (policy.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fmt.Sprintf("%s %s %s", caller, action, resource))
	d := policy.Decision{Effect: f.effect, Reasons: []string{"test-" + f.effect.String()}}
	switch f.effect {
	case policy.Allow:
		return d, nil
	case policy.Approval:
		return d, fmt.Errorf("%w: test", policy.ErrApprovalRequired)
	}
	return d, fmt.Errorf("%w: test", policy.ErrDenied)
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hub is a messaging Service on a real SQLite file and a real keyring.
type hub struct {
	t      testing.TB
	dir    string
	dbPath string
	kek    *keys.FileKEK
	st     *sqlite.Store
	svc    *Service
	authz  *fakeAuthorizer
	clock  *clock
	ca     *identity.CA
	agents map[string]*agent
}

type agent struct {
	name   string
	id     string
	cert   *identitytest.Cert
	entity policy.Entity
}

func newHub(t testing.TB) *hub {
	t.Helper()
	dir := t.TempDir()
	kek, err := keys.CreateFileKEK(filepath.Join(dir, "kek.json"))
	if err != nil {
		t.Fatalf("create kek: %v", err)
	}
	h := &hub{t: t, dir: dir, dbPath: filepath.Join(dir, "airlock.db"), kek: kek,
		authz: &fakeAuthorizer{effect: policy.Allow}, clock: &clock{now: time.Now().UTC().Truncate(time.Second)},
		ca: identitytest.NewCA(t, "example.org"), agents: map[string]*agent{}}
	h.open()
	t.Cleanup(func() { h.close() })
	return h
}

// open opens the store and a fresh Service and Keyring over it.
func (h *hub) open() {
	h.t.Helper()
	st, err := sqlite.Open(context.Background(), h.dbPath)
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	ring, err := keys.NewKeyring(h.kek, StoreKeysets{Store: st}, keys.KeyringOptions{})
	if err != nil {
		h.t.Fatalf("new keyring: %v", err)
	}
	h.st = st
	h.svc = &Service{Store: st, Keys: ring, Policy: h.authz, Node: "test", Now: h.clock.Now,
		MaxAttempts: 3, Lease: 30 * time.Second}
}

func (h *hub) close() {
	if h.st != nil {
		if err := h.st.Close(); err != nil {
			h.t.Errorf("close store: %v", err)
		}
		h.st = nil
	}
}

// reopen closes the store, runs fn on the raw database file, and opens it again.
func (h *hub) reopen(fn func(db *sql.DB)) {
	h.t.Helper()
	h.close()
	if fn != nil {
		db, err := sql.Open("sqlite", h.dbPath)
		if err != nil {
			h.t.Fatalf("raw open: %v", err)
		}
		fn(db)
		if err := db.Close(); err != nil {
			h.t.Fatalf("raw close: %v", err)
		}
	}
	h.open()
}

func (h *hub) agent(name string) *agent {
	if a, ok := h.agents[name]; ok {
		return a
	}
	c := identitytest.Leaf(h.t, h.ca, identitytest.Options{Name: name})
	a := &agent{name: name, id: c.ID.String(), cert: c, entity: policy.Agent(name, "default")}
	h.agents[name] = a
	return a
}

func (a *agent) sender() Sender {
	return Sender{ID: a.id, Entity: a.entity, Leaf: a.cert.Leaf(), Chain: [][]byte{a.cert.Chain[0].Raw, a.cert.Chain[1].Raw}}
}

func (a *agent) recipient() Recipient { return Recipient{ID: a.id, Entity: a.entity} }

func (a *agent) mailbox() string { return "agent/" + a.name }

func (a *agent) actor() policy.Actor { return policy.Actor{ID: a.id, RequestID: "req-" + a.name} }

// newID returns a UUIDv7 made at the test clock's time, as a sender whose
// clock agrees with the hub's would.
func (h *hub) newID() string {
	h.t.Helper()
	return idAt(h.t, h.clock.Now())
}

// idAt returns a UUIDv7 whose time is at.
func idAt(t testing.TB, at time.Time) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		id[i] = byte(ms >> (40 - 8*i))
	}
	return id.String()
}

// envelope returns a signed-ready envelope from a to b.
func (h *hub) envelope(from, to *agent, body string) Envelope {
	h.t.Helper()
	return Envelope{ID: h.newID(), Sender: from.id, Recipient: to.id, Subject: "hello " + to.name,
		ContentType: "text/plain; charset=utf-8", Headers: map[string]string{"x-trace": "trace-" + body},
		Body: []byte(body)}
}

func (h *hub) sign(from *agent, e Envelope) []byte {
	h.t.Helper()
	sig, err := Sign(from.cert.Key, e)
	if err != nil {
		h.t.Fatalf("sign: %v", err)
	}
	return sig
}

// send signs and sends a text message, returning its result.
func (h *hub) send(from, to *agent, body string) (Result, error) {
	h.t.Helper()
	e := h.envelope(from, to, body)
	return h.svc.Send(context.Background(), from.actor(), from.sender(), to.recipient(), e, h.sign(from, e), "")
}

func (h *hub) mustSend(from, to *agent, body string) string {
	h.t.Helper()
	r, err := h.send(from, to, body)
	if err != nil {
		h.t.Fatalf("send %q: %v", body, err)
	}
	return r.ID
}

func (h *hub) fetch(to *agent, limit int) []Delivery {
	h.t.Helper()
	ds, err := h.svc.Fetch(context.Background(), to.actor(), to.mailbox(), limit, 0)
	if err != nil {
		h.t.Fatalf("fetch: %v", err)
	}
	return ds
}

func (h *hub) events(typ string) []store.Event {
	h.t.Helper()
	var evs []store.Event
	err := h.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		evs, err = tx.Events(store.EventFilter{Type: typ})
		return err
	})
	if err != nil {
		h.t.Fatalf("events: %v", err)
	}
	return evs
}

func (h *hub) message(id string) store.Message {
	h.t.Helper()
	var m store.Message
	err := h.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		m, err = tx.Message(id)
		return err
	})
	if err != nil {
		h.t.Fatalf("message %s: %v", id, err)
	}
	return m
}

// rawContains reports whether the database file or its WAL holds needle.
// The store must be closed.
func (h *hub) rawContains(needle []byte) bool {
	h.t.Helper()
	for _, p := range []string{h.dbPath, h.dbPath + "-wal", h.dbPath + "-journal"} {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			h.t.Fatalf("read %s: %v", p, err)
		}
		if bytes.Contains(data, needle) {
			return true
		}
	}
	return false
}

// verifyDelivery checks d's signature with the leaf of its sender chain,
// as a recipient would.
func verifyDelivery(t *testing.T, d Delivery, wantSender string) {
	t.Helper()
	if len(d.SenderChain) == 0 {
		t.Fatal("delivery has no sender chain")
	}
	leaf, err := x509.ParseCertificate(d.SenderChain[0])
	if err != nil {
		t.Fatalf("parse sender leaf: %v", err)
	}
	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != wantSender || d.Envelope.Sender != wantSender {
		t.Fatalf("sender = %q, leaf URIs %v; want %q", d.Envelope.Sender, leaf.URIs, wantSender)
	}
	if err := Verify(leaf.PublicKey, d.Envelope, d.Signature); err != nil {
		t.Fatalf("verify delivery: %v", err)
	}
}

func (f *fakeAuthorizer) AuthorizeWith(ctx context.Context, a policy.Actor, caller policy.Entity, action string, resource policy.Entity, _ map[string]any) (policy.Decision, error) {
	return f.Authorize(ctx, a, caller, action, resource)
}
