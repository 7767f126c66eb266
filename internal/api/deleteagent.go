package api

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
)

// DeleteAgent is wired to the messaging keyring in the messaging work.
func (h adminHandler) DeleteAgent(ctx context.Context, _ *connect.Request[airlockv1.DeleteAgentRequest]) (*connect.Response[airlockv1.DeleteAgentResponse], error) {
	if err := h.z.admin(ctx, "ManageAgents"); err != nil {
		return nil, err
	}
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("agent delete is not available yet"))
}
