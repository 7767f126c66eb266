package identity

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/store"
)

// Errors the API maps to status codes. Messages wrapped around them are
// written for the person who sent the request and never contain secrets.
var (
	ErrInvalid         = errors.New("invalid argument")
	ErrDenied          = errors.New("permission denied")
	ErrUnauthenticated = errors.New("unauthenticated")
)

// Defaults for Service fields left zero.
const (
	DefaultSVIDTTL      = time.Hour
	DefaultHumanSVIDTTL = 12 * time.Hour
	DefaultTokenTTL     = 10 * time.Minute
	MaxTokenTTL         = 24 * time.Hour
	DefaultSegment      = "default"
	defaultCacheTTL     = time.Second
)

// Actor is who asked for a change, recorded in its audit event.
type Actor struct {
	ID        string // SPIFFE ID; empty for the hub itself
	RequestID string
	Reasons   []string // the policies that allowed the change
}

// Service manages principals, join tokens and SVIDs. Every state change
// commits together with its audit event.
type Service struct {
	Store        store.Store
	CA           *CA
	Node         string        // hub node name recorded in audit events
	SVIDTTL      time.Duration // agent certificate lifetime; default 1h
	HumanSVIDTTL time.Duration // human certificate lifetime; default 12h
	// CacheTTL bounds how long a principal's status is cached for
	// per-request checks. Changes made through this Service are seen at
	// once; changes made by another hub node within CacheTTL.
	CacheTTL time.Duration
	Now      func() time.Time

	mu    sync.Mutex
	cache map[principalKey]cachedPrincipal
	gen   uint64 // bumped by forget; a lookup that spans a change is not cached
}

type principalKey struct {
	kind store.Kind
	name string
}

type cachedPrincipal struct {
	p       store.Principal
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

func (s *Service) ttlFor(kind store.Kind) time.Duration {
	if kind == store.KindHuman {
		return orDefault(s.HumanSVIDTTL, DefaultHumanSVIDTTL)
	}
	return orDefault(s.SVIDTTL, DefaultSVIDTTL)
}

// TrustDomain is the hub's trust domain.
func (s *Service) TrustDomain() spiffeid.TrustDomain { return s.CA.TrustDomain() }

// BundleDER returns the trust bundle's root certificates, DER-encoded.
func (s *Service) BundleDER() [][]byte {
	roots := s.CA.Roots()
	out := make([][]byte, len(roots))
	for i, r := range roots {
		out[i] = r.Raw
	}
	return out
}

// AgentSPIFFEID returns the SPIFFE ID of agent name, or "" if name is invalid.
func (s *Service) AgentSPIFFEID(name string) string {
	id, err := AgentID(s.TrustDomain(), name)
	if err != nil {
		return ""
	}
	return id.String()
}

// Principal returns a principal, served from a short-lived cache. It is
// what the API consults on every request.
func (s *Service) Principal(ctx context.Context, kind store.Kind, name string) (store.Principal, error) {
	key := principalKey{kind, name}
	now := time.Now()
	s.mu.Lock()
	c, ok := s.cache[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Sub(c.fetched) < orDefault(s.CacheTTL, defaultCacheTTL) {
		return c.p, nil
	}
	var p store.Principal
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPrincipal(kind, name)
		return err
	})
	if err != nil {
		return store.Principal{}, err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = make(map[principalKey]cachedPrincipal)
	}
	if s.gen == gen { // else a change committed meanwhile and p may predate it
		s.cache[key] = cachedPrincipal{p: p, fetched: now}
	}
	s.mu.Unlock()
	return p, nil
}

// forget drops a principal from the cache after a change.
func (s *Service) forget(kind store.Kind, name string) {
	s.mu.Lock()
	delete(s.cache, principalKey{kind, name})
	s.gen++
	s.mu.Unlock()
}

// event builds an audit event stamped with the service's node and clock.
func (s *Service) event(a Actor, typ string, outcome store.Outcome, target, detail string) store.Event {
	return store.Event{
		Time: s.now(), Node: s.Node, Type: typ, Outcome: outcome,
		Actor: a.ID, Target: target, RequestID: a.RequestID, Reasons: a.Reasons, Detail: detail,
	}
}

// recordFailure appends a failure event in its own transaction. The failed
// change itself was rolled back; the attempt is still worth recording.
func (s *Service) recordFailure(ctx context.Context, a Actor, typ, target string, cause error) {
	_ = s.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		_, err := tx.AppendEvent(s.event(a, typ, store.OutcomeFailure, target, cause.Error()))
		return err
	})
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
