package keys

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

var (
	// ErrNoKeyset reports an owner that has never had a keyset. KeysetStore
	// implementations return it (possibly wrapped) from GetKeyset.
	ErrNoKeyset = errors.New("no keyset")
	// ErrKeysetConflict reports a PutKeyset whose expected version is no
	// longer current: another writer changed the record first.
	ErrKeysetConflict = errors.New("keyset changed concurrently")
	// ErrShredded reports an owner whose keyset was destroyed by Shred.
	// Nothing sealed for it can be opened again, and nothing new is sealed.
	ErrShredded = errors.New("keyset was shredded")
	// ErrCorruptKeyset reports a stored keyset record that cannot be decoded
	// or does not authenticate under the KEK that claims to have wrapped it.
	ErrCorruptKeyset = errors.New("corrupt keyset record")
	// ErrInvalidCiphertext reports a ciphertext that does not authenticate:
	// it was modified, sealed for another owner, sealed with other
	// associated data, or sealed under a key no longer in the keyset.
	ErrInvalidCiphertext = errors.New("ciphertext does not authenticate")
)

// KeysetStore persists wrapped keyset records, one per owner. It is the
// consumer-side view of the hub's store; records are opaque to it.
//
// Several hub nodes may share one store, so writes are compare-and-swap on
// a version: a record's version starts at 1 and PutKeyset increments it.
type KeysetStore interface {
	// GetKeyset returns the record stored for owner and its version, or
	// ErrNoKeyset if there is none.
	GetKeyset(ctx context.Context, owner string) (data []byte, version uint64, err error)
	// PutKeyset replaces the record for owner if its current version is
	// version (0: no record yet), making it version+1. Otherwise it changes
	// nothing and returns ErrKeysetConflict. The previous bytes must not
	// remain readable through the store: a shredded keyset is overwritten.
	PutKeyset(ctx context.Context, owner string, version uint64, data []byte) error
}

// KeyringOptions tunes a Keyring. The zero value selects the defaults.
type KeyringOptions struct {
	// CacheSize is how many owners' unwrapped keysets are kept in memory.
	// Default 4096.
	CacheSize int
	// CacheTTL is how long a cached keyset is trusted before it is read
	// again. It bounds how long another hub node keeps sealing with a
	// keyset that was rotated or shredded elsewhere. Default 1 minute.
	CacheTTL time.Duration
}

const (
	defaultCacheSize = 4096
	defaultCacheTTL  = time.Minute
	// maxOwnerLen bounds owner names such as "agent/<id>" or "topic/<name>".
	maxOwnerLen = 512
	// maxPutAttempts bounds compare-and-swap retries under contention.
	maxPutAttempts = 8
	// tinkPrefixLen is the 0x01 byte and big-endian key ID before every
	// ciphertext of a key with the Tink output prefix.
	tinkPrefixLen = 5
	tinkStartByte = 0x01
)

// Keyring holds one Tink AEAD keyset (AES-256-GCM) per owner — an agent's
// mailbox, a topic — wrapped by a KEK in a KeysetStore. A keyset is created
// on the owner's first Seal; Rotate adds and promotes a key; Shred destroys
// it, which crypto-shreds everything ever sealed for that owner.
//
// Unwrapped keysets are cached in memory, bounded by CacheSize and CacheTTL.
// A Keyring is safe for concurrent use, and several Keyrings (hub nodes)
// may share one store.
type Keyring struct {
	kek   KEK
	store KeysetStore
	cache *keysetCache
}

// NewKeyring returns a keyring that keeps keysets in store, wrapped by kek.
func NewKeyring(kek KEK, store KeysetStore, opts KeyringOptions) (*Keyring, error) {
	if kek == nil || store == nil {
		return nil, errors.New("new keyring: kek and store are required")
	}
	if opts.CacheSize < 0 || opts.CacheTTL < 0 {
		return nil, fmt.Errorf("new keyring: cache size %d and ttl %s must not be negative", opts.CacheSize, opts.CacheTTL)
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = defaultCacheSize
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = defaultCacheTTL
	}
	return &Keyring{kek: kek, store: store, cache: newKeysetCache(opts.CacheSize, opts.CacheTTL)}, nil
}

// Status describes an owner's keyset without revealing key material.
type Status struct {
	Owner string
	// Shredded is true once Shred has run; the other fields are then zero.
	Shredded bool
	// Keys is the number of keys; Primary the ID of the one Seal uses.
	Keys    int
	Primary uint32
	// KeyIDs lists every key's ID in keyset order (oldest first).
	KeyIDs []uint32
	// KEKID names the KEK that wraps the keyset.
	KEKID string
	// Version counts the writes of the stored record.
	Version uint64
}

