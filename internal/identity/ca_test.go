package identity_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func TestNewCA(t *testing.T) {
	ca := newCA(t)
	root, inter := ca.Roots()[0], ca.Intermediate()
	checks := []struct {
		what      string
		got, want any
	}{
		{"number of roots", len(ca.Roots()), 1},
		{"root is CA", root.IsCA, true},
		{"root not before", root.NotBefore, epoch.Add(-identity.ClockSkew)},
		{"root not after", root.NotAfter, epoch.Add(identity.RootTTL)},
		{"root self-signed", root.CheckSignatureFrom(root) == nil, true},
		{"intermediate is CA", inter.IsCA, true},
		{"intermediate path length", inter.MaxPathLen, 0},
		{"intermediate path length zero", inter.MaxPathLenZero, true},
		{"intermediate not after", inter.NotAfter, epoch.Add(identity.IntermediateTTL)},
		{"intermediate signed by root", inter.CheckSignatureFrom(root) == nil, true},
		{"root curve", curveName(root.PublicKey), "P-256"},
		{"intermediate curve", curveName(inter.PublicKey), "P-256"},
		{"trust domain", ca.TrustDomain(), td},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func curveName(pub any) string {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Sprintf("%T", pub)
	}
	return k.Curve.Params().Name
}

func TestNewCARejectsZeroTrustDomain(t *testing.T) {
	if _, err := identity.NewCA(spiffeid.TrustDomain{}, epoch); err == nil {
		t.Error("NewCA with zero trust domain succeeded, want error")
	}
}

func TestCABundle(t *testing.T) {
	ca := newCA(t)
	block, rest := pem.Decode(ca.BundlePEM())
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("BundlePEM is not exactly one CERTIFICATE block")
	}
	if !bytes.Equal(block.Bytes, ca.Roots()[0].Raw) {
		t.Error("BundlePEM does not hold the root")
	}
	b := ca.X509Bundle()
	if got := b.TrustDomain(); got != td {
		t.Errorf("bundle trust domain = %v, want %v", got, td)
	}
	if !b.HasX509Authority(ca.Roots()[0]) || len(b.X509Authorities()) != 1 {
		t.Error("bundle does not hold exactly the root")
	}
}

func TestCAFingerprint(t *testing.T) {
	ca := newCA(t)
	sum := sha256.Sum256(ca.Roots()[0].Raw)
	if got, want := ca.Fingerprint(), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	parsed, err := identity.ParseFingerprint(ca.Fingerprint())
	if err != nil || !bytes.Equal(parsed, sum[:]) {
		t.Errorf("ParseFingerprint(Fingerprint()) = %x, %v; want %x", parsed, err, sum)
	}
}

func TestCADoesNotPrintKeys(t *testing.T) {
	ca := newCA(t)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, ca)
		if strings.Contains(out, "D:") || len(out) > 200 || !strings.Contains(out, ca.Fingerprint()) {
			t.Errorf("%s prints %q, want a short description naming the fingerprint", verb, out)
		}
	}
}
