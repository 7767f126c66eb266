package client_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/identity/identitytest"
)

func TestSaveLoad(t *testing.T) {
	ca := identitytest.NewCA(t, "airlock.local")
	leaf := identitytest.Leaf(t, ca, identitytest.Options{Name: "a1"})
	want := &client.Identity{
		Key: leaf.Key, Chain: leaf.Chain[:2], Bundle: ca.Roots(), ID: leaf.ID, Server: "https://127.0.0.1:8443",
	}
	dir := filepath.Join(t.TempDir(), "identity")
	for range 2 { // the second Save replaces every file
		if err := want.Save(dir); err != nil {
			t.Fatalf("save: %v", err)
		}
	}
	for name, mode := range map[string]os.FileMode{
		".": 0o700 | os.ModeDir, client.KeyFile: 0o600,
		client.CertFile: 0o644, client.BundleFile: 0o644, client.MetadataFile: 0o644,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != mode {
			t.Errorf("%s: mode %s, want %s", name, got, mode)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("identity dir holds %d files, want 4 (no temporary files left behind)", len(entries))
	}

	got, err := client.Load(dir)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got.ID != want.ID || got.Server != want.Server {
		t.Errorf("got %s at %s, want %s at %s", got.ID, got.Server, want.ID, want.Server)
	}
	if !got.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(want.Key.Public()) {
		t.Error("loaded key differs from the saved one")
	}
	sameCerts(t, "chain", got.Chain, want.Chain)
	sameCerts(t, "bundle", got.Bundle, want.Bundle)
	if !got.NotAfter().Equal(leaf.Leaf().NotAfter) {
		t.Errorf("NotAfter: got %s, want %s", got.NotAfter(), leaf.Leaf().NotAfter)
	}
}

func sameCerts(t *testing.T, what string, got, want []*x509.Certificate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d certificates, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].Raw, want[i].Raw) {
			t.Errorf("%s[%d] differs from the saved certificate", what, i)
		}
	}
}

// TestLoadErrors lays one broken file from testdata (written by
// testdata/gen) over a copy of testdata/valid and loads it.
func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		overlay map[string]string // identity file -> testdata file
		wantErr string            // "" means Load succeeds
	}{
		{"valid (control)", nil, ""},
		{"corrupt identity.json", map[string]string{client.MetadataFile: "corrupt-identity.json"}, "parse"},
		{"key.pem not PEM", map[string]string{client.KeyFile: "not-pem-key.pem"}, `no PEM "PRIVATE KEY" block`},
		{"cert.pem without certificates", map[string]string{client.CertFile: "no-certificates-cert.pem"}, "no certificates"},
		{"leaf with two URI SANs", map[string]string{client.CertFile: "two-uri-sans-cert.pem"}, "exactly one SPIFFE ID"},
		{"key.pem for another certificate", map[string]string{client.CertFile: "other-key-cert.pem"}, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join("testdata", "valid"))
			for dst, src := range tc.overlay {
				copyFile(t, filepath.Join("testdata", src), filepath.Join(dir, dst))
			}
			id, err := client.Load(dir)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				if got, want := id.ID.String(), "spiffe://airlock.local/agent/"+identitytest.DefaultName; got != want {
					t.Errorf("ID: got %s, want %s", got, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("load: got %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

// TestLoadRSAKey: any PKCS#8 crypto.Signer loads, not only ECDSA.
func TestLoadRSAKey(t *testing.T) {
	dir := copyDir(t, filepath.Join("testdata", "valid"))
	copyFile(t, filepath.Join("testdata", "rsa-key.pem"), filepath.Join(dir, client.KeyFile))
	copyFile(t, filepath.Join("testdata", "rsa-cert.pem"), filepath.Join(dir, client.CertFile))
	id, err := client.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := id.Key.(*rsa.PrivateKey); !ok {
		t.Fatalf("key: got %T, want *rsa.PrivateKey", id.Key)
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := client.Load(filepath.Join(t.TempDir(), "never-enrolled"))
	if err == nil || !strings.Contains(err.Error(), "enroll") {
		t.Fatalf("load of a missing dir: got %v, want a hint to enroll", err)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
	}
	return dst
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
