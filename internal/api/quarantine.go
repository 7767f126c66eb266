package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Quarantine is what the quarantine handlers need from messaging.
type Quarantine interface {
	Inspect(ctx context.Context, reviewer, requestID, id string) (messaging.Delivery, error)
	Quarantined(ctx context.Context, id string) (store.Message, error)
	InspectOriginal(ctx context.Context, reviewer, requestID, id string) (messaging.Delivery, error)
}

// quarantineHandler implements QuarantineService on top of access
// requests: each quarantined message has one ("quarantine:<id>"); release
// approves it, reject denies it. Reviewers need ApproveAccess.
type quarantineHandler struct {
	policyHandler
	q Quarantine
}

func (h quarantineHandler) reviewer(ctx context.Context) error {
	return h.z.admin(ctx, "ApproveAccess")
}

func quarantineProto(r store.AccessRequest, m store.Message) *airlockv1.QuarantinedMessage {
	l, _ := messaging.ParseLabels(m.Labels)
	out := &airlockv1.QuarantinedMessage{Id: m.ID, Sender: m.Sender, Recipient: m.Recipient, Subject: m.Subject,
		Score: l.Score, Categories: l.Categories, Reason: l.Reason, CreatedAt: timestamppb.New(m.Created),
		AccessRequestId: r.ID}
	for _, s := range l.Spans {
		out.Spans = append(out.Spans, &airlockv1.QuarantineSpan{Category: s.Category, Start: int64(s.Start), End: int64(s.End), Text: s.Text})
	}
	return out
}

// pending returns the pending quarantine requests with their messages.
func (h quarantineHandler) pending(ctx context.Context) ([]store.AccessRequest, []store.Message, error) {
	rs, _, err := h.pol.AccessRequests(ctx, "", true)
	if err != nil {
		return nil, nil, err
	}
	var reqs []store.AccessRequest
	var msgs []store.Message
	for _, r := range rs {
		id, ok := strings.CutPrefix(r.Kind, messaging.QuarantinePrefix)
		if !ok {
			continue
		}
		m, err := h.q.Quarantined(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		reqs, msgs = append(reqs, r), append(msgs, m)
	}
	return reqs, msgs, nil
}

func (h quarantineHandler) find(ctx context.Context, id string) (store.AccessRequest, store.Message, error) {
	reqs, msgs, err := h.pending(ctx)
	if err != nil {
		return store.AccessRequest{}, store.Message{}, err
	}
	for i, m := range msgs {
		if m.ID == id {
			return reqs[i], m, nil
		}
	}
	return store.AccessRequest{}, store.Message{}, fmt.Errorf("no quarantined message %q: %w", id, store.ErrNotFound)
}

func (h quarantineHandler) ListQuarantine(ctx context.Context, _ *connect.Request[airlockv1.ListQuarantineRequest]) (*connect.Response[airlockv1.ListQuarantineResponse], error) {
	if err := h.reviewer(ctx); err != nil {
		return nil, err
	}
	reqs, msgs, err := h.pending(ctx)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListQuarantineResponse{}
	for i := range reqs {
		out.Messages = append(out.Messages, quarantineProto(reqs[i], msgs[i]))
	}
	return connect.NewResponse(out), nil
}

func (h quarantineHandler) ShowQuarantined(ctx context.Context, req *connect.Request[airlockv1.ShowQuarantinedRequest]) (*connect.Response[airlockv1.ShowQuarantinedResponse], error) {
	if err := h.reviewer(ctx); err != nil {
		return nil, err
	}
	r, m, err := h.find(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	d, err := h.q.Inspect(ctx, policyActor(ctx).ID, RequestID(ctx), m.ID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ShowQuarantinedResponse{Message: quarantineProto(r, m), Delivery: deliveryProto(d)}), nil
}

func (h quarantineHandler) decide(ctx context.Context, id, comment string, release bool) (string, error) {
	r, _, err := h.find(ctx, id)
	if err != nil {
		return "", err
	}
	c, ok := CallerFrom(ctx)
	if !ok {
		return "", errPermission
	}
	done, _, err := h.pol.Review(ctx, policyActor(ctx), c.Entity(), r.ID, release, comment)
	if errors.Is(err, policy.ErrDenied) && strings.Contains(err.Error(), "own request") {
		return "", connect.NewError(connect.CodePermissionDenied, errors.New("the sender of a message may not release it from quarantine"))
	}
	if err != nil {
		return "", err
	}
	if release && done.State == store.AccessApproved {
		return "released", nil
	}
	return string(done.State), nil
}

func (h quarantineHandler) Release(ctx context.Context, req *connect.Request[airlockv1.ReleaseRequest]) (*connect.Response[airlockv1.ReleaseResponse], error) {
	st, err := h.decide(ctx, req.Msg.GetId(), req.Msg.GetComment(), true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ReleaseResponse{State: st}), nil
}

func (h quarantineHandler) RejectQuarantined(ctx context.Context, req *connect.Request[airlockv1.RejectQuarantinedRequest]) (*connect.Response[airlockv1.RejectQuarantinedResponse], error) {
	st, err := h.decide(ctx, req.Msg.GetId(), req.Msg.GetComment(), false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RejectQuarantinedResponse{State: st}), nil
}

func (h quarantineHandler) ShowOriginal(ctx context.Context, req *connect.Request[airlockv1.ShowOriginalRequest]) (*connect.Response[airlockv1.ShowOriginalResponse], error) {
	if err := h.reviewer(ctx); err != nil {
		return nil, err
	}
	id := req.Msg.GetId()
	d, err := h.q.InspectOriginal(ctx, policyActor(ctx).ID, RequestID(ctx), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf(
			"no redacted message %.64q (only messages whose body the hub redacted keep an original)", id))
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.ShowOriginalResponse{Delivery: deliveryProto(d)}), nil
}
