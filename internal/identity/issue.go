package identity

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// SVID is an issued X.509 SVID.
type SVID struct {
	ID       spiffeid.ID
	Chain    []*x509.Certificate // leaf, intermediate
	NotAfter time.Time
	Serial   string // leaf serial number, lowercase hex (see SerialHex)
}

// Leaf returns the SVID's end-entity certificate.
func (s *SVID) Leaf() *x509.Certificate { return s.Chain[0] }

// ChainPEM returns the chain PEM-encoded, leaf first.
func (s *SVID) ChainPEM() []byte { return certsPEM(s.Chain) }

// IssueSVID issues an SVID for id to the key in csr (obtain csr from
// ParseCSR). The leaf has exactly one URI SAN (id), is not a CA, may only
// sign (DigitalSignature) for client and server TLS authentication, and is
// valid from now-ClockSkew to now+ttl, cut short at the intermediate's expiry.
// id must name a principal of the CA's trust domain (see ParsePrincipal).
func (ca *CA) IssueSVID(csr *x509.CertificateRequest, id spiffeid.ID, ttl time.Duration, now time.Time) (*SVID, error) {
	if csr == nil {
		return nil, errors.New("issue svid: no certificate request")
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("issue svid: %w: signature: %w", ErrInvalidCSR, err)
	}
	svid, err := ca.issue(csr.PublicKey, id, nil, nil, ttl, now)
	if err != nil {
		return nil, fmt.Errorf("issue svid for %s: %w", id, err)
	}
	return svid, nil
}

// IssueServer issues a TLS server certificate for the hub itself: the same
// profile as IssueSVID, plus DNS and IP SANs so that clients such as curl
// can verify the host name.
func (ca *CA) IssueServer(key crypto.PublicKey, id spiffeid.ID, dnsNames []string, ips []net.IP, ttl time.Duration, now time.Time) (*SVID, error) {
	for _, name := range dnsNames {
		if name == "" {
			return nil, fmt.Errorf("issue server certificate for %s: empty dns name", id)
		}
	}
	svid, err := ca.issue(key, id, dnsNames, ips, ttl, now)
	if err != nil {
		return nil, fmt.Errorf("issue server certificate for %s: %w", id, err)
	}
	return svid, nil
}

func (ca *CA) issue(pub crypto.PublicKey, id spiffeid.ID, dnsNames []string, ips []net.IP, ttl time.Duration, now time.Time) (*SVID, error) {
	if err := CheckKeyPolicy(pub); err != nil {
		return nil, err
	}
	if _, _, err := ParsePrincipal(id, ca.td); err != nil {
		return nil, err
	}
	notBefore, notAfter, err := ca.validity(ttl, now)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Sign(leafTemplate(serial, id, dnsNames, ips, notBefore, notAfter), pub)
	if err != nil {
		return nil, err
	}
	return &SVID{ID: id, Chain: []*x509.Certificate{leaf, ca.inter}, NotAfter: leaf.NotAfter, Serial: SerialHex(leaf)}, nil
}

// validity returns a leaf's validity period: now-ClockSkew (not before the
// intermediate's start) to now+ttl (not after the intermediate's end).
func (ca *CA) validity(ttl time.Duration, now time.Time) (notBefore, notAfter time.Time, err error) {
	switch {
	case ttl <= 0:
		return notBefore, notAfter, fmt.Errorf("ttl %s is not positive", ttl)
	case now.IsZero():
		return notBefore, notAfter, errors.New("current time is zero")
	case !now.Before(ca.inter.NotAfter):
		return notBefore, notAfter, fmt.Errorf("intermediate ca expired at %s", ca.inter.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(ca.inter.NotBefore):
		return notBefore, notAfter, fmt.Errorf("intermediate ca is not valid before %s", ca.inter.NotBefore.UTC().Format(time.RFC3339))
	}
	notBefore = later(now.Add(-ClockSkew), ca.inter.NotBefore)
	notAfter = now.Add(ttl)
	if notAfter.After(ca.inter.NotAfter) {
		notAfter = ca.inter.NotAfter
	}
	return notBefore, notAfter, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func leafTemplate(serial *big.Int, id spiffeid.ID, dnsNames []string, ips []net.IP, notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          serial,
		URIs:                  []*url.URL{id.URL()},
		DNSNames:              dnsNames,
		IPAddresses:           ips,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
}

// newSerial returns a random, positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("random serial: %w", err)
		}
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// SerialHex returns cert's serial number as lowercase hex without leading
// zeros, the form used in SVID.Serial and the store.
func SerialHex(cert *x509.Certificate) string { return cert.SerialNumber.Text(16) }
