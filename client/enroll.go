package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
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

// EnrollOptions configure Enroll.
type EnrollOptions struct {
	// Server is the enrollment listener, as host:port or https://host:port.
	Server string
	// Token is the single-use join token from `airlock token create`.
	Token string
	// CAFingerprint pins the hub's root CA ("sha256:HEX"). Required: there
	// is no trust on first use. AIRLOCK_CA_FINGERPRINT is used when empty.
	CAFingerprint string
}

// Enroll generates a private key locally, sends a CSR with the join token
// to the hub, and returns the resulting identity. The key never leaves
// this process. The hub's certificate must chain to the pinned root.
func Enroll(ctx context.Context, o EnrollOptions) (*Identity, error) {
	if o.CAFingerprint == "" {
		o.CAFingerprint = os.Getenv("AIRLOCK_CA_FINGERPRINT")
	}
	if o.CAFingerprint == "" {
		return nil, errors.New("the hub's CA fingerprint is required (--ca-fingerprint or AIRLOCK_CA_FINGERPRINT): it is printed by `airlock dev` and `airlock init`")
	}
	pin, err := identity.ParseFingerprint(o.CAFingerprint)
	if err != nil {
		return nil, fmt.Errorf("ca fingerprint: %w", err)
	}
	key, csr, err := newKeyAndCSR()
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: pinnedConfig(pin), ForceAttemptHTTP2: true,
	}}
	defer hc.CloseIdleConnections()
	ic := airlockv1connect.NewIdentityServiceClient(hc, baseURL(o.Server))
	resp, err := ic.Enroll(ctx, connect.NewRequest(&airlockv1.EnrollRequest{Token: strings.TrimSpace(o.Token), Csr: csr}))
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	return identityFromResponse(key, resp.Msg.GetSvid(), resp.Msg.GetBundle(), baseURL(resp.Msg.GetApiAddress()))
}

func newKeyAndCSR() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create csr: %w", err)
	}
	return key, csr, nil
}

func identityFromResponse(key *ecdsa.PrivateKey, svid *airlockv1.Svid, bundleDER [][]byte, server string) (*Identity, error) {
	chain, err := parseDER(svid.GetCertChain())
	if err != nil {
		return nil, fmt.Errorf("hub returned a bad certificate chain: %w", err)
	}
	bundle, err := parseDER(bundleDER)
	if err != nil {
		return nil, fmt.Errorf("hub returned a bad trust bundle: %w", err)
	}
	id, err := newIdentity(key, chain, bundle, server)
	if err != nil {
		return nil, err
	}
	if _, _, err := x509svid.Verify(chain, x509bundle.FromX509Authorities(id.ID.TrustDomain(), bundle)); err != nil {
		return nil, fmt.Errorf("hub returned a certificate that does not verify: %w", err)
	}
	if !publicKeyMatches(chain[0], key) {
		return nil, errors.New("hub returned a certificate for another key")
	}
	return id, nil
}

func publicKeyMatches(leaf *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(leaf.PublicKey)
}

func parseDER(ders [][]byte) ([]*x509.Certificate, error) {
	if len(ders) == 0 {
		return nil, errors.New("empty")
	}
	out := make([]*x509.Certificate, 0, len(ders))
	for _, d := range ders {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func baseURL(s string) string {
	if s == "" || strings.Contains(s, "://") {
		return strings.TrimRight(s, "/")
	}
	return "https://" + s
}

// pinnedConfig verifies the enrollment listener without a trust bundle:
// the hub presents its root with its chain, the root must match the pinned
// SHA-256 fingerprint, and the chain must verify (by go-spiffe) to that root
// as the hub's SPIFFE ID. Nothing is trusted on first use.
func pinnedConfig(pin []byte) *tls.Config {
	cfg := tlsconfig.TLSClientConfig(x509bundle.NewSet(), tlsconfig.AuthorizeAny())
	cfg.MinVersion = tls.VersionTLS13
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		root, err := pinnedRoot(raw, pin)
		if err != nil {
			return err
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil || len(leaf.URIs) != 1 {
			return errors.New("hub certificate has no SPIFFE ID")
		}
		id, err := spiffeid.FromURI(leaf.URIs[0])
		if err != nil {
			return fmt.Errorf("hub certificate: %w", err)
		}
		bundle := x509bundle.FromX509Authorities(id.TrustDomain(), []*x509.Certificate{root})
		if _, _, err := x509svid.ParseAndVerify(raw, bundle); err != nil {
			return fmt.Errorf("hub certificate does not chain to the pinned CA: %w", err)
		}
		if hub, err := identity.HubID(id.TrustDomain()); err != nil || id != hub {
			return fmt.Errorf("peer %s is not the hub", id)
		}
		return nil
	}
	return cfg
}

func pinnedRoot(raw [][]byte, pin []byte) (*x509.Certificate, error) {
	for _, der := range raw {
		sum := sha256.Sum256(der)
		if bytes.Equal(sum[:], pin) {
			return x509.ParseCertificate(der)
		}
	}
	return nil, errors.New("the hub's CA does not match the pinned fingerprint: check AIRLOCK_CA_FINGERPRINT, or you may be talking to another server")
}
