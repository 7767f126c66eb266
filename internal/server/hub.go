package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/audit"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
	"github.com/airlock-hub/airlock/internal/store/postgres"
	"github.com/airlock-hub/airlock/internal/store/sqlite"
)

// Hub is the set of components that commands share: the store, the KEK,
// the CA and the identity service.
type Hub struct {
	Store      store.Store
	KEK        keys.KEK
	CA         *identity.CA
	Identities *identity.Service
	// Signer signs audit checkpoints; its key is wrapped by the KEK.
	Signer *audit.Signer
	// Policy authorizes every request and manages policies, grants and
	// access requests.
	Policy *policy.Service
	// Keys seals stored messages with per-agent keysets wrapped by the KEK.
	Keys *keys.Keyring
	// Messaging carries messages between agents.
	Messaging *messaging.Service
	// Schemas stores the JSON Schemas that screening enforces by content
	// type; its Registry is the screening pipeline's.
	Schemas *screen.SchemaStore
	// CreatedCA reports whether this open created a new CA.
	CreatedCA bool
}

// OpenStore opens the store named by cfg.Store.
func OpenStore(ctx context.Context, cfg Config) (store.Store, error) {
	switch {
	case strings.HasPrefix(cfg.Store, "postgres://"), strings.HasPrefix(cfg.Store, "postgresql://"):
		return postgres.Open(ctx, cfg.Store)
	case strings.HasPrefix(cfg.Store, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(cfg.Store, "sqlite:"))
	case cfg.Store == "":
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "airlock.db"))
	}
	return nil, fmt.Errorf("store %q: unsupported; use sqlite:PATH or postgres://", cfg.Store)
}

// notifierFor returns how Fetch and Receive waiters learn of new
// messages: in process on SQLite (one node), and also across nodes
// through LISTEN/NOTIFY on PostgreSQL (Server.Start runs it).
func notifierFor(st store.Store) messaging.Notifier {
	if pg, ok := st.(*postgres.Store); ok {
		return &messaging.ClusterNotifier{B: pg}
	}
	return &messaging.LocalNotifier{}
}

// OpenHub opens (and, when create is set, initialises) the hub's state:
// the data directory, the KEK, the store and the CA.
func OpenHub(ctx context.Context, cfg Config, create bool) (*Hub, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid config: %w", err)
	}
	td, err := spiffeid.TrustDomainFromString(cfg.TrustDomain)
	if err != nil {
		return nil, fmt.Errorf("trust domain: %w", err)
	}
	kek, err := openKEK(cfg, create)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ca, created, err := identity.LoadOrCreateCA(ctx, st, kek, td)
	if err != nil {
		st.Close()
		return nil, err
	}
	signer, err := audit.LoadOrCreateSigner(ctx, st, kek, audit.DefaultOrigin(td.Name()))
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := &identity.Service{
		Store: st, CA: ca, Node: cfg.Node, SVIDTTL: cfg.SVIDTTL, HumanSVIDTTL: cfg.HumanSVIDTTL,
	}
	pol := &policy.Service{Store: st, Engine: policy.NewEngine(), Node: cfg.Node,
		MaxGrantTTL: cfg.Policy.MaxGrantTTL, RequestExpiry: cfg.Policy.RequestExpiry, Approvals: cfg.Policy.Approvals}
	if err := pol.Load(ctx); err != nil {
		st.Close()
		return nil, err
	}
	ring, err := keys.NewKeyring(kek, messaging.StoreKeysets{Store: st}, keys.KeyringOptions{})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("keyring: %w", err)
	}
	msg := &messaging.Service{Store: st, Keys: ring, Policy: pol, Holds: pol, Notifier: notifierFor(st), Node: cfg.Node,
		MaxBody: cfg.MaxBody(), Lease: cfg.Messaging.Lease, MaxAttempts: cfg.Messaging.MaxAttempts,
		QuotaMessages: cfg.Messaging.QuotaMessages, QuotaBytes: cfg.Messaging.QuotaBytes,
		Retention: cfg.Messaging.Retention}
	pipe, err := cfg.Screening.pipeline()
	if err != nil {
		st.Close()
		return nil, err
	}
	msg.Screen = screener{pipe}
	schemas := &screen.SchemaStore{Store: st, Registry: pipe.Schemas, Node: cfg.Node}
	if err := schemas.Load(ctx); err != nil {
		st.Close()
		return nil, err
	}
	pol.Operations = msg.ResolveHeld
	return &Hub{Store: st, KEK: kek, CA: ca, Identities: svc, Signer: signer, Policy: pol, Keys: ring,
		Messaging: msg, Schemas: schemas, CreatedCA: created}, nil
}

func openKEK(cfg Config, create bool) (keys.KEK, error) {
	path := cfg.KEKPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, fmt.Errorf("no key-encryption key at %s: run `airlock init --data %s` first", path, cfg.DataDir)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		return keys.CreateFileKEK(path)
	}
	return keys.OpenFileKEK(path)
}

// Close releases the store.
func (h *Hub) Close() error { return h.Store.Close() }
