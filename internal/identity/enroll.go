package identity

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/airlock-hub/airlock/internal/store"
)

// Enroll exchanges a join token and a CSR for an agent SVID. Using the
// token and issuing the certificate are one transaction: if issuance fails
// the token stays unused, and a used token never works again.
func (s *Service) Enroll(ctx context.Context, a Actor, token string, csrDER []byte) (*SVID, error) {
	id, secret, err := ParseJoinToken(token)
	if err != nil {
		return nil, invalid("join token: %v", err)
	}
	csr, err := ParseCSR(csrDER)
	if err != nil {
		return nil, invalid("csr: %v", err)
	}
	var svid *SVID
	var agent string
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if agent, err = s.useToken(tx, id, secret); err != nil {
			return err
		}
		if svid, err = s.issue(tx, store.KindAgent, agent, csr.PublicKey); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(a, "agent.enrolled", store.OutcomeSuccess, svid.ID.String(), "serial "+svid.Serial))
		return err
	})
	if err != nil {
		s.recordFailure(ctx, a, "agent.enrolled", s.AgentSPIFFEID(agent), err)
		return nil, err
	}
	return svid, nil
}

// useToken checks a join token inside tx and marks it used. It returns the
// agent the token enrolls.
func (s *Service) useToken(tx store.Tx, id string, secret []byte) (string, error) {
	t, err := tx.GetToken(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !CheckSecret(secret, t.Hash)) {
		return "", fmt.Errorf("%w: join token not recognised", ErrUnauthenticated)
	}
	if err != nil {
		return "", fmt.Errorf("look up join token: %w", err)
	}
	now := s.now()
	switch {
	case !t.Used.IsZero():
		return t.Agent, fmt.Errorf("%w: join token was already used at %s", ErrUnauthenticated, t.Used.Format(time.RFC3339))
	case now.After(t.Expires):
		return t.Agent, fmt.Errorf("%w: join token expired at %s", ErrUnauthenticated, t.Expires.Format(time.RFC3339))
	}
	p, err := tx.GetPrincipal(store.KindAgent, t.Agent)
	if err != nil {
		return t.Agent, fmt.Errorf("join token agent %q: %w", t.Agent, err)
	}
	if p.Status != store.StatusActive {
		return t.Agent, fmt.Errorf("%w: agent %q is %s", ErrDenied, t.Agent, p.Status)
	}
	if err := tx.MarkTokenUsed(id, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return t.Agent, fmt.Errorf("%w: join token was already used", ErrUnauthenticated)
		}
		return t.Agent, fmt.Errorf("mark join token used: %w", err)
	}
	_, err = tx.AppendEvent(s.event(Actor{}, "token.used", store.OutcomeSuccess, s.AgentSPIFFEID(t.Agent), "token "+id))
	return t.Agent, err
}

// principalID returns the SPIFFE ID of a principal.
func (s *Service) principalID(kind store.Kind, name string) (spiffeid.ID, error) {
	if kind == store.KindHuman {
		return HumanID(s.TrustDomain(), name)
	}
	return AgentID(s.TrustDomain(), name)
}

// issue signs an SVID for (kind, name) and records it inside tx.
func (s *Service) issue(tx store.Tx, kind store.Kind, name string, pub crypto.PublicKey) (*SVID, error) {
	id, err := s.principalID(kind, name)
	if err != nil {
		return nil, err
	}
	svid, err := s.CA.issue(pub, id, nil, nil, s.ttlFor(kind), s.now())
	if err != nil {
		return nil, fmt.Errorf("issue svid for %s: %w", id, err)
	}
	leaf := svid.Chain[0]
	err = tx.RecordCertificate(store.Certificate{
		Serial: svid.Serial, Kind: kind, Name: name, NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(),
	})
	if err != nil {
		return nil, fmt.Errorf("record certificate: %w", err)
	}
	return svid, nil
}

// Renew issues a fresh SVID for an authenticated, active principal.
func (s *Service) Renew(ctx context.Context, a Actor, kind store.Kind, name string, csrDER []byte) (*SVID, error) {
	csr, err := ParseCSR(csrDER)
	if err != nil {
		return nil, invalid("csr: %v", err)
	}
	var svid *SVID
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.GetPrincipal(kind, name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %s %q is not registered", ErrUnauthenticated, kind, name)
		}
		if err != nil {
			return fmt.Errorf("look up %s %q: %w", kind, name, err)
		}
		if p.Status != store.StatusActive {
			return fmt.Errorf("%w: %s %q is %s", ErrUnauthenticated, kind, name, p.Status)
		}
		if svid, err = s.issue(tx, kind, name, csr.PublicKey); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(a, "svid.renewed", store.OutcomeSuccess, svid.ID.String(), "serial "+svid.Serial))
		return err
	})
	if err != nil {
		return nil, err
	}
	return svid, nil
}

// IssueHuman creates the human principal if it does not exist and issues
// it an SVID for pub directly, without a token. It is for local
// bootstrapping (`airlock init`, `airlock dev`) by someone holding the KEK.
func (s *Service) IssueHuman(ctx context.Context, name string, roles []string, pub crypto.PublicKey) (*SVID, error) {
	if err := ValidName(name); err != nil {
		return nil, invalid("human name: %v", err)
	}
	var svid *SVID
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := s.ensureHuman(tx, name, roles); err != nil {
			return err
		}
		var err error
		if svid, err = s.issue(tx, store.KindHuman, name, pub); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(Actor{}, "svid.issued", store.OutcomeSuccess, svid.ID.String(), "local bootstrap, serial "+svid.Serial))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("issue identity for human %q: %w", name, err)
	}
	return svid, nil
}

func (s *Service) ensureHuman(tx store.Tx, name string, roles []string) error {
	p, err := tx.GetPrincipal(store.KindHuman, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		now := s.now()
		p = store.Principal{Kind: store.KindHuman, Name: name, Roles: roles, Status: store.StatusActive, Created: now, Updated: now}
		if err := tx.CreatePrincipal(p); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(Actor{}, "human.created", store.OutcomeSuccess, s.mustHumanID(name), ""))
		return err
	case err != nil:
		return err
	case p.Status != store.StatusActive:
		return fmt.Errorf("%w: human %q is %s", ErrDenied, name, p.Status)
	}
	return nil
}

func (s *Service) mustHumanID(name string) string {
	id, err := HumanID(s.TrustDomain(), name)
	if err != nil {
		return ""
	}
	return id.String()
}
