package keys

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// memKeysetStore is an in-memory KeysetStore for tests.
type memKeysetStore struct {
	mu   sync.Mutex
	recs map[string]memRecord
	gets int
}

type memRecord struct {
	data    []byte
	version uint64
}

var _ KeysetStore = (*memKeysetStore)(nil)

func newMemKeysetStore() *memKeysetStore {
	return &memKeysetStore{recs: make(map[string]memRecord)}
}

func (s *memKeysetStore) GetKeyset(_ context.Context, owner string) ([]byte, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	r, ok := s.recs[owner]
	if !ok {
		return nil, 0, ErrNoKeyset
	}
	return bytes.Clone(r.data), r.version, nil
}

func (s *memKeysetStore) PutKeyset(_ context.Context, owner string, version uint64, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs[owner].version != version {
		return ErrKeysetConflict
	}
	s.recs[owner] = memRecord{data: bytes.Clone(data), version: version + 1}
	return nil
}

// raw returns the stored bytes for owner, as someone reading the database would.
func (s *memKeysetStore) raw(t testing.TB, owner string) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[owner]
	if !ok {
		t.Fatalf("no record stored for %q", owner)
	}
	return bytes.Clone(r.data)
}

// set overwrites owner's record as a broken or malicious store would.
func (s *memKeysetStore) set(owner string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[owner] = memRecord{data: data, version: s.recs[owner].version + 1}
}

func (s *memKeysetStore) getCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets
}

func newTestKeyring(t testing.TB, kek KEK, store KeysetStore, opts KeyringOptions) *Keyring {
	t.Helper()
	r, err := NewKeyring(kek, store, opts)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return r
}

// newRing returns a keyring over a fresh in-memory store and a fresh KEK.
func newRing(t testing.TB) (*Keyring, *memKeysetStore) {
	t.Helper()
	store := newMemKeysetStore()
	return newTestKeyring(t, newBenchKEK(t), store, KeyringOptions{}), store
}

func newBenchKEK(t testing.TB) *FileKEK {
	t.Helper()
	k, err := CreateFileKEK(t.TempDir() + "/kek.json")
	if err != nil {
		t.Fatalf("CreateFileKEK: %v", err)
	}
	return k
}

func mustSeal(t testing.TB, r *Keyring, owner string, pt, ad []byte) []byte {
	t.Helper()
	ct, err := r.Seal(context.Background(), owner, pt, ad)
	if err != nil {
		t.Fatalf("Seal(%q): %v", owner, err)
	}
	return ct
}

