package identity_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

// clock is a settable time source for Service.Now, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// env is a Service on a real SQLite file in t.TempDir, with a CA minted at
// epoch and a clock starting at epoch.
type env struct {
	svc   *identity.Service
	st    *sqlite.Store
	ca    *identity.CA
	clock *clock
	path  string // SQLite file
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWithCA(t, newCA(t))
}

func newEnvWithCA(t *testing.T, ca *identity.CA) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	st := openStore(t, path)
	c := newClock(epoch)
	svc := &identity.Service{Store: st, CA: ca, Node: "node-1", Now: c.Now}
	return &env{svc: svc, st: st, ca: ca, clock: c, path: path}
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// hub is the actor used for admin calls in these tests.
var hub = identity.Actor{ID: "spiffe://example.org/human/admin", RequestID: "req-1"}

// agent creates an active agent, failing t on error.
func (e *env) agent(t *testing.T, name string) {
	t.Helper()
	if _, err := e.svc.CreateAgent(context.Background(), hub, name, ""); err != nil {
		t.Fatalf("CreateAgent(%q): %v", name, err)
	}
}

// token creates a join token for agent with the default TTL.
func (e *env) token(t *testing.T, agent string) string {
	t.Helper()
	text, _, err := e.svc.CreateToken(context.Background(), hub, agent, 0)
	if err != nil {
		t.Fatalf("CreateToken(%q): %v", agent, err)
	}
	return text
}

func (e *env) setStatus(t *testing.T, name string, s store.Status) {
	t.Helper()
	if _, err := e.svc.SetAgentStatus(context.Background(), hub, name, s); err != nil {
		t.Fatalf("SetAgentStatus(%q, %s): %v", name, s, err)
	}
}

// events returns the audit events matching f.
func (e *env) events(t *testing.T, f store.EventFilter) []store.Event {
	t.Helper()
	var evs []store.Event
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		evs, err = tx.Events(f)
		return err
	})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return evs
}

// lastSeq is the Seq of the newest event, 0 if there is none.
func (e *env) lastSeq(t *testing.T) int64 {
	t.Helper()
	evs := e.events(t, store.EventFilter{})
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// storedToken returns the stored form of the token with text's id.
func (e *env) storedToken(t *testing.T, text string) store.JoinToken {
	t.Helper()
	id, _, err := identity.ParseJoinToken(text)
	if err != nil {
		t.Fatalf("ParseJoinToken: %v", err)
	}
	var tok store.JoinToken
	err = e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		tok, err = tx.GetToken(id)
		return err
	})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	return tok
}

func (e *env) principal(t *testing.T, kind store.Kind, name string) store.Principal {
	t.Helper()
	var p store.Principal
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		p, err = tx.GetPrincipal(kind, name)
		return err
	})
	if err != nil {
		t.Fatalf("GetPrincipal(%s, %s): %v", kind, name, err)
	}
	return p
}

// certCount counts the certificates recorded for an agent, reading the
// SQLite file directly since store.Tx has no certificate query.
func (e *env) certCount(t *testing.T, kind store.Kind, name string) int {
	t.Helper()
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT COUNT(*) FROM certificates WHERE kind = ? AND name = ?`, string(kind), name).Scan(&n)
	if err != nil {
		t.Fatalf("count certificates: %v", err)
	}
	return n
}

// csrDER returns a DER CSR for key asking for the given URI SANs.
func csrDER(t testing.TB, key crypto.Signer, uris ...string) []byte {
	t.Helper()
	tmpl := &x509.CertificateRequest{}
	for _, u := range uris {
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, parsed)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// checkErr fails t unless err wraps want and mentions msg.
func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("err = nil, want %v", want)
	case !errors.Is(err, want):
		t.Fatalf("err = %v, want errors.Is %v", err, want)
	case !strings.Contains(err.Error(), msg):
		t.Fatalf("err = %q, want it to mention %q", err, msg)
	}
}

// hookStore wraps a store.Store so tests can interfere with transactions:
// afterView runs after each View returns, failAppend fails AppendEvent for
// events it reports true for.
type hookStore struct {
	store.Store
	mu         sync.Mutex
	afterView  func()
	failAppend func(store.Event) bool
}

func (s *hookStore) View(ctx context.Context, fn func(store.Tx) error) error {
	err := s.Store.View(ctx, fn)
	s.mu.Lock()
	hook := s.afterView
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return err
}

func (s *hookStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		return fn(&hookTx{Tx: tx, s: s})
	})
}

type hookTx struct {
	store.Tx
	s *hookStore
}

var errInjected = errors.New("injected failure")

func (tx *hookTx) AppendEvent(e store.Event) (int64, error) {
	tx.s.mu.Lock()
	fail := tx.s.failAppend
	tx.s.mu.Unlock()
	if fail != nil && fail(e) {
		return 0, errInjected
	}
	return tx.Tx.AppendEvent(e)
}
