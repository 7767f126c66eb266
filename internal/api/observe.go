package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the ID the hub assigned to the request in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// withRequestID gives every HTTP request a fresh ID, returned in the
// X-Request-Id response header. Client-supplied IDs are not trusted.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// Metrics are the API's Prometheus collectors.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the API collectors with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airlock_api_requests_total",
			Help: "API calls by procedure and Connect code.",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "airlock_api_request_duration_seconds",
			Help:    "API call latency by procedure.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"procedure"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observer is the outermost interceptor: it maps errors to what the client
// may see, logs every call with its request ID and records metrics.
type observer struct {
	log     *slog.Logger
	metrics *Metrics
}

// callInfo lets inner interceptors and handlers report the caller and the
// policy decision's reasons.
type callInfo struct {
	caller  string
	reasons []string
}

type callInfoKey struct{}

func withCallInfo(ctx context.Context) (context.Context, *callInfo) {
	info := &callInfo{}
	return context.WithValue(ctx, callInfoKey{}, info), info
}

// noteReasons keeps the reasons of the request's authorization decision.
func noteReasons(ctx context.Context, reasons []string) {
	if info, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		info.reasons = reasons
	}
}

// reasonsFrom returns the reasons noted for the request.
func reasonsFrom(ctx context.Context) []string {
	if info, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		return info.reasons
	}
	return nil
}

func noteCaller(ctx context.Context, c Caller) {
	if info, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		info.caller = c.ID.String()
	}
}

func (o observer) done(ctx context.Context, info *callInfo, procedure string, start time.Time, err error) error {
	reqID := RequestID(ctx)
	code := "ok"
	var out error
	if err != nil {
		pe := publicError(err, reqID)
		code = pe.Code().String()
		out = pe
	}
	// Successful calls are logged at debug level: at tens of thousands of
	// calls per second an info line each would cost more than the call.
	// Metrics count them; the audit log records what changed state.
	level := slog.LevelDebug
	switch {
	case code == connect.CodeInternal.String():
		level = slog.LevelError
	case err != nil:
		level = slog.LevelInfo
	}
	if o.log.Enabled(ctx, level) { // build the attributes only when logging
		attrs := []any{"procedure", procedure, "request_id", reqID, "duration", time.Since(start)}
		if info.caller != "" {
			attrs = append(attrs, "caller", info.caller)
		}
		if err != nil {
			attrs = append(attrs, "code", code, "error", err.Error())
		}
		o.log.Log(ctx, level, "api call", attrs...)
	}
	if o.metrics != nil {
		o.metrics.requests.WithLabelValues(procedure, code).Inc()
		o.metrics.duration.WithLabelValues(procedure).Observe(time.Since(start).Seconds())
	}
	return out
}

func (o observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		ctx, info := withCallInfo(ctx)
		resp, err := next(ctx, req)
		if err = o.done(ctx, info, req.Spec().Procedure, start, err); err != nil {
			return nil, err
		}
		return resp, nil
	}
}

func (o observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (o observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		ctx, info := withCallInfo(ctx)
		return o.done(ctx, info, conn.Spec().Procedure, start, next(ctx, conn))
	}
}
