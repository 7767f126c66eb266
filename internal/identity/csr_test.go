package identity_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
)

func TestParseCSRTestdata(t *testing.T) {
	tests := []struct {
		file string
		want error // nil: accepted
	}{
		{"csr-p256.der", nil},
		{"csr-p384.der", nil},
		{"csr-ed25519.der", nil},
		{"csr-rsa-2048.der", nil},
		{"csr-rsa-1024.der", identity.ErrKeyPolicy},
		{"csr-p224.der", identity.ErrKeyPolicy},
		{"csr-p521.der", identity.ErrKeyPolicy},
		{"csr-bad-signature.der", identity.ErrInvalidCSR},
		{"csr-truncated.der", identity.ErrInvalidCSR},
		{"csr-trailing-data.der", identity.ErrInvalidCSR},
		{"csr-oversized.der", identity.ErrInvalidCSR},
		{"csr-garbage.der", identity.ErrInvalidCSR},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			csr, err := identity.ParseCSR(readTestdata(t, tt.file))
			if tt.want == nil {
				if err != nil || csr == nil {
					t.Fatalf("ParseCSR = %v, %v; want a CSR", csr, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, identity.ErrInvalidCSR) || csr != nil {
				t.Fatalf("ParseCSR = %v, %v; want nil, %v", csr, err, tt.want)
			}
		})
	}
}

func TestParseCSREmpty(t *testing.T) {
	if _, err := identity.ParseCSR(nil); !errors.Is(err, identity.ErrInvalidCSR) {
		t.Errorf("ParseCSR(nil) err = %v, want ErrInvalidCSR", err)
	}
}

func TestCheckKeyPolicy(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		key  any
		ok   bool
	}{
		{"p256", ecKey(t, elliptic.P256()), true},
		{"p384", ecKey(t, elliptic.P384()), true},
		{"ed25519", edPub, true},
		{"rsa 2048", &rsa.PublicKey{N: bits(2048), E: 65537}, true},
		{"rsa 4096", &rsa.PublicKey{N: bits(4096), E: 65537}, true},
		{"rsa 2047", &rsa.PublicKey{N: bits(2047), E: 65537}, false},
		{"rsa 16384", &rsa.PublicKey{N: bits(16384), E: 65537}, false},
		{"rsa nil modulus", &rsa.PublicKey{}, false},
		{"p224", ecKey(t, elliptic.P224()), false},
		{"p521", ecKey(t, elliptic.P521()), false},
		{"short ed25519", ed25519.PublicKey(edPub[:16]), false},
		{"nil", nil, false},
		{"string", "not a key", false},
		{"private key", newKey(t), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := identity.CheckKeyPolicy(tt.key)
			if got := err == nil; got != tt.ok {
				t.Fatalf("CheckKeyPolicy = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, identity.ErrKeyPolicy) {
				t.Errorf("err = %v, want ErrKeyPolicy", err)
			}
		})
	}
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PublicKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

// bits returns an odd number of exactly n bits (not a real modulus; the
// policy only looks at the size).
func bits(n int) *big.Int {
	v := new(big.Int).Lsh(big.NewInt(1), uint(n-1))
	return v.SetBit(v, 0, 1)
}
