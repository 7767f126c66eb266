package policy

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

// decisionCacheLimit bounds a set's decision cache; past it the cache
// starts over.
const decisionCacheLimit = 4096

// A decision cache entry holds everything a decision can depend on when
// the request has no grants and no request attributes and the set never
// reads context.now: the action as given, both entities with all their
// attributes, and the risk (context.risk). context.segment follows from
// the principal; context.grants, context.granted and context.request are
// constants without grants and attributes. The set (its version) is fixed
// by the cache being the active set's.
type cachedDecision struct {
	action              string
	principal, resource Entity // Roles cloned
	risk                int64
	d                   Decision
}

// decisionCache keeps the decisions of one active set. It is nil when the
// set may read context.now, so nothing is cached for it. Entries are found
// by a hash of the request and then compared field by field, so a
// collision is a miss, never a wrong answer; the lookup keeps no key on
// the stack (a handler goroutine's stack is copied when a frame does not
// fit).
type decisionCache struct {
	seed maphash.Seed
	mu   sync.RWMutex
	m    map[uint64]*cachedDecision
}

func newDecisionCache(s *Set) *decisionCache {
	if s == nil || !s.timeIndependent() {
		return nil
	}
	return &decisionCache{seed: maphash.MakeSeed(), m: make(map[uint64]*cachedDecision)}
}

// cacheable reports whether req's decision depends only on the fields a
// cache entry holds: no grants, no request attributes, and bounded size.
func cacheable(req *Request) bool {
	return len(req.Grants) == 0 && len(req.Attrs) == 0 &&
		len(req.Principal.ID) <= 256 && len(req.Resource.ID) <= 256 && len(req.Action) <= 64 &&
		len(req.Principal.Roles) <= 16 && len(req.Resource.Roles) <= 16
}

func (c *decisionCache) hash(req *Request) uint64 {
	h := maphash.String(c.seed, req.Action)
	h = c.hashEntity(h, &req.Principal)
	h = c.hashEntity(h, &req.Resource)
	return h*31 + uint64(req.Risk)
}

func (c *decisionCache) hashEntity(h uint64, e *Entity) uint64 {
	h = h*31 + maphash.String(c.seed, e.Type)
	h = h*31 + maphash.String(c.seed, e.ID)
	h = h*31 + maphash.String(c.seed, e.Segment)
	h = h*31 + maphash.String(c.seed, e.Owner)
	h = h*31 + uint64(e.Risk)
	h = h*31 + uint64(len(e.Roles))
	for _, r := range e.Roles {
		h = h*31 + maphash.String(c.seed, r)
	}
	return h
}

func (x *cachedDecision) matches(req *Request) bool {
	return x.action == req.Action && x.risk == req.Risk &&
		sameEntity(&x.principal, &req.Principal) && sameEntity(&x.resource, &req.Resource)
}

func sameEntity(a, b *Entity) bool {
	return a.Type == b.Type && a.ID == b.ID && a.Segment == b.Segment && a.Owner == b.Owner &&
		a.Risk == b.Risk && slices.Equal(a.Roles, b.Roles) && (a.Roles == nil) == (b.Roles == nil)
}

// lookup returns the cached decision for req, if req is cacheable and
// was decided before.
func (c *decisionCache) lookup(req *Request) (Decision, bool) {
	if !cacheable(req) {
		return Decision{}, false
	}
	h := c.hash(req)
	c.mu.RLock()
	x := c.m[h]
	c.mu.RUnlock()
	if x == nil || !x.matches(req) {
		return Decision{}, false
	}
	return x.d, true
}

// put caches d for req if req is cacheable, and returns d. Its slices are
// clipped so that a caller appending to a cached decision's Reasons or
// Errors cannot write into the shared array. Past the limit the cache
// starts over.
func (c *decisionCache) put(req *Request, d Decision) Decision {
	if !cacheable(req) {
		return d
	}
	d.Reasons = d.Reasons[:len(d.Reasons):len(d.Reasons)]
	d.Errors = d.Errors[:len(d.Errors):len(d.Errors)]
	x := &cachedDecision{action: req.Action, principal: req.Principal, resource: req.Resource, risk: req.Risk, d: d}
	x.principal.Roles = slices.Clone(req.Principal.Roles)
	x.resource.Roles = slices.Clone(req.Resource.Roles)
	h := c.hash(req)
	c.mu.Lock()
	if len(c.m) >= decisionCacheLimit {
		c.m = make(map[uint64]*cachedDecision)
	}
	c.m[h] = x
	c.mu.Unlock()
	return d
}

// timeIndependent reports whether no policy of s can read context.now:
// every "context" in every policy's text must be followed by ".name" with
// name other than now. Anything else (context["now"], context has …, the
// whole record, the word in a string) counts as a possible read, so the
// answer is conservative.
func (s *Set) timeIndependent() bool {
	for _, p := range s.policies {
		if !contextFree(p.Text(), "now") {
			return false
		}
	}
	return true
}

// contextFree reports whether text reads context only through attribute
// accesses context.x with x != attr.
func contextFree(text, attr string) bool {
	const word = "context"
	for i := strings.Index(text, word); i >= 0; {
		rest := text[i+len(word):]
		if len(rest) == 0 || rest[0] != '.' {
			return false
		}
		j := 1
		for j < len(rest) && isIdentByte(rest[j]) {
			j++
		}
		if j == 1 || rest[1:j] == attr {
			return false
		}
		next := strings.Index(rest, word)
		if next < 0 {
			break
		}
		i += len(word) + next
	}
	return true
}

func isIdentByte(b byte) bool {
	return b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}