func mustOpen(t testing.TB, r *Keyring, owner string, ct, ad, want []byte) {
	t.Helper()
	got, err := r.Open(context.Background(), owner, ct, ad)
	if err != nil {
		t.Fatalf("Open(%q): %v", owner, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Open(%q) = %q, want %q", owner, got, want)
	}
}

func keyIDOf(t testing.TB, ct []byte) uint32 {
	t.Helper()
	id, ok := ciphertextKeyID(ct)
	if !ok {
		t.Fatalf("ciphertext %x has no Tink key ID prefix", ct[:min(len(ct), 8)])
	}
	return id
}

func TestNewKeyringRejects(t *testing.T) {
	kek, store := newBenchKEK(t), newMemKeysetStore()
	tests := []struct {
		name  string
		kek   KEK
		store KeysetStore
		opts  KeyringOptions
	}{
		{"nil kek", nil, store, KeyringOptions{}},
		{"nil store", kek, nil, KeyringOptions{}},
		{"negative size", kek, store, KeyringOptions{CacheSize: -1}},
		{"negative ttl", kek, store, KeyringOptions{CacheTTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewKeyring(tt.kek, tt.store, tt.opts); err == nil {
				t.Fatal("NewKeyring succeeded, want error")
			}
		})
	}
}

func TestKeyringRoundTrip(t *testing.T) {
	ctx := context.Background()
	r, _ := newRing(t)
	pt, ad := []byte("hello a2, the build is green"), []byte("msg-1\x00agent/a1\x00agent/a2")
	ct := mustSeal(t, r, "agent/a2", pt, ad)
	if bytes.Contains(ct, pt) {
		t.Fatal("ciphertext contains the plaintext")
	}
	mustOpen(t, r, "agent/a2", ct, ad, pt)

	st, err := r.Status(ctx, "agent/a2")
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Keys != 1 || st.Primary != keyIDOf(t, ct) || st.Shredded || st.Version != 1 {
		t.Errorf("Status = %+v, want 1 key, primary %d, version 1", st, keyIDOf(t, ct))
	}
	// An empty plaintext and nil associated data work too.
	mustOpen(t, r, "agent/a2", mustSeal(t, r, "agent/a2", nil, nil), nil, nil)
}

func TestKeyringOpenRejects(t *testing.T) {
	r, _ := newRing(t)
	pt, ad := []byte("payload"), []byte("msg-1\x00agent/a1\x00agent/a2")
	ct := mustSeal(t, r, "agent/a2", pt, ad)
	mustSeal(t, r, "agent/a3", []byte("x"), nil) // a3 has a keyset of its own

	flip := func(i int) []byte { c := bytes.Clone(ct); c[i] ^= 0x01; return c }
	tests := []struct {
		name  string
		owner string
		ct    []byte
		ad    []byte
		want  error
	}{
		{"other associated data", "agent/a2", ct, []byte("msg-1\x00agent/a1\x00agent/a3"), ErrInvalidCiphertext},
		{"nil associated data", "agent/a2", ct, nil, ErrInvalidCiphertext},
		{"another owner's keyset", "agent/a3", ct, ad, ErrInvalidCiphertext},
		{"owner without keyset", "agent/a4", ct, ad, ErrNoKeyset},
		{"flipped prefix byte", "agent/a2", flip(0), ad, ErrInvalidCiphertext},
		{"flipped key ID", "agent/a2", flip(4), ad, ErrInvalidCiphertext},
		{"flipped nonce", "agent/a2", flip(6), ad, ErrInvalidCiphertext},
		{"flipped body", "agent/a2", flip(len(ct) - 20), ad, ErrInvalidCiphertext},
		{"flipped tag", "agent/a2", flip(len(ct) - 1), ad, ErrInvalidCiphertext},
		{"truncated", "agent/a2", ct[:len(ct)-1], ad, ErrInvalidCiphertext},
		{"prefix only", "agent/a2", ct[:5], ad, ErrInvalidCiphertext},
		{"empty", "agent/a2", nil, ad, ErrInvalidCiphertext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Open(context.Background(), tt.owner, tt.ct, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %q, %v; want error %v", got, err, tt.want)
			}
		})
	}
}

func TestKeyringRejectsBadOwner(t *testing.T) {
	r, store := newRing(t)
	for _, owner := range []string{"", "agent/a\x00", "agent/\n", "agent/\xff", strings.Repeat("a", maxOwnerLen+1)} {
		if _, err := r.Seal(context.Background(), owner, []byte("x"), nil); err == nil {
			t.Errorf("Seal(%q) succeeded, want error", owner)
		}
	}
	if n := len(store.recs); n != 0 {
		t.Errorf("store holds %d records, want 0", n)
	}
}

