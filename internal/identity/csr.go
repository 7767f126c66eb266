package identity

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
)

// MaxCSRSize bounds the DER input ParseCSR accepts.
const MaxCSRSize = 16 << 10

// RSA key sizes the key policy accepts.
const (
	MinRSABits = 2048
	MaxRSABits = 8192
)

// Sentinel errors callers test with errors.Is.
var (
	// ErrInvalidCSR reports a CSR that is malformed or badly signed.
	ErrInvalidCSR = errors.New("invalid certificate request")
	// ErrKeyPolicy reports a public key the CA refuses to certify.
	ErrKeyPolicy = errors.New("public key not allowed")
)

// ParseCSR parses a DER certificate signing request, enforces the key
// policy (see CheckKeyPolicy) and verifies the request's self-signature.
// Inputs larger than MaxCSRSize are refused before parsing.
func ParseCSR(der []byte) (*x509.CertificateRequest, error) {
	switch {
	case len(der) == 0:
		return nil, fmt.Errorf("%w: empty", ErrInvalidCSR)
	case len(der) > MaxCSRSize:
		return nil, fmt.Errorf("%w: %d bytes, limit is %d", ErrInvalidCSR, len(der), MaxCSRSize)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("%w: parse: %w", ErrInvalidCSR, err)
	}
	// Key policy first: it is cheap and keeps odd keys away from the verifier.
	if err := CheckKeyPolicy(csr.PublicKey); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCSR, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidCSR, err)
	}
	return csr, nil
}

// CheckKeyPolicy accepts ECDSA P-256 and P-384, Ed25519, and RSA keys of
// MinRSABits to MaxRSABits bits; it rejects everything else with ErrKeyPolicy.
func CheckKeyPolicy(pub any) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return checkCurve(k.Curve)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: ed25519 key of %d bytes", ErrKeyPolicy, len(k))
		}
		return nil
	case *rsa.PublicKey:
		return checkRSA(k)
	case nil:
		return fmt.Errorf("%w: no public key", ErrKeyPolicy)
	default:
		return fmt.Errorf("%w: %T keys are not supported; use ECDSA P-256/P-384, Ed25519 or RSA >= %d bits", ErrKeyPolicy, pub, MinRSABits)
	}
}

func checkCurve(c elliptic.Curve) error {
	if c == elliptic.P256() || c == elliptic.P384() {
		return nil
	}
	name := "unknown"
	if c != nil {
		name = c.Params().Name
	}
	return fmt.Errorf("%w: ECDSA curve %s; use P-256 or P-384", ErrKeyPolicy, name)
}

func checkRSA(k *rsa.PublicKey) error {
	if k.N == nil {
		return fmt.Errorf("%w: rsa key without modulus", ErrKeyPolicy)
	}
	if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
		return fmt.Errorf("%w: %d-bit RSA key; want %d to %d bits", ErrKeyPolicy, bits, MinRSABits, MaxRSABits)
	}
	return nil
}
