package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidFingerprint reports a fingerprint ParseFingerprint rejects.
var ErrInvalidFingerprint = errors.New(`invalid fingerprint: want "sha256:" and 64 hex digits`)

const fingerprintPrefix = "sha256:"

// CertFingerprint returns "sha256:" and the lowercase hex SHA-256 of cert's DER.
func CertFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return fingerprintPrefix + hex.EncodeToString(sum[:])
}

// ParseFingerprint parses "sha256:HEX" into the 32-byte digest. The prefix and
// the hex digits are case-insensitive, surrounding whitespace is ignored, and
// the digits may be grouped in byte pairs separated by colons
// ("sha256:AB:CD:…"), as openssl prints them.
func ParseFingerprint(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) < len(fingerprintPrefix) || !strings.EqualFold(s[:len(fingerprintPrefix)], fingerprintPrefix) {
		return nil, fmt.Errorf(`%w: missing "sha256:" prefix`, ErrInvalidFingerprint)
	}
	digits := s[len(fingerprintPrefix):]
	if strings.Contains(digits, ":") {
		var err error
		if digits, err = ungroup(digits); err != nil {
			return nil, err
		}
	}
	if len(digits) != 2*sha256.Size {
		return nil, fmt.Errorf("%w: got %d hex digits", ErrInvalidFingerprint, len(digits))
	}
	sum, err := hex.DecodeString(digits)
	if err != nil {
		return nil, fmt.Errorf("%w: not hexadecimal", ErrInvalidFingerprint)
	}
	return sum, nil
}

// ungroup turns "ab:cd:…" (exactly 32 pairs) into "abcd…".
func ungroup(s string) (string, error) {
	pairs := strings.Split(s, ":")
	if len(pairs) != sha256.Size {
		return "", fmt.Errorf("%w: got %d colon-separated groups, want %d", ErrInvalidFingerprint, len(pairs), sha256.Size)
	}
	for _, p := range pairs {
		if len(p) != 2 {
			return "", fmt.Errorf("%w: colon-separated groups must be 2 hex digits", ErrInvalidFingerprint)
		}
	}
	return strings.Join(pairs, ""), nil
}
