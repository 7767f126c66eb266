// Package bench measures a real hub in-process: it starts a server.Server
// on 127.0.0.1:0 with SQLite in a temporary directory, enrolls an agent
// through the enrollment listener exactly as an agent would, and then
// drives the agent API over the network. Scenarios return structured
// results; `airlock bench` and the Go benchmarks in this package print them.
//
// The harness asserts nothing about speed. The figures and the targets they
// are compared with live in docs/performance.md.
package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/server"
)

// agentName is the agent every scenario authenticates as.
const agentName = "bench"

// Options configure Start.
type Options struct {
	// Dir is the hub's data directory. When empty a temporary directory is
	// created and removed by Close.
	Dir string
	// Log receives the hub's logs; they are discarded when nil, so that
	// logging one line per call does not dominate the figures.
	Log *slog.Logger
}

// Hub is a running hub and an enrolled agent to measure it with.
type Hub struct {
	// Server is the hub under test.
	Server *server.Server
	// Agent is the identity enrolled through the enrollment listener.
	Agent *client.Identity

	dir    string
	ownDir bool
	mtls   *tls.Config
	csr    []byte // a P-256 CSR for raw CA issuance
}

// Start starts a hub and enrolls the benchmark agent.
func Start(ctx context.Context, o Options) (*Hub, error) {
	h := &Hub{dir: o.Dir}
	if h.dir == "" {
		dir, err := os.MkdirTemp("", "airlock-bench-")
		if err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		h.dir, h.ownDir = dir, true
	}
	if err := h.start(ctx, o.Log); err != nil {
		return nil, errors.Join(err, h.Close())
	}
	return h, nil
}

func (h *Hub) start(ctx context.Context, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = h.dir
	cfg.MetricsListen = "off"
	cfg.Node = "bench"
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("agent API listener: %w", err)
	}
	enroll, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		api.Close()
		return fmt.Errorf("enrollment listener: %w", err)
	}
	h.Server = &server.Server{Config: cfg, Log: log, APIListener: api, EnrollListener: enroll}
	if err := h.Server.Start(ctx); err != nil {
		h.Server = nil
		return fmt.Errorf("start hub: %w", err)
	}
	if _, err := h.Server.Hub().Identities.CreateAgent(ctx, identity.Actor{}, agentName, ""); err != nil {
		return err
	}
	if h.Agent, err = h.enroll(ctx); err != nil {
		return err
	}
	if h.csr, err = newCSR(); err != nil {
		return err
	}
	h.mtls, err = mtlsConfig(h.Agent)
	return err
}

func newCSR() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("csr key: %w", err)
	}
	return x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
}

// enroll makes a join token in-process and enrolls over the network with
// the CA fingerprint pinned, as `airlock enroll` does.
func (h *Hub) enroll(ctx context.Context) (*client.Identity, error) {
	token, err := h.createToken(ctx)
	if err != nil {
		return nil, err
	}
	return h.enrollWith(ctx, token)
}

// createToken makes a join token for the benchmark agent in-process.
func (h *Hub) createToken(ctx context.Context) (string, error) {
	token, _, err := h.Server.Hub().Identities.CreateToken(ctx, identity.Actor{}, agentName, 0)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}

// enrollWith enrolls over the network with token.
func (h *Hub) enrollWith(ctx context.Context, token string) (*client.Identity, error) {
	return client.Enroll(ctx, client.EnrollOptions{
		Server: h.Server.EnrollAddr(), Token: token, CAFingerprint: h.Server.Hub().CA.Fingerprint(),
	})
}

// mtlsConfig is the agent's client configuration for the agent API: TLS
// 1.3 only, the hub's SPIFFE ID required, and no session resumption, so
// that every connection pays for a full handshake.
func mtlsConfig(id *client.Identity) (*tls.Config, error) {
	hubID, err := identity.HubID(id.ID.TrustDomain())
	if err != nil {
		return nil, err
	}
	svid := &x509svid.SVID{ID: id.ID, Certificates: id.Chain, PrivateKey: id.Key}
	bundle := x509bundle.FromX509Authorities(id.ID.TrustDomain(), id.Bundle)
	cfg := tlsconfig.MTLSClientConfig(svid, bundle, tlsconfig.AuthorizeID(hubID))
	cfg.MinVersion = tls.VersionTLS13
	cfg.MaxVersion = tls.VersionTLS13
	cfg.SessionTicketsDisabled = true
	cfg.ClientSessionCache = nil
	return cfg, nil
}

// Close stops the hub and removes the data directory if Start made it. It
// is safe to call more than once.
func (h *Hub) Close() error {
	var errs []error
	if h.Server != nil {
		errs = append(errs, h.Server.Close())
	}
	if h.ownDir && h.dir != "" {
		errs = append(errs, os.RemoveAll(h.dir))
		h.dir = ""
	}
	return errors.Join(errs...)
}

// connCounter counts the TCP connections a transport opens.
type connCounter struct{ n atomic.Int64 }

// h2Client returns an HTTP client that speaks only HTTP/2 over one
// connection to the agent API, and the counter of connections it dials.
func (h *Hub) h2Client() (*http.Client, *connCounter, func()) {
	cc := &connCounter{}
	var d net.Dialer
	protos := new(http.Protocols)
	protos.SetHTTP2(true)
	tr := &http.Transport{
		TLSClientConfig: h.mtls.Clone(),
		Protocols:       protos,
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			cc.n.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		IdleConnTimeout: time.Minute,
	}
	return &http.Client{Transport: tr}, cc, tr.CloseIdleConnections
}

func (h *Hub) apiURL() string { return "https://" + h.Server.APIAddr() }
