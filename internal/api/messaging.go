package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Messaging is what the messaging handlers need; messaging.Service
// implements it.
type Messaging interface {
	Send(ctx context.Context, a policy.Actor, from messaging.Sender, to messaging.Recipient, e messaging.Envelope, sig []byte, key string) (messaging.Result, error)
	Fetch(ctx context.Context, a policy.Actor, mailbox string, limit int, wait time.Duration) ([]messaging.Delivery, error)
	Receive(ctx context.Context, a policy.Actor, mailbox string, limit int, deliver func(messaging.Delivery) error) error
	AuthorizeRead(ctx context.Context, a policy.Actor, caller, owner policy.Entity) (string, error)
	Ack(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error)
	Get(ctx context.Context, mailbox, id string) (messaging.Delivery, error)
	DeadLetters(ctx context.Context, mailbox string, limit int) ([]messaging.DeadLetter, error)
	Requeue(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error)
}

const maxWait = 60 * time.Second

// messagingHandler implements MessagingService. The sender of every
// message is the caller's mTLS identity; reads are authorized on the
// caller's own mailbox (ReadMailbox).
type messagingHandler struct {
	msg Messaging
	ids Identities
	td  spiffeid.TrustDomain
}

// sender describes the caller as the author of a message.
func sender(ctx context.Context) (messaging.Sender, error) {
	c, ok := CallerFrom(ctx)
	if !ok || len(c.Chain) == 0 {
		return messaging.Sender{}, errPermission
	}
	chain := make([][]byte, len(c.Chain))
	for i, cert := range c.Chain {
		chain[i] = cert.Raw
	}
	return messaging.Sender{ID: c.ID.String(), Entity: c.Entity(), Leaf: c.Chain[0], Chain: chain}, nil
}

// recipient resolves "name" or a SPIFFE ID to an active agent.
func (h messagingHandler) recipient(ctx context.Context, to string) (messaging.Recipient, error) {
	name := to
	if strings.HasPrefix(to, "spiffe://") {
		id, err := spiffeid.FromString(to)
		if err != nil {
			return messaging.Recipient{}, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("recipient: %w", err))
		}
		kind, n, err := identity.ParsePrincipal(id, h.td)
		if err != nil || kind != identity.KindAgent {
			return messaging.Recipient{}, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("recipient %s is not an agent of this hub", to))
		}
		name = n
	}
	// The short-lived principal cache that authenticates every caller
	// also serves recipients: a suspension on this node applies at once,
	// one on another node within the cache TTL, as for callers.
	p, err := h.ids.Principal(ctx, store.KindAgent, name)
	if errors.Is(err, store.ErrNotFound) {
		return messaging.Recipient{}, connect.NewError(connect.CodeNotFound, fmt.Errorf("recipient %q does not exist", to))
	}
	if err != nil {
		return messaging.Recipient{}, err
	}
	if p.Status != store.StatusActive {
		return messaging.Recipient{}, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("recipient %q is %s", to, p.Status))
	}
	id, err := identity.AgentID(h.td, p.Name)
	if err != nil {
		return messaging.Recipient{}, err
	}
	return messaging.Recipient{ID: id.String(), Entity: policy.EntityOf(p)}, nil
}

func (h messagingHandler) Send(ctx context.Context, req *connect.Request[airlockv1.SendRequest]) (*connect.Response[airlockv1.SendResponse], error) {
	from, err := sender(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	to, err := h.recipient(ctx, m.GetTo())
	if err != nil {
		return nil, err
	}
	e := messaging.Envelope{ID: m.GetId(), Sender: from.ID, Recipient: to.ID, Subject: m.GetSubject(),
		ContentType: m.GetContentType(), Thread: m.GetThread(), ReplyTo: m.GetReplyTo(), Headers: m.GetHeaders(), Body: m.GetBody()}
	res, err := h.msg.Send(ctx, policyActor(ctx), from, to, e, m.GetSignature(), m.GetIdempotencyKey())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.SendResponse{Id: res.ID, State: string(res.State), Duplicate: res.Duplicate,
		AccessRequestId: res.AccessRequestID}), nil
}

// mailbox authorizes the caller to read its own mailbox and names it.
func (h messagingHandler) mailbox(ctx context.Context) (string, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return "", errPermission
	}
	return h.msg.AuthorizeRead(ctx, policyActor(ctx), c.Entity(), c.Entity())
}

func deliveryProto(d messaging.Delivery) *airlockv1.Delivery {
	e := d.Envelope
	out := &airlockv1.Delivery{
		Envelope: &airlockv1.Envelope{Id: e.ID, Sender: e.Sender, Recipient: e.Recipient, Subject: e.Subject,
			ContentType: e.ContentType, Thread: e.Thread, ReplyTo: e.ReplyTo, Headers: e.Headers, Body: e.Body,
			CreatedAt: timestamppb.New(e.Created)},
		Signature: d.Signature, SenderChain: d.SenderChain, Attempt: int32(d.Attempt),
		Labels: &airlockv1.ScreenLabels{Verdict: string(d.Labels.Verdict), Score: d.Labels.Score,
			Categories: d.Labels.Categories, Redacted: d.Labels.Redacted},
		HubSignature: d.Labels.HubSignature, HubChain: d.Labels.HubChain,
	}
	if !d.LeaseExpires.IsZero() {
		out.LeaseExpiresAt = timestamppb.New(d.LeaseExpires)
	}
	return out
}

