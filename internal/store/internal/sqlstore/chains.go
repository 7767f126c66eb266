package sqlstore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/airlock-hub/airlock/internal/store"
)

// Sender chains are stored once each, in sender_chains, and a message row
// refers to its chain by content hash (see migration 0007). Reading
// resolves references from a process-wide cache: a reference names its
// content, so a cached chain can never be stale, whichever store it came
// from.

// chainRefPrefix starts a reference to a sender_chains row.
const chainRefPrefix = "sha256:"

// maxCachedChains bounds the decoded chains kept in memory; the cache is
// emptied when it is full.
const maxCachedChains = 4096

var chainCache = struct {
	sync.Mutex
	m map[string][][]byte
}{m: map[string][][]byte{}}

// chainRef returns the stored form of a chain: its JSON encoding, and the
// reference a message row holds ("[]" for no chain, which has no row).
func chainRef(c [][]byte) (ref, encoded string) {
	encoded = chainArg(c)
	if encoded == "[]" {
		return encoded, encoded
	}
	sum := sha256.Sum256([]byte(encoded))
	return chainRefPrefix + hex.EncodeToString(sum[:]), encoded
}

// putChains stores the chains of ms that are not stored yet, in one
// statement, and returns each message's reference.
func (tx *Tx) putChains(ms []store.Message) ([]string, error) {
	refs := make([]string, len(ms))
	rows := map[string][]any{}
	for i, m := range ms {
		ref, encoded := chainRef(m.SenderChain)
		refs[i] = ref
		if ref != encoded {
			rows[ref] = []any{ref, encoded}
		}
	}
	if len(rows) == 0 {
		return refs, nil
	}
	keys := slices.Sorted(maps.Keys(rows))
	for chunk := range slices.Chunk(keys, maxHashRows) {
		args := make([]any, 0, 2*len(chunk))
		for _, k := range chunk {
			args = append(args, rows[k]...)
		}
		_, err := tx.exec(`INSERT INTO sender_chains (ref, chain) VALUES `+
			strings.Repeat("(?, ?), ", len(chunk)-1)+`(?, ?) ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return nil, fmt.Errorf("store sender chains: %w", err)
		}
	}
	return refs, nil
}

// resolveChains replaces the chain references of ms, recorded by
// scanMessage in refs (by index; "" where the row held the chain itself),
// with the chains.
func (tx *Tx) resolveChains(ms []store.Message, refs []string) error {
	var missing []string
	chainCache.Lock()
	for i, ref := range refs {
		if ref == "" {
			continue
		}
		if c, ok := chainCache.m[ref]; ok {
			ms[i].SenderChain = c
		} else if !slices.Contains(missing, ref) {
			missing = append(missing, ref)
		}
	}
	chainCache.Unlock()
	if len(missing) == 0 {
		return nil
	}
	found, err := tx.readChains(missing)
	if err != nil {
		return err
	}
	for i, ref := range refs {
		if c, ok := found[ref]; ok {
			ms[i].SenderChain = c
		}
	}
	return nil
}

// readChains reads and caches the chains refs name; a reference without a
// row is an error (the database lost or never had it).
func (tx *Tx) readChains(refs []string) (map[string][][]byte, error) {
	found := map[string][][]byte{}
	for chunk := range slices.Chunk(refs, maxLeaseRows) {
		err := tx.queryAll(`SELECT ref, chain FROM sender_chains WHERE ref IN (`+placeholders(len(chunk))+`)`,
			anys(chunk), func(r Rows) error {
				var ref, encoded string
				if err := r.Scan(&ref, &encoded); err != nil {
					return err
				}
				var c [][]byte
				if err := json.Unmarshal([]byte(encoded), &c); err != nil {
					return fmt.Errorf("sender chain %s: %w", ref, err)
				}
				found[ref] = c
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("read sender chains: %w", err)
		}
	}
	for _, ref := range refs {
		if _, ok := found[ref]; !ok {
			return nil, fmt.Errorf("sender chain %s is not stored", ref)
		}
	}
	chainCache.Lock()
	if len(chainCache.m)+len(found) > maxCachedChains {
		clear(chainCache.m)
	}
	maps.Copy(chainCache.m, found)
	chainCache.Unlock()
	return found, nil
}
