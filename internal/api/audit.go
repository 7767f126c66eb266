package api

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/audit"
	"github.com/airlock-hub/airlock/internal/store"
)

// AuditLog is what the audit handlers need from the audit log.
type AuditLog interface {
	Events(ctx context.Context, f store.EventFilter) ([]store.Event, error)
	// Size is the number of events in the log.
	Size(ctx context.Context) (int64, error)
	// ProofJSON returns the inclusion proof of event seq as JSON.
	ProofJSON(ctx context.Context, seq int64) ([]byte, error)
	// Verify checks the whole log; an *audit.VerifyError reports the first
	// bad event.
	Verify(ctx context.Context, external []byte, progress func(done, total int64)) (checkpoints int64, err error)
	VerifierKey() (key, origin string)
	Checkpoint(ctx context.Context) (note []byte, size int64, err error)
	// Record appends an event in its own transaction.
	Record(ctx context.Context, e store.Event) error
}

const (
	defaultEventLimit = 1000
	maxEventLimit     = 10000
)

// auditHandler implements AuditService. Reading the log is an admin action
// and is itself audited.
type auditHandler struct {
	log  AuditLog
	node string
	z    authz
}

// authorizeRead checks the caller and records the read.
func (h auditHandler) authorizeRead(ctx context.Context, what string) error {
	c, _ := CallerFrom(ctx)
	e := store.Event{
		Time: time.Now(), Node: h.node, Type: "audit.read", Outcome: store.OutcomeSuccess,
		Actor: c.ID.String(), RequestID: RequestID(ctx), Detail: what,
	}
	err := h.z.admin(ctx, "ReadAudit")
	if err != nil {
		e.Outcome, e.Detail = store.OutcomeFailure, what+": "+err.Error()
	}
	if rerr := h.log.Record(ctx, e); rerr != nil {
		return errors.Join(err, rerr) // fail closed: an unaudited read is refused
	}
	return err
}

func eventProto(e store.Event) *airlockv1.Event {
	return &airlockv1.Event{
		Seq: e.Seq, Time: timestamppb.New(e.Time), Node: e.Node, Type: e.Type, Outcome: string(e.Outcome),
		Actor: e.Actor, Target: e.Target, RequestId: e.RequestID, Reasons: e.Reasons, Detail: e.Detail,
	}
}

func eventFilter(m *airlockv1.ListEventsRequest) (store.EventFilter, error) {
	f := store.EventFilter{AfterSeq: m.GetAfterSeq(), Actor: m.GetActor(), Type: m.GetType(),
		Outcome: store.Outcome(m.GetOutcome()), Limit: int(m.GetLimit())}
	if m.GetSince() != nil {
		f.Since = m.GetSince().AsTime()
	}
	switch {
	case f.Limit == 0:
		f.Limit = defaultEventLimit
	case f.Limit < 0 || f.Limit > maxEventLimit:
		return f, connect.NewError(connect.CodeInvalidArgument, errors.New("limit must be 1 to 10000"))
	}
	if m.GetLast() < 0 || m.GetLast() > maxEventLimit ||
		(m.GetLast() > 0 && (f.AfterSeq != 0 || f.Actor != "" || f.Type != "" || f.Outcome != "" || !f.Since.IsZero())) {
		return f, connect.NewError(connect.CodeInvalidArgument, errors.New("last must be 1 to 10000 and used without other filters"))
	}
	if f.Outcome != "" && f.Outcome != store.OutcomeSuccess && f.Outcome != store.OutcomeFailure {
		return f, connect.NewError(connect.CodeInvalidArgument, errors.New(`outcome must be "success" or "failure"`))
	}
	return f, nil
}

func (h auditHandler) ListEvents(ctx context.Context, req *connect.Request[airlockv1.ListEventsRequest]) (*connect.Response[airlockv1.ListEventsResponse], error) {
	f, err := eventFilter(req.Msg)
	if err != nil {
		return nil, err
	}
	if err := h.authorizeRead(ctx, "list events"); err != nil {
		return nil, err
	}
	if last := int64(req.Msg.GetLast()); last > 0 {
		size, err := h.log.Size(ctx)
		if err != nil {
			return nil, err
		}
		f.AfterSeq = max(0, size-last)
	}
	es, err := h.log.Events(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListEventsResponse{Events: make([]*airlockv1.Event, 0, len(es))}
	for _, e := range es {
		out.Events = append(out.Events, eventProto(e))
	}
	return connect.NewResponse(out), nil
}

func (h auditHandler) GetProof(ctx context.Context, req *connect.Request[airlockv1.GetProofRequest]) (*connect.Response[airlockv1.GetProofResponse], error) {
	if req.Msg.GetSeq() < 1 {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("seq must be at least 1"))
	}
	if err := h.authorizeRead(ctx, "prove event"); err != nil {
		return nil, err
	}
	p, err := h.log.ProofJSON(ctx, req.Msg.GetSeq())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.GetProofResponse{ProofJson: string(p)}), nil
}

func (h auditHandler) Verify(ctx context.Context, req *connect.Request[airlockv1.VerifyRequest], stream *connect.ServerStream[airlockv1.VerifyResponse]) error {
	if err := h.authorizeRead(ctx, "verify log"); err != nil {
		return err
	}
	var last time.Time
	var seen int64
	progress := func(done, total int64) {
		seen = done
		if time.Since(last) < 200*time.Millisecond && done != total {
			return
		}
		last = time.Now()
		_ = stream.Send(&airlockv1.VerifyResponse{Done: done, Total: total})
	}
	n, err := h.log.Verify(ctx, req.Msg.GetExternalCheckpoint(), progress)
	res := &airlockv1.VerifyResponse{Finished: true, Ok: err == nil, Checkpoints: n, Done: seen, Total: seen}
	var ve *audit.VerifyError
	switch {
	case errors.As(err, &ve):
		res.BadIndex, res.BadSeq, res.Reason = ve.Index, ve.Seq, ve.Reason
	case err != nil:
		return err
	}
	return stream.Send(res)
}

func (h auditHandler) GetPublicKey(ctx context.Context, _ *connect.Request[airlockv1.GetPublicKeyRequest]) (*connect.Response[airlockv1.GetPublicKeyResponse], error) {
	key, origin := h.log.VerifierKey()
	return connect.NewResponse(&airlockv1.GetPublicKeyResponse{VerifierKey: key, Origin: origin}), nil
}

func (h auditHandler) Checkpoint(ctx context.Context, _ *connect.Request[airlockv1.CheckpointRequest]) (*connect.Response[airlockv1.CheckpointResponse], error) {
	if err := h.z.admin(ctx, "ReadAudit"); err != nil {
		return nil, err
	}
	note, size, err := h.log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.CheckpointResponse{Note: string(note), Size: size}), nil
}
