//go:build ignore

// Command gen writes the identity test fixtures: one CSR per key-policy
// case, and certificate chains (PEM: leaf, intermediate, root, then the
// leaf's PKCS #8 key) for handshake tests. Run it from the testdata
// directory:
//
//	cd internal/identity/testdata && go run gen/main.go
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func main() {
	log.SetFlags(0)
	if err := writeCSRs(); err != nil {
		log.Fatal(err)
	}
	if err := writeCerts(); err != nil {
		log.Fatal(err)
	}
}

func writeCSRs() error {
	files := map[string]func() ([]byte, error){
		"csr-p256.der":          func() ([]byte, error) { return csr(ecKey(elliptic.P256()), nil) },
		"csr-p384.der":          func() ([]byte, error) { return csr(ecKey(elliptic.P384()), nil) },
		"csr-ed25519.der":       func() ([]byte, error) { return csr(edKey(), nil) },
		"csr-rsa-2048.der":      func() ([]byte, error) { return csr(rsaKey(2048), nil) },
		"csr-rsa-1024.der":      func() ([]byte, error) { return csr(rsaKey(1024), nil) },
		"csr-p224.der":          func() ([]byte, error) { return csr(ecKey(elliptic.P224()), nil) },
		"csr-p521.der":          func() ([]byte, error) { return csr(ecKey(elliptic.P521()), nil) },
		"csr-bad-signature.der": badSignature,
		"csr-truncated.der":     truncated,
		"csr-trailing-data.der": trailingData,
		"csr-oversized.der":     oversized,
		"csr-garbage.der":       func() ([]byte, error) { return []byte("this is not a certificate request\n"), nil },
	}
	for name, mk := range files {
		der, err := mk()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(name, der, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func csr(key crypto.Signer, dnsNames []string) ([]byte, error) {
	tmpl := &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "fixture"},
		URIs:     []*url.URL{{Scheme: "spiffe", Host: "example.org", Path: "/agent/fixture"}},
		DNSNames: dnsNames,
	}
	return x509.CreateCertificateRequest(rand.Reader, tmpl, key)
}

func ecKey(c elliptic.Curve) crypto.Signer {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	must(err)
	return k
}

func edKey() crypto.Signer {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
}

func rsaKey(bits int) crypto.Signer {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	must(err)
	return k
}

// badSignature flips a bit in the last byte of a valid CSR (inside the
// signature), so it parses but does not verify.
func badSignature() ([]byte, error) {
	der, err := csr(ecKey(elliptic.P256()), nil)
	if err != nil {
		return nil, err
	}
	der[len(der)-1] ^= 0x01
	return der, nil
}

func truncated() ([]byte, error) {
	der, err := csr(ecKey(elliptic.P256()), nil)
	return der[:len(der)/2], err
}

func trailingData() ([]byte, error) {
	der, err := csr(ecKey(elliptic.P256()), nil)
	return append(der, 0x00, 0x00), err
}

// oversized is a valid, well-signed CSR larger than identity.MaxCSRSize.
func oversized() ([]byte, error) {
	var names []string
	for i := 0; len(names)*40 < identity.MaxCSRSize+1024; i++ {
		names = append(names, fmt.Sprintf("host-%04d.%s.example.org", i, strings.Repeat("x", 16)))
	}
	return csr(ecKey(elliptic.P256()), names)
}

func writeCerts() error {
	now := time.Now()
	ca, err := identity.NewCA(spiffeid.RequireTrustDomainFromString("example.org"), now)
	if err != nil {
		return err
	}
	longLived := ca.Intermediate().NotAfter.Add(-24 * time.Hour)
	other := spiffeid.RequireTrustDomainFromString("other.example")
	fixtures := map[string]identitytest.Options{
		"leaf-valid.pem":              {NotAfter: longLived},
		"leaf-other-ca.pem":           {NotAfter: longLived, SignedByOtherCA: true},
		"leaf-two-uri-sans.pem":       {NotAfter: longLived, ExtraURIs: []*url.URL{{Scheme: "spiffe", Host: "example.org", Path: "/agent/second"}}},
		"leaf-ca-true.pem":            {NotAfter: longLived, IsCA: true},
		"leaf-other-trust-domain.pem": {NotAfter: longLived, TrustDomain: other},
		"leaf-no-uri-san.pem":         {NotAfter: longLived, NoURI: true, DNSNames: []string{"agent.example.org"}},
		"leaf-expired.pem":            {NotAfter: now.Add(-24 * time.Hour)},
	}
	if err := os.MkdirAll("certs", 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("certs", "ca.pem"), ca.BundlePEM(), 0o644); err != nil {
		return err
	}
	for name, opts := range fixtures {
		if err := writeCert(filepath.Join("certs", name), ca, opts, now); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func writeCert(path string, ca *identity.CA, opts identitytest.Options, now time.Time) error {
	c, err := identitytest.Mint(ca, opts, now)
	if err != nil {
		return err
	}
	key, err := c.KeyPEM()
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(c.CertPEM(), key...), 0o644)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
