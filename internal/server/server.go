// Package server is the hub's composition root: it turns a Config into
// running components (store, KEK, CA, identity service, API handlers) and
// owns the listeners and their goroutines.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"

	"github.com/airlock-hub/airlock/internal/api"
	"github.com/airlock-hub/airlock/internal/audit"
	"github.com/airlock-hub/airlock/internal/messaging"
)

// shutdownGrace bounds how long Close waits for calls in flight.
const shutdownGrace = 10 * time.Second

// Server is a hub node. Configure it, then Start it; Close stops it and is
// safe to call more than once.
type Server struct {
	// Config must be valid; see Config.Validate.
	Config Config
	// Log receives structured logs; slog.Default() when nil.
	Log *slog.Logger
	// Listeners may be set before Start (tests bind 127.0.0.1:0); nil
	// ones are opened from Config.
	APIListener, EnrollListener, MetricsListener net.Listener

	hub       *Hub
	cp        *audit.Checkpointer
	stop      chan struct{} // closed by Close; stops background loops
	failures  *eventQueue
	servers   []*http.Server
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Hub returns the server's components; valid after Start.
func (s *Server) Hub() *Hub { return s.hub }

// APIAddr is the agent API's bound address; valid after Start.
func (s *Server) APIAddr() string { return s.APIListener.Addr().String() }

// EnrollAddr is the enrollment listener's bound address; valid after Start.
func (s *Server) EnrollAddr() string { return s.EnrollListener.Addr().String() }

// MetricsAddr is the metrics listener's address, or "" when disabled.
func (s *Server) MetricsAddr() string {
	if s.MetricsListener == nil {
		return ""
	}
	return s.MetricsListener.Addr().String()
}

// Start opens the hub's state and starts serving. It creates the KEK and
// CA on first start.
func (s *Server) Start(ctx context.Context) error {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	hub, err := OpenHub(ctx, s.Config, true)
	if err != nil {
		return err
	}
	s.hub = hub
	if err := s.listen(); err != nil {
		s.closeListeners()
		hub.Close()
		return err
	}
	if err := s.serve(); err != nil {
		s.Close()
		return err
	}
	s.Log.Info("hub started", "api", s.APIAddr(), "enroll", s.EnrollAddr(), "metrics", s.MetricsAddr(),
		"trust_domain", s.Config.TrustDomain, "ca_fingerprint", hub.CA.Fingerprint(), "node", s.Config.Node)
	return nil
}

func (s *Server) listen() error {
	open := func(l *net.Listener, addr, what string) error {
		if *l != nil {
			return nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s listener: %w", what, err)
		}
		*l = ln
		return nil
	}
	if err := open(&s.APIListener, s.Config.Listen, "agent API"); err != nil {
		return err
	}
	if err := open(&s.EnrollListener, s.Config.EnrollListen, "enrollment"); err != nil {
		return err
	}
	if s.Config.MetricsListen == "off" {
		return nil
	}
	return open(&s.MetricsListener, s.Config.MetricsListen, "metrics")
}

func (s *Server) closeListeners() {
	for _, l := range []net.Listener{s.APIListener, s.EnrollListener, s.MetricsListener} {
		if l != nil {
			l.Close()
		}
	}
}

// tls13 applies the settings every hub listener shares.
func tls13(cfg *tls.Config) *tls.Config {
	cfg.MinVersion = tls.VersionTLS13
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return cfg
}

func (s *Server) serve() error {
	ca := s.hub.CA
	apiCert, err := newHubSVID(ca, s.Config.ServerNames, false)
	if err != nil {
		return err
	}
	s.hub.Messaging.HubKey = apiCert // before any request can send
	enrollCert, err := newHubSVID(ca, s.Config.ServerNames, true)
	if err != nil {
		return err
	}
	cp, err := audit.NewCheckpointer(s.hub.Store, s.hub.Signer, s.Config.Audit, s.Log) // the checkpointer labels its own messages
	if err != nil {
		return err
	}
	s.cp = cp
	cp.Start()
	s.failures = newEventQueue(s.hub.Store, s.Log.With("component", "audit"))
	s.hub.Policy.OnDeny = s.failures.Add
	s.stop = make(chan struct{})
	s.wg.Add(2)
	go s.refreshPolicy()
	go s.purgeAcked()
	if cn, ok := s.hub.Messaging.Notifier.(*messaging.ClusterNotifier); ok {
		cn.Log = s.Log.With("component", "messaging")
		s.wg.Go(func() { cn.Run(stopContext(s.stop)) })
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	auth := &api.Authenticator{TrustDomain: ca.TrustDomain(), Principals: s.hub.Identities,
		OnFailure: func(id spiffeid.ID, err error) { s.authFailed(id.String(), "request refused: "+err.Error()) }}
	opts := api.Options{
		Identities: s.hub.Identities, Auth: auth, Log: s.Log.With("component", "api"), Node: s.Config.Node,
		Audit: &auditLog{st: s.hub.Store, signer: s.hub.Signer, cp: cp}, Policy: s.hub.Policy,
		Messaging: s.hub.Messaging, Topics: s.hub.Messaging, Mailboxes: mailboxes{msg: s.hub.Messaging, st: s.hub.Store, node: s.Config.Node},
		Keyring: s.hub.Keys, Schemas: s.hub.Schemas, TrustDomain: ca.TrustDomain(),
		Metrics: api.NewMetrics(reg), MaxRequestBytes: s.Config.MaxRequestBytes, APIAddress: s.advertise(),
	}
	apiTLS := tls13(tlsconfig.MTLSServerConfig(apiCert, ca.X509Bundle(), auth.Authorize))
	apiTLS.VerifyPeerCertificate = s.auditHandshake(apiTLS.VerifyPeerCertificate)
	// Every connection gets a full handshake: a resumed TLS session would
	// skip the SPIFFE verification and the status check.
	apiTLS.SessionTicketsDisabled = true
	enrollTLS := tls13(tlsconfig.TLSServerConfig(enrollCert))
	s.start(api.NewAgentHandler(opts), s.APIListener, apiTLS)
	s.start(api.NewEnrollHandler(opts, ca.BundlePEM()), s.EnrollListener, enrollTLS)
	if s.MetricsListener != nil {
		s.start(s.metricsHandler(reg), s.MetricsListener, nil)
	}
	return nil
}

func (s *Server) advertise() string {
	if s.Config.AdvertiseAddress != "" {
		return s.Config.AdvertiseAddress
	}
	return s.APIAddr()
}

func (s *Server) metricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", api.Healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.hub.Store.Ping(ctx); err != nil {
			s.Log.Warn("readiness check failed", "error", err)
			http.Error(w, "store unreachable", http.StatusServiceUnavailable)
			return
		}
		api.Healthz(w, r)
	})
	return mux
}

