package policy

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/airlock-hub/airlock/internal/store"
)

// Engine decides requests against the active policy set. Apply swaps the
// set atomically: a decision uses either the old set or the new one,
// never a mix, and never waits. The zero Engine denies everything.
type Engine struct {
	cur      atomic.Pointer[active]
	entities entityCache
}

type active struct {
	version   int64
	set       *Set
	decisions *decisionCache // nil: this set's decisions are not cached
}

// NewEngine returns an engine with no policies; it denies everything
// until Apply succeeds.
func NewEngine() *Engine { return &Engine{} }

// Apply validates files and, if they are valid, makes them the active set
// as version. On any error the active set stays as it was. The error is a
// *ValidationError for bad policies and ErrNoPolicies for an empty set.
func (e *Engine) Apply(version int64, files []store.PolicyFile) error {
	s, _, err := Validate(files)
	if err != nil {
		return err
	}
	e.ApplySet(version, s)
	return nil
}

// ApplySet makes an already validated set active as version.
func (e *Engine) ApplySet(version int64, s *Set) {
	e.cur.Store(&active{version: version, set: s, decisions: newDecisionCache(s)})
}

// Active returns the active version and set; (0, nil) before any Apply.
func (e *Engine) Active() (int64, *Set) {
	a := e.cur.Load()
	if a == nil {
		return 0, nil
	}
	return a.version, a.set
}

var (
	emptyRecord = types.NewRecord(nil)
	emptySet    = types.NewSet()
)

// scratch holds per-decision buffers, reused to keep allocation low.
type scratch struct {
	keys  []types.EntityUID
	cands []*Policy
	ents  requestEntities
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{keys: make([]types.EntityUID, 0, 4), cands: make([]*Policy, 0, 32)}
}}

// Decide answers req. It never fails: problems deny, with the reason.
//
// A request without grants or attributes, against a set that never reads
// context.now, is answered from a cache of the active set's decisions
// when the same question was asked before; Apply starts a new cache. The
// returned Reasons and Errors may then be shared with other callers: read
// them, do not modify their elements.
func (e *Engine) Decide(req Request) Decision {
	a := e.cur.Load()
	if a == nil {
		return Decision{Effect: Deny, Reasons: []string{ReasonNoPolicies}, Errors: []string{"no policy set is applied"}}
	}
	if a.decisions != nil {
		if d, ok := a.decisions.lookup(&req); ok {
			return d
		}
	}
	return e.evaluate(a, &req)
}

// evaluate decides req with Cedar and caches the decision when it may be.
// It is kept out of Decide so that a cache hit runs on a small stack
// frame: a handler goroutine's stack grows (is copied) on entry to a
// large one.
//
//go:noinline
func (e *Engine) evaluate(a *active, req *Request) Decision {
	d := a.set.decide(*req, &e.entities)
	d.Version = a.version
	if a.decisions != nil {
		d = a.decisions.put(req, d)
	}
	return d
}

func invalid(err error) Decision {
	return Decision{Effect: Deny, Reasons: []string{ReasonInvalidRequest}, Errors: []string{err.Error()}}
}

func (s *Set) decide(req Request, cache *entityCache) Decision {
	action, err := ActionName(req.Action)
	if err != nil {
		return invalid(err)
	}
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	sc := scratchPool.Get().(*scratch)
	defer func() {
		clear(sc.cands)
		sc.ents = requestEntities{}
		scratchPool.Put(sc)
	}()
	if sc.ents.principal, err = cache.get(req.Principal); err != nil {
		return invalid(err)
	}
	if sc.ents.resource, err = cache.get(req.Resource); err != nil {
		return invalid(err)
	}
	cr, err := contextRecord(req, action)
	if err != nil {
		return invalid(fmt.Errorf("context: %w", err))
	}
	sc.keys = req.Principal.ancestors(sc.keys[:0])
	actionUID := actionUIDs[action]
	sc.cands = s.candidates(sc.cands[:0], actionUID, sc.keys)

	var diag cedar.Diagnostic
	if len(sc.cands) > 0 {
		_, diag = cedar.Authorize(policyList(sc.cands), &sc.ents, cedar.Request{
			Principal: sc.ents.principal.UID,
			Action:    actionUID,
			Resource:  sc.ents.resource.UID,
			Context:   cr,
		})
	}
	return s.combine(diag, req, action)
}

// combine turns Cedar's diagnostic plus the grants into a Decision.
func (s *Set) combine(diag cedar.Diagnostic, req Request, action string) Decision {
	if len(diag.Errors) > 0 { // fail closed
		d := Decision{Effect: Deny}
		for _, e := range diag.Errors {
			d.Reasons = append(d.Reasons, string(e.PolicyID))
			d.Errors = append(d.Errors, fmt.Sprintf("%s: %s", e.PolicyID, e.Message))
		}
		return d
	}
	var permits, approvals []string
	need := 0
	for _, r := range diag.Reasons {
		p := s.byID[string(r.PolicyID)]
		switch {
		case p.Effect == Forbid:
			return s.forbid(diag)
		case p.Approvals > 0:
			approvals = append(approvals, p.ID)
			need = max(need, p.Approvals)
		default:
			permits = append(permits, p.ID)
		}
	}
	if len(permits) > 0 {
		return Decision{Effect: Allow, Reasons: permits}
	}
	if g := matchingGrants(req, action); len(g) > 0 {
		return Decision{Effect: Allow, Reasons: g}
	}
	if len(approvals) > 0 {
		return Decision{Effect: Approval, Approvals: need, Reasons: approvals}
	}
	return Decision{Effect: Deny, Reasons: []string{ReasonDefaultDeny}}
}

func (s *Set) forbid(diag cedar.Diagnostic) Decision {
	d := Decision{Effect: Deny}
	for _, r := range diag.Reasons {
		if p := s.byID[string(r.PolicyID)]; p.Effect == Forbid {
			d.Reasons = append(d.Reasons, p.ID)
		}
	}
	return d
}

func matchingGrants(req Request, action string) []string {
	if len(req.Grants) == 0 {
		return nil
	}
	principal, resource := req.Principal.String(), req.Resource.String()
	var out []string
	for _, g := range req.Grants {
		if grantMatches(g, principal, action, resource, req.Now) {
			out = append(out, grantReasonPrefix+g.ID)
		}
	}
	return out
}

// contextRecord builds context: {now, grants, granted, risk, segment,
// request}. granted says whether an active grant covers exactly this
// request, so a forbid can make an exception for it (`unless { context.granted }`).
func contextRecord(req Request, action string) (types.Record, error) {
	request, grants := emptyRecord, emptySet
	if len(req.Attrs) > 0 {
		r, err := toRecord(req.Attrs)
		if err != nil {
			return types.Record{}, fmt.Errorf("request: %w", err)
		}
		request = r
	}
	if len(req.Grants) > 0 {
		grants = grantRecords(req.Grants, req.Principal.String(), req.Now)
	}
	seg := ""
	if req.Principal.Type == TypeAgent {
		seg = req.Principal.segment()
	}
	return types.NewRecord(types.RecordMap{
		"now":     types.Long(req.Now.Unix()),
		"grants":  grants,
		"granted": types.Boolean(len(matchingGrants(req, action)) > 0),
		"risk":    types.Long(req.Risk),
		"segment": types.String(seg),
		"request": request,
	}), nil
}
