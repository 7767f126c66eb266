package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
)

// ErrCorruptSigner reports a stored signing key that cannot be decoded or
// does not authenticate.
var ErrCorruptSigner = errors.New("corrupt audit signer blob")

const (
	// signerStoreBlob is the store blob holding the signing key, wrapped.
	signerStoreBlob = "audit/signer"
	signerFormat    = "airlock-audit-signer-v1"
	// maxSignerBlobSize bounds what is decoded; real blobs are ~300 bytes.
	maxSignerBlobSize = 64 << 10
	// maxOriginLen bounds the origin line.
	maxOriginLen = 255
)

// Signer signs audit checkpoints with an Ed25519 key. Its String and
// LogValue never show the private key.
type Signer struct {
	origin string
	vkey   string
	signer note.Signer
	verify note.Verifier
}

var _ slog.LogValuer = (*Signer)(nil)

// signerBlob is the persisted form of a Signer. The private key text
// (note.GenerateKey's skey) is wrapped by the KEK named by KEKID.
type signerBlob struct {
	Format  string `json:"format"`
	Origin  string `json:"origin"`
	KEKID   string `json:"kek_id"`
	VKey    string `json:"vkey"`
	Wrapped []byte `json:"skey_wrapped"`
}

// DefaultOrigin is the checkpoint origin for a hub in trustDomain.
func DefaultOrigin(trustDomain string) string { return trustDomain + "/audit" }

// LoadOrCreateSigner loads the audit signing key from st, or generates one
// for origin on first use and records an "audit.signer.created" event
// carrying its public key. It fails if the stored key was wrapped by
// another KEK or belongs to another origin.
func LoadOrCreateSigner(ctx context.Context, st store.Store, kek keys.KEK, origin string) (*Signer, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	var s *Signer
	err := st.Update(ctx, func(tx store.Tx) error {
		blob, err := tx.GetBlob(signerStoreBlob)
		if err == nil {
			s, err = unmarshalSigner(blob, kek)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s, blob, err = newSigner(kek, origin)
		if err != nil {
			return err
		}
		if err := tx.PutBlob(signerStoreBlob, blob); err != nil {
			return err
		}
		_, err = tx.AppendEvent(store.Event{Time: time.Now().UTC(), Type: "audit.signer.created",
			Outcome: store.OutcomeSuccess, Target: origin, Detail: "vkey " + s.vkey})
		return err
	})
	if errors.Is(err, keys.ErrKEKMismatch) {
		return nil, fmt.Errorf("the store's audit signing key was wrapped by another key-encryption key: "+
			"use the data directory (kek.json) that created this store, or a fresh store: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("load or create audit signer: %w", err)
	}
	if s.origin != origin {
		return nil, fmt.Errorf("the store's audit signing key is for origin %q, not %q: "+
			"use the trust domain that created this store, or a fresh store", s.origin, origin)
	}
	return s, nil
}

// checkOrigin applies the note format's rules for key names (non-empty,
// valid UTF-8, no spaces, no '+'), plus a length limit.
func checkOrigin(origin string) error {
	if origin == "" || len(origin) > maxOriginLen || !utf8.ValidString(origin) ||
		strings.IndexFunc(origin, unicode.IsSpace) >= 0 || strings.Contains(origin, "+") {
		return fmt.Errorf("audit origin %.80q is not valid: it must be 1 to %d bytes of UTF-8 without spaces or '+'",
			origin, maxOriginLen)
	}
	return nil
}

func newSigner(kek keys.KEK, origin string) (*Signer, []byte, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, nil, fmt.Errorf("generate audit key: %w", err)
	}
	s, err := signerFromKeys(origin, skey, vkey)
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := kek.Encrypt([]byte(skey), signerAD(origin, vkey))
	if err != nil {
		return nil, nil, fmt.Errorf("wrap audit key: %w", err)
	}
	blob, err := json.Marshal(signerBlob{Format: signerFormat, Origin: origin, KEKID: kek.ID(), VKey: vkey, Wrapped: wrapped})
	if err != nil {
		return nil, nil, fmt.Errorf("encode audit key: %w", err)
	}
	return s, blob, nil
}

func unmarshalSigner(blob []byte, kek keys.KEK) (*Signer, error) {
	b, err := decodeSignerBlob(blob)
	if err != nil {
		return nil, err
	}
	if b.KEKID != kek.ID() {
		return nil, fmt.Errorf("audit signer blob was wrapped by kek %q, but the configured kek is %q: %w",
			b.KEKID, kek.ID(), keys.ErrKEKMismatch)
	}
	skey, err := kek.Decrypt(b.Wrapped, signerAD(b.Origin, b.VKey))
	if err != nil {
		return nil, fmt.Errorf("%w: unwrap key: %v", ErrCorruptSigner, err)
	}
	defer clear(skey)
	return signerFromKeys(b.Origin, string(skey), b.VKey)
}

func decodeSignerBlob(blob []byte) (*signerBlob, error) {
	if len(blob) > maxSignerBlobSize {
		return nil, fmt.Errorf("%w: %d bytes, limit is %d", ErrCorruptSigner, len(blob), maxSignerBlobSize)
	}
	var b signerBlob
	dec := json.NewDecoder(bytes.NewReader(blob))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: decode json: %v", ErrCorruptSigner, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after json", ErrCorruptSigner)
	}
	if b.Format != signerFormat {
		return nil, fmt.Errorf("%w: format %.40q, want %q", ErrCorruptSigner, b.Format, signerFormat)
	}
	return &b, nil
}

// signerFromKeys builds a Signer and checks that skey and vkey are one
// key pair named origin.
func signerFromKeys(origin, skey, vkey string) (*Signer, error) {
	sg, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %v", ErrCorruptSigner, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrCorruptSigner, err)
	}
	if sg.Name() != origin || v.Name() != origin || sg.KeyHash() != v.KeyHash() {
		return nil, fmt.Errorf("%w: key names or hashes do not match origin %q", ErrCorruptSigner, origin)
	}
	s := &Signer{origin: origin, vkey: vkey, signer: sg, verify: v}
	probe := []byte("airlock audit key check\n")
	sig, err := sg.Sign(probe)
	if err != nil || !v.Verify(probe, sig) {
		return nil, fmt.Errorf("%w: private key does not match public key", ErrCorruptSigner)
	}
	return s, nil
}

// signerAD is the associated data for the wrapped signing key: purpose,
// origin and public key, so a wrapped key cannot be moved to another slot
// or paired with another public key.
func signerAD(origin, vkey string) []byte {
	return fmt.Appendf(nil, "airlock/audit/v1/signer-key\x00%s\x00%s", origin, vkey)
}

// VerifierKey returns the public verifier key, "<origin>+<hash>+<key>".
// It is safe to print; users keep a copy to check checkpoints and proofs.
func (s *Signer) VerifierKey() string { return s.vkey }

// Origin returns the checkpoint origin line, also the key's name.
func (s *Signer) Origin() string { return s.origin }

// LogValue implements slog.LogValuer; it logs only public values.
func (s *Signer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("origin", s.origin), slog.String("vkey", s.vkey))
}

// String describes the signer by its public key only.
func (s *Signer) String() string { return "audit.Signer(" + s.vkey + ")" }

// GoString keeps %#v to public values.
func (s *Signer) GoString() string { return s.String() }
