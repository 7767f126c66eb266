package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/airlock-hub/airlock/internal/store/pgtest"
)

func certPool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestFlow is the foundation's "done when", on SQLite and PostgreSQL:
// create and enroll two agents, WhoAmI for each, revoke one; the revoked
// agent is refused on its open connection and on a new one, the other
// keeps working.
func TestFlow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.FreshSchema(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			h := startHub(t, tc.store(t))
			testFlow(t, h)
		})
	}
}

func testFlow(t *testing.T, h *hub) {
	ctx := context.Background()
	a1, a2 := h.agent(t, "a1"), h.agent(t, "a2")
	for name, c := range map[string]interface {
		WhoAmI(context.Context) (*airlockv1.WhoAmIResponse, error)
	}{"a1": a1, "a2": a2} {
		me, err := c.WhoAmI(ctx)
		if err != nil {
			t.Fatalf("whoami %s: %v", name, err)
		}
		if got, want := me.GetSpiffeId(), "spiffe://airlock.local/agent/"+name; got != want {
			t.Errorf("whoami: got %s, want %s", got, want)
		}
		if exp := me.GetExpiresAt().AsTime(); exp.Before(time.Now().Add(50*time.Minute)) || exp.After(time.Now().Add(61*time.Minute)) {
			t.Errorf("whoami %s: expiry %s is not about 1h away", name, exp)
		}
	}
	if _, err := h.admin.Admin.RevokeAgent(ctx, connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: "a1"})); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err := a1.WhoAmI(ctx) // same client: the HTTP/2 connection is still open
	wantCode(t, err, connect.CodeUnauthenticated, "revoked")
	fresh := h.connect(t, a1.Current())
	if _, err := fresh.WhoAmI(ctx); err == nil || !strings.Contains(err.Error(), "bad certificate") {
		t.Fatalf("new connection of revoked agent: got %v, want a handshake failure", err)
	}
	if _, err := a2.WhoAmI(ctx); err != nil {
		t.Fatalf("a2 after a1's revocation: %v", err)
	}
}

