// Package keys holds the hub's key material: key-encryption keys (KEKs) that
// wrap secrets such as the CA's private keys and per-agent data-key keysets.
//
// A KEK is a Tink AEAD with a stable, non-secret ID. Data wrapped by a KEK
// records that ID next to the ciphertext, so a reader can tell "wrapped by
// another KEK" apart from "corrupt" before trying to decrypt.
//
// The development provider is FileKEK: a Tink AES-256-GCM keyset in a 0600
// file. Production providers (passphrase, PKCS#11, Vault Transit) implement
// the same interface.
//
// Keyring keeps one Tink AEAD keyset per owner (an agent, a topic), wrapped
// by a KEK in a KeysetStore: Seal and Open data with it, Rotate adds and
// promotes a key, and Shred destroys the keyset, crypto-shredding everything
// sealed for that owner.
package keys

import (
	"errors"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// KEK is a key-encryption key. Encrypt and Decrypt are Tink AEAD operations:
// the associated data is authenticated but not encrypted, and decryption
// fails unless it matches what was given to Encrypt.
type KEK interface {
	tink.AEAD
	// ID is a stable, non-secret identifier of the key. Data wrapped by one
	// KEK records its ID so that it can be recognised later.
	ID() string
}

// ErrKEKMismatch reports data that was wrapped by a different KEK than the
// one offered to unwrap it.
var ErrKEKMismatch = errors.New("wrapped by a different key-encryption key")
