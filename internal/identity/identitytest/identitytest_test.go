package identitytest_test

import (
	"crypto/tls"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/identity/identitytest"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

func TestLeaf(t *testing.T) {
	ca := identitytest.NewCA(t, "example.org")
	other := spiffeid.RequireTrustDomainFromString("other.example")
	second := &url.URL{Scheme: "spiffe", Host: "example.org", Path: "/agent/second"}
	tests := []struct {
		name    string
		opts    identitytest.Options
		wantErr string // "" means x509svid.Verify accepts it
		wantID  string
	}{
		{"default", identitytest.Options{}, "", "spiffe://example.org/agent/test-agent"},
		{"named", identitytest.Options{Name: "billing"}, "", "spiffe://example.org/agent/billing"},
		{"explicit id", identitytest.Options{ID: spiffeid.RequireFromString("spiffe://example.org/human/alice")}, "", "spiffe://example.org/human/alice"},
		{"two uri sans", identitytest.Options{ExtraURIs: []*url.URL{second}}, "more than one URI SAN", ""},
		{"no uri", identitytest.Options{NoURI: true}, "no URI SAN", ""},
		{"ca true", identitytest.Options{IsCA: true}, "CA flag set to true", ""},
		{"other trust domain", identitytest.Options{TrustDomain: other}, "other.example", ""},
		{"expired", identitytest.Options{NotAfter: time.Now().Add(-time.Minute)}, "expired", ""},
		{"not yet valid", identitytest.Options{NotBefore: time.Now().Add(time.Hour), NotAfter: time.Now().Add(2 * time.Hour)}, "not yet valid", ""},
		{"other ca", identitytest.Options{SignedByOtherCA: true}, "unknown authority", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := identitytest.Leaf(t, ca, tt.opts)
			if _, err := tls.X509KeyPair(c.CertPEM(), mustKeyPEM(t, c)); err != nil {
				t.Fatalf("PEM pair: %v", err)
			}
			if got := len(c.TLSCertificate().Certificate); got != 2 {
				t.Errorf("TLSCertificate has %d certificates, want 2", got)
			}
			if tt.opts.SignedByOtherCA == (c.Issuer == ca) {
				t.Errorf("Issuer is the given CA: %v, want %v", c.Issuer == ca, !tt.opts.SignedByOtherCA)
			}
			id, _, err := x509svid.Verify(c.Chain[:2], ca.X509Bundle())
			if tt.wantErr == "" {
				if err != nil || id.String() != tt.wantID {
					t.Fatalf("Verify = %s, %v; want %s", id, err, tt.wantID)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Verify err = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func mustKeyPEM(t *testing.T, c *identitytest.Cert) []byte {
	t.Helper()
	k, err := c.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
