package identity_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// TestCertFixtures checks that each testdata/certs fixture is rejected by
// x509svid.Verify for the reason its name gives, and that the valid one passes.
func TestCertFixtures(t *testing.T) {
	bundle, err := x509bundle.Load(td, filepath.Join("testdata", "certs", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	valid := loadFixture(t, "leaf-valid.pem")
	at := valid[0].NotBefore.Add(time.Hour) // fixtures stay usable as years pass
	tests := []struct {
		file    string
		wantErr string // "" means it verifies
	}{
		{"leaf-valid.pem", ""},
		{"leaf-other-ca.pem", "unknown authority"},
		{"leaf-two-uri-sans.pem", "more than one URI SAN"},
		{"leaf-ca-true.pem", "CA flag set to true"},
		{"leaf-other-trust-domain.pem", "other.example"},
		{"leaf-no-uri-san.pem", "no URI SAN"},
		{"leaf-expired.pem", "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			chain := loadFixture(t, tt.file)
			id, _, err := x509svid.Verify(chain[:2], bundle, x509svid.WithTime(at))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.wantErr == "" && id != spiffeid.RequireFromString("spiffe://example.org/agent/test-agent"):
				t.Errorf("id = %s", id)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Verify err = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// loadFixture returns the chain of a fixture and checks that its key matches.
func loadFixture(t *testing.T, name string) []*x509.Certificate {
	t.Helper()
	data := readTestdata(t, filepath.Join("certs", name))
	if _, err := tls.X509KeyPair(data, data); err != nil {
		t.Fatalf("%s: key pair: %v", name, err)
	}
	var chain []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, cert)
	}
	if len(chain) != 3 {
		t.Fatalf("%s holds %d certificates, want leaf, intermediate, root", name, len(chain))
	}
	return chain
}
