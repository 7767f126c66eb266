package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/airlock-hub/airlock/internal/store"
)

// Authorize decides whether caller may do action on resource now, with its
// active grants, and returns the decision. A deny (including any error
// while deciding: fail closed) is returned as an error wrapping ErrDenied
// that names the policies behind it, and is reported to OnDeny for the
// audit log. An approval-gated action wraps ErrApprovalRequired.
func (s *Service) Authorize(ctx context.Context, a Actor, caller Entity, action string, resource Entity) (Decision, error) {
	return s.AuthorizeWith(ctx, a, caller, action, resource, nil)
}

// AuthorizeWith is Authorize with request attributes, which policies see
// as context.request (e.g. screening results).
func (s *Service) AuthorizeWith(ctx context.Context, a Actor, caller Entity, action string, resource Entity, attrs map[string]any) (Decision, error) {
	now := s.now()
	grants, err := s.activeGrants(ctx, caller.String(), now)
	if err != nil {
		d := Decision{Effect: Deny, Reasons: []string{"grants-unavailable"}, Errors: []string{err.Error()}}
		return d, s.denied(a, caller, action, resource, d)
	}
	d := s.Engine.Decide(Request{Principal: caller, Action: action, Resource: resource, Now: now, Grants: grants, Attrs: attrs})
	switch d.Effect {
	case Allow:
		return d, nil
	case Approval:
		return d, fmt.Errorf("%w: %s may %s on %s only with %d approval(s) (policy %s): file a request with `airlock access request`",
			ErrApprovalRequired, caller, action, resource, d.Approvals, strings.Join(d.Reasons, ", "))
	}
	return d, s.denied(a, caller, action, resource, d)
}

// denied audits a deny and returns the error the caller sees.
func (s *Service) denied(a Actor, caller Entity, action string, resource Entity, d Decision) error {
	if s.OnDeny != nil {
		e := s.event(a, "authz.denied", store.OutcomeFailure, resource.String(), action, d.Reasons)
		if len(d.Errors) > 0 {
			e.Detail += ": " + strings.Join(d.Errors, "; ")
		}
		s.OnDeny(e)
	}
	return fmt.Errorf("%w: %s may not %s on %s (%s)", ErrDenied, caller, action, resource, strings.Join(d.Reasons, ", "))
}

// Explain returns the decision for a request without enforcing it.
func (s *Service) Explain(ctx context.Context, caller Entity, action string, resource Entity) (Decision, error) {
	now := s.now()
	grants, err := s.activeGrants(ctx, caller.String(), now)
	if err != nil {
		return Decision{}, err
	}
	return s.Engine.Decide(Request{Principal: caller, Action: action, Resource: resource, Now: now, Grants: grants}), nil
}
