package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
)

// Identities is what the handlers need from the identity service.
type Identities interface {
	Enroll(ctx context.Context, a identity.Actor, token string, csr []byte) (*identity.SVID, error)
	Renew(ctx context.Context, a identity.Actor, kind store.Kind, name string, csr []byte) (*identity.SVID, error)
	CreateAgent(ctx context.Context, a identity.Actor, name, segment string) (store.Principal, error)
	Agent(ctx context.Context, name string) (store.Principal, error)
	// Principal is Agent (or Human) served from a short-lived cache.
	Principal(ctx context.Context, kind store.Kind, name string) (store.Principal, error)
	Human(ctx context.Context, name string) (store.Principal, error)
	Agents(ctx context.Context) ([]store.Principal, error)
	SetAgentStatus(ctx context.Context, a identity.Actor, name string, s store.Status) (store.Principal, error)
	CreateToken(ctx context.Context, a identity.Actor, agent string, ttl time.Duration) (string, time.Time, error)
	BundleDER() [][]byte
	AgentSPIFFEID(name string) string
}

// actor builds the audit actor for a request.
func actor(ctx context.Context) identity.Actor {
	a := identity.Actor{RequestID: RequestID(ctx), Reasons: reasonsFrom(ctx)}
	if c, ok := CallerFrom(ctx); ok {
		a.ID = c.ID.String()
	}
	return a
}

func svidProto(s *identity.SVID) *airlockv1.Svid {
	chain := make([][]byte, len(s.Chain))
	for i, c := range s.Chain {
		chain[i] = c.Raw
	}
	return &airlockv1.Svid{
		SpiffeId:  s.ID.String(),
		CertChain: chain,
		ExpiresAt: timestamppb.New(s.NotAfter),
		Serial:    s.Serial,
	}
}

// identityHandler implements IdentityService. On the enrollment listener
// only Enroll is mounted; on the agent API, Enroll is refused.
type identityHandler struct {
	ids        Identities
	apiAddress string
	z          authz
}

func (h identityHandler) Enroll(ctx context.Context, req *connect.Request[airlockv1.EnrollRequest]) (*connect.Response[airlockv1.EnrollResponse], error) {
	svid, err := h.ids.Enroll(ctx, actor(ctx), req.Msg.GetToken(), req.Msg.GetCsr())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.EnrollResponse{
		Svid: svidProto(svid), Bundle: h.ids.BundleDER(), ApiAddress: h.apiAddress,
	}), nil
}

func (h identityHandler) Renew(ctx context.Context, req *connect.Request[airlockv1.RenewRequest]) (*connect.Response[airlockv1.RenewResponse], error) {
	if err := h.z.self(ctx, "RenewIdentity"); err != nil {
		return nil, err
	}
	c, _ := CallerFrom(ctx)
	svid, err := h.ids.Renew(ctx, actor(ctx), c.Kind, c.Name, req.Msg.GetCsr())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RenewResponse{Svid: svidProto(svid), Bundle: h.ids.BundleDER()}), nil
}

func (h identityHandler) WhoAmI(ctx context.Context, _ *connect.Request[airlockv1.WhoAmIRequest]) (*connect.Response[airlockv1.WhoAmIResponse], error) {
	if err := h.z.self(ctx, "WhoAmI"); err != nil {
		return nil, err
	}
	c, _ := CallerFrom(ctx)
	return connect.NewResponse(&airlockv1.WhoAmIResponse{
		SpiffeId:  c.ID.String(),
		ExpiresAt: timestamppb.New(c.NotAfter),
		Kind:      string(c.Kind),
		Name:      c.Name,
		Segment:   c.Segment,
		Serial:    c.Serial,
	}), nil
}

// adminHandler implements AdminService; every call is authorized by policy
// (ManageAgents, ManageTokens on the hub).
type adminHandler struct {
	ids   Identities
	boxes Mailboxes
	z     authz
}

func (h adminHandler) agentProto(p store.Principal) *airlockv1.Agent {
	return &airlockv1.Agent{
		Name:      p.Name,
		SpiffeId:  h.ids.AgentSPIFFEID(p.Name),
		Segment:   p.Segment,
		Status:    string(p.Status),
		CreatedAt: timestamppb.New(p.Created),
		UpdatedAt: timestamppb.New(p.Updated),
	}
}

func (h adminHandler) CreateAgent(ctx context.Context, req *connect.Request[airlockv1.CreateAgentRequest]) (*connect.Response[airlockv1.CreateAgentResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	p, err := h.ids.CreateAgent(ctx, actor(ctx), req.Msg.GetName(), req.Msg.GetSegment())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.CreateAgentResponse{Agent: h.agentProto(p)}), nil
}

func (h adminHandler) GetAgent(ctx context.Context, req *connect.Request[airlockv1.GetAgentRequest]) (*connect.Response[airlockv1.GetAgentResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	p, err := h.ids.Agent(ctx, req.Msg.GetName())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.GetAgentResponse{Agent: h.agentProto(p)}), nil
}

func (h adminHandler) ListAgents(ctx context.Context, _ *connect.Request[airlockv1.ListAgentsRequest]) (*connect.Response[airlockv1.ListAgentsResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	ps, err := h.ids.Agents(ctx)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListAgentsResponse{Agents: make([]*airlockv1.Agent, 0, len(ps))}
	for _, p := range ps {
		out.Agents = append(out.Agents, h.agentProto(p))
	}
	return connect.NewResponse(out), nil
}

func (h adminHandler) setStatus(ctx context.Context, name string, s store.Status) (*airlockv1.Agent, error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	p, err := h.ids.SetAgentStatus(ctx, actor(ctx), name, s)
	if err != nil {
		return nil, err
	}
	return h.agentProto(p), nil
}

func (h adminHandler) SuspendAgent(ctx context.Context, req *connect.Request[airlockv1.SuspendAgentRequest]) (*connect.Response[airlockv1.SuspendAgentResponse], error) {
	a, err := h.setStatus(ctx, req.Msg.GetName(), store.StatusSuspended)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.SuspendAgentResponse{Agent: a}), nil
}

func (h adminHandler) ResumeAgent(ctx context.Context, req *connect.Request[airlockv1.ResumeAgentRequest]) (*connect.Response[airlockv1.ResumeAgentResponse], error) {
	a, err := h.setStatus(ctx, req.Msg.GetName(), store.StatusActive)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ResumeAgentResponse{Agent: a}), nil
}

func (h adminHandler) RevokeAgent(ctx context.Context, req *connect.Request[airlockv1.RevokeAgentRequest]) (*connect.Response[airlockv1.RevokeAgentResponse], error) {
	a, err := h.setStatus(ctx, req.Msg.GetName(), store.StatusRevoked)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RevokeAgentResponse{Agent: a}), nil
}

func (h adminHandler) CreateToken(ctx context.Context, req *connect.Request[airlockv1.CreateTokenRequest]) (*connect.Response[airlockv1.CreateTokenResponse], error) {
	if err := h.z.admin(ctx, "ManageTokens"); err != nil {
		return nil, err
	}
	ttl := time.Duration(req.Msg.GetTtlSeconds()) * time.Second
	tok, exp, err := h.ids.CreateToken(ctx, actor(ctx), req.Msg.GetAgent(), ttl)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.CreateTokenResponse{
		Token: tok, ExpiresAt: timestamppb.New(exp), Agent: req.Msg.GetAgent(),
	}), nil
}
