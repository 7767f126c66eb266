package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// A join token is "alj1.<id>.<secret>": id is 16 random bytes in lowercase
// hex and names the token (it is not secret); secret is 32 random bytes in
// unpadded base64url. Only SHA-256(secret) is stored.
const (
	joinTokenPrefix = "alj1."
	joinIDBytes     = 16
	joinSecretBytes = 32
	joinIDLen       = 2 * joinIDBytes                                      // 32
	joinSecretLen   = (joinSecretBytes*8 + 5) / 6                          // 43
	joinTokenLen    = len(joinTokenPrefix) + joinIDLen + 1 + joinSecretLen // 81
	joinTokenFormat = "alj1.<32 lowercase hex digits>.<43 base64url characters>"
)

// ErrInvalidJoinToken reports a malformed join token. Its messages never
// include the token text.
var ErrInvalidJoinToken = errors.New("invalid join token")

var joinEncoding = base64.RawURLEncoding.Strict()

// NewJoinToken returns a fresh token: its text (give it to the enrolling
// agent once), its public id and the SHA-256 hash of its secret (store these).
func NewJoinToken() (text, id string, hash []byte, err error) {
	var idBytes [joinIDBytes]byte
	var secret [joinSecretBytes]byte
	if _, err := rand.Read(idBytes[:]); err != nil {
		return "", "", nil, fmt.Errorf("new join token: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", "", nil, fmt.Errorf("new join token: %w", err)
	}
	id = hex.EncodeToString(idBytes[:])
	text = joinTokenPrefix + id + "." + joinEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256(secret[:])
	return text, id, sum[:], nil
}

// ParseJoinToken strictly parses a token, ignoring surrounding whitespace,
// and returns its id and secret. Errors wrap ErrInvalidJoinToken and never
// echo the input.
func ParseJoinToken(text string) (id string, secret []byte, err error) {
	text = strings.TrimSpace(text)
	switch {
	case !strings.HasPrefix(text, joinTokenPrefix):
		return "", nil, joinTokenErr(`missing "alj1." prefix`)
	case len(text) != joinTokenLen:
		return "", nil, joinTokenErr(fmt.Sprintf("%d characters, want %d", len(text), joinTokenLen))
	case text[len(joinTokenPrefix)+joinIDLen] != '.':
		return "", nil, joinTokenErr("misplaced separator")
	}
	id = text[len(joinTokenPrefix) : len(joinTokenPrefix)+joinIDLen]
	if !isLowerHex(id) {
		return "", nil, joinTokenErr("id is not lowercase hex")
	}
	secret, err = joinEncoding.DecodeString(text[len(text)-joinSecretLen:])
	if err != nil || len(secret) != joinSecretBytes {
		return "", nil, joinTokenErr("secret is not base64url")
	}
	return id, secret, nil
}

func joinTokenErr(reason string) error {
	return fmt.Errorf("%w: %s; want %s", ErrInvalidJoinToken, reason, joinTokenFormat)
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckSecret reports whether secret hashes to hash, in constant time with
// respect to their contents.
func CheckSecret(secret, hash []byte) bool {
	sum := sha256.Sum256(secret)
	return subtle.ConstantTimeCompare(sum[:], hash) == 1
}
