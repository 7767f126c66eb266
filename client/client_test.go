package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
)

func serial(id *client.Identity) string { return identity.SerialHex(id.Chain[0]) }

func TestEnroll(t *testing.T) {
	h := startHub(t)
	id, err := h.enroll(h.token(t, "a1"), h.srv.Hub().CA.Fingerprint())
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if got, want := id.ID.String(), "spiffe://airlock.local/agent/a1"; got != want {
		t.Errorf("ID: got %s, want %s", got, want)
	}
	if id.Server != h.apiURL() {
		t.Errorf("server: got %s, want %s", id.Server, h.apiURL())
	}
	if _, _, err := x509svid.Verify(id.Chain, x509bundle.FromX509Authorities(id.ID.TrustDomain(), id.Bundle)); err != nil {
		t.Errorf("enrolled chain does not verify against its bundle: %v", err)
	}
	dir := t.TempDir()
	if err := id.Save(dir); err != nil {
		t.Fatal(err)
	}
	c, err := client.Open(dir, client.Options{NoRenew: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer c.Close()
	me, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if me.GetSpiffeId() != id.ID.String() || me.GetSerial() != serial(id) {
		t.Errorf("whoami: got %s serial %s, want %s serial %s", me.GetSpiffeId(), me.GetSerial(), id.ID, serial(id))
	}
}

// TestEnrollPinning: a wrong pin is refused before the token is sent, so
// the token still works afterwards.
func TestEnrollPinning(t *testing.T) {
	h := startHub(t)
	tok := h.token(t, "a1")
	other := identitytest.NewCA(t, "airlock.local")
	_, err := h.enroll(tok, other.Fingerprint())
	if err == nil || !strings.Contains(err.Error(), "pinned fingerprint") {
		t.Fatalf("enroll with a wrong pin: got %v, want a pinning error", err)
	}
	// The pin may also come from the environment.
	t.Setenv("AIRLOCK_CA_FINGERPRINT", h.srv.Hub().CA.Fingerprint())
	if _, err := h.enroll(tok, ""); err != nil {
		t.Fatalf("the token must still work after a refused attempt: %v", err)
	}
}

func TestEnrollMalformedFingerprint(t *testing.T) {
	good := identitytest.NewCA(t, "airlock.local").Fingerprint()
	for _, fp := range []string{
		"sha256:zz",
		strings.TrimSuffix(good, good[len(good)-1:]), // 63 hex digits
		"md5:" + strings.TrimPrefix(good, "sha256:"), // wrong algorithm
		strings.TrimPrefix(good, "sha256:") + "00",   // 66 digits, no prefix
		"sha256:" + strings.Repeat("a", 64) + "\x00", // trailing NUL
	} {
		// No hub: a malformed pin fails before any connection.
		_, err := client.Enroll(context.Background(), client.EnrollOptions{Server: "127.0.0.1:1", Token: "t", CAFingerprint: fp})
		if !errors.Is(err, identity.ErrInvalidFingerprint) || !strings.Contains(err.Error(), "ca fingerprint") {
			t.Errorf("fingerprint %q: got %v, want ErrInvalidFingerprint", fp, err)
		}
	}
}

// TestRenew: Renew switches to a new certificate, persists it to the
// identity directory and presents it on new connections.
func TestRenew(t *testing.T) {
	h := startHub(t)
	dir := h.agent(t, "a1")
	c, err := client.Open(dir, client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	old := c.Current()
	if _, err := c.WhoAmI(ctx); err != nil { // leaves an idle connection with the old certificate
		t.Fatal(err)
	}
	keyBefore, certBefore := readFile(t, dir, client.KeyFile), readFile(t, dir, client.CertFile)

	if err := c.Renew(ctx); err != nil {
		t.Fatalf("renew: %v", err)
	}
	cur := c.Current()
	if serial(cur) == serial(old) || cur.ID != old.ID {
		t.Fatalf("renew: serial %s -> %s, id %s -> %s", serial(old), serial(cur), old.ID, cur.ID)
	}
	if bytes.Equal(readFile(t, dir, client.KeyFile), keyBefore) || bytes.Equal(readFile(t, dir, client.CertFile), certBefore) {
		t.Error("renew did not rewrite key.pem and cert.pem")
	}
	loaded, err := client.Load(dir)
	if err != nil {
		t.Fatalf("load after renew: %v", err)
	}
	if serial(loaded) != serial(cur) {
		t.Errorf("saved serial %s, in use %s", serial(loaded), serial(cur))
	}
	if fi, err := os.Stat(filepath.Join(dir, client.KeyFile)); err != nil || fi.Mode() != 0o600 {
		t.Errorf("key.pem after renew: %v, %v; want mode 0600", fi.Mode(), err)
	}
	me, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.GetSerial() != serial(cur) {
		t.Errorf("whoami after renew: serial %s, want the new %s", me.GetSerial(), serial(cur))
	}
}

// TestRenewUnderLoad: calls in flight do not fail while the client renews,
// and once they are done new connections present the new certificate.
func TestRenewUnderLoad(t *testing.T) {
	h := startHub(t)
	c, err := client.Open(h.agent(t, "a1"), client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var (
		calls, failures atomic.Int64
		firstErr        atomic.Value
		wg              sync.WaitGroup
	)
	deadline := time.Now().Add(time.Second)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				calls.Add(1)
				if _, err := c.WhoAmI(ctx); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for range 3 {
		time.Sleep(200 * time.Millisecond)
		if err := c.Renew(ctx); err != nil {
			t.Errorf("renew under load: %v", err)
		}
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d calls failed during renewal; first: %v", n, calls.Load(), firstErr.Load())
	}
	if calls.Load() < 16 {
		t.Fatalf("only %d calls ran", calls.Load())
	}
	c.CloseIdleConnections()
	want := serial(c.Current())
	me, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.GetSerial() != want {
		t.Errorf("whoami after renewals: serial %s, want the current %s", me.GetSerial(), want)
	}
}

// TestConcurrentRenew: renewals racing each other leave the identity
// directory matching the identity in use.
func TestConcurrentRenew(t *testing.T) {
	h := startHub(t)
	dir := h.agent(t, "a1")
	c, err := client.Open(dir, client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Renew(context.Background()); err != nil {
				t.Errorf("renew: %v", err)
			}
		}()
	}
	wg.Wait()
	loaded, err := client.Load(dir)
	if err != nil {
		t.Fatalf("load after concurrent renewals: %v", err)
	}
	if serial(loaded) != serial(c.Current()) {
		t.Errorf("saved serial %s, in use %s", serial(loaded), serial(c.Current()))
	}
}

// TestRenewLoop: a client whose certificate is past half its lifetime
// renews on its own and saves the new certificate.
func TestRenewLoop(t *testing.T) {
	h := startHub(t)
	h.token(t, "late") // registers the agent
	now := time.Now()
	leaf := identitytest.Leaf(t, h.srv.Hub().CA, identitytest.Options{
		Name: "late", NotBefore: now.Add(-40 * time.Minute), NotAfter: now.Add(20 * time.Minute),
	})
	old := &client.Identity{Key: leaf.Key, Chain: leaf.Chain[:2], Bundle: h.srv.Hub().CA.Roots(), ID: leaf.ID, Server: h.apiURL()}
	dir := t.TempDir()
	c, err := client.New(old, client.Options{Dir: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for serial(c.Current()) == serial(old) {
		if time.Since(now) > 10*time.Second {
			t.Fatal("the renewal loop did not renew a certificate past half its lifetime")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cur := c.Current()
	if got := cur.NotAfter().Sub(cur.Chain[0].NotBefore); got < 50*time.Minute {
		t.Errorf("renewed certificate lives %s, want about 1h", got)
	}
	loaded, err := client.Load(dir)
	if err != nil {
		t.Fatalf("load the renewed identity: %v", err)
	}
	if serial(loaded) != serial(cur) {
		t.Errorf("saved serial %s, in use %s", serial(loaded), serial(cur))
	}
}

// TestClose: Close stops the renewal goroutine and may be called twice.
func TestClose(t *testing.T) {
	leaf := identitytest.Leaf(t, identitytest.NewCA(t, "airlock.local"), identitytest.Options{})
	id := &client.Identity{Key: leaf.Key, Chain: leaf.Chain[:2], Bundle: leaf.Issuer.Roots(), ID: leaf.ID, Server: "https://127.0.0.1:1"}
	for _, noRenew := range []bool{false, true} {
		before := runtime.NumGoroutine()
		c, err := client.New(id, client.Options{NoRenew: noRenew})
		if err != nil {
			t.Fatal(err)
		}
		if !noRenew && !eventually(renewLoops) {
			t.Error("no renewal goroutine after New")
		}
		if noRenew && renewLoops() {
			t.Error("NoRenew: a renewal goroutine is running")
		}
		for range 2 {
			if err := c.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
		}
		if renewLoops() {
			t.Errorf("NoRenew=%v: renewal goroutine still running after Close", noRenew)
		}
		if after := runtime.NumGoroutine(); after > before {
			t.Errorf("NoRenew=%v: %d goroutines before New, %d after Close", noRenew, before, after)
		}
	}
}

// eventually reports whether cond holds within a second.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// renewLoops reports whether a Client's renewal goroutine is running.
func renewLoops() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "client.(*Client).renewLoop")
}

// TestRefusalExplained: a new client for a revoked agent gets a clear
// Unauthenticated error rather than a broken pipe, every time.
func TestRefusalExplained(t *testing.T) {
	h := startHub(t)
	id, err := client.Load(h.agent(t, "a1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := h.admin.Admin.RevokeAgent(ctx, connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: "a1"})); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	for i := range 10 {
		c, err := client.New(id, client.Options{NoRenew: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.WhoAmI(ctx)
		c.Close()
		if connect.CodeOf(err) != connect.CodeUnauthenticated || !strings.Contains(err.Error(), "refused this identity") {
			t.Fatalf("attempt %d: got %v (%v), want Unauthenticated, refused this identity", i, connect.CodeOf(err), err)
		}
	}
}

// TestNoRefusalWithoutAlert: a server that drops connections without a TLS
// alert is not blamed on the identity.
func TestNoRefusalWithoutAlert(t *testing.T) {
	l := listen(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	defer func() { l.Close(); <-done }()
	leaf := identitytest.Leaf(t, identitytest.NewCA(t, "airlock.local"), identitytest.Options{})
	id := &client.Identity{Key: leaf.Key, Chain: leaf.Chain[:2], Bundle: leaf.Issuer.Roots(), ID: leaf.ID, Server: "https://" + l.Addr().String()}
	c := newClient(t, id)
	_, err := c.WhoAmI(context.Background())
	if err == nil || strings.Contains(err.Error(), "refused this identity") {
		t.Fatalf("got %v, want the transport error, not a refusal", err)
	}
	if code := connect.CodeOf(err); code == connect.CodeUnauthenticated {
		t.Errorf("code %v, want a transport failure code", code)
	}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
