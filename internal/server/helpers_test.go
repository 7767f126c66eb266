package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/server"
)

// hub is a running hub node plus an admin client, for tests.
type hub struct {
	srv   *server.Server
	admin *client.Client
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// startHub starts a real hub on 127.0.0.1:0 with its state in store (""
// means SQLite in a temp dir) and returns it with an admin client.
func startHub(t *testing.T, store string, tweak ...func(*server.Config)) *hub {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Store = store
	for _, f := range tweak {
		f(&cfg)
	}
	srv := &server.Server{
		Config:          cfg,
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIListener:     listen(t),
		EnrollListener:  listen(t),
		MetricsListener: listen(t),
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start hub: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close hub: %v", err)
		}
	})
	h := &hub{srv: srv}
	h.admin = h.humanClient(t, "admin", []string{"admin"})
	return h
}

// humanClient issues an identity for a human in-process and connects with it.
func (h *hub) humanClient(t *testing.T, name string, roles []string) *client.Client {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svid, err := h.srv.Hub().Identities.IssueHuman(context.Background(), name, roles, key.Public())
	if err != nil {
		t.Fatalf("issue human: %v", err)
	}
	id := &client.Identity{Key: key, Chain: svid.Chain, Bundle: h.srv.Hub().CA.Roots(), ID: svid.ID, Server: h.apiURL()}
	return h.connect(t, id)
}

func (h *hub) apiURL() string { return "https://" + h.srv.APIAddr() }

func (h *hub) connect(t *testing.T, id *client.Identity) *client.Client {
	t.Helper()
	c, err := client.New(id, client.Options{NoRenew: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// createAgent registers an agent and returns a join token for it.
func (h *hub) createAgent(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := h.admin.Admin.CreateAgent(ctx, connect.NewRequest(&airlockv1.CreateAgentRequest{Name: name})); err != nil {
		t.Fatalf("create agent %s: %v", name, err)
	}
	return h.token(t, name)
}

func (h *hub) token(t *testing.T, name string) string {
	t.Helper()
	resp, err := h.admin.Admin.CreateToken(context.Background(), connect.NewRequest(&airlockv1.CreateTokenRequest{Agent: name}))
	if err != nil {
		t.Fatalf("create token for %s: %v", name, err)
	}
	return resp.Msg.GetToken()
}

func (h *hub) enroll(t *testing.T, token string) (*client.Identity, error) {
	t.Helper()
	return client.Enroll(context.Background(), client.EnrollOptions{
		Server: "https://" + h.srv.EnrollAddr(), Token: token, CAFingerprint: h.srv.Hub().CA.Fingerprint(),
	})
}

// agent creates, enrolls and connects agent name.
func (h *hub) agent(t *testing.T, name string) *client.Client {
	t.Helper()
	id, err := h.enroll(t, h.createAgent(t, name))
	if err != nil {
		t.Fatalf("enroll %s: %v", name, err)
	}
	return h.connect(t, id)
}

func wantCode(t *testing.T, err error, want connect.Code, wantMsg string) {
	t.Helper()
	if got := connect.CodeOf(err); got != want {
		t.Fatalf("got code %v (err %v), want %v", got, err, want)
	}
	if !strings.Contains(err.Error(), wantMsg) {
		t.Fatalf("error %q does not mention %q", err, wantMsg)
	}
}

// mtlsHTTP returns an HTTP client presenting cert over TLS with the given
// version bounds, trusting the hub's CA.
func (h *hub) httpClient(certs []tls.Certificate, minV, maxV uint16) *http.Client {
	pool := h.srv.Hub().CA.X509Bundle().X509Authorities()
	cfg := &tls.Config{Certificates: certs, MinVersion: minV, MaxVersion: maxV, RootCAs: certPool(pool)}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}
}

// checkGoroutines fails t if goroutines started during the test outlive it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines leaked: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func (h *hub) enrollWith(token, fingerprint string) (*client.Identity, error) {
	return client.Enroll(context.Background(), client.EnrollOptions{
		Server: "https://" + h.srv.EnrollAddr(), Token: token, CAFingerprint: fingerprint,
	})
}
