package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

// Keyring is what the key handlers need; keys.Keyring implements it.
type Keyring interface {
	Rotate(ctx context.Context, owner string) (uint32, error)
	Status(ctx context.Context, owner string) (keys.Status, error)
}

// Mailboxes is the part of the messaging service the key and agent
// handlers use.
type Mailboxes interface {
	Rewrap(ctx context.Context, mailbox string, progress func(done, total int)) (int, int, error)
	Shred(ctx context.Context, a policy.Actor, mailbox string) error
	Count(ctx context.Context, mailbox string) (int64, error)
	// Topics returns the keyset owner of every topic ("topic/<name>").
	Topics(ctx context.Context) ([]string, error)
	// Record appends an audit event in its own transaction.
	Record(ctx context.Context, e store.Event) error
}

// keysHandler implements KeysService. Keys belong to agents and topics,
// so managing them is ManageAgents on the hub.
type keysHandler struct {
	ring  Keyring
	boxes Mailboxes
	ids   Identities
	z     authz
}

// keyTarget is what a key request names: one agent's keyset, one
// topic's, or every agent's and every topic's (all, or nothing named).
type keyTarget struct {
	agent, topic string
	all          bool
}

// check fails unless t names at most one thing, or, with required,
// exactly one.
func (t keyTarget) check(required bool) error {
	n := 0
	for _, set := range []bool{t.agent != "", t.topic != "", t.all} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return connect.NewError(connect.CodeInvalidArgument, errors.New("name an agent, a topic, or use all: only one"))
	case n == 0 && required:
		return connect.NewError(connect.CodeInvalidArgument, errors.New("name an agent (--agent), a topic (--topic), or use all (--all)"))
	}
	return nil
}

// owners returns the keyset owners t names: one agent's, one topic's, or
// every agent's and every topic's.
func (h keysHandler) owners(ctx context.Context, t keyTarget) ([]string, error) {
	switch {
	case t.agent != "":
		if _, err := h.ids.Agent(ctx, t.agent); err != nil {
			return nil, err
		}
		return []string{"agent/" + t.agent}, nil
	case t.topic != "":
		return h.topicOwner(ctx, t.topic)
	}
	ps, err := h.ids.Agents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, "agent/"+p.Name)
	}
	topics, err := h.boxes.Topics(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, topics...), nil
}

// topicOwner returns the keyset owner of topic, which must exist.
func (h keysHandler) topicOwner(ctx context.Context, topic string) ([]string, error) {
	if err := messaging.CheckTopicName("topic", topic); err != nil {
		return nil, err
	}
	topics, err := h.boxes.Topics(ctx)
	if err != nil {
		return nil, err
	}
	if owner := messaging.TopicKeyset(topic); slices.Contains(topics, owner) {
		return []string{owner}, nil
	}
	return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("topic %q does not exist", topic))
}

// requested checks t (see keyTarget.check) and returns its owners.
func (h keysHandler) requested(ctx context.Context, t keyTarget, required bool) ([]string, error) {
	if err := t.check(required); err != nil {
		return nil, err
	}
	return h.owners(ctx, t)
}

func (h keysHandler) info(ctx context.Context, owner string) (*airlockv1.KeyInfo, error) {
	st, err := h.ring.Status(ctx, owner)
	if errors.Is(err, keys.ErrNoKeyset) {
		return &airlockv1.KeyInfo{Owner: owner}, nil
	}
	if err != nil {
		return nil, err
	}
	n, err := h.boxes.Count(ctx, owner)
	if err != nil {
		return nil, err
	}
	return &airlockv1.KeyInfo{Owner: owner, Shredded: st.Shredded, Keys: int32(st.Keys),
		PrimaryKeyId: st.Primary, KeyIds: st.KeyIDs, Messages: n}, nil
}