// Seal encrypts plaintext for owner with the primary key of its keyset,
// creating the keyset on first use. The associated data is authenticated but
// not encrypted; Open needs the same bytes. Seal fails with ErrShredded once
// the owner's keyset has been shredded.
func (r *Keyring) Seal(ctx context.Context, owner string, plaintext, ad []byte) ([]byte, error) {
	e, err := r.entryOrCreate(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("seal for %q: %w", owner, err)
	}
	ct, err := e.aead.Encrypt(plaintext, ad)
	if err != nil {
		return nil, fmt.Errorf("seal for %q: %w", owner, err)
	}
	return ct, nil
}

// Open decrypts a ciphertext made by Seal for owner with the same associated
// data. It fails with ErrShredded if the owner's keyset was shredded,
// ErrNoKeyset if the owner never had one, and ErrInvalidCiphertext if the
// ciphertext does not authenticate.
func (r *Keyring) Open(ctx context.Context, owner string, ciphertext, ad []byte) ([]byte, error) {
	e, fromCache, err := r.entry(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("open for %q: %w", owner, err)
	}
	id, ok := ciphertextKeyID(ciphertext)
	if !ok {
		return nil, fmt.Errorf("open for %q: %w: no key ID prefix", owner, ErrInvalidCiphertext)
	}
	if !e.hasKey(id) && fromCache {
		// Another node may have rotated since this keyset was cached.
		if e, err = r.refresh(ctx, owner); err != nil {
			return nil, fmt.Errorf("open for %q: %w", owner, err)
		}
	}
	if !e.hasKey(id) {
		return nil, fmt.Errorf("open for %q: %w: key %d is not in the keyset", owner, ErrInvalidCiphertext, id)
	}
	pt, err := e.aead.Decrypt(ciphertext, ad)
	if err != nil {
		return nil, fmt.Errorf("open for %q: %w", owner, ErrInvalidCiphertext)
	}
	return pt, nil
}

// Rotate adds a fresh key to owner's keyset and makes it the primary, so
// later Seals use it; ciphertexts under older keys still open. It returns
// the new key's ID. Rotate does not create a missing keyset (ErrNoKeyset).
func (r *Keyring) Rotate(ctx context.Context, owner string) (uint32, error) {
	var newID uint32
	err := r.update(ctx, owner, func(e *keysetEntry) (*keyset.Handle, error) {
		switch {
		case e.shredded:
			return nil, ErrShredded
		case e.missing:
			return nil, ErrNoKeyset
		}
		m := keyset.NewManagerFromHandle(e.handle)
		id, err := m.Add(aead.AES256GCMKeyTemplate())
		if err != nil {
			return nil, fmt.Errorf("add key: %w", err)
		}
		if err := m.SetPrimary(id); err != nil {
			return nil, fmt.Errorf("promote key %d: %w", id, err)
		}
		newID = id
		return m.Handle()
	})
	if err != nil {
		return 0, fmt.Errorf("rotate keyset of %q: %w", owner, err)
	}
	return newID, nil
}

// Shred destroys owner's keyset: its wrapped record is overwritten by a
// tombstone, so everything sealed for owner becomes unreadable for good and
// later Seals and Opens fail with ErrShredded. Shredding an owner without a
// keyset records the tombstone too; shredding twice is not an error.
//
// Other Keyrings sharing the store notice within their CacheTTL.
func (r *Keyring) Shred(ctx context.Context, owner string) error {
	err := r.update(ctx, owner, func(e *keysetEntry) (*keyset.Handle, error) {
		if e.shredded {
			return nil, errAlreadyDone
		}
		return nil, nil // nil handle: write a tombstone
	})
	if err != nil && !errors.Is(err, errAlreadyDone) {
		return fmt.Errorf("shred keyset of %q: %w", owner, err)
	}
	return nil
}

// Status reads owner's keyset from the store and describes it. It returns
// ErrNoKeyset if the owner never had one; a shredded owner is reported with
// Shredded set and no error.
func (r *Keyring) Status(ctx context.Context, owner string) (Status, error) {
	e, err := r.refresh(ctx, owner)
	if err != nil {
		return Status{}, fmt.Errorf("keyset status of %q: %w", owner, err)
	}
	if e.shredded {
		return Status{Owner: owner, Shredded: true, Version: e.version}, nil
	}
	return Status{
		Owner:   owner,
		Keys:    len(e.keyIDs),
		Primary: e.primary,
		KeyIDs:  slices.Clone(e.keyIDs),
		KEKID:   r.kek.ID(),
		Version: e.version,
	}, nil
}

// errAlreadyDone stops update without writing.
var errAlreadyDone = errors.New("nothing to do")

// entry returns owner's keyset, from the cache when fresh (fromCache).
func (r *Keyring) entry(ctx context.Context, owner string) (e *keysetEntry, fromCache bool, err error) {
	if err := checkOwner(owner); err != nil {
		return nil, false, err
	}
	e, fromCache = r.cache.get(owner)
	if !fromCache {
		if e, err = r.refresh(ctx, owner); err != nil {
			return nil, false, err
		}
	}
	if e.shredded {
		return nil, false, ErrShredded
	}
	return e, fromCache, nil
}

