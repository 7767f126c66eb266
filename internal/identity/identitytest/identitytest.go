// Package identitytest mints certificates for tests: well-formed SVIDs and
// deliberately bad ones (two URI SANs, CA=true, another trust domain,
// expired, signed by another CA) that chain to a real identity.CA, so that
// handshake and authorization code can be tested against every failure.
//
//	ca := identitytest.NewCA(t, "example.org")
//	bad := identitytest.Leaf(t, ca, identitytest.Options{IsCA: true})
//	clientTLS := &tls.Config{Certificates: []tls.Certificate{bad.TLSCertificate()}}
package identitytest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// DefaultName is the agent name of the default SPIFFE ID.
const DefaultName = "test-agent"

// Options shape a leaf. The zero value gives a valid one-hour SVID for
// spiffe://TD/agent/test-agent signed by the given CA, equivalent to what
// CA.IssueSVID produces.
type Options struct {
	// ID is the leaf's SPIFFE ID. Zero means agent DefaultName (or Name) in
	// the CA's trust domain, or in TrustDomain if set.
	ID spiffeid.ID
	// Name is the agent name of the default ID; DefaultName if empty.
	Name string
	// TrustDomain puts the default ID in another trust domain.
	TrustDomain spiffeid.TrustDomain
	// ExtraURIs are added as URI SANs after the SPIFFE ID.
	ExtraURIs []*url.URL
	// NoURI leaves out the SPIFFE ID URI SAN.
	NoURI bool
	// DNSNames are added as DNS SANs.
	DNSNames []string
	// IsCA marks the leaf as a CA (with KeyCertSign).
	IsCA bool
	// NotBefore and NotAfter default to now-1m and now+1h. Set NotAfter in
	// the past for an expired leaf; NotBefore then defaults to an hour before.
	NotBefore, NotAfter time.Time
	// SignedByOtherCA signs the leaf with a fresh CA of the same trust domain
	// that the given CA does not trust.
	SignedByOtherCA bool
	// Key is the leaf's key; a new ECDSA P-256 key if nil.
	Key crypto.Signer
}

// Cert is a minted leaf with its key.
type Cert struct {
	ID    spiffeid.ID         // the SPIFFE ID the leaf was minted for (may be zero with NoURI)
	Chain []*x509.Certificate // leaf, intermediate, root of the issuing CA
	Key   crypto.Signer
	// Issuer is the CA that signed the leaf: the given CA, or the other CA
	// when Options.SignedByOtherCA is set.
	Issuer *identity.CA
}

// NewCA returns a new CA for trust domain td, valid from now.
func NewCA(t testing.TB, td string) *identity.CA {
	t.Helper()
	ca, err := identity.NewCA(spiffeid.RequireTrustDomainFromString(td), time.Now())
	if err != nil {
		t.Fatalf("identitytest: new ca: %v", err)
	}
	return ca
}

// Leaf mints a leaf for tests, failing t on error.
func Leaf(t testing.TB, ca *identity.CA, opts Options) *Cert {
	t.Helper()
	c, err := Mint(ca, opts, time.Now())
	if err != nil {
		t.Fatalf("identitytest: %v", err)
	}
	return c
}

// Mint is Leaf without testing.TB, for fixture generators.
func Mint(ca *identity.CA, opts Options, now time.Time) (*Cert, error) {
	issuer, err := pickIssuer(ca, opts, now)
	if err != nil {
		return nil, err
	}
	key, err := leafKey(opts)
	if err != nil {
		return nil, err
	}
	id, err := leafID(ca, opts)
	if err != nil {
		return nil, err
	}
	leaf, err := issuer.Sign(template(id, opts, now), key.Public())
	if err != nil {
		return nil, fmt.Errorf("mint leaf: %w", err)
	}
	chain := []*x509.Certificate{leaf, issuer.Intermediate(), issuer.Roots()[0]}
	return &Cert{ID: id, Chain: chain, Key: key, Issuer: issuer}, nil
}

func pickIssuer(ca *identity.CA, opts Options, now time.Time) (*identity.CA, error) {
	if !opts.SignedByOtherCA {
		return ca, nil
	}
	other, err := identity.NewCA(ca.TrustDomain(), now.Add(-time.Hour))
	if err != nil {
		return nil, fmt.Errorf("mint leaf: other ca: %w", err)
	}
	return other, nil
}

func leafKey(opts Options) (crypto.Signer, error) {
	if opts.Key != nil {
		return opts.Key, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("mint leaf: key: %w", err)
	}
	return key, nil
}

func leafID(ca *identity.CA, opts Options) (spiffeid.ID, error) {
	if !opts.ID.IsZero() || opts.NoURI {
		return opts.ID, nil
	}
	td, name := ca.TrustDomain(), DefaultName
	if !opts.TrustDomain.IsZero() {
		td = opts.TrustDomain
	}
	if opts.Name != "" {
		name = opts.Name
	}
	id, err := identity.AgentID(td, name)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("mint leaf: %w", err)
	}
	return id, nil
}

func template(id spiffeid.ID, opts Options, now time.Time) *x509.Certificate {
	notBefore, notAfter := opts.NotBefore, opts.NotAfter
	if notAfter.IsZero() {
		notAfter = now.Add(time.Hour)
	}
	if notBefore.IsZero() {
		notBefore = now.Add(-identity.ClockSkew)
		if early := notAfter.Add(-time.Hour); early.Before(notBefore) {
			notBefore = early
		}
	}
	tmpl := &x509.Certificate{
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		DNSNames:              opts.DNSNames,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  opts.IsCA,
	}
	if !opts.NoURI {
		tmpl.URIs = append(tmpl.URIs, id.URL())
	}
	tmpl.URIs = append(tmpl.URIs, opts.ExtraURIs...)
	if opts.IsCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	return tmpl
}

// Leaf returns the end-entity certificate.
func (c *Cert) Leaf() *x509.Certificate { return c.Chain[0] }

// TLSCertificate returns the leaf, its intermediate and key for a tls.Config.
func (c *Cert) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{c.Chain[0].Raw, c.Chain[1].Raw},
		PrivateKey:  c.Key,
		Leaf:        c.Chain[0],
	}
}

// CertPEM returns the chain (leaf, intermediate, root) PEM-encoded.
func (c *Cert) CertPEM() []byte {
	var out []byte
	for _, cert := range c.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	return out
}

// KeyPEM returns the private key as a PKCS #8 PEM block.
func (c *Cert) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