func TestKeyringRotate(t *testing.T) {
	ctx := context.Background()
	r, store := newRing(t)
	const owner = "topic/builds"
	oldPT := []byte("sealed before rotation")
	oldCT := mustSeal(t, r, owner, oldPT, []byte("ad-old"))
	oldID := keyIDOf(t, oldCT)

	newID, err := r.Rotate(ctx, owner)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newID == oldID {
		t.Fatalf("Rotate returned the old key ID %d", oldID)
	}
	newPT := []byte("sealed after rotation")
	newCT := mustSeal(t, r, owner, newPT, []byte("ad-new"))
	if got := keyIDOf(t, newCT); got != newID {
		t.Errorf("new ciphertext key ID = %d, want new primary %d", got, newID)
	}
	mustOpen(t, r, owner, oldCT, []byte("ad-old"), oldPT)
	mustOpen(t, r, owner, newCT, []byte("ad-new"), newPT)

	st, err := r.Status(ctx, owner)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Keys != 2 || st.Primary != newID || fmt.Sprint(st.KeyIDs) != fmt.Sprint([]uint32{oldID, newID}) {
		t.Errorf("Status = %+v, want keys [%d %d], primary %d", st, oldID, newID, newID)
	}

	// The rotation is persisted: a keyring with an empty cache agrees.
	fresh := newTestKeyring(t, r.kek, store, KeyringOptions{})
	mustOpen(t, fresh, owner, oldCT, []byte("ad-old"), oldPT)
	if got := keyIDOf(t, mustSeal(t, fresh, owner, newPT, nil)); got != newID {
		t.Errorf("fresh keyring seals with key %d, want %d", got, newID)
	}
}

func TestKeyringNoKeyset(t *testing.T) {
	ctx := context.Background()
	r, store := newRing(t)
	if _, err := r.Rotate(ctx, "agent/none"); !errors.Is(err, ErrNoKeyset) {
		t.Errorf("Rotate: err = %v, want ErrNoKeyset", err)
	}
	if _, err := r.Status(ctx, "agent/none"); !errors.Is(err, ErrNoKeyset) {
		t.Errorf("Status: err = %v, want ErrNoKeyset", err)
	}
	if _, err := r.Open(ctx, "agent/none", []byte("\x01\x00\x00\x00\x01xxxxxxxxxxxxxxxxxxxxxxxxxxxx"), nil); !errors.Is(err, ErrNoKeyset) {
		t.Errorf("Open: err = %v, want ErrNoKeyset", err)
	}
	if n := len(store.recs); n != 0 {
		t.Errorf("store holds %d records, want 0 (only Seal creates keysets)", n)
	}
}

func TestKeyringShred(t *testing.T) {
	ctx := context.Background()
	r, store := newRing(t)
	const owner = "agent/a2"
	ct := mustSeal(t, r, owner, []byte("secret"), []byte("ad"))
	if _, err := r.Rotate(ctx, owner); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	before := store.raw(t, owner)

	if err := r.Shred(ctx, owner); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	after := store.raw(t, owner)
	var rec keysetRecord
	if err := json.Unmarshal(after, &rec); err != nil || !rec.Shredded || len(rec.Keyset) != 0 || rec.KEKID != "" {
		t.Fatalf("stored record after Shred = %s (err %v), want a tombstone without a keyset", after, err)
	}
	var old keysetRecord
	if err := json.Unmarshal(before, &old); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(after, old.Keyset) {
		t.Fatal("wrapped keyset is still stored after Shred")
	}

	// Both this keyring (cached tombstone) and one with an empty cache refuse.
	fresh := newTestKeyring(t, r.kek, store, KeyringOptions{})
	for name, ring := range map[string]*Keyring{"same keyring": r, "fresh keyring": fresh} {
		t.Run(name, func(t *testing.T) {
			if pt, err := ring.Open(ctx, owner, ct, []byte("ad")); !errors.Is(err, ErrShredded) {
				t.Errorf("Open = %q, %v; want ErrShredded", pt, err)
			}
			if _, err := ring.Seal(ctx, owner, []byte("new"), nil); !errors.Is(err, ErrShredded) {
				t.Errorf("Seal: err = %v, want ErrShredded", err)
			}
			if _, err := ring.Rotate(ctx, owner); !errors.Is(err, ErrShredded) {
				t.Errorf("Rotate: err = %v, want ErrShredded", err)
			}
			st, err := ring.Status(ctx, owner)
			if err != nil || !st.Shredded || st.Keys != 0 {
				t.Errorf("Status = %+v, %v; want Shredded and no keys", st, err)
			}
		})
	}
	if got := store.raw(t, owner); !bytes.Equal(got, after) {
		t.Errorf("record changed after refused operations: %s", got)
	}
	if err := r.Shred(ctx, owner); err != nil {
		t.Errorf("second Shred: %v, want nil", err)
	}
}

