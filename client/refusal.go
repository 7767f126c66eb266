package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"connectrpc.com/connect"
)

// In TLS 1.3 the server checks the client's certificate after the client
// has finished its side of the handshake. When the hub refuses a
// certificate (revoked or suspended identity, expired certificate, another
// CA), the client may already be writing its request and see only "broken
// pipe" or "connection reset". refusalInterceptor turns such transport
// failures into a clear Unauthenticated error by probing the handshake once
// more and reading the hub's TLS alert.
type refusalInterceptor struct{ c *Client }

// transportFailure reports whether err looks like a connection the hub closed.
func transportFailure(err error) bool {
	code := connect.CodeOf(err)
	if code != connect.CodeUnavailable && code != connect.CodeUnknown && code != connect.CodeInternal {
		return false
	}
	msg := err.Error()
	// net/http's HTTP/2 transport reports a connection closed before its
	// first request as "client conn could not be established".
	for _, s := range []string{"broken pipe", "connection reset", "tls: ", "EOF", "could not be established"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// probe dials the hub with this client's TLS settings and returns the TLS
// alert the hub sends, or nil if it accepts the certificate or the probe
// cannot tell (the hub is unreachable, or closed the connection without
// an alert).
func (c *Client) probe(ctx context.Context, addr string) error {
	cfg := c.transport.TLSClientConfig.Clone()
	cfg.NextProtos = []string{"h2"}
	d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tlsRefusal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Read(make([]byte, 1)) // the hub's HTTP/2 SETTINGS, or its alert
	return tlsRefusal(err)
}

// tlsRefusal returns err if it is a TLS alert or handshake error, else nil.
func tlsRefusal(err error) error {
	var alert tls.AlertError
	if err != nil && (errors.As(err, &alert) || strings.Contains(err.Error(), "tls: ")) {
		return err
	}
	return nil
}

func (i refusalInterceptor) explain(ctx context.Context, addr string, err error) error {
	if !transportFailure(err) {
		return err
	}
	perr := i.c.probe(ctx, addr)
	if perr == nil {
		return err
	}
	return connect.NewError(connect.CodeUnauthenticated, fmt.Errorf(
		"the hub refused this identity (%s) at the TLS handshake (%v): it may be revoked or suspended, or its certificate expired or comes from another hub",
		i.c.Current().ID, perr))
}

func (i refusalInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		resp, err := next(ctx, req)
		if err != nil {
			return nil, i.explain(ctx, req.Peer().Addr, err)
		}
		return resp, nil
	}
}

func (i refusalInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i refusalInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
