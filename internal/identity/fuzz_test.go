package identity_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/keys"
)

func FuzzParseJoinToken(f *testing.F) {
	text, _, _, err := identity.NewJoinToken()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{text, " " + text + "\n", "alj1.", "alj1." + strings.Repeat("0", 32) + "." + strings.Repeat("A", 43), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := identity.ParseJoinToken(s)
		if err != nil {
			if !errors.Is(err, identity.ErrInvalidJoinToken) || id != "" || secret != nil {
				t.Fatalf("failure returned %q, %x, %v", id, secret, err)
			}
			if len(s) > 20 && strings.Contains(err.Error(), strings.TrimSpace(s)) {
				t.Fatalf("error echoes the input")
			}
			return
		}
		if len(id) != 32 || len(secret) != 32 {
			t.Fatalf("id %q / %d-byte secret", id, len(secret))
		}
		if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
			t.Fatalf("id %q is not lowercase hex", id)
		}
		sum := sha256.Sum256(secret)
		if !identity.CheckSecret(secret, sum[:]) {
			t.Fatal("CheckSecret rejects the parsed secret's own hash")
		}
	})
}

func FuzzParseCSR(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "csr-*.der"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		csr, err := identity.ParseCSR(der)
		if err != nil {
			if csr != nil || !errors.Is(err, identity.ErrInvalidCSR) {
				t.Fatalf("failure returned %v, %v", csr, err)
			}
			return
		}
		if len(der) > identity.MaxCSRSize {
			t.Fatalf("accepted %d bytes", len(der))
		}
		if err := identity.CheckKeyPolicy(csr.PublicKey); err != nil {
			t.Fatalf("accepted a key the policy rejects: %v", err)
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("accepted a bad signature: %v", err)
		}
	})
}

func FuzzParseFingerprint(f *testing.F) {
	for _, s := range []string{"sha256:" + hex64, "SHA256:" + strings.ToUpper(groupPairs(hex64)), "sha256:", "", "sha256:" + hex64[:63] + "z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sum, err := identity.ParseFingerprint(s)
		if err != nil {
			if sum != nil || !errors.Is(err, identity.ErrInvalidFingerprint) {
				t.Fatalf("failure returned %x, %v", sum, err)
			}
			return
		}
		if len(sum) != 32 {
			t.Fatalf("digest of %d bytes", len(sum))
		}
		// The canonical form parses back to the same digest.
		again, err := identity.ParseFingerprint("sha256:" + hex.EncodeToString(sum))
		if err != nil || !bytes.Equal(again, sum) {
			t.Fatalf("canonical form does not round-trip: %x, %v", again, err)
		}
	})
}

func FuzzUnmarshalCA(f *testing.F) {
	kek := newKEK(f)
	ca := newCA(f)
	blob, err := ca.Marshal(kek)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	f.Add([]byte(`{"format":"airlock-ca-v1"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := identity.UnmarshalCA(data, kek)
		if err != nil {
			if got != nil || !(errors.Is(err, identity.ErrCorruptCA) || errors.Is(err, keys.ErrKEKMismatch)) {
				t.Fatalf("failure returned %v, %v", got, err)
			}
			return
		}
		// Only authentic blobs decode: keys are bound to their certificates.
		if got.Fingerprint() != ca.Fingerprint() || !got.Intermediate().Equal(ca.Intermediate()) {
			t.Fatal("decoded a CA that differs from the one marshaled")
		}
	})
}
