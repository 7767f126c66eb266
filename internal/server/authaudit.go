package server

import (
	"crypto/x509"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/store"
)

// authFailed queues an auth.failed audit event for the identity a client
// claimed or held.
func (s *Server) authFailed(actor, detail string) {
	s.failures.Add(store.Event{
		Time: time.Now(), Node: s.Config.Node, Type: "auth.failed", Outcome: store.OutcomeFailure,
		Actor: actor, Detail: detail,
	})
}

// auditHandshake wraps the TLS verification callback so that a refused
// client certificate that names an identity in our trust domain is
// audited. The identity is only claimed: the certificate did not verify.
func (s *Server) auditHandshake(verify func([][]byte, [][]*x509.Certificate) error) func([][]byte, [][]*x509.Certificate) error {
	td := s.hub.CA.TrustDomain()
	return func(raw [][]byte, chains [][]*x509.Certificate) error {
		err := verify(raw, chains)
		if err == nil || len(raw) == 0 {
			return err
		}
		leaf, perr := x509.ParseCertificate(raw[0])
		if perr != nil || len(leaf.URIs) != 1 {
			return err
		}
		id, perr := spiffeid.FromURI(leaf.URIs[0])
		if perr != nil || id.TrustDomain() != td {
			return err
		}
		s.authFailed(id.String(), "handshake refused: "+err.Error())
		return err
	}
}