func TestSuspendResume(t *testing.T) {
	h := startHub(t, "")
	ctx := context.Background()
	a := h.agent(t, "worker")
	if _, err := a.WhoAmI(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.Admin.SuspendAgent(ctx, connect.NewRequest(&airlockv1.SuspendAgentRequest{Name: "worker"})); err != nil {
		t.Fatal(err)
	}
	_, err := a.WhoAmI(ctx)
	wantCode(t, err, connect.CodeUnauthenticated, "suspended")
	if _, err := h.admin.Admin.ResumeAgent(ctx, connect.NewRequest(&airlockv1.ResumeAgentRequest{Name: "worker"})); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WhoAmI(ctx); err != nil {
		t.Fatalf("after resume: %v", err)
	}
	_, err = h.admin.Admin.RevokeAgent(ctx, connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: "worker"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.admin.Admin.ResumeAgent(ctx, connect.NewRequest(&airlockv1.ResumeAgentRequest{Name: "worker"}))
	wantCode(t, err, connect.CodeFailedPrecondition, "permanent")
}

func TestTokens(t *testing.T) {
	h := startHub(t, "")
	tok := h.createAgent(t, "a1")
	if _, err := h.enroll(t, tok); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err := h.enroll(t, tok)
	wantCode(t, err, connect.CodeUnauthenticated, "already used")

	// A token names its agent: whoever presents a2's token gets a2.
	id, err := h.enroll(t, h.createAgent(t, "a2"))
	if err != nil || id.ID.String() != "spiffe://airlock.local/agent/a2" {
		t.Fatalf("a2's token: got %v, %v", id, err)
	}

	// A token created before revocation does not work after it.
	old := h.token(t, "a1")
	if _, err := h.admin.Admin.RevokeAgent(context.Background(), connect.NewRequest(&airlockv1.RevokeAgentRequest{Name: "a1"})); err != nil {
		t.Fatal(err)
	}
	_, err = h.enroll(t, old)
	wantCode(t, err, connect.CodePermissionDenied, "revoked")

	_, err = h.enroll(t, "alj1.not-a-token")
	wantCode(t, err, connect.CodeInvalidArgument, "join token")
	_, err = h.admin.Admin.CreateToken(context.Background(), connect.NewRequest(&airlockv1.CreateTokenRequest{Agent: "a2", TtlSeconds: 25 * 3600}))
	wantCode(t, err, connect.CodeInvalidArgument, "ttl")
	_, err = h.admin.Admin.CreateToken(context.Background(), connect.NewRequest(&airlockv1.CreateTokenRequest{Agent: "nobody"}))
	wantCode(t, err, connect.CodeNotFound, "nobody")
}

func TestEnrollPinsCA(t *testing.T) {
	h := startHub(t, "")
	tok := h.createAgent(t, "a1")
	other := identitytest.NewCA(t, "airlock.local")
	_, err := h.enrollWith(tok, other.Fingerprint())
	if err == nil || !strings.Contains(err.Error(), "pinned fingerprint") {
		t.Fatalf("enroll against the wrong pin: got %v, want a pinning error", err)
	}
	t.Setenv("AIRLOCK_CA_FINGERPRINT", "")
	_, err = h.enrollWith(tok, "")
	if err == nil || !strings.Contains(err.Error(), "fingerprint is required") {
		t.Fatalf("enroll without a pin: got %v", err)
	}
	if _, err := h.enroll(t, tok); err != nil {
		t.Fatalf("the token must still work after refused attempts: %v", err)
	}
}

func TestAdminNeedsAdminRole(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	_, err := a.Admin.ListAgents(context.Background(), connect.NewRequest(&airlockv1.ListAgentsRequest{}))
	wantCode(t, err, connect.CodePermissionDenied, "permission denied")
	viewer := h.humanClient(t, "viewer", nil)
	_, err = viewer.Admin.CreateAgent(context.Background(), connect.NewRequest(&airlockv1.CreateAgentRequest{Name: "x"}))
	wantCode(t, err, connect.CodePermissionDenied, "permission denied")
}

func TestAgentNames(t *testing.T) {
	h := startHub(t, "")
	for _, name := range []string{"", "A1", "a_1", "a/b", strings.Repeat("a", 64), "a1 "} {
		_, err := h.admin.Admin.CreateAgent(context.Background(), connect.NewRequest(&airlockv1.CreateAgentRequest{Name: name}))
		wantCode(t, err, connect.CodeInvalidArgument, "agent name")
	}
	h.createAgent(t, strings.Repeat("a", 63))
	_, err := h.admin.Admin.CreateAgent(context.Background(), connect.NewRequest(&airlockv1.CreateAgentRequest{Name: strings.Repeat("a", 63)}))
	wantCode(t, err, connect.CodeAlreadyExists, "exists")
}

func TestRenew(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	ctx := context.Background()
	before, err := a.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c2 := h.connect(t, a.Current())
	if err := c2.Renew(ctx); err != nil {
		t.Fatalf("renew: %v", err)
	}
	after, err := h.connect(t, c2.Current()).WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before.GetSerial() == after.GetSerial() || after.GetSpiffeId() != before.GetSpiffeId() {
		t.Fatalf("renew: serial %s -> %s, id %s -> %s", before.GetSerial(), after.GetSerial(), before.GetSpiffeId(), after.GetSpiffeId())
	}
	if err := c2.Current().Save(dir); err != nil {
		t.Fatal(err)
	}
}

// TestHandshakeRefusals: every broken client certificate, a client with no
// certificate and a TLS 1.2-only client are refused at the handshake.
func TestHandshakeRefusals(t *testing.T) {
	h := startHub(t, "")
	h.createAgent(t, identitytest.DefaultName)
	ca := h.srv.Hub().CA
	other := identitytest.NewCA(t, "other.example")
	cases := []struct {
		name string
		opts identitytest.Options
		ca   interface{}
	}{
		{"valid (control)", identitytest.Options{}, nil},
		{"signed by another CA", identitytest.Options{SignedByOtherCA: true}, nil},
		{"two URI SANs", identitytest.Options{ExtraURIs: []*url.URL{{Scheme: "spiffe", Host: "airlock.local", Path: "/agent/x"}}}, nil},
		{"CA=true leaf", identitytest.Options{IsCA: true}, nil},
		{"no SPIFFE ID", identitytest.Options{NoURI: true}, nil},
		{"expired", identitytest.Options{NotAfter: time.Now().Add(-time.Minute)}, nil},
		{"unregistered agent", identitytest.Options{Name: "ghost"}, nil},
		{"another trust domain's CA", identitytest.Options{}, other},
		{"foreign SPIFFE ID from our CA", identitytest.Options{TrustDomain: spiffeid.RequireTrustDomainFromString("other.example")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			issuer := ca
			if tc.ca != nil {
				issuer = other
			}
			cert := identitytest.Leaf(t, issuer, tc.opts)
			err := h.handshake([]tls.Certificate{cert.TLSCertificate()}, tls.VersionTLS13)
			if tc.name == "valid (control)" {
				if err != nil {
					t.Fatalf("valid certificate refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "tls: ") {
				t.Fatalf("got %v, want a TLS handshake refusal", err)
			}
		})
	}
	t.Run("no client certificate", func(t *testing.T) {
		if err := h.handshake(nil, tls.VersionTLS13); err == nil || !strings.Contains(err.Error(), "certificate required") {
			t.Fatalf("no certificate: got %v, want a certificate-required alert", err)
		}
	})
	t.Run("TLS 1.2 only", func(t *testing.T) {
		cert := identitytest.Leaf(t, ca, identitytest.Options{})
		err := h.handshake([]tls.Certificate{cert.TLSCertificate()}, tls.VersionTLS12)
		if err == nil || !strings.Contains(err.Error(), "protocol version") {
			t.Fatalf("TLS 1.2: got %v, want a protocol version alert", err)
		}
	})
}

// handshake dials the agent API with certs and TLS version maxV, and reads
// the server's first bytes: an HTTP/2 SETTINGS frame when the hub accepted
// the client, a TLS alert when it refused it (in TLS 1.3 the server checks
// the client certificate after the client has finished its handshake).
func (h *hub) handshake(certs []tls.Certificate, maxV uint16) error {
	cfg := &tls.Config{
		Certificates: certs, MaxVersion: maxV, NextProtos: []string{"h2"},
		RootCAs: certPool(h.srv.Hub().CA.Roots()), ServerName: "localhost",
	}
	conn, err := tls.Dial("tcp", h.srv.APIAddr(), cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Read(make([]byte, 1))
	return err
}

// get calls WhoAmI as plain HTTP+JSON and returns any transport error or
// non-200 status.
func (h *hub) get(c *http.Client) error {
	_, err := h.postJSON(c, "/airlock.v1.IdentityService/WhoAmI", []byte(`{}`))
	return err
}

type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return http.StatusText(e.status) + ": " + e.body }

func (h *hub) postJSON(c *http.Client, path string, body []byte) ([]byte, error) {
	resp, err := c.Post(h.apiURL()+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return out, &httpError{resp.StatusCode, string(out)}
	}
	return out, nil
}

// TestJSONAPI exercises the HTTP+JSON edge the way curl does.
func TestJSONAPI(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	id := a.Current()
	cert := tls.Certificate{PrivateKey: id.Key}
	for _, c := range id.Chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	hc := h.httpClient([]tls.Certificate{cert}, tls.VersionTLS13, 0)
	out, err := h.postJSON(hc, "/airlock.v1.IdentityService/WhoAmI", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		SpiffeID  string    `json:"spiffe_id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(out, &got); err != nil || got.SpiffeID != "spiffe://airlock.local/agent/a1" || got.ExpiresAt.IsZero() {
		t.Fatalf("WhoAmI JSON: %s (%v)", out, err)
	}
	// Responses are never compressed (CRIME/BREACH), even when asked to,
	// and a compressed request is refused.
	req, _ := http.NewRequest(http.MethodPost, h.apiURL()+"/airlock.v1.IdentityService/WhoAmI", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if enc := resp.Header.Get("Content-Encoding"); resp.StatusCode != http.StatusOK || enc != "" {
		t.Errorf("WhoAmI with Accept-Encoding gzip: status %d, Content-Encoding %q; want 200 and none", resp.StatusCode, enc)
	}
	req, _ = http.NewRequest(http.MethodPost, h.apiURL()+"/airlock.v1.IdentityService/WhoAmI", strings.NewReader("\x1f\x8b"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	if resp, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("gzip-compressed request: got 200, want a refusal")
	}
	bad := []struct {
		name, body, wantCode string
	}{
		{"unknown field", `{"bogus": 1}`, "invalid_argument"},
		{"not JSON", `{`, "invalid_argument"},
		{"empty body", ``, "invalid_argument"},
		{"oversized", `{"csr":"` + strings.Repeat("A", 2<<20) + `"}`, "resource_exhausted"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			path := "/airlock.v1.IdentityService/WhoAmI"
			if tc.name == "oversized" {
				path = "/airlock.v1.IdentityService/Renew"
			}
			out, err := h.postJSON(hc, path, []byte(tc.body))
			if err == nil || !strings.Contains(string(out), tc.wantCode) {
				t.Fatalf("got %s (%v), want code %s", out, err, tc.wantCode)
			}
		})
	}
}

func TestListenersServeOnlyTheirServices(t *testing.T) {
	h := startHub(t, "")
	a := h.agent(t, "a1")
	// Enroll is refused on the agent API...
	_, err := a.Identity.Enroll(context.Background(), connect.NewRequest(&airlockv1.EnrollRequest{}))
	wantCode(t, err, connect.CodeFailedPrecondition, "enrollment listener")
	// ...and the enrollment listener serves only Enroll, the bundle and health.
	hc := h.httpClient(nil, tls.VersionTLS13, 0)
	base := "https://" + h.srv.EnrollAddr()
	resp, err := hc.Post(base+"/airlock.v1.IdentityService/WhoAmI", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("WhoAmI on the enrollment listener: status %d, want 404", resp.StatusCode)
	}
	for path, want := range map[string]string{"/healthz": "ok\n", "/bundle.pem": string(h.srv.Hub().CA.BundlePEM())} {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Errorf("GET %s: got %q, want %q", path, body, want)
		}
	}
}

func TestMetricsAndProbes(t *testing.T) {
	h := startHub(t, "")
	if _, err := h.agent(t, "a1").WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := "http://" + h.srv.MetricsAddr()
	for path, want := range map[string]string{
		"/metrics": `airlock_api_requests_total{code="ok",procedure="/airlock.v1.IdentityService/WhoAmI"} 1`,
		"/healthz": "ok", "/readyz": "ok",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body does not contain %q", path, resp.StatusCode, want)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	checkGoroutines(t)
	h := startHub(t, "")
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