// start serves h on l in a goroutine owned by s.
func (s *Server) start(h http.Handler, l net.Listener, cfg *tls.Config) {
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.With("component", "http").Handler(), slog.LevelDebug),
	}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var err error
		if cfg != nil {
			err = srv.ServeTLS(l, "", "")
		} else {
			err = srv.Serve(l)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("listener stopped", "addr", l.Addr().String(), "error", err)
		}
	}()
}

// policyRefresh is how often a node looks for a policy version, or JSON
// Schemas, stored by another node sharing the store.
const policyRefresh = 2 * time.Second

func (s *Server) refreshPolicy() {
	defer s.wg.Done()
	t := time.NewTicker(policyRefresh)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.hub.Policy.Refresh(ctx); err != nil {
			s.Log.Warn("policy refresh failed; keeping the active version", "error", err)
		}
		if err := s.hub.Schemas.Load(ctx); err != nil {
			s.Log.Warn("schema refresh failed; keeping the loaded schemas", "error", err)
		}
		cancel()
	}
}

// stopContext returns a context canceled when stop is closed.
func stopContext(stop <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stop; cancel() }()
	return ctx
}

// purgeEvery is how often a node deletes acked messages past
// messaging.retention. Every node does; writes are serialised, so two
// nodes purging at once only split the work.
const purgeEvery = 5 * time.Minute

func (s *Server) purgeAcked() {
	defer s.wg.Done()
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		n, err := s.hub.Messaging.PurgeAcked(ctx)
		cancel()
		if err != nil {
			s.Log.Warn("purging acked messages failed; will retry", "error", err, "purged", n)
		} else if n > 0 {
			s.Log.Info("purged acked messages past retention", "purged", n)
		}
	}
}

// Close stops accepting connections, waits up to 10 s for calls in flight,
// and closes the store. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		var errs []error
		for _, srv := range s.servers {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		s.closeListeners()
		if s.stop != nil {
			close(s.stop)
		}
		s.wg.Wait()
		if s.failures != nil {
			s.failures.Close()
		}
		if s.cp != nil {
			errs = append(errs, s.cp.Close()) // signs a final checkpoint
		}
		if s.hub != nil {
			errs = append(errs, s.hub.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
