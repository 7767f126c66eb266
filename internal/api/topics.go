package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Topics is what the topic handlers need; messaging.Service implements it.
// Reading a subscription is reading its mailbox, through Messaging's
// Fetch, Receive and DeadLetters.
type Topics interface {
	CreateTopic(ctx context.Context, a policy.Actor, name, segment string) (store.Topic, error)
	Topics(ctx context.Context) ([]store.Topic, error)
	Publish(ctx context.Context, a policy.Actor, from messaging.Sender, topic string, e messaging.Envelope, sig []byte, key string) (messaging.Publication, error)
	Subscribe(ctx context.Context, a policy.Actor, sub messaging.Subscriber, topic, name string) (string, error)
	AuthorizeSubscription(ctx context.Context, a policy.Actor, sub messaging.Subscriber, topic, name string) (string, error)
	AckSubscription(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error)
	RequeueSubscription(ctx context.Context, a policy.Actor, mailbox string, ids []string) (int, error)
}

var _ Topics = (*messaging.Service)(nil)

// topicHandler implements TopicService. Creating and listing topics is
// ManageAgents on the hub; publishing and subscribing are authorized by
// the messaging service on the topic (Publish, Subscribe).
type topicHandler struct {
	topics Topics
	msg    Messaging
	z      authz
}

func topicProto(t store.Topic) *airlockv1.Topic {
	return &airlockv1.Topic{Name: t.Name, Segment: t.Segment, CreatedAt: timestamppb.New(t.Created), CreatedBy: t.CreatedBy}
}

func (h topicHandler) CreateTopic(ctx context.Context, req *connect.Request[airlockv1.CreateTopicRequest]) (*connect.Response[airlockv1.CreateTopicResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	t, err := h.topics.CreateTopic(ctx, policyActor(ctx), req.Msg.GetName(), req.Msg.GetSegment())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.CreateTopicResponse{Topic: topicProto(t)}), nil
}

func (h topicHandler) ListTopics(ctx context.Context, _ *connect.Request[airlockv1.ListTopicsRequest]) (*connect.Response[airlockv1.ListTopicsResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	ts, err := h.topics.Topics(ctx)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListTopicsResponse{}
	for _, t := range ts {
		out.Topics = append(out.Topics, topicProto(t))
	}
	return connect.NewResponse(out), nil
}

func (h topicHandler) Publish(ctx context.Context, req *connect.Request[airlockv1.PublishRequest]) (*connect.Response[airlockv1.PublishResponse], error) {
	from, err := sender(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	e := messaging.Envelope{ID: m.GetId(), Sender: from.ID, Recipient: messaging.TopicRecipient(m.GetTopic()),
		Subject: m.GetSubject(), ContentType: m.GetContentType(), Thread: m.GetThread(), ReplyTo: m.GetReplyTo(),
		Headers: m.GetHeaders(), Body: m.GetBody()}
	p, err := h.topics.Publish(ctx, policyActor(ctx), from, m.GetTopic(), e, m.GetSignature(), m.GetIdempotencyKey())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.PublishResponse{Id: p.ID, Subscriptions: int32(p.Subscriptions), Duplicate: p.Duplicate}), nil
}

// subscriber describes the caller as the owner of a subscription.
func subscriber(ctx context.Context) (messaging.Subscriber, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return messaging.Subscriber{}, errPermission
	}
	return messaging.Subscriber{ID: c.ID.String(), Entity: c.Entity()}, nil
}

func (h topicHandler) Subscribe(ctx context.Context, req *connect.Request[airlockv1.SubscribeRequest]) (*connect.Response[airlockv1.SubscribeResponse], error) {
	sub, err := subscriber(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := h.topics.Subscribe(ctx, policyActor(ctx), sub, req.Msg.GetTopic(), req.Msg.GetSubscription()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.SubscribeResponse{Topic: req.Msg.GetTopic(), Subscription: req.Msg.GetSubscription()}), nil
}

// subscription authorizes the caller to read one of its subscriptions and
// returns its mailbox.
func (h topicHandler) subscription(ctx context.Context, topic, name string) (string, error) {
	sub, err := subscriber(ctx)
	if err != nil {
		return "", err
	}
	return h.topics.AuthorizeSubscription(ctx, policyActor(ctx), sub, topic, name)
}

func (h topicHandler) Fetch(ctx context.Context, req *connect.Request[airlockv1.FetchSubscriptionRequest]) (*connect.Response[airlockv1.FetchResponse], error) {
	mb, err := h.subscription(ctx, req.Msg.GetTopic(), req.Msg.GetSubscription())
	if err != nil {
		return nil, err
	}
	return fetchMailbox(ctx, h.msg, mb, req.Msg.GetLimit(), req.Msg.GetWaitSeconds())
}

func (h topicHandler) Receive(ctx context.Context, req *connect.Request[airlockv1.ReceiveSubscriptionRequest], stream *connect.ServerStream[airlockv1.ReceiveResponse]) error {
	mb, err := h.subscription(ctx, req.Msg.GetTopic(), req.Msg.GetSubscription())
	if err != nil {
		return err
	}
	return streamMailbox(ctx, h.msg, mb, req.Msg.GetMaxInFlight(), stream)
}

func (h topicHandler) Ack(ctx context.Context, req *connect.Request[airlockv1.AckSubscriptionRequest]) (*connect.Response[airlockv1.AckResponse], error) {
	mb, err := h.subscription(ctx, req.Msg.GetTopic(), req.Msg.GetSubscription())
	if err != nil {
		return nil, err
	}
	n, err := h.topics.AckSubscription(ctx, policyActor(ctx), mb, req.Msg.GetIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.AckResponse{Acked: int32(n)}), nil
}

// ListDeadLetters lists a subscription's dead letters; the caller is
// authorized as for Fetch (it owns the subscription and may Subscribe).
func (h topicHandler) ListDeadLetters(ctx context.Context, req *connect.Request[airlockv1.ListSubscriptionDeadLettersRequest]) (*connect.Response[airlockv1.ListDeadLettersResponse], error) {
	mb, err := h.subscription(ctx, req.Msg.GetTopic(), req.Msg.GetSubscription())
	if err != nil {
		return nil, err
	}
	return listDeadLetters(ctx, h.msg, mb, req.Msg.GetLimit())
}

// Requeue moves a subscription's dead letters back, authorized as for Ack.
func (h topicHandler) Requeue(ctx context.Context, req *connect.Request[airlockv1.RequeueSubscriptionRequest]) (*connect.Response[airlockv1.RequeueResponse], error) {
	mb, err := h.subscription(ctx, req.Msg.GetTopic(), req.Msg.GetSubscription())
	if err != nil {
		return nil, err
	}
	n, err := h.topics.RequeueSubscription(ctx, policyActor(ctx), mb, req.Msg.GetIds())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RequeueResponse{Requeued: int32(n)}), nil
}
