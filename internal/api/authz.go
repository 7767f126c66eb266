package api

import (
	"context"

	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Authorizer decides requests; policy.Service implements it.
type Authorizer interface {
	Authorize(ctx context.Context, a policy.Actor, caller policy.Entity, action string, resource policy.Entity) (policy.Decision, error)
}

// authz puts every handler's decision through the policy engine: no
// handler decides on its own. It fails closed: no caller, no access.
type authz struct{ pol Authorizer }

// Entity returns the caller as a policy entity.
func (c Caller) Entity() policy.Entity {
	return policy.EntityOf(store.Principal{Kind: c.Kind, Name: c.Name, Segment: c.Segment, Roles: c.Roles})
}

// check authorizes the caller for action on resource and remembers the
// decision's reasons for the audit event of the change that follows.
func (z authz) check(ctx context.Context, action string, resource policy.Entity) error {
	c, ok := CallerFrom(ctx)
	if !ok || z.pol == nil {
		return errPermission
	}
	d, err := z.pol.Authorize(ctx, policy.Actor{ID: c.ID.String(), RequestID: RequestID(ctx)}, c.Entity(), action, resource)
	if err != nil {
		return err
	}
	noteReasons(ctx, d.Reasons)
	return nil
}

// admin authorizes an administrative action on the hub.
func (z authz) admin(ctx context.Context, action string) error {
	return z.check(ctx, action, policy.HubEntity)
}

// self authorizes an action on the caller's own identity.
func (z authz) self(ctx context.Context, action string) error {
	c, _ := CallerFrom(ctx)
	return z.check(ctx, action, c.Entity())
}
