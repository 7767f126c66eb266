package messaging

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
)

// keysetBlobPrefix names the blobs that hold wrapped keysets.
const keysetBlobPrefix = "keyset/"

// StoreKeysets keeps a Keyring's wrapped keyset records in the store's
// blobs, one per owner ("keyset/<owner>"), as an 8-byte big-endian version
// followed by the record. A PutKeyset reads and writes in one Update, which
// the store serialises, so the version check is a compare-and-swap across
// every hub node sharing the store. The record is overwritten in place; the
// store's secure_delete keeps the old bytes out of free pages.
type StoreKeysets struct {
	Store store.Store
}

var _ keys.KeysetStore = StoreKeysets{}

// GetKeyset implements keys.KeysetStore.
func (s StoreKeysets) GetKeyset(ctx context.Context, owner string) ([]byte, uint64, error) {
	var blob []byte
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		blob, err = tx.GetBlob(keysetBlobPrefix + owner)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, fmt.Errorf("keyset of %q: %w", owner, keys.ErrNoKeyset)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read keyset of %q: %w", owner, err)
	}
	return decodeKeysetBlob(owner, blob)
}

// PutKeyset implements keys.KeysetStore.
func (s StoreKeysets) PutKeyset(ctx context.Context, owner string, version uint64, data []byte) error {
	name := keysetBlobPrefix + owner
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		current := uint64(0)
		blob, err := tx.GetBlob(name)
		switch {
		case err == nil:
			if _, current, err = decodeKeysetBlob(owner, blob); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if current != version {
			return fmt.Errorf("%w: version is %d, expected %d", keys.ErrKeysetConflict, current, version)
		}
		return tx.PutBlob(name, append(binary.BigEndian.AppendUint64(nil, version+1), data...))
	})
	if err != nil {
		return fmt.Errorf("write keyset of %q: %w", owner, err)
	}
	return nil
}

func decodeKeysetBlob(owner string, blob []byte) ([]byte, uint64, error) {
	if len(blob) < 8 {
		return nil, 0, fmt.Errorf("keyset of %q: %w: %d-byte blob", owner, keys.ErrCorruptKeyset, len(blob))
	}
	return blob[8:], binary.BigEndian.Uint64(blob[:8]), nil
}