func (h messagingHandler) Fetch(ctx context.Context, req *connect.Request[airlockv1.FetchRequest]) (*connect.Response[airlockv1.FetchResponse], error) {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return nil, err
	}
	return fetchMailbox(ctx, h.msg, mb, req.Msg.GetLimit(), req.Msg.GetWaitSeconds())
}

func (h messagingHandler) Receive(ctx context.Context, req *connect.Request[airlockv1.ReceiveRequest], stream *connect.ServerStream[airlockv1.ReceiveResponse]) error {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return err
	}
	return streamMailbox(ctx, h.msg, mb, req.Msg.GetMaxInFlight(), stream)
}

func (h messagingHandler) Ack(ctx context.Context, req *connect.Request[airlockv1.AckRequest]) (*connect.Response[airlockv1.AckResponse], error) {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return nil, err
	}
	n, err := h.msg.Ack(ctx, policyActor(ctx), mb, req.Msg.GetIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.AckResponse{Acked: int32(n)}), nil
}

func (h messagingHandler) GetMessage(ctx context.Context, req *connect.Request[airlockv1.GetMessageRequest]) (*connect.Response[airlockv1.GetMessageResponse], error) {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return nil, err
	}
	d, err := h.msg.Get(ctx, mb, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.GetMessageResponse{Delivery: deliveryProto(d), State: string(d.State)}), nil
}

func (h messagingHandler) ListDeadLetters(ctx context.Context, req *connect.Request[airlockv1.ListDeadLettersRequest]) (*connect.Response[airlockv1.ListDeadLettersResponse], error) {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return nil, err
	}
	return listDeadLetters(ctx, h.msg, mb, req.Msg.GetLimit())
}

// listDeadLetters lists up to limit (default 100) dead letters of mailbox
// mb, which the caller was authorized to read. A subscription is a
// mailbox, so topics use it too.
func listDeadLetters(ctx context.Context, msg Messaging, mb string, limit int32) (*connect.Response[airlockv1.ListDeadLettersResponse], error) {
	n := int(limit)
	if n <= 0 || n > messaging.MaxBatch {
		n = 100
	}
	dls, err := msg.DeadLetters(ctx, mb, n)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListDeadLettersResponse{}
	for _, dl := range dls {
		out.Deliveries = append(out.Deliveries, deliveryProto(dl.Delivery))
	}
	return connect.NewResponse(out), nil
}

func (h messagingHandler) Requeue(ctx context.Context, req *connect.Request[airlockv1.RequeueRequest]) (*connect.Response[airlockv1.RequeueResponse], error) {
	mb, err := h.mailbox(ctx)
	if err != nil {
		return nil, err
	}
	n, err := h.msg.Requeue(ctx, policyActor(ctx), mb, req.Msg.GetIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RequeueResponse{Requeued: int32(n)}), nil
}

// fetchMailbox leases up to limit (default 10) deliveries of mailbox mb,
// waiting up to waitSeconds (at most a minute) for one to arrive. A
// subscription is a mailbox, so topics use it too.
func fetchMailbox(ctx context.Context, msg Messaging, mb string, limit, waitSeconds int32) (*connect.Response[airlockv1.FetchResponse], error) {
	n := int(limit)
	if n <= 0 {
		n = 10
	}
	wait := min(time.Duration(waitSeconds)*time.Second, maxWait)
	ds, err := msg.Fetch(ctx, policyActor(ctx), mb, min(n, messaging.MaxBatch), max(wait, 0))
	if err != nil {
		return nil, err
	}
	out := &airlockv1.FetchResponse{}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, deliveryProto(d))
	}
	return connect.NewResponse(out), nil
}

// streamMailbox sends mailbox mb's deliveries on stream as they commit,
// maxInFlight (default 16) at a time, until the client goes away.
func streamMailbox(ctx context.Context, msg Messaging, mb string, maxInFlight int32, stream *connect.ServerStream[airlockv1.ReceiveResponse]) error {
	n := int(maxInFlight)
	if n <= 0 {
		n = 16
	}
	err := msg.Receive(ctx, policyActor(ctx), mb, min(n, messaging.MaxBatch), func(d messaging.Delivery) error {
		return stream.Send(&airlockv1.ReceiveResponse{Delivery: deliveryProto(d)})
	})
	if ctx.Err() != nil {
		return nil // the client went away; unacked messages come back after their lease
	}
	return err
}
