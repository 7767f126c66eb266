package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"connectrpc.com/connect"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/gen/airlock/v1/airlockv1connect"
)

// Options configure the API handlers.
type Options struct {
	Identities Identities
	Audit      AuditLog
	Policy     PolicyService
	Messaging  Messaging
	Topics     Topics // optional; nil serves no TopicService
	Mailboxes  Mailboxes
	Keyring    Keyring
	Schemas    Schemas // optional; nil serves no SchemaService
	// TrustDomain resolves message recipients.
	TrustDomain spiffeid.TrustDomain
	Node        string // hub node name for audit events
	Auth        *Authenticator
	Log         *slog.Logger
	Metrics     *Metrics // optional
	// MaxRequestBytes bounds a request message on the agent API.
	MaxRequestBytes int
	// APIAddress is told to newly enrolled agents (host:port of the agent API).
	APIAddress string
}

// enrollMaxBytes bounds Enroll requests: a token and a CSR fit easily.
const enrollMaxBytes = 64 << 10

// The API never compresses: a response can hold both a secret and text an
// attacker chose (a delivered message body next to its headers), and
// compressing such a mix under TLS leaks the secret through the length
// (CRIME, BREACH). It also cost ~5% of the hub's CPU under message load.
// WithCompression with nil constructors removes connect's default gzip.

func (o Options) handlerOptions(maxBytes int, interceptors ...connect.Interceptor) []connect.HandlerOption {
	opts := StrictJSONCodecs()
	all := append([]connect.Interceptor{observer{log: o.Log, metrics: o.Metrics}}, interceptors...)
	return append(opts,
		connect.WithInterceptors(all...),
		connect.WithReadMaxBytes(maxBytes),
		connect.WithCompression("gzip", nil, nil),
	)
}

// NewAgentHandler serves the mutual-TLS agent API: IdentityService (Renew,
// WhoAmI) and AdminService. Every call is authenticated again, so a
// suspended or revoked identity is refused on a connection already open.
func NewAgentHandler(o Options) http.Handler {
	opts := o.handlerOptions(o.MaxRequestBytes, authInterceptor{auth: o.Auth})
	z := authz{pol: o.Policy}
	ph := policyHandler{pol: o.Policy, ids: o.Identities, z: z}
	mux := http.NewServeMux()
	mux.Handle(airlockv1connect.NewIdentityServiceHandler(apiIdentityHandler{identityHandler{ids: o.Identities, z: z}}, opts...))
	mux.Handle(airlockv1connect.NewAdminServiceHandler(adminHandler{ids: o.Identities, boxes: o.Mailboxes, z: z}, opts...))
	if q, ok := o.Messaging.(Quarantine); ok {
		mux.Handle(airlockv1connect.NewQuarantineServiceHandler(quarantineHandler{policyHandler: ph, q: q}, opts...))
	}
	if o.Messaging != nil {
		mux.Handle(airlockv1connect.NewMessagingServiceHandler(messagingHandler{msg: o.Messaging, ids: o.Identities, td: o.TrustDomain}, opts...))
		mux.Handle(airlockv1connect.NewKeysServiceHandler(keysHandler{ring: o.Keyring, boxes: o.Mailboxes, ids: o.Identities, z: z}, opts...))
		if o.Topics != nil {
			mux.Handle(airlockv1connect.NewTopicServiceHandler(topicHandler{topics: o.Topics, msg: o.Messaging, z: z}, opts...))
		}
	}
	mux.Handle(airlockv1connect.NewAuditServiceHandler(auditHandler{log: o.Audit, node: o.Node, z: z}, opts...))
	mux.Handle(airlockv1connect.NewPolicyServiceHandler(ph, opts...))
	if o.Schemas != nil {
		mux.Handle(airlockv1connect.NewSchemaServiceHandler(schemaHandler{schemas: o.Schemas, z: z}, opts...))
	}
	mux.Handle(airlockv1connect.NewGrantServiceHandler(grantHandler{ph}, opts...))
	mux.Handle(airlockv1connect.NewAccessServiceHandler(accessHandler{ph}, opts...))
	return withRequestID(withTLSState(mux))
}

// NewEnrollHandler serves the enrollment listener: Enroll, the trust bundle
// at /bundle.pem, and /healthz.
func NewEnrollHandler(o Options, bundlePEM []byte) http.Handler {
	h := identityHandler{ids: o.Identities, apiAddress: o.APIAddress}
	mux := http.NewServeMux()
	mux.Handle(airlockv1connect.IdentityServiceEnrollProcedure,
		connect.NewUnaryHandler(airlockv1connect.IdentityServiceEnrollProcedure, h.Enroll, o.handlerOptions(enrollMaxBytes)...))
	mux.HandleFunc("GET /bundle.pem", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(bundlePEM)
	})
	mux.HandleFunc("GET /healthz", Healthz)
	return withRequestID(mux)
}

// Healthz answers liveness probes.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// apiIdentityHandler refuses Enroll on the agent API: enrollment has its
// own listener so that the mTLS port never accepts token-only requests.
type apiIdentityHandler struct{ identityHandler }

func (apiIdentityHandler) Enroll(context.Context, *connect.Request[airlockv1.EnrollRequest]) (*connect.Response[airlockv1.EnrollResponse], error) {
	return nil, connect.NewError(connect.CodeFailedPrecondition,
		errors.New("enroll on the enrollment listener (AIRLOCK_ENROLL_SERVER), not the agent API"))
}
