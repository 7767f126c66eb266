// Package store defines the hub's persistence contract. Two implementations
// satisfy it: store/sqlite (embedded, the default) and store/postgres (for
// several hub nodes sharing state). Both are exercised by the same contract
// suite in store/storetest.
//
// Every state change happens inside Update, so the change and the audit
// event that records it commit or roll back together.
package store

import (
	"context"
	"errors"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Sentinel errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrConflict reports a state transition that is not allowed, such as
	// resuming a revoked agent or using a token twice.
	ErrConflict = errors.New("conflict")
)

// Kind says whether a principal is an agent or a human.
type Kind string

const (
	KindAgent Kind = "agent"
	KindHuman Kind = "human"
)

// Status is a principal's lifecycle state. Revoked is terminal.
type Status string

const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
)

// Principal is an agent or a human known to the hub.
type Principal struct {
	Kind    Kind
	Name    string
	Segment string   // agents only; "default" when not set
	Roles   []string // humans only, e.g. "admin"
	Status  Status
	Created time.Time
	Updated time.Time
}

// JoinToken is the stored form of a single-use enrollment token. Only the
// hash of the secret part is kept.
type JoinToken struct {
	ID      string // public, non-secret identifier (part of the token text)
	Hash    []byte // SHA-256 of the secret part
	Agent   string // agent name the token enrolls
	Created time.Time
	Expires time.Time
	Used    time.Time // zero until used
}

// Certificate records an SVID the hub issued.
type Certificate struct {
	Serial    string // hex
	Kind      Kind
	Name      string
	NotBefore time.Time
	NotAfter  time.Time
}

// Outcome of an audited action.
type Outcome string

const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
)

// Event is one audit record. It never holds message bodies, tokens, keys or
// other secrets.
type Event struct {
	Seq       int64 // assigned by the store, starting at 1
	Time      time.Time
	Node      string // hub node that recorded it
	Type      string // stable code, e.g. "agent.created"
	Outcome   Outcome
	Actor     string // SPIFFE ID, or "" for the hub itself
	Target    string
	RequestID string
	Reasons   []string
	Detail    string // short human-readable note, no secrets
}

// EventFilter selects audit events. Zero fields match everything.
type EventFilter struct {
	AfterSeq int64 // only events with Seq > AfterSeq
	Since    time.Time
	Actor    string
	Type     string
	Outcome  Outcome
	Limit    int // 0 means no limit
}

// Store is the hub's persistent state.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction; it commits if fn returns
	// nil and rolls back otherwise. Implementations serialise conflicting
	// updates so that a read followed by a write inside fn is atomic.
	// An implementation may run several callers' fns in one database
	// transaction (group commit), one at a time, each rolled back alone if
	// it fails; fn then sees earlier fns' writes, as it would if they had
	// committed first. If fn panics, Update panics with the same value.
	Update(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is the set of operations available inside a transaction.
type Tx interface {
	PolicyTx
	MessageTx
	TopicTx

	// CreatePrincipal inserts p; ErrExists if (Kind, Name) is taken.
	CreatePrincipal(p Principal) error
	// GetPrincipal returns ErrNotFound if absent.
	GetPrincipal(kind Kind, name string) (Principal, error)
	// ListPrincipals returns principals of kind ordered by name.
	ListPrincipals(kind Kind) ([]Principal, error)
	// SetPrincipalStatus changes the status and Updated time; ErrNotFound if absent.
	SetPrincipalStatus(kind Kind, name string, s Status, at time.Time) error

	// CreateToken inserts t; ErrExists if its ID is taken.
	CreateToken(t JoinToken) error
	// GetToken returns ErrNotFound if absent.
	GetToken(id string) (JoinToken, error)
	// MarkTokenUsed sets Used if it is still zero; ErrConflict if the token
	// was already used, ErrNotFound if absent.
	MarkTokenUsed(id string, at time.Time) error

	// RecordCertificate stores an issued certificate; ErrExists on a duplicate serial.
	RecordCertificate(c Certificate) error

	// GetBlob and PutBlob keep small named values such as the wrapped CA
	// keys. GetBlob returns ErrNotFound if absent; PutBlob overwrites.
	GetBlob(name string) ([]byte, error)
	PutBlob(name string, data []byte) error

	// AppendEvent adds e and returns its assigned Seq. It also appends the
	// event to the audit Merkle tree: the record at index Seq-1 is
	// e.Canonical() (with Seq and Time as stored), and the tlog stored
	// hashes for it are written in the same transaction.
	AppendEvent(e Event) (int64, error)
	// Events returns events matching f in Seq order.
	Events(f EventFilter) ([]Event, error)

	// AuditSize returns the number of events, which is the Merkle tree size.
	AuditSize() (int64, error)
	// ReadHashes returns the stored Merkle hashes at the given tlog storage
	// indexes, in order (tlog.HashReader semantics); an index not stored
	// is an error.
	ReadHashes(indexes []int64) ([]tlog.Hash, error)
	// PutCheckpoint stores a signed checkpoint; ErrExists if one of the
	// same Size is stored already.
	PutCheckpoint(c Checkpoint) error
	// Checkpoints returns stored checkpoints ordered by Size.
	Checkpoints() ([]Checkpoint, error)
	// LatestCheckpoint returns the checkpoint with the largest Size;
	// ErrNotFound if there is none.
	LatestCheckpoint() (Checkpoint, error)
}

// Checkpoint is a signed statement of the audit tree's size and root hash,
// in the C2SP signed-note format (see internal/audit).
type Checkpoint struct {
	Size    int64
	Root    tlog.Hash
	Note    []byte // the signed note: checkpoint body plus signature lines
	Created time.Time
}
