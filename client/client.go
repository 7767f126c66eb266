package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
	"github.com/airlock-hub/airlock/internal/identity"
)

// Options configure a Client.
type Options struct {
	// Dir, when set, is where renewed credentials are saved.
	Dir string
	// NoRenew turns automatic renewal off.
	NoRenew bool
	// Log receives renewal events; slog.Default() when nil.
	Log *slog.Logger
}

// Client talks to the hub's agent API over mutual TLS 1.3 and keeps its
// certificate fresh. It is safe for concurrent use.
type Client struct {
	// Identity, Admin, Audit, Policy, Grants, Access, Messaging and Keys
	// are the raw Connect clients. Prefer Send, Fetch and Receive to the
	// raw Messaging client: they sign and verify envelopes.
	Identity  airlockv1connect.IdentityServiceClient
	Admin     airlockv1connect.AdminServiceClient
	Audit     airlockv1connect.AuditServiceClient
	Policy    airlockv1connect.PolicyServiceClient
	Grants    airlockv1connect.GrantServiceClient
	Access    airlockv1connect.AccessServiceClient
	Messaging airlockv1connect.MessagingServiceClient
	Keys      airlockv1connect.KeysServiceClient
	// Quarantine is for human reviewers of screened messages.
	Quarantine airlockv1connect.QuarantineServiceClient
	// Schemas manages the JSON Schemas the hub enforces by content type.
	Schemas airlockv1connect.SchemaServiceClient
	// Topics is the raw TopicService client; prefer Publish and
	// FetchSubscription, which sign and verify envelopes.
	Topics airlockv1connect.TopicServiceClient

	opts      Options
	transport *http.Transport

	mu sync.RWMutex
	id *Identity

	// renewMu serializes Renew, so that the identity saved to opts.Dir and
	// the one in use are the same, and key.pem matches cert.pem.
	renewMu sync.Mutex

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Open loads the identity in dir and returns a Client that saves renewed
// credentials back to dir.
func Open(dir string, o Options) (*Client, error) {
	id, err := Load(dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	return New(id, o)
}

// New returns a Client for id. Unless o.NoRenew is set it renews the
// certificate at about half its lifetime, with jitter.
func New(id *Identity, o Options) (*Client, error) {
	if id.Server == "" {
		return nil, errors.New("identity has no server URL")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	c := &Client{opts: o, id: id, stop: make(chan struct{})}
	hub, err := identity.HubID(id.ID.TrustDomain())
	if err != nil {
		return nil, err
	}
	cfg := tlsconfig.MTLSClientConfig(c, c, tlsconfig.AuthorizeID(hub))
	cfg.MinVersion = tls.VersionTLS13
	c.transport = &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16}
	hc := &http.Client{Transport: c.transport}
	opts := connect.WithInterceptors(refusalInterceptor{c})
	c.Identity = airlockv1connect.NewIdentityServiceClient(hc, id.Server, opts)
	c.Admin = airlockv1connect.NewAdminServiceClient(hc, id.Server, opts)
	c.Audit = airlockv1connect.NewAuditServiceClient(hc, id.Server, opts)
	c.Policy = airlockv1connect.NewPolicyServiceClient(hc, id.Server, opts)
	c.Grants = airlockv1connect.NewGrantServiceClient(hc, id.Server, opts)
	c.Access = airlockv1connect.NewAccessServiceClient(hc, id.Server, opts)
	c.Messaging = airlockv1connect.NewMessagingServiceClient(hc, id.Server, opts)
	c.Keys = airlockv1connect.NewKeysServiceClient(hc, id.Server, opts)
	c.Quarantine = airlockv1connect.NewQuarantineServiceClient(hc, id.Server, opts)
	c.Topics = airlockv1connect.NewTopicServiceClient(hc, id.Server, opts)
	c.Schemas = airlockv1connect.NewSchemaServiceClient(hc, id.Server, opts)
	if !o.NoRenew {
		c.wg.Add(1)
		go c.renewLoop()
	}
	return c, nil
}

// Current returns the identity in use now.
func (c *Client) Current() *Identity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.id
}

// GetX509SVID implements x509svid.Source for the TLS handshake.
func (c *Client) GetX509SVID() (*x509svid.SVID, error) {
	id := c.Current()
	return &x509svid.SVID{ID: id.ID, Certificates: id.Chain, PrivateKey: id.Key}, nil
}

// GetX509BundleForTrustDomain implements x509bundle.Source.
func (c *Client) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	id := c.Current()
	if td != id.ID.TrustDomain() {
		return nil, fmt.Errorf("no bundle for trust domain %q", td)
	}
	return x509bundle.FromX509Authorities(td, id.Bundle), nil
}

// WhoAmI asks the hub who this client is.
func (c *Client) WhoAmI(ctx context.Context) (*airlockv1.WhoAmIResponse, error) {
	resp, err := c.Identity.WhoAmI(ctx, connect.NewRequest(&airlockv1.WhoAmIRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

// Renew obtains a new certificate for a new key now and switches to it.
// Calls in flight keep their connections; new connections use the new
// certificate.
func (c *Client) Renew(ctx context.Context) error {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	key, csr, err := newKeyAndCSR()
	if err != nil {
		return err
	}
	resp, err := c.Identity.Renew(ctx, connect.NewRequest(&airlockv1.RenewRequest{Csr: csr}))
	if err != nil {
		return fmt.Errorf("renew: %w", err)
	}
	old := c.Current()
	next, err := identityFromResponse(key, resp.Msg.GetSvid(), resp.Msg.GetBundle(), old.Server)
	if err != nil {
		return err
	}
	if next.ID != old.ID {
		return fmt.Errorf("renew: hub issued %s, expected %s", next.ID, old.ID)
	}
	if c.opts.Dir != "" {
		if err := next.Save(c.opts.Dir); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.id = next
	c.mu.Unlock()
	c.transport.CloseIdleConnections()
	return nil
}

// renewAfter is how long to wait before renewing id: half its lifetime,
// minus up to 10% jitter so that a fleet doesn't renew in lockstep.
func renewAfter(id *Identity, now time.Time) time.Duration {
	leaf := id.Chain[0]
	half := max(leaf.NotAfter.Sub(leaf.NotBefore)/2, 0) // a malformed leaf must not panic rand.Int64N
	jitter := time.Duration(rand.Int64N(int64(half/10) + 1))
	return leaf.NotBefore.Add(half - jitter).Sub(now)
}

func (c *Client) renewLoop() {
	defer c.wg.Done()
	wait := renewAfter(c.Current(), time.Now())
	for {
		select {
		case <-c.stop:
			return
		case <-time.After(max(wait, 0)):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.Renew(ctx)
		cancel()
		if err != nil {
			wait = min(time.Until(c.Current().NotAfter())/4, 30*time.Second)
			wait = max(wait, time.Second)
			c.opts.Log.Warn("certificate renewal failed; will retry", "error", err, "retry_in", wait)
			continue
		}
		c.opts.Log.Info("certificate renewed", "spiffe_id", c.Current().ID.String(), "expires_at", c.Current().NotAfter())
		wait = renewAfter(c.Current(), time.Now())
	}
}

// Close stops renewal and closes idle connections. It is safe to call twice.
func (c *Client) Close() error {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		c.transport.CloseIdleConnections()
	})
	return nil
}
