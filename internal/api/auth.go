package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/store"
)

// Caller is the authenticated identity behind a request on the agent API.
type Caller struct {
	ID       spiffeid.ID
	Kind     store.Kind
	Name     string
	Segment  string
	Roles    []string
	Serial   string // hex serial of the certificate presented
	NotAfter time.Time
	// Chain is the verified certificate chain presented, leaf first.
	Chain []*x509.Certificate
}

// HasRole reports whether the caller is a human holding role.
func (c Caller) HasRole(role string) bool {
	return c.Kind == store.KindHuman && slices.Contains(c.Roles, role)
}

// PrincipalSource looks principals up by kind and name. The hub passes a
// short-lived cache in front of the store.
type PrincipalSource interface {
	Principal(ctx context.Context, kind store.Kind, name string) (store.Principal, error)
}

// Authenticator decides whether a verified certificate may talk to the hub:
// at the TLS handshake (Authorize) and again on every request (Interceptor),
// so that suspension and revocation apply to connections already open.
type Authenticator struct {
	TrustDomain spiffeid.TrustDomain
	Principals  PrincipalSource
	Now         func() time.Time // defaults to time.Now
	// OnFailure, if set, is told about every identity refused on a
	// request, so it can be audited. It must not block.
	OnFailure func(id spiffeid.ID, reason error)
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Authorize is a go-spiffe tlsconfig.Authorizer: it runs during the
// handshake, after the chain has been verified against the trust bundle.
func (a *Authenticator) Authorize(id spiffeid.ID, chains [][]*x509.Certificate) error {
	if len(chains) == 0 || len(chains[0]) == 0 {
		return fmt.Errorf("%w: no verified chain", identity.ErrUnauthenticated)
	}
	_, err := a.resolve(context.Background(), id, chains[0][0]) // the server audits handshake refusals itself
	return err
}

// caller resolves id to an active principal, reporting refusals.
func (a *Authenticator) caller(ctx context.Context, id spiffeid.ID, leaf *x509.Certificate) (Caller, error) {
	c, err := a.resolve(ctx, id, leaf)
	if err != nil && a.OnFailure != nil {
		a.OnFailure(id, err)
	}
	return c, err
}

func (a *Authenticator) resolve(ctx context.Context, id spiffeid.ID, leaf *x509.Certificate) (Caller, error) {
	kind, name, err := identity.ParsePrincipal(id, a.TrustDomain)
	if err != nil {
		return Caller{}, fmt.Errorf("%w: %v", identity.ErrUnauthenticated, err)
	}
	if kind != string(store.KindAgent) && kind != string(store.KindHuman) {
		return Caller{}, fmt.Errorf("%w: %s is not an agent or human identity", identity.ErrUnauthenticated, id)
	}
	if a.now().After(leaf.NotAfter) {
		return Caller{}, fmt.Errorf("%w: certificate for %s expired at %s; renew or enroll again",
			identity.ErrUnauthenticated, id, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	p, err := a.Principals.Principal(ctx, store.Kind(kind), name)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, fmt.Errorf("%w: %s is not registered", identity.ErrUnauthenticated, id)
	}
	if err != nil {
		return Caller{}, fmt.Errorf("look up %s: %w", id, err) // fail closed
	}
	if p.Status != store.StatusActive {
		return Caller{}, fmt.Errorf("%w: %s is %s", identity.ErrUnauthenticated, id, p.Status)
	}
	return Caller{
		ID: id, Kind: p.Kind, Name: p.Name, Segment: p.Segment, Roles: p.Roles,
		Serial: leaf.SerialNumber.Text(16), NotAfter: leaf.NotAfter, // as %x, without fmt: this runs per call
	}, nil
}

// Authenticate resolves the peer of a request that came over mTLS.
func (a *Authenticator) Authenticate(ctx context.Context, cs *tls.ConnectionState) (Caller, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return Caller{}, fmt.Errorf("%w: no client certificate", identity.ErrUnauthenticated)
	}
	leaf := cs.PeerCertificates[0]
	if len(leaf.URIs) != 1 {
		return Caller{}, fmt.Errorf("%w: certificate must carry exactly one SPIFFE ID", identity.ErrUnauthenticated)
	}
	id, err := spiffeid.FromURI(leaf.URIs[0])
	if err != nil {
		return Caller{}, fmt.Errorf("%w: %v", identity.ErrUnauthenticated, err)
	}
	c, err := a.caller(ctx, id, leaf)
	c.Chain = cs.PeerCertificates
	return c, err
}

type callerKey struct{}

// CallerFrom returns the authenticated caller stored in ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

type tlsStateKey struct{}

// withTLSState keeps the connection's TLS state in the request context so
// that interceptors, which don't see the *http.Request, can authenticate.
func withTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tlsStateKey{}, r.TLS)))
	})
}

// authInterceptor authenticates every unary and streaming call.
type authInterceptor struct{ auth *Authenticator }

func (i authInterceptor) authenticate(ctx context.Context) (context.Context, error) {
	cs, _ := ctx.Value(tlsStateKey{}).(*tls.ConnectionState)
	c, err := i.auth.Authenticate(ctx, cs)
	if err != nil {
		return ctx, err
	}
	noteCaller(ctx, c)
	return WithCaller(ctx, c), nil
}

func (i authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, err := i.authenticate(ctx)
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

func (i authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := i.authenticate(ctx)
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}
