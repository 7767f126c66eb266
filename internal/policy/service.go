package policy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// Errors the API maps to status codes.
var (
	// ErrDenied is wrapped by every authorization refusal.
	ErrDenied = errors.New("permission denied")
	// ErrApprovalRequired is wrapped when policy allows an action only
	// after approval. Until held operations exist (messaging), the caller
	// is refused and told to file an access request.
	ErrApprovalRequired = errors.New("approval required")
	// ErrInvalid is wrapped by bad arguments.
	ErrInvalid = errors.New("invalid argument")
)

// Defaults for Service fields left zero.
const (
	DefaultMaxGrantTTL   = 14 * 24 * time.Hour
	DefaultRequestExpiry = 24 * time.Hour
	defaultGrantCacheTTL = time.Second
)

// Actor is who asked for a change, recorded in its audit event.
type Actor struct {
	ID        string // SPIFFE ID
	RequestID string
}

// Service authorizes requests with the Engine and manages the policy
// lifecycle, grants and access requests. Every change commits together
// with its audit event.
type Service struct {
	Store  store.Store
	Engine *Engine
	Node   string
	// MaxGrantTTL caps grants and approved access; default 14 days.
	MaxGrantTTL time.Duration
	// RequestExpiry is how long an access request stays pending; default 24h.
	RequestExpiry time.Duration
	// Approvals is the number of approvals an action needs, by action
	// name; actions not listed need 1.
	Approvals map[string]int
	// CacheTTL bounds how long a principal's active grants are cached;
	// changes made through this Service are seen at once.
	CacheTTL time.Duration
	Now      func() time.Time
	// OnDeny, if set, is told about every denied decision so it can be
	// audited without blocking. It must not block.
	OnDeny func(store.Event)
	// Operations resolves held operations (access requests whose Kind is
	// not "access") inside the transaction that decides them: approved
	// releases the operation, otherwise it is dropped.
	Operations func(tx store.Tx, r store.AccessRequest, approved bool) error

	mu     sync.Mutex
	grants map[string]cachedGrants
	gen    uint64
}

type cachedGrants struct {
	grants  []store.Grant
	fetched time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func badArg(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func (s *Service) event(a Actor, typ string, outcome store.Outcome, target, detail string, reasons []string) store.Event {
	return store.Event{Time: s.now(), Node: s.Node, Type: typ, Outcome: outcome, Actor: a.ID,
		Target: target, RequestID: a.RequestID, Reasons: reasons, Detail: detail}
}

// activeGrants returns the principal's grants that are active now, from a
// short-lived cache.
func (s *Service) activeGrants(ctx context.Context, principal string, now time.Time) ([]store.Grant, error) {
	s.mu.Lock()
	c, ok := s.grants[principal]
	gen := s.gen
	s.mu.Unlock()
	if !ok || time.Since(c.fetched) >= orDefault(s.CacheTTL, defaultGrantCacheTTL) {
		var gs []store.Grant
		err := s.Store.View(ctx, func(tx store.Tx) error {
			var err error
			gs, err = tx.Grants(store.GrantFilter{Principal: principal, ActiveAt: now})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load grants: %w", err)
		}
		c = cachedGrants{grants: gs, fetched: time.Now()}
		s.mu.Lock()
		if s.grants == nil {
			s.grants = make(map[string]cachedGrants)
		}
		if s.gen == gen {
			s.grants[principal] = c
		}
		s.mu.Unlock()
	}
	return c.grants, nil // the engine ignores grants no longer active at now
}

// forgetGrants drops cached grants after a change.
func (s *Service) forgetGrants() {
	s.mu.Lock()
	s.grants = nil
	s.gen++
	s.mu.Unlock()
}
