package policy

import (
	"iter"

	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
)

// PolicyEffect is permit or forbid.
type PolicyEffect string

const (
	Permit PolicyEffect = "permit"
	Forbid PolicyEffect = "forbid"
)

// Policy is one validated policy of a Set.
type Policy struct {
	ID        string // @id, or "<file>:<index>" (index from 0)
	File      string
	Line      int
	Column    int
	Effect    PolicyEffect
	Approvals int // from @approval; 0 when the permit needs none

	cedar       *cedar.Policy
	offset, end int // byte span in the file, for diagnostics
}

// Text returns the policy in Cedar syntax.
func (p *Policy) Text() string { return string(p.cedar.MarshalCedar()) }

func (p *Policy) diag(msg string) Diagnostic {
	return Diagnostic{File: p.File, Line: p.Line, Column: p.Column, Policy: p.ID, Message: msg}
}

// Set is a validated policy set, indexed for decisions. It is immutable.
type Set struct {
	policies []*Policy
	byID     map[string]*Policy
	byAction map[types.EntityUID]*bucket
	anyAct   *bucket // policies whose action scope is unconstrained
}

// bucket groups the policies of one action (or of any action) by the
// entity their principal scope names.
type bucket struct {
	byPrincipal map[types.EntityUID][]*Policy // principal == X, in X, is T in X
	anyPrinc    []*Policy                     // principal, principal is T
}

func newSet(ps []*Policy) *Set {
	s := &Set{
		policies: ps,
		byID:     make(map[string]*Policy, len(ps)),
		byAction: map[types.EntityUID]*bucket{},
		anyAct:   &bucket{},
	}
	for _, p := range ps {
		s.byID[p.ID] = p
		a := p.cedar.AST()
		for _, b := range s.actionBuckets((*xast.Policy)(a).Action) {
			b.add(p, (*xast.Policy)(a).Principal)
		}
	}
	return s
}

func (s *Set) actionBuckets(scope xast.IsActionScopeNode) []*bucket {
	var uids []types.EntityUID
	switch sc := scope.(type) {
	case xast.ScopeTypeEq:
		uids = []types.EntityUID{sc.Entity}
	case xast.ScopeTypeIn: // the schema has no action groups
		uids = []types.EntityUID{sc.Entity}
	case xast.ScopeTypeInSet:
		uids = sc.Entities
	default:
		return []*bucket{s.anyAct}
	}
	out := make([]*bucket, 0, len(uids))
	seen := make(map[types.EntityUID]bool, len(uids))
	for _, u := range uids {
		if seen[u] {
			continue
		}
		seen[u] = true
		b := s.byAction[u]
		if b == nil {
			b = &bucket{}
			s.byAction[u] = b
		}
		out = append(out, b)
	}
	return out
}

func (b *bucket) add(p *Policy, scope xast.IsPrincipalScopeNode) {
	var key types.EntityUID
	switch sc := scope.(type) {
	case xast.ScopeTypeEq:
		key = sc.Entity
	case xast.ScopeTypeIn:
		key = sc.Entity
	case xast.ScopeTypeIsIn:
		key = sc.Entity
	default:
		b.anyPrinc = append(b.anyPrinc, p)
		return
	}
	if b.byPrincipal == nil {
		b.byPrincipal = map[types.EntityUID][]*Policy{}
	}
	b.byPrincipal[key] = append(b.byPrincipal[key], p)
}

// Policies returns the policies in file order.
func (s *Set) Policies() []*Policy { return append([]*Policy(nil), s.policies...) }

// Policy returns the policy with the given ID, or nil.
func (s *Set) Policy(id string) *Policy { return s.byID[id] }

// Len returns the number of policies.
func (s *Set) Len() int { return len(s.policies) }

// candidates appends to dst the policies that can apply to a request by
// the given principal (and its ancestors) doing action. Every other
// policy's scope is false for the request, so skipping it cannot change
// the decision.
func (s *Set) candidates(dst []*Policy, action types.EntityUID, principal []types.EntityUID) []*Policy {
	if b := s.byAction[action]; b != nil {
		dst = b.candidates(dst, principal)
	}
	return s.anyAct.candidates(dst, principal)
}

func (b *bucket) candidates(dst []*Policy, principal []types.EntityUID) []*Policy {
	dst = append(dst, b.anyPrinc...)
	if b.byPrincipal != nil {
		for _, u := range principal {
			dst = append(dst, b.byPrincipal[u]...)
		}
	}
	return dst
}

// policyList adapts a slice of policies to cedar.PolicyIterator.
type policyList []*Policy

func (l policyList) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, p := range l {
			if !yield(cedar.PolicyID(p.ID), p.cedar) {
				return
			}
		}
	}
}
