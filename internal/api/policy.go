package api

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// PolicyService is what the policy, grant and access handlers need;
// policy.Service implements it.
type PolicyService interface {
	Authorizer
	Explain(ctx context.Context, caller policy.Entity, action string, resource policy.Entity) (policy.Decision, error)
	Apply(ctx context.Context, a policy.Actor, files []store.PolicyFile) (int64, int, error)
	Version(ctx context.Context, n int64) (store.PolicyVersion, error)
	Versions(ctx context.Context) ([]store.PolicyVersion, error)
	ActiveVersion() int64
	CreateGrant(ctx context.Context, a policy.Actor, principal, action, resource string, ttl time.Duration, reason string) (store.Grant, error)
	Grants(ctx context.Context, principal string, all bool) ([]store.Grant, error)
	RevokeGrant(ctx context.Context, a policy.Actor, id string) (store.Grant, error)
	RequestAccess(ctx context.Context, a policy.Actor, requester policy.Entity, action, resource string, d time.Duration, reason string) (store.AccessRequest, error)
	AccessRequests(ctx context.Context, requester string, pendingOnly bool) ([]store.AccessRequest, []int, error)
	Review(ctx context.Context, a policy.Actor, reviewer policy.Entity, id string, approve bool, comment string) (store.AccessRequest, int, error)
}

// policyHandler implements PolicyService; grantHandler and accessHandler
// share it.
type policyHandler struct {
	pol PolicyService
	ids Identities
	z   authz
}

func policyActor(ctx context.Context) policy.Actor {
	a := policy.Actor{RequestID: RequestID(ctx)}
	if c, ok := CallerFrom(ctx); ok {
		a.ID = c.ID.String()
	}
	return a
}

// resolve parses a Cedar UID and fills in what the hub knows about it
// (an agent's segment, a human's roles).
func (h policyHandler) resolve(ctx context.Context, uid string) (policy.Entity, error) {
	e, err := policy.ParseEntity(uid)
	if err != nil {
		return e, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if e.Type == policy.TypeAgent {
		p, err := h.ids.Agent(ctx, e.ID)
		if err != nil {
			return e, err
		}
		return policy.EntityOf(p), nil
	}
	return e, nil
}

func (h policyHandler) ApplyPolicy(ctx context.Context, req *connect.Request[airlockv1.ApplyPolicyRequest]) (*connect.Response[airlockv1.ApplyPolicyResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	files := make([]store.PolicyFile, 0, len(req.Msg.GetFiles()))
	for _, f := range req.Msg.GetFiles() {
		files = append(files, store.PolicyFile{Name: f.GetName(), Text: f.GetText()})
	}
	v, n, err := h.pol.Apply(ctx, policyActor(ctx), files)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ApplyPolicyResponse{Version: v, Policies: int32(n)}), nil
}

func (h policyHandler) versionProto(v store.PolicyVersion) *airlockv1.PolicyVersion {
	out := &airlockv1.PolicyVersion{Version: v.Version, CreatedAt: timestamppb.New(v.Created), Actor: v.Actor,
		Active: v.Version == h.pol.ActiveVersion()}
	for _, f := range v.Files {
		out.Files = append(out.Files, &airlockv1.PolicyFile{Name: f.Name, Text: f.Text})
	}
	return out
}

func (h policyHandler) GetPolicy(ctx context.Context, req *connect.Request[airlockv1.GetPolicyRequest]) (*connect.Response[airlockv1.GetPolicyResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	n := req.Msg.GetVersion()
	if n == 0 {
		n = h.pol.ActiveVersion()
	}
	v, err := h.pol.Version(ctx, n)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.GetPolicyResponse{Policy: h.versionProto(v)}), nil
}

func (h policyHandler) ListPolicyVersions(ctx context.Context, _ *connect.Request[airlockv1.ListPolicyVersionsRequest]) (*connect.Response[airlockv1.ListPolicyVersionsResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	vs, err := h.pol.Versions(ctx)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListPolicyVersionsResponse{}
	for _, v := range vs {
		out.Versions = append(out.Versions, h.versionProto(v))
	}
	return connect.NewResponse(out), nil
}

func (h policyHandler) Explain(ctx context.Context, req *connect.Request[airlockv1.ExplainRequest]) (*connect.Response[airlockv1.ExplainResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	p, err := h.resolve(ctx, req.Msg.GetPrincipal())
	if err != nil {
		return nil, err
	}
	r, err := h.resolve(ctx, req.Msg.GetResource())
	if err != nil {
		return nil, err
	}
	if p.Type == policy.TypeHuman {
		if hp, err := h.ids.Human(ctx, p.ID); err == nil {
			p = policy.EntityOf(hp)
		}
	}
	action, err := policy.ActionName(req.Msg.GetAction())
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	d, err := h.pol.Explain(ctx, p, action, r)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ExplainResponse{Decision: d.Effect.String(), Reasons: d.Reasons,
		Errors: d.Errors, Approvals: int32(d.Approvals), PolicyVersion: d.Version}), nil
}

// grantHandler implements GrantService (ManageGrants on the hub).
type grantHandler struct{ policyHandler }

func grantProto(g store.Grant, now time.Time) *airlockv1.Grant {
	out := &airlockv1.Grant{Id: g.ID, Principal: g.Principal, Action: g.Action, Resource: g.Resource, Reason: g.Reason,
		CreatedBy: g.CreatedBy, CreatedAt: timestamppb.New(g.Created), ExpiresAt: timestamppb.New(g.Expires),
		RequestId: g.RequestID, State: "active"}
	switch {
	case !g.Revoked.IsZero():
		out.RevokedAt, out.State = timestamppb.New(g.Revoked), "revoked"
	case !now.Before(g.Expires):
		out.State = "expired"
	}
	return out
}

func (h grantHandler) CreateGrant(ctx context.Context, req *connect.Request[airlockv1.CreateGrantRequest]) (*connect.Response[airlockv1.CreateGrantResponse], error) {
	if err := h.z.admin(ctx, "ManageGrants"); err != nil {
		return nil, err
	}
	m := req.Msg
	if m.GetTtlSeconds() < 0 || m.GetTtlSeconds() > int64(time.Duration(1<<62)/time.Second) {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("ttl_seconds is out of range"))
	}
	g, err := h.pol.CreateGrant(ctx, policyActor(ctx), m.GetPrincipal(), m.GetAction(), m.GetResource(),
		time.Duration(m.GetTtlSeconds())*time.Second, m.GetReason())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.CreateGrantResponse{Grant: grantProto(g, time.Now())}), nil
}

func (h grantHandler) ListGrants(ctx context.Context, req *connect.Request[airlockv1.ListGrantsRequest]) (*connect.Response[airlockv1.ListGrantsResponse], error) {
	if err := h.z.admin(ctx, "ManageGrants"); err != nil {
		return nil, err
	}
	gs, err := h.pol.Grants(ctx, req.Msg.GetPrincipal(), req.Msg.GetAll())
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListGrantsResponse{}
	now := time.Now()
	for _, g := range gs {
		out.Grants = append(out.Grants, grantProto(g, now))
	}
	return connect.NewResponse(out), nil
}

func (h grantHandler) RevokeGrant(ctx context.Context, req *connect.Request[airlockv1.RevokeGrantRequest]) (*connect.Response[airlockv1.RevokeGrantResponse], error) {
	if err := h.z.admin(ctx, "ManageGrants"); err != nil {
		return nil, err
	}
	g, err := h.pol.RevokeGrant(ctx, policyActor(ctx), req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RevokeGrantResponse{Grant: grantProto(g, time.Now())}), nil
}
