package identity_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

var (
	td      = spiffeid.RequireTrustDomainFromString("example.org")
	otherTD = spiffeid.RequireTrustDomainFromString("other.example")
	// epoch is a fixed "now" so validity arithmetic is exact.
	epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func newCA(t testing.TB) *identity.CA {
	t.Helper()
	ca, err := identity.NewCA(td, epoch)
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

func newKEK(t testing.TB) *keys.FileKEK {
	t.Helper()
	kek, err := keys.CreateFileKEK(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatalf("CreateFileKEK: %v", err)
	}
	return kek
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// newCSR returns a parsed CSR for key, with the given (ignored) SANs.
func newCSR(t testing.TB, key crypto.Signer) *x509.CertificateRequest {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		DNSNames: []string{"ignored.example.org"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := identity.ParseCSR(der)
	if err != nil {
		t.Fatalf("ParseCSR: %v", err)
	}
	return csr
}

func agentID(t testing.TB, name string) spiffeid.ID {
	t.Helper()
	id, err := identity.AgentID(td, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
