package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
)

func TestLoadOrCreateSigner(t *testing.T) {
	b := newSQLite(t)
	ctx := context.Background()
	kek := newKEK(t)
	s1, err := LoadOrCreateSigner(ctx, b.st, kek, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Origin() != testOrigin || !strings.HasPrefix(s1.VerifierKey(), testOrigin+"+") {
		t.Errorf("origin %q, vkey %q", s1.Origin(), s1.VerifierKey())
	}
	s2, err := LoadOrCreateSigner(ctx, b.st, kek, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if s2.VerifierKey() != s1.VerifierKey() {
		t.Errorf("reloaded vkey %q, want %q", s2.VerifierKey(), s1.VerifierKey())
	}
	msg, err := s2.Sign(1, leafHash(store.Event{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCheckpoint(msg, s1.VerifierKey()); err != nil {
		t.Errorf("reloaded key's checkpoint does not verify with the first vkey: %v", err)
	}
	es := allEvents(t, b.st)
	if len(es) != 1 || es[0].Type != "audit.signer.created" || es[0].Detail != "vkey "+s1.VerifierKey() {
		t.Errorf("events %+v, want one audit.signer.created with the vkey", es)
	}
}

func TestLoadOrCreateSignerRefuses(t *testing.T) {
	b := newSQLite(t)
	ctx := context.Background()
	kek := newKEK(t)
	if _, err := LoadOrCreateSigner(ctx, b.st, kek, testOrigin); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateSigner(ctx, b.st, newKEK(t), testOrigin)
	if !errors.Is(err, keys.ErrKEKMismatch) || !strings.Contains(err.Error(), "wrapped by another key-encryption key") {
		t.Errorf("other KEK: %v", err)
	}
	_, err = LoadOrCreateSigner(ctx, b.st, kek, "other.example/audit")
	if err == nil || !strings.Contains(err.Error(), `is for origin "example.org/audit", not "other.example/audit"`) {
		t.Errorf("other origin: %v", err)
	}
	for _, origin := range []string{"", "has space", "a+b", strings.Repeat("x", 256), "bad\xff"} {
		if _, err := LoadOrCreateSigner(ctx, b.st, kek, origin); err == nil || !strings.Contains(err.Error(), "is not valid") {
			t.Errorf("origin %q: %v", origin, err)
		}
	}
}

func TestSignerBlobCorrupt(t *testing.T) {
	kek := newKEK(t)
	_, blob, err := newSigner(kek, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unmarshalSigner(blob, kek); err != nil {
		t.Fatalf("intact blob: %v", err)
	}
	tests := []struct{ name, from, to string }{
		{"format", signerFormat, "other-format"},
		{"unknown field", `"format"`, `"extra":1,"format"`},
		{"origin", `"origin":"example.org/audit"`, `"origin":"example.org/audix"`}, // breaks the associated data
		{"vkey", `"vkey":"example.org/audit+`, `"vkey":"example.org/audit+0`},
		{"trailing", `}`, `}{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(string(blob), tt.from, tt.to, 1)
			if bad == string(blob) {
				t.Fatalf("%q not in blob", tt.from)
			}
			if _, err := unmarshalSigner([]byte(bad), kek); !errors.Is(err, ErrCorruptSigner) {
				t.Errorf("got %v, want ErrCorruptSigner", err)
			}
		})
	}
}

func TestSignerNeverShowsPrivateKey(t *testing.T) {
	s := loadTestdataSigner(t)
	skey := testdataKey(t, "test.skey")
	secret := skey[strings.LastIndex(skey, "+")+1:]
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "signer", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), logged.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows the private key: %s", out)
		}
	}
}
