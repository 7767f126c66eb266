package api

import (
	"context"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

// DeleteAgent revokes an agent; with shred it also destroys its keyset.
func (h adminHandler) DeleteAgent(ctx context.Context, req *connect.Request[airlockv1.DeleteAgentRequest]) (*connect.Response[airlockv1.DeleteAgentResponse], error) {
	a, err := h.deleteAgent(ctx, req.Msg.GetName(), req.Msg.GetShred())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&airlockv1.DeleteAgentResponse{Agent: a, Shredded: req.Msg.GetShred()}), nil
}