func (h keysHandler) RotateKeys(ctx context.Context, req *connect.Request[airlockv1.RotateKeysRequest]) (*connect.Response[airlockv1.RotateKeysResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	owners, err := h.requested(ctx, keyTarget{req.Msg.GetAgent(), req.Msg.GetTopic(), req.Msg.GetAll()}, true)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.RotateKeysResponse{}
	for _, o := range owners {
		id, err := h.ring.Rotate(ctx, o)
		if err != nil && !errors.Is(err, keys.ErrNoKeyset) && !errors.Is(err, keys.ErrShredded) {
			return nil, err
		}
		if err == nil {
			if err := h.audit(ctx, "keys.rotated", o, fmt.Sprintf("new primary key %d", id)); err != nil {
				return nil, err
			}
		}
		ki, err := h.info(ctx, o)
		if err != nil {
			return nil, err
		}
		out.Keys = append(out.Keys, ki)
	}
	return connect.NewResponse(out), nil
}

func (h keysHandler) KeyStatus(ctx context.Context, req *connect.Request[airlockv1.KeyStatusRequest]) (*connect.Response[airlockv1.KeyStatusResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	owners, err := h.requested(ctx, keyTarget{agent: req.Msg.GetAgent(), topic: req.Msg.GetTopic()}, false)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.KeyStatusResponse{}
	for _, o := range owners {
		ki, err := h.info(ctx, o)
		if err != nil {
			return nil, err
		}
		out.Keys = append(out.Keys, ki)
	}
	return connect.NewResponse(out), nil
}

func (h keysHandler) Rewrap(ctx context.Context, req *connect.Request[airlockv1.RewrapRequest], stream *connect.ServerStream[airlockv1.RewrapResponse]) error {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return err
	}
	owners, err := h.requested(ctx, keyTarget{req.Msg.GetAgent(), req.Msg.GetTopic(), req.Msg.GetAll()}, true)
	if err != nil {
		return err
	}
	var total, done int64
	last := time.Time{}
	for _, o := range owners {
		base := done
		_, _, err := h.boxes.Rewrap(ctx, o, func(d, t int) {
			if time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				_ = stream.Send(&airlockv1.RewrapResponse{Done: base + int64(d), Total: total + int64(t)})
			}
		})
		if err != nil && !errors.Is(err, keys.ErrNoKeyset) && !errors.Is(err, keys.ErrShredded) {
			return err
		}
		n, err := h.boxes.Count(ctx, o)
		if err != nil {
			return err
		}
		done, total = done+n, total+n
	}
	if err := h.audit(ctx, "keys.rewrapped", fmt.Sprintf("%d keysets", len(owners)), fmt.Sprintf("%d messages", done)); err != nil {
		return err
	}
	return stream.Send(&airlockv1.RewrapResponse{Done: done, Total: total, Finished: true})
}

// audit records a key-management action; an unaudited change is an error.
func (h keysHandler) audit(ctx context.Context, typ, target, detail string) error {
	a := policyActor(ctx)
	return h.boxes.Record(ctx, store.Event{Time: time.Now(), Type: typ, Outcome: store.OutcomeSuccess,
		Actor: a.ID, RequestID: a.RequestID, Target: target, Detail: detail, Reasons: reasonsFrom(ctx)})
}

// deleteAgent revokes an agent for good and, with shred, destroys its
// keyset so that its stored messages are unreadable for everyone.
func (h adminHandler) deleteAgent(ctx context.Context, name string, shred bool) (*airlockv1.Agent, error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	p, err := h.ids.Agent(ctx, name)
	if err != nil {
		return nil, err
	}
	if p.Status != store.StatusRevoked {
		if p, err = h.ids.SetAgentStatus(ctx, actor(ctx), name, store.StatusRevoked); err != nil {
			return nil, err
		}
	}
	if shred {
		if h.boxes == nil {
			return nil, errors.New("no keyring configured")
		}
		if err := h.boxes.Shred(ctx, policyActor(ctx), "agent/"+name); err != nil && !errors.Is(err, keys.ErrNoKeyset) {
			return nil, err
		}
	}
	return h.agentProto(p), nil
}
