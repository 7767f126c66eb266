package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
)

func TestPublicError(t *testing.T) {
	const reqID = "0123456789abcdef01234567"
	for _, tc := range []struct {
		name string
		err  error
		code connect.Code
	}{
		{"invalid", fmt.Errorf("%w: csr: bad signature", identity.ErrInvalid), connect.CodeInvalidArgument},
		{"denied", fmt.Errorf("%w: agent a1 is revoked", identity.ErrDenied), connect.CodePermissionDenied},
		{"permission", errPermission, connect.CodePermissionDenied},
		{"unauthenticated", fmt.Errorf("%w: token already used", identity.ErrUnauthenticated), connect.CodeUnauthenticated},
		{"not found", fmt.Errorf("agent %q: %w", "nobody", store.ErrNotFound), connect.CodeNotFound},
		{"exists", fmt.Errorf("agent %q: %w", "a1", store.ErrExists), connect.CodeAlreadyExists},
		{"conflict", fmt.Errorf("resume a1: %w", store.ErrConflict), connect.CodeFailedPrecondition},
		{"canceled", fmt.Errorf("list agents: %w", context.Canceled), connect.CodeCanceled},
		{"deadline", context.DeadlineExceeded, connect.CodeDeadlineExceeded},
		{"connect error", connect.NewError(connect.CodeResourceExhausted, errors.New("too many requests")), connect.CodeResourceExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := publicError(tc.err, reqID)
			if got.Code() != tc.code {
				t.Errorf("code: got %v, want %v", got.Code(), tc.code)
			}
			// Safe errors keep their message, which names what went wrong.
			var want string
			if ce := new(connect.Error); errors.As(tc.err, &ce) {
				want = ce.Message()
			} else {
				want = tc.err.Error()
			}
			if got.Message() != want {
				t.Errorf("message: got %q, want %q", got.Message(), want)
			}
			if id := got.Meta().Get(requestIDHeader); id != reqID {
				t.Errorf("request ID header: got %q, want %q", id, reqID)
			}
		})
	}
}

// TestPublicErrorHidesInternals: an unclassified error becomes Internal,
// with the request ID and none of the original text.
func TestPublicErrorHidesInternals(t *testing.T) {
	const reqID = "feedfacefeedfacefeedface"
	secret := errors.New(`open /var/lib/airlock/hub.db: database is locked (kek=c2VjcmV0)`)
	for _, err := range []error{secret, fmt.Errorf("record certificate: %w", secret)} {
		got := publicError(err, reqID)
		if got.Code() != connect.CodeInternal {
			t.Errorf("code: got %v, want internal", got.Code())
		}
		msg := got.Error()
		if !strings.Contains(msg, reqID) {
			t.Errorf("message %q does not carry the request ID", msg)
		}
		for _, leak := range []string{"/var/lib", "database is locked", "kek=", "record certificate"} {
			if strings.Contains(msg, leak) {
				t.Errorf("message %q leaks %q", msg, leak)
			}
		}
		if id := got.Meta().Get(requestIDHeader); id != reqID {
			t.Errorf("request ID header: got %q, want %q", id, reqID)
		}
	}
}