func TestKeyringShredUnusedOwner(t *testing.T) {
	ctx := context.Background()
	r, _ := newRing(t)
	if err := r.Shred(ctx, "agent/never-used"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	if _, err := r.Seal(ctx, "agent/never-used", []byte("x"), nil); !errors.Is(err, ErrShredded) {
		t.Errorf("Seal after Shred: err = %v, want ErrShredded (no fresh keyset)", err)
	}
}

// TestKeyringStoresNoKeyMaterial reads the stored records the way someone
// with the database would and looks for every key's bytes in them.
func TestKeyringStoresNoKeyMaterial(t *testing.T) {
	ctx := context.Background()
	r, store := newRing(t)
	const owner = "agent/a1"
	mustSeal(t, r, owner, []byte("x"), nil)
	if _, err := r.Rotate(ctx, owner); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	e, err := r.refresh(ctx, owner)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	var cleartext bytes.Buffer
	if err := insecurecleartextkeyset.Write(e.handle, keyset.NewBinaryWriter(&cleartext)); err != nil {
		t.Fatal(err)
	}
	stored := store.raw(t, owner)
	for i := range e.handle.Len() {
		entry, err := e.handle.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		key := entry.Key().(*aesgcm.Key).KeyBytes().Data(insecuresecretdataaccess.Token{})
		if len(key) != 32 {
			t.Fatalf("key %d is %d bytes, want 32", entry.KeyID(), len(key))
		}
		// Control: the search finds the key where it is in the clear.
		if !bytes.Contains(cleartext.Bytes(), key) {
			t.Fatalf("cleartext keyset does not contain key %d; the search below proves nothing", entry.KeyID())
		}
		for enc, form := range map[string][]byte{
			"raw":       key,
			"base64":    []byte(base64.StdEncoding.EncodeToString(key)[:40]),
			"base64url": []byte(base64.RawURLEncoding.EncodeToString(key)[:40]),
			"hex":       []byte(hex.EncodeToString(key)),
		} {
			if bytes.Contains(stored, form) {
				t.Errorf("stored record contains key %d (%s)", entry.KeyID(), enc)
			}
		}
	}
}

// impostorKEK claims another KEK's ID but holds a different key.
type impostorKEK struct {
	*FileKEK
	id string
}

func (k impostorKEK) ID() string { return k.id }

func TestKeyringOtherKEK(t *testing.T) {
	ctx := context.Background()
	r, store := newRing(t)
	const owner = "agent/a1"
	ct := mustSeal(t, r, owner, []byte("secret"), nil)
	before := store.raw(t, owner)

	other := newTestKeyring(t, newBenchKEK(t), store, KeyringOptions{})
	if _, err := other.Open(ctx, owner, ct, nil); !errors.Is(err, ErrKEKMismatch) {
		t.Errorf("Open with another KEK: err = %v, want ErrKEKMismatch", err)
	}
	if _, err := other.Seal(ctx, owner, []byte("x"), nil); !errors.Is(err, ErrKEKMismatch) {
		t.Errorf("Seal with another KEK: err = %v, want ErrKEKMismatch", err)
	}
	impostor := newTestKeyring(t, impostorKEK{newBenchKEK(t), r.kek.ID()}, store, KeyringOptions{})
	if _, err := impostor.Open(ctx, owner, ct, nil); !errors.Is(err, ErrCorruptKeyset) {
		t.Errorf("Open with a KEK claiming the same ID: err = %v, want ErrCorruptKeyset", err)
	}
	if got := store.raw(t, owner); !bytes.Equal(got, before) {
		t.Error("a keyring with the wrong KEK changed the stored record")
	}
}

func TestKeyringCorruptRecord(t *testing.T) {
	r, store := newRing(t)
	ctx := context.Background()
	mustSeal(t, r, "agent/a1", []byte("x"), nil)
	mustSeal(t, r, "agent/a2", []byte("x"), nil)
	good := store.raw(t, "agent/a1")
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	flipped := bytes.Clone(good)
	flipped[bytes.Index(flipped, []byte(`"encryptedKeyset":"`))+30] ^= 0x01

	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"not json", []byte("airlock")},
		{"trailing data", append(bytes.Clone(good), "{}"...)},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 })},
		{"wrong format", edit(func(m map[string]any) { m["format"] = "airlock-keyset-v0" })},
		{"no keyset", edit(func(m map[string]any) { delete(m, "keyset") })},
		{"keyset not tink json", edit(func(m map[string]any) { m["keyset"] = map[string]any{"x": 1} })},
		{"flipped byte in wrapped keyset", flipped},
		{"tombstone with keyset", edit(func(m map[string]any) { m["shredded"] = true })},
		{"record of another owner", store.raw(t, "agent/a2")},
		{"another owner's keyset relabelled", func() []byte {
			var m map[string]any
			if err := json.Unmarshal(store.raw(t, "agent/a2"), &m); err != nil {
				t.Fatal(err)
			}
			m["owner"] = "agent/a1"
			b, _ := json.Marshal(m)
			return b
		}()},
		{"oversized", append(bytes.Clone(good), bytes.Repeat([]byte(" "), maxKeysetRecordSize)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.set("agent/a1", tt.data)
			fresh := newTestKeyring(t, r.kek, store, KeyringOptions{})
			if _, err := fresh.Open(ctx, "agent/a1", []byte("\x01\x00\x00\x00\x01xxxxxxxxxxxxxxxxxxxxxxxxxxxx"), nil); !errors.Is(err, ErrCorruptKeyset) {
				t.Errorf("Open: err = %v, want ErrCorruptKeyset", err)
			}
			if _, err := fresh.Seal(ctx, "agent/a1", []byte("x"), nil); !errors.Is(err, ErrCorruptKeyset) {
				t.Errorf("Seal: err = %v, want ErrCorruptKeyset (and no fresh keyset)", err)
			}
			if errors.Is(fmt.Errorf("%w", ErrCorruptKeyset), ErrShredded) {
				t.Error("ErrCorruptKeyset matches ErrShredded")
			}
			if got := store.raw(t, "agent/a1"); !bytes.Equal(got, tt.data) {
				t.Error("Seal replaced the corrupt record")
			}
		})
	}
}

