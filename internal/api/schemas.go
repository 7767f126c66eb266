package api

import (
	"context"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/screen"
)

// Schemas is what the schema handlers need; screen.SchemaStore
// implements it.
type Schemas interface {
	Register(ctx context.Context, a screen.SchemaActor, typ string, doc []byte) (screen.SchemaRecord, bool, error)
	List(ctx context.Context) ([]screen.SchemaRecord, error)
	Get(ctx context.Context, typ string, version int) (screen.SchemaRecord, error)
}

var _ Schemas = (*screen.SchemaStore)(nil)

// maxSchemaVersion bounds the version a client may ask for.
const maxSchemaVersion = 1 << 30

// schemaHandler implements SchemaService; every call needs ManagePolicy
// on the hub.
type schemaHandler struct {
	schemas Schemas
	z       authz
}

func schemaInfoProto(r screen.SchemaRecord) *airlockv1.SchemaInfo {
	return &airlockv1.SchemaInfo{Type: r.Type, Version: int64(r.Version), Digest: r.Digest,
		CreatedAt: timestamppb.New(r.Created), Actor: r.Actor}
}

func (h schemaHandler) RegisterSchema(ctx context.Context, req *connect.Request[airlockv1.RegisterSchemaRequest]) (*connect.Response[airlockv1.RegisterSchemaResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	a := screen.SchemaActor{ID: policyActor(ctx).ID, RequestID: RequestID(ctx)}
	rec, created, err := h.schemas.Register(ctx, a, req.Msg.GetType(), req.Msg.GetDocument())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.RegisterSchemaResponse{Type: rec.Type, Version: int64(rec.Version),
		Digest: rec.Digest, Created: created}), nil
}

func (h schemaHandler) ListSchemas(ctx context.Context, _ *connect.Request[airlockv1.ListSchemasRequest]) (*connect.Response[airlockv1.ListSchemasResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	recs, err := h.schemas.List(ctx)
	if err != nil {
		return nil, err
	}
	out := &airlockv1.ListSchemasResponse{Schemas: make([]*airlockv1.SchemaInfo, 0, len(recs))}
	for _, r := range recs {
		out.Schemas = append(out.Schemas, schemaInfoProto(r))
	}
	return connect.NewResponse(out), nil
}

func (h schemaHandler) GetSchema(ctx context.Context, req *connect.Request[airlockv1.GetSchemaRequest]) (*connect.Response[airlockv1.GetSchemaResponse], error) {
	if err := h.z.admin(ctx, "ManagePolicy"); err != nil {
		return nil, err
	}
	v := req.Msg.GetVersion()
	if v < 0 || v > maxSchemaVersion {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("version %d: must be 0 (latest) or a version number", v))
	}
	rec, err := h.schemas.Get(ctx, req.Msg.GetType(), int(v))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.GetSchemaResponse{Schema: schemaInfoProto(rec), Document: rec.Doc}), nil
}
