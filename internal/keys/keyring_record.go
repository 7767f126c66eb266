package keys

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

const (
	// keysetRecordFormat names the stored form of an owner's keyset.
	keysetRecordFormat = "airlock-keyset-v1"
	// maxKeysetRecordSize bounds a stored record; one key adds ~150 bytes.
	maxKeysetRecordSize = 1 << 20
)

// keysetRecord is what a KeysetStore holds for an owner: either the keyset,
// encrypted by the KEK named by KEKID (Tink's JSON EncryptedKeyset, whose
// associated data binds the owner), or a tombstone left by Shred.
type keysetRecord struct {
	Format   string          `json:"format"`
	Owner    string          `json:"owner"`
	Shredded bool            `json:"shredded,omitempty"`
	KEKID    string          `json:"kek_id,omitempty"`
	Keyset   json.RawMessage `json:"keyset,omitempty"`
}

// keysetAD binds a wrapped keyset to its owner, so a record copied into
// another owner's slot does not unwrap.
func keysetAD(owner string) []byte {
	return append([]byte("airlock/keyset/v1\x00"), owner...)
}

// wrap encodes h encrypted by the KEK, or a tombstone when h is nil.
func (r *Keyring) wrap(owner string, h *keyset.Handle) ([]byte, error) {
	rec := keysetRecord{Format: keysetRecordFormat, Owner: owner, Shredded: h == nil}
	if h != nil {
		var buf bytes.Buffer
		if err := h.WriteWithAssociatedData(keyset.NewJSONWriter(&buf), r.kek, keysetAD(owner)); err != nil {
			return nil, fmt.Errorf("wrap keyset: %w", err)
		}
		rec.KEKID, rec.Keyset = r.kek.ID(), buf.Bytes()
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode keyset record: %w", err)
	}
	return data, nil
}

// unwrap decodes a stored record. It fails with ErrKEKMismatch when another
// KEK wrapped the keyset and ErrCorruptKeyset for anything else wrong.
func (r *Keyring) unwrap(owner string, data []byte, version uint64) (*keysetEntry, error) {
	rec, err := decodeKeysetRecord(owner, data)
	if err != nil {
		return nil, err
	}
	if rec.Shredded {
		return &keysetEntry{owner: owner, version: version, shredded: true}, nil
	}
	if rec.KEKID != r.kek.ID() {
		return nil, fmt.Errorf("keyset was wrapped by kek %q, but the configured kek is %q: %w",
			rec.KEKID, r.kek.ID(), ErrKEKMismatch)
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(rec.Keyset)), r.kek, keysetAD(owner))
	if err != nil {
		return nil, fmt.Errorf("%w: unwrap: %v", ErrCorruptKeyset, err)
	}
	return newKeysetEntry(owner, version, h)
}

// decodeKeysetRecord parses a record strictly and checks it belongs to owner.
func decodeKeysetRecord(owner string, data []byte) (*keysetRecord, error) {
	if len(data) > maxKeysetRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, limit is %d", ErrCorruptKeyset, len(data), maxKeysetRecordSize)
	}
	var rec keysetRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("%w: decode json: %v", ErrCorruptKeyset, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after json", ErrCorruptKeyset)
	}
	switch {
	case rec.Format != keysetRecordFormat:
		return nil, fmt.Errorf("%w: format %.40q, want %q", ErrCorruptKeyset, rec.Format, keysetRecordFormat)
	case rec.Owner != owner:
		return nil, fmt.Errorf("%w: record belongs to %.80q", ErrCorruptKeyset, rec.Owner)
	case rec.Shredded && (rec.KEKID != "" || len(rec.Keyset) != 0):
		return nil, fmt.Errorf("%w: tombstone carries a keyset", ErrCorruptKeyset)
	case !rec.Shredded && len(rec.Keyset) == 0:
		return nil, fmt.Errorf("%w: no keyset", ErrCorruptKeyset)
	}
	return &rec, nil
}

// checkKeyringKeyset requires AES-256-GCM keys with the Tink output prefix,
// which Open reads to find the key, and exactly one enabled primary.
func checkKeyringKeyset(h *keyset.Handle) error {
	if err := checkAES256GCM(h); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptKeyset, err)
	}
	for i := range h.Len() {
		e, err := h.Entry(i)
		if err != nil {
			return fmt.Errorf("%w: entry %d: %v", ErrCorruptKeyset, i, err)
		}
		p, _ := e.Key().Parameters().(*aesgcm.Parameters)
		if p.Variant() != aesgcm.VariantTink {
			return fmt.Errorf("%w: key %d has output prefix %v, want tink", ErrCorruptKeyset, e.KeyID(), p.Variant())
		}
	}
	if _, err := h.Primary(); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptKeyset, err)
	}
	return nil
}