// TestKeyringTwoNodes runs two keyrings over one store, as two hub nodes.
func TestKeyringTwoNodes(t *testing.T) {
	ctx := context.Background()
	kek, store := newBenchKEK(t), newMemKeysetStore()
	a := newTestKeyring(t, kek, store, KeyringOptions{})
	b := newTestKeyring(t, kek, store, KeyringOptions{CacheTTL: time.Minute})
	now := time.Now()
	b.cache.now = func() time.Time { return now }
	const owner = "agent/a2"

	ct1 := mustSeal(t, a, owner, []byte("one"), nil)
	mustOpen(t, b, owner, ct1, nil, []byte("one")) // b caches the keyset

	// a rotates: b learns the new key when it meets a ciphertext under it.
	if _, err := a.Rotate(ctx, owner); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	ct2 := mustSeal(t, a, owner, []byte("two"), nil)
	mustOpen(t, b, owner, ct2, nil, []byte("two"))
	if got, want := keyIDOf(t, mustSeal(t, b, owner, []byte("x"), nil)), keyIDOf(t, ct2); got != want {
		t.Errorf("b seals with key %d after reloading, want new primary %d", got, want)
	}

	// a shreds: b refuses once its cached keyset expires.
	if err := a.Shred(ctx, owner); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := b.Open(ctx, owner, ct1, nil); !errors.Is(err, ErrShredded) {
		t.Errorf("b.Open after TTL: err = %v, want ErrShredded", err)
	}
}

// racingStore hides records from the first GetKeyset, as if another node
// created the keyset just after this one looked.
type racingStore struct {
	*memKeysetStore
	once sync.Once
}

func (s *racingStore) GetKeyset(ctx context.Context, owner string) ([]byte, uint64, error) {
	hide := false
	s.once.Do(func() { hide = true })
	if hide {
		return nil, 0, ErrNoKeyset
	}
	return s.memKeysetStore.GetKeyset(ctx, owner)
}

