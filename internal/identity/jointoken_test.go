package identity_test

import (
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
)

var tokenPattern = regexp.MustCompile(`^alj1\.[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$`)

func TestNewJoinToken(t *testing.T) {
	text, id, hash, err := identity.NewJoinToken()
	if err != nil {
		t.Fatal(err)
	}
	if !tokenPattern.MatchString(text) {
		t.Fatalf("token %q does not match %s", text, tokenPattern)
	}
	gotID, secret, err := identity.ParseJoinToken(text)
	if err != nil {
		t.Fatalf("ParseJoinToken: %v", err)
	}
	if gotID != id {
		t.Errorf("parsed id = %s, want %s", gotID, id)
	}
	if sum := sha256.Sum256(secret); string(sum[:]) != string(hash) {
		t.Error("hash is not SHA-256 of the secret")
	}
	if !identity.CheckSecret(secret, hash) {
		t.Error("CheckSecret(secret, hash) = false, want true")
	}
	text2, id2, _, err := identity.NewJoinToken()
	if err != nil || text2 == text || id2 == id {
		t.Errorf("second token repeats the first (%v)", err)
	}
}

func TestCheckSecret(t *testing.T) {
	text, _, hash, err := identity.NewJoinToken()
	if err != nil {
		t.Fatal(err)
	}
	_, secret, _ := identity.ParseJoinToken(text)
	tests := []struct {
		name         string
		secret, hash []byte
		want         bool
	}{
		{"match", secret, hash, true},
		{"other secret", append([]byte{secret[0] ^ 1}, secret[1:]...), hash, false},
		{"short hash", secret, hash[:31], false},
		{"nil hash", secret, nil, false},
		{"nil secret", nil, hash, false},
	}
	for _, tt := range tests {
		if got := identity.CheckSecret(tt.secret, tt.hash); got != tt.want {
			t.Errorf("%s: CheckSecret = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseJoinToken(t *testing.T) {
	text, id, _, err := identity.NewJoinToken()
	if err != nil {
		t.Fatal(err)
	}
	secretPart := text[len(text)-43:]
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"valid", text, true},
		{"surrounding whitespace", "  " + text + "\r\n", true},
		{"empty", "", false},
		{"wrong prefix", "alj2" + text[4:], false},
		{"uppercase prefix", "ALJ1" + text[4:], false},
		{"no prefix", text[5:], false},
		{"truncated", text[:len(text)-1], false},
		{"extra char", text + "A", false},
		{"uppercase id", "alj1." + strings.ToUpper(id) + "." + secretPart, id == strings.ToUpper(id)},
		{"non-hex id", "alj1." + "g" + id[1:] + "." + secretPart, false},
		{"wrong separator", "alj1." + id + ":" + secretPart, false},
		{"padded secret", "alj1." + id + "." + secretPart[:42] + "=", false},
		{"std base64 chars", "alj1." + id + "." + "+" + secretPart[1:], false},
		{"inner space", "alj1." + id + "." + secretPart[:20] + " " + secretPart[21:], false},
		{"non-canonical last char", "alj1." + id + "." + secretPart[:42] + nonCanonical(secretPart[42]), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotID, secret, err := identity.ParseJoinToken(tt.in)
			if tt.ok {
				if err != nil || gotID != id || len(secret) != 32 {
					t.Fatalf("got %q, %d-byte secret, %v; want %q, 32 bytes", gotID, len(secret), err, id)
				}
				return
			}
			if !errors.Is(err, identity.ErrInvalidJoinToken) || gotID != "" || secret != nil {
				t.Fatalf("got %q, %x, %v; want ErrInvalidJoinToken", gotID, secret, err)
			}
			if strings.Contains(err.Error(), secretPart[:10]) {
				t.Errorf("error %q echoes the secret", err)
			}
		})
	}
}

// nonCanonical returns a base64url character that decodes to the same 4
// high bits as c but has non-zero low (padding) bits, which Strict rejects.
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}
