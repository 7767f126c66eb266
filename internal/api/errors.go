package api

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/messaging"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/screen"
	"github.com/airlock-hub/airlock/internal/store"
)

// errPermission is returned when an authenticated caller may not do something.
var errPermission = errors.New("permission denied")

// codeOf maps a domain error to the Connect code a client sees, and says
// whether its message is safe to show. Unknown errors are internal: the
// client gets a request ID, the log gets the details.
func codeOf(err error) (connect.Code, bool) {
	var ce *connect.Error
	switch {
	case errors.As(err, &ce):
		return ce.Code(), true
	case errors.Is(err, identity.ErrUnauthenticated):
		return connect.CodeUnauthenticated, true
	case errors.Is(err, errPermission), errors.Is(err, identity.ErrDenied), errors.Is(err, policy.ErrDenied),
		errors.Is(err, policy.ErrApprovalRequired):
		return connect.CodePermissionDenied, true
	case errors.Is(err, policy.ErrInvalid), errors.Is(err, policy.ErrNoPolicies), errors.As(err, new(*policy.ValidationError)):
		return connect.CodeInvalidArgument, true
	case errors.Is(err, identity.ErrInvalid):
		return connect.CodeInvalidArgument, true
	case errors.Is(err, screen.ErrInvalidSchema), errors.Is(err, screen.ErrRemoteRef):
		return connect.CodeInvalidArgument, true
	case errors.Is(err, screen.ErrSchemaExists):
		return connect.CodeAlreadyExists, true
	case errors.Is(err, messaging.ErrCorrupt):
		return connect.CodeDataLoss, true
	case errors.Is(err, messaging.ErrQuota):
		return connect.CodeResourceExhausted, true
	case errors.Is(err, messaging.ErrOverloaded):
		return connect.CodeUnavailable, true
	case errors.Is(err, messaging.ErrDuplicate):
		return connect.CodeAlreadyExists, true
	case errors.Is(err, messaging.ErrInvalid), errors.Is(err, messaging.ErrBadSignature), errors.Is(err, messaging.ErrRejected):
		return connect.CodeInvalidArgument, true
	case errors.Is(err, store.ErrNotFound):
		return connect.CodeNotFound, true
	case errors.Is(err, store.ErrExists):
		return connect.CodeAlreadyExists, true
	case errors.Is(err, store.ErrConflict):
		return connect.CodeFailedPrecondition, true
	case errors.Is(err, context.Canceled):
		return connect.CodeCanceled, true
	case errors.Is(err, context.DeadlineExceeded):
		return connect.CodeDeadlineExceeded, true
	}
	return connect.CodeInternal, false
}

// publicError converts err into what the client sees.
func publicError(err error, requestID string) *connect.Error {
	code, safe := codeOf(err)
	var ce *connect.Error
	if errors.As(err, &ce) {
		ce.Meta().Set(requestIDHeader, requestID)
		return ce
	}
	msg := err.Error()
	if !safe {
		msg = "internal error; the hub log has details under request ID " + requestID
	}
	out := connect.NewError(code, errors.New(msg))
	out.Meta().Set(requestIDHeader, requestID)
	return out
}