func TestKeyringCreateRace(t *testing.T) {
	kek, store := newBenchKEK(t), newMemKeysetStore()
	a := newTestKeyring(t, kek, store, KeyringOptions{})
	b := newTestKeyring(t, kek, &racingStore{memKeysetStore: store}, KeyringOptions{})
	ctA := mustSeal(t, a, "agent/a1", []byte("from a"), nil)
	ctB := mustSeal(t, b, "agent/a1", []byte("from b"), nil) // loses the create, adopts a's keyset
	mustOpen(t, a, "agent/a1", ctB, nil, []byte("from b"))
	mustOpen(t, b, "agent/a1", ctA, nil, []byte("from a"))
	if st, err := a.Status(context.Background(), "agent/a1"); err != nil || st.Keys != 1 || st.Version != 1 {
		t.Errorf("Status = %+v, %v; want one key at version 1", st, err)
	}
}

// pausingStore blocks the first GetKeyset for pauseOwner after reading it.
type pausingStore struct {
	*memKeysetStore
	pauseOwner string
	read       chan struct{} // closed when the paused read has its data
	resume     chan struct{}
	paused     atomic.Bool
}

func (s *pausingStore) GetKeyset(ctx context.Context, owner string) ([]byte, uint64, error) {
	data, v, err := s.memKeysetStore.GetKeyset(ctx, owner)
	if owner == s.pauseOwner && s.paused.CompareAndSwap(false, true) {
		close(s.read)
		<-s.resume
	}
	return data, v, err
}

// TestKeyringStaleReadNotCached checks that a read racing with Shred does not
// put the shredded keyset back in the cache, even after eviction.
func TestKeyringStaleReadNotCached(t *testing.T) {
	ctx := context.Background()
	kek, mem := newBenchKEK(t), newMemKeysetStore()
	setup := newTestKeyring(t, kek, mem, KeyringOptions{})
	ct := mustSeal(t, setup, "agent/a1", []byte("x"), nil)

	store := &pausingStore{memKeysetStore: mem, pauseOwner: "agent/a1", read: make(chan struct{}), resume: make(chan struct{})}
	r := newTestKeyring(t, kek, store, KeyringOptions{CacheSize: 1})
	done := make(chan error)
	go func() { _, err := r.Status(ctx, "agent/a1"); done <- err }()
	<-store.read // the reader holds the keyset as it was before Shred
	if err := r.Shred(ctx, "agent/a1"); err != nil {
		t.Fatalf("Shred: %v", err)
	}
	mustSeal(t, r, "agent/other", []byte("x"), nil) // evicts the tombstone
	close(store.resume)
	if err := <-done; err != nil {
		t.Fatalf("Status: %v", err)
	}
	if _, err := r.Open(ctx, "agent/a1", ct, nil); !errors.Is(err, ErrShredded) {
		t.Errorf("Open after Shred: err = %v, want ErrShredded", err)
	}
}

func TestKeyringCache(t *testing.T) {
	kek, store := newBenchKEK(t), newMemKeysetStore()
	r := newTestKeyring(t, kek, store, KeyringOptions{CacheSize: 2})
	ct := mustSeal(t, r, "agent/a1", []byte("x"), nil)
	gets := store.getCount()
	for range 10 {
		mustOpen(t, r, "agent/a1", ct, nil, []byte("x"))
		mustSeal(t, r, "agent/a1", []byte("y"), nil)
	}
	if got := store.getCount(); got != gets {
		t.Errorf("cached owner: %d store reads, want 0", got-gets)
	}
	for i := range 5 {
		mustSeal(t, r, fmt.Sprintf("agent/b%d", i), []byte("x"), nil)
	}
	if n := r.cache.lru.Len(); n != 2 {
		t.Errorf("cache holds %d keysets, want limit 2", n)
	}
	gets = store.getCount()
	mustOpen(t, r, "agent/a1", ct, nil, []byte("x")) // evicted: read again
	if got := store.getCount(); got != gets+1 {
		t.Errorf("evicted owner: %d store reads, want 1", got-gets)
	}
}