// entryOrCreate is entry, creating a keyset for an owner that has none.
func (r *Keyring) entryOrCreate(ctx context.Context, owner string) (*keysetEntry, error) {
	for range maxPutAttempts {
		e, _, err := r.entry(ctx, owner)
		if !errors.Is(err, ErrNoKeyset) {
			return e, err
		}
		e, err = r.create(ctx, owner)
		if !errors.Is(err, ErrKeysetConflict) {
			return e, err
		}
		// Someone else created it (or shredded it) first: use theirs.
	}
	return nil, fmt.Errorf("create keyset: %w after %d attempts", ErrKeysetConflict, maxPutAttempts)
}

func (r *Keyring) create(ctx context.Context, owner string) (*keysetEntry, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("new keyset: %w", err)
	}
	return r.put(ctx, owner, 0, h)
}

// refresh reads owner's record from the store, bypassing the cache, and
// caches the result.
func (r *Keyring) refresh(ctx context.Context, owner string) (*keysetEntry, error) {
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	gen := r.cache.generation()
	data, version, err := r.store.GetKeyset(ctx, owner)
	if err != nil {
		return nil, err // ErrNoKeyset passes through for callers to test
	}
	e, err := r.unwrap(owner, data, version)
	if err != nil {
		return nil, err
	}
	r.cache.addIfUnchanged(e, gen)
	return e, nil
}

// update applies change to the current keyset of owner and writes the result
// with compare-and-swap, retrying when another writer got there first.
// change returns the new handle, or nil for a tombstone; an owner without a
// record is passed as an entry with missing set.
func (r *Keyring) update(ctx context.Context, owner string, change func(*keysetEntry) (*keyset.Handle, error)) error {
	for range maxPutAttempts {
		e, err := r.refresh(ctx, owner)
		if errors.Is(err, ErrNoKeyset) {
			e, err = &keysetEntry{owner: owner, missing: true}, nil
		}
		if err != nil {
			return err
		}
		h, err := change(e)
		if err != nil {
			return err
		}
		_, err = r.put(ctx, owner, e.version, h)
		if !errors.Is(err, ErrKeysetConflict) {
			return err
		}
	}
	return fmt.Errorf("%w after %d attempts", ErrKeysetConflict, maxPutAttempts)
}

// put wraps h (nil: a tombstone), stores it as version+1 and caches it.
func (r *Keyring) put(ctx context.Context, owner string, version uint64, h *keyset.Handle) (*keysetEntry, error) {
	data, err := r.wrap(owner, h)
	if err != nil {
		return nil, err
	}
	if err := r.store.PutKeyset(ctx, owner, version, data); err != nil {
		return nil, err
	}
	e := &keysetEntry{owner: owner, version: version + 1, shredded: h == nil}
	if h != nil {
		if e, err = newKeysetEntry(owner, version+1, h); err != nil {
			return nil, err
		}
	}
	r.cache.replace(e)
	return e, nil
}

// keysetEntry is an unwrapped keyset (or a tombstone) as cached.
type keysetEntry struct {
	owner    string
	version  uint64
	shredded bool
	missing  bool // only inside update: no record yet
	handle   *keyset.Handle
	aead     tink.AEAD
	keyIDs   []uint32
	primary  uint32
	loaded   time.Time // set by the cache
}

func newKeysetEntry(owner string, version uint64, h *keyset.Handle) (*keysetEntry, error) {
	if err := checkKeyringKeyset(h); err != nil {
		return nil, err
	}
	primitive, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("%w: aead primitive: %v", ErrCorruptKeyset, err)
	}
	e := &keysetEntry{owner: owner, version: version, handle: h, aead: primitive}
	for i := range h.Len() {
		ke, err := h.Entry(i)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrCorruptKeyset, i, err)
		}
		e.keyIDs = append(e.keyIDs, ke.KeyID())
		if ke.IsPrimary() {
			e.primary = ke.KeyID()
		}
	}
	return e, nil
}

func (e *keysetEntry) hasKey(id uint32) bool { return slices.Contains(e.keyIDs, id) }

// ciphertextKeyID returns the key ID in a Tink-prefixed ciphertext.
func ciphertextKeyID(ct []byte) (uint32, bool) {
	if len(ct) < tinkPrefixLen || ct[0] != tinkStartByte {
		return 0, false
	}
	return binary.BigEndian.Uint32(ct[1:tinkPrefixLen]), true
}

func checkOwner(owner string) error {
	switch {
	case owner == "":
		return errors.New("empty keyset owner")
	case len(owner) > maxOwnerLen:
		return fmt.Errorf("keyset owner is %d bytes, limit is %d", len(owner), maxOwnerLen)
	case !utf8.ValidString(owner):
		return errors.New("keyset owner is not valid UTF-8")
	}
	for _, c := range owner {
		if c < 0x20 || c == 0x7f {
			return errors.New("keyset owner contains a control character")
		}
	}
	return nil
}
