package identity_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
)

const hex64 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func TestParseFingerprint(t *testing.T) {
	want := []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	want = append(want, want...)
	grouped := groupPairs(hex64)
	tests := []struct {
		in string
		ok bool
	}{
		{"sha256:" + hex64, true},
		{"SHA256:" + strings.ToUpper(hex64), true},
		{"  sha256:" + hex64 + "\n", true},
		{"sha256:" + grouped, true},
		{"sha256:" + strings.ToUpper(grouped), true},
		{"", false},
		{hex64, false},
		{"sha1:" + hex64, false},
		{"sha256:", false},
		{"sha256:" + hex64[:62], false},
		{"sha256:" + hex64 + "00", false},
		{"sha256:" + hex64[:63] + "g", false},
		{"sha256: " + hex64, false},
		{"sha256:" + grouped + ":", false},
		{"sha256:" + grouped[:len(grouped)-3], false},
		{"sha256::" + hex64, false},
		{"sha256:" + strings.Replace(grouped, ":", "", 1), false},
		{"sha256:0:" + hex64, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := identity.ParseFingerprint(tt.in)
			if tt.ok {
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("got %x, %v; want %x, nil", got, err, want)
				}
				return
			}
			if !errors.Is(err, identity.ErrInvalidFingerprint) || got != nil {
				t.Fatalf("got %x, %v; want nil, ErrInvalidFingerprint", got, err)
			}
		})
	}
}

func groupPairs(h string) string {
	var pairs []string
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}
