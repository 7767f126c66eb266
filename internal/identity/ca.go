package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Validity periods and clock-skew allowance of the CA.
const (
	RootTTL         = 10 * 365 * 24 * time.Hour
	IntermediateTTL = 5 * 365 * 24 * time.Hour
	// ClockSkew is how far before "now" certificates become valid, so peers
	// with slightly slow clocks accept them.
	ClockSkew = time.Minute
)

// CA is the hub's certificate authority: a self-signed root and an
// intermediate that signs SVIDs. Both keys are ECDSA P-256. A CA is
// immutable after creation and safe for concurrent use.
type CA struct {
	td       spiffeid.TrustDomain
	root     *x509.Certificate
	rootKey  *ecdsa.PrivateKey
	inter    *x509.Certificate
	interKey *ecdsa.PrivateKey
}

var _ slog.LogValuer = (*CA)(nil)

// NewCA creates a root (valid RootTTL) and an intermediate (valid
// IntermediateTTL, path length 0) for trust domain td, both starting
// ClockSkew before now.
func NewCA(td spiffeid.TrustDomain, now time.Time) (*CA, error) {
	if td.IsZero() {
		return nil, errors.New("new ca: trust domain is empty")
	}
	rootKey, err := newCAKey()
	if err != nil {
		return nil, fmt.Errorf("new ca: root key: %w", err)
	}
	root, err := selfSign(caTemplate(td, "Root", now, RootTTL), rootKey)
	if err != nil {
		return nil, fmt.Errorf("new ca: root certificate: %w", err)
	}
	interKey, err := newCAKey()
	if err != nil {
		return nil, fmt.Errorf("new ca: intermediate key: %w", err)
	}
	tmpl := caTemplate(td, "Intermediate", now, IntermediateTTL)
	tmpl.MaxPathLenZero = true
	inter, err := signCert(tmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("new ca: intermediate certificate: %w", err)
	}
	return &CA{td: td, root: root, rootKey: rootKey, inter: inter, interKey: interKey}, nil
}

func newCAKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func caTemplate(td spiffeid.TrustDomain, role string, now time.Time, ttl time.Duration) *x509.Certificate {
	return &x509.Certificate{
		Subject: pkix.Name{
			Organization: []string{"Airlock"},
			CommonName:   "Airlock " + role + " CA " + td.Name(),
		},
		NotBefore:             now.Add(-ClockSkew),
		NotAfter:              now.Add(ttl),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func selfSign(tmpl *x509.Certificate, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	return signCert(tmpl, tmpl, &key.PublicKey, key)
}

// signCert gives tmpl a random serial if it has none, signs it and parses
// the result.
func signCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	if tmpl.SerialNumber == nil {
		serial, err := newSerial()
		if err != nil {
			return nil, err
		}
		tmpl.SerialNumber = serial
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse signed certificate: %w", err)
	}
	return cert, nil
}

// Sign is the CA's low-level signing primitive: it signs template with the
// intermediate key exactly as given, applying no policy whatsoever (a random
// serial is set if template has none). Production code issues certificates
// with IssueSVID and IssueServer, which enforce the leaf profile; Sign exists
// so that tests (see package identitytest) can mint deliberately malformed
// certificates that chain to a real CA.
func (ca *CA) Sign(template *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	cert, err := signCert(template, ca.inter, pub, ca.interKey)
	if err != nil {
		return nil, fmt.Errorf("ca sign: %w", err)
	}
	return cert, nil
}

// TrustDomain returns the CA's trust domain.
func (ca *CA) TrustDomain() spiffeid.TrustDomain { return ca.td }

// Roots returns the trust anchors: today just the root certificate.
func (ca *CA) Roots() []*x509.Certificate { return []*x509.Certificate{ca.root} }

// Intermediate returns the certificate that signs SVIDs.
func (ca *CA) Intermediate() *x509.Certificate { return ca.inter }

// BundlePEM returns the roots PEM-encoded, for clients' trust stores.
func (ca *CA) BundlePEM() []byte { return certsPEM(ca.Roots()) }

// X509Bundle returns the roots as a go-spiffe bundle for the trust domain,
// ready for x509svid.Verify and tlsconfig.
func (ca *CA) X509Bundle() *x509bundle.Bundle {
	return x509bundle.FromX509Authorities(ca.td, ca.Roots())
}

// Fingerprint returns "sha256:" and the lowercase hex SHA-256 of the root
// certificate's DER, the value agents pin when they enroll.
func (ca *CA) Fingerprint() string { return CertFingerprint(ca.root) }

// LogValue implements slog.LogValuer; it never logs key material.
func (ca *CA) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("trust_domain", ca.td.Name()),
		slog.String("fingerprint", ca.Fingerprint()),
		slog.Time("intermediate_not_after", ca.inter.NotAfter),
	)
}

// String describes the CA without key material, so %v and %+v are safe.
func (ca *CA) String() string { return "CA(" + ca.td.Name() + ", " + ca.Fingerprint() + ")" }

// GoString keeps %#v from printing key material.
func (ca *CA) GoString() string { return ca.String() }

func certsPEM(certs []*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}
