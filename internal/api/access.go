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

// accessHandler implements AccessService. Anyone allowed RequestAccess may
// file a request and see their own; reviewers (ApproveAccess) see all and
// decide, never on their own requests.
type accessHandler struct{ policyHandler }

func accessProto(r store.AccessRequest, approvals int) *airlockv1.AccessRequest {
	out := &airlockv1.AccessRequest{Id: r.ID, Kind: r.Kind, Requester: r.Requester, Action: r.Action, Resource: r.Resource,
		Reason: r.Reason, DurationSeconds: int64(r.Duration / time.Second), ApprovalsNeeded: int32(r.Needed),
		Approvals: int32(approvals), State: string(r.State), CreatedAt: timestamppb.New(r.Created),
		ExpiresAt: timestamppb.New(r.Expires), GrantId: r.GrantID}
	if !r.Decided.IsZero() {
		out.DecidedAt = timestamppb.New(r.Decided)
	}
	return out
}

func (h accessHandler) RequestAccess(ctx context.Context, req *connect.Request[airlockv1.RequestAccessRequest]) (*connect.Response[airlockv1.RequestAccessResponse], error) {
	if err := h.z.admin(ctx, "RequestAccess"); err != nil {
		return nil, err
	}
	m := req.Msg
	if m.GetDurationSeconds() <= 0 || m.GetDurationSeconds() > int64(time.Duration(1<<62)/time.Second) {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("duration_seconds must be positive"))
	}
	if _, err := h.resolve(ctx, m.GetResource()); err != nil {
		return nil, err
	}
	c, _ := CallerFrom(ctx)
	r, err := h.pol.RequestAccess(ctx, policyActor(ctx), c.Entity(), m.GetAction(), m.GetResource(),
		time.Duration(m.GetDurationSeconds())*time.Second, m.GetReason())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RequestAccessResponse{Request: accessProto(r, 0)}), nil
}

// isReviewer reports whether policy lets the caller review requests.
func (h accessHandler) isReviewer(ctx context.Context) bool {
	c, _ := CallerFrom(ctx)
	d, err := h.pol.Explain(ctx, c.Entity(), "ApproveAccess", policy.HubEntity)
	return err == nil && d.Allowed()
}

func (h accessHandler) ListAccessRequests(ctx context.Context, req *connect.Request[airlockv1.ListAccessRequestsRequest]) (*connect.Response[airlockv1.ListAccessRequestsResponse], error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return nil, errPermission
	}
	requester := c.Entity().String()
	if h.isReviewer(ctx) {
		requester = ""
	}
	rs, counts, err := h.pol.AccessRequests(ctx, requester, req.Msg.GetPendingOnly())
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListAccessRequestsResponse{}
	for i, r := range rs {
		out.Requests = append(out.Requests, accessProto(r, counts[i]))
	}
	return connect.NewResponse(out), nil
}

func (h accessHandler) review(ctx context.Context, id, comment string, approve bool) (*airlockv1.AccessRequest, error) {
	c, _ := CallerFrom(ctx)
	r, n, err := h.pol.Review(ctx, policyActor(ctx), c.Entity(), id, approve, comment)
	if err != nil {
		return nil, err
	}
	return accessProto(r, n), nil
}

func (h accessHandler) ApproveAccess(ctx context.Context, req *connect.Request[airlockv1.ApproveAccessRequest]) (*connect.Response[airlockv1.ApproveAccessResponse], error) {
	r, err := h.review(ctx, req.Msg.GetId(), req.Msg.GetComment(), true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ApproveAccessResponse{Request: r}), nil
}

func (h accessHandler) DenyAccess(ctx context.Context, req *connect.Request[airlockv1.DenyAccessRequest]) (*connect.Response[airlockv1.DenyAccessResponse], error) {
	r, err := h.review(ctx, req.Msg.GetId(), req.Msg.GetComment(), false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.DenyAccessResponse{Request: r}), nil
}
