package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/store"
)

// caStoreBlob is the store blob holding the CA, its keys wrapped by the KEK.
const caStoreBlob = "identity/ca"

// LoadOrCreateCA loads the hub's CA from st, or creates one for td on first
// start. It fails if the stored CA belongs to another trust domain or was
// wrapped by another KEK.
func LoadOrCreateCA(ctx context.Context, st store.Store, kek keys.KEK, td spiffeid.TrustDomain) (*CA, bool, error) {
	var ca *CA
	var created bool
	err := st.Update(ctx, func(tx store.Tx) error {
		blob, err := tx.GetBlob(caStoreBlob)
		if err == nil {
			ca, err = UnmarshalCA(blob, kek)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if ca, err = NewCA(td, time.Now()); err != nil {
			return err
		}
		if blob, err = ca.Marshal(kek); err != nil {
			return err
		}
		created = true
		if err := tx.PutBlob(caStoreBlob, blob); err != nil {
			return err
		}
		_, err = tx.AppendEvent(store.Event{Time: time.Now().UTC(), Type: "ca.created", Outcome: store.OutcomeSuccess,
			Target: "spiffe://" + td.Name(), Detail: "root " + ca.Fingerprint()})
		return err
	})
	if errors.Is(err, keys.ErrKEKMismatch) {
		return nil, false, fmt.Errorf("the store's CA was wrapped by another key-encryption key: "+
			"use the data directory (kek.json) that created this store, or a fresh store: %w", err)
	}
	if err != nil {
		return nil, false, fmt.Errorf("load or create ca: %w", err)
	}
	if ca.TrustDomain() != td {
		return nil, false, fmt.Errorf("the store's CA is for trust domain %q, not %q: use --trust-domain %s or a fresh store",
			ca.TrustDomain().Name(), td.Name(), ca.TrustDomain().Name())
	}
	return ca, created, nil
}