func TestKeyringConcurrent(t *testing.T) {
	ctx := context.Background()
	kek, store := newBenchKEK(t), newMemKeysetStore()
	rings := []*Keyring{
		newTestKeyring(t, kek, store, KeyringOptions{}),
		newTestKeyring(t, kek, store, KeyringOptions{CacheSize: 2}),
	}
	owners := []string{"agent/a1", "agent/a2", "topic/t1"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Go(func() {
			r := rings[w%len(rings)]
			for i := range 40 {
				owner := owners[(w+i)%len(owners)]
				pt, ad := fmt.Appendf(nil, "w%d-%d", w, i), fmt.Appendf(nil, "ad-%d", i)
				ct, err := r.Seal(ctx, owner, pt, ad)
				if err != nil {
					errs <- err
					return
				}
				other := rings[(w+1)%len(rings)]
				got, err := other.Open(ctx, owner, ct, ad)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("open %s: %q, %v", owner, got, err)
					return
				}
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := rings[w].Rotate(ctx, owners[i%len(owners)]); err != nil && !errors.Is(err, ErrNoKeyset) {
					errs <- fmt.Errorf("rotate: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzOpen(f *testing.F) {
	r, _ := newRing(f)
	pt, ad := []byte("fuzz plaintext"), []byte("fuzz ad")
	ct := mustSeal(f, r, "agent/f", pt, ad)
	f.Add(ct)
	f.Add(ct[:5])
	f.Add([]byte{})
	f.Add([]byte{0x01})
	f.Add(append([]byte{0x00}, ct[1:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := r.Open(context.Background(), "agent/f", data, ad)
		if err != nil {
			if !errors.Is(err, ErrInvalidCiphertext) {
				t.Fatalf("Open: err = %v, want ErrInvalidCiphertext", err)
			}
			return
		}
		if !bytes.Equal(data, ct) || !bytes.Equal(got, pt) {
			t.Fatalf("Open accepted a forged ciphertext %x: %q", data, got)
		}
	})
}

func FuzzDecodeKeysetRecord(f *testing.F) {
	r, store := newRing(f)
	mustSeal(f, r, "agent/f", []byte("x"), nil)
	f.Add(store.raw(f, "agent/f"))
	f.Add([]byte(`{"format":"airlock-keyset-v1","owner":"agent/f","shredded":true}`))
	f.Add([]byte(`{"format":"airlock-keyset-v1","owner":"agent/f","kek_id":"x","keyset":{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := r.unwrap("agent/f", data, 1)
		if err != nil {
			if !errors.Is(err, ErrCorruptKeyset) && !errors.Is(err, ErrKEKMismatch) {
				t.Fatalf("unwrap: err = %v, want ErrCorruptKeyset or ErrKEKMismatch", err)
			}
			return
		}
		if !e.shredded && (e.aead == nil || len(e.keyIDs) == 0 || !e.hasKey(e.primary)) {
			t.Fatalf("unwrap accepted a record without a usable keyset: %+v", e)
		}
	})
}

func benchmarkRing(b *testing.B) (*Keyring, []byte, []byte) {
	r, _ := newRing(b)
	body := bytes.Repeat([]byte("a"), 1024)
	ad := []byte("0190f3c2-7b1e-7c3a-9f55-3d2b8e4a1c00\x00agent/a1\x00agent/a2")
	return r, body, ad
}

func BenchmarkSeal1KiB(b *testing.B) {
	r, body, ad := benchmarkRing(b)
	ctx := context.Background()
	mustSeal(b, r, "agent/a2", body, ad) // create the keyset outside the loop
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Seal(ctx, "agent/a2", body, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1KiB(b *testing.B) {
	r, body, ad := benchmarkRing(b)
	ctx := context.Background()
	ct := mustSeal(b, r, "agent/a2", body, ad)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Open(ctx, "agent/a2", ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}
