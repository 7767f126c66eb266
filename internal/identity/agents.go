package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// CreateAgent registers an agent in segment (DefaultSegment when empty).
func (s *Service) CreateAgent(ctx context.Context, a Actor, name, segment string) (store.Principal, error) {
	if segment == "" {
		segment = DefaultSegment
	}
	if err := ValidName(name); err != nil {
		return store.Principal{}, invalid("agent name: %v", err)
	}
	if err := ValidName(segment); err != nil {
		return store.Principal{}, invalid("segment: %v", err)
	}
	now := s.now()
	p := store.Principal{Kind: store.KindAgent, Name: name, Segment: segment, Status: store.StatusActive, Created: now, Updated: now}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreatePrincipal(p); err != nil {
			return err
		}
		_, err := tx.AppendEvent(s.event(a, "agent.created", store.OutcomeSuccess, s.AgentSPIFFEID(name), "segment "+segment))
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return store.Principal{}, fmt.Errorf("agent %q: %w", name, store.ErrExists)
	}
	if err != nil {
		return store.Principal{}, fmt.Errorf("create agent %q: %w", name, err)
	}
	return p, nil
}

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, name string) (store.Principal, error) {
	var p store.Principal
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPrincipal(store.KindAgent, name)
		return err
	})
	if err != nil {
		return store.Principal{}, fmt.Errorf("agent %q: %w", name, err)
	}
	return p, nil
}

// Agents lists all agents by name.
func (s *Service) Agents(ctx context.Context) ([]store.Principal, error) {
	var ps []store.Principal
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ps, err = tx.ListPrincipals(store.KindAgent)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return ps, nil
}

var statusEvents = map[store.Status]string{
	store.StatusActive:    "agent.resumed",
	store.StatusSuspended: "agent.suspended",
	store.StatusRevoked:   "agent.revoked",
}

// checkTransition allows active↔suspended and anything→revoked, once.
func checkTransition(name string, from, to store.Status) error {
	switch {
	case from == store.StatusRevoked:
		return fmt.Errorf("%w: agent %q is revoked, which is permanent; create a new agent instead", store.ErrConflict, name)
	case from == to:
		return fmt.Errorf("%w: agent %q is already %s", store.ErrConflict, name, to)
	}
	return nil
}

// SetAgentStatus suspends, resumes or revokes an agent. The change applies
// to new handshakes and to the next request on open connections.
func (s *Service) SetAgentStatus(ctx context.Context, a Actor, name string, to store.Status) (store.Principal, error) {
	typ, ok := statusEvents[to]
	if !ok {
		return store.Principal{}, invalid("unknown status %q", to)
	}
	var p store.Principal
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if p, err = tx.GetPrincipal(store.KindAgent, name); err != nil {
			return fmt.Errorf("agent %q: %w", name, err)
		}
		if err := checkTransition(name, p.Status, to); err != nil {
			return err
		}
		now := s.now()
		if err := tx.SetPrincipalStatus(store.KindAgent, name, to, now); err != nil {
			return err
		}
		p.Status, p.Updated = to, now
		_, err = tx.AppendEvent(s.event(a, typ, store.OutcomeSuccess, s.AgentSPIFFEID(name), ""))
		return err
	})
	s.forget(store.KindAgent, name)
	if err != nil {
		return store.Principal{}, err
	}
	return p, nil
}

// CreateToken makes a single-use join token for an active agent. Only the
// hash of its secret is stored; the text is returned once.
func (s *Service) CreateToken(ctx context.Context, a Actor, agent string, ttl time.Duration) (string, time.Time, error) {
	switch {
	case ttl == 0:
		ttl = DefaultTokenTTL
	case ttl < time.Minute || ttl > MaxTokenTTL:
		return "", time.Time{}, invalid("token ttl %s is out of range: use 1m to %s", ttl, MaxTokenTTL)
	}
	text, id, hash, err := NewJoinToken()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("new join token: %w", err)
	}
	now := s.now()
	t := store.JoinToken{ID: id, Hash: hash, Agent: agent, Created: now, Expires: now.Add(ttl)}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.GetPrincipal(store.KindAgent, agent)
		if err != nil {
			return fmt.Errorf("agent %q: %w", agent, err)
		}
		if p.Status != store.StatusActive {
			return fmt.Errorf("%w: agent %q is %s; tokens are only issued to active agents", store.ErrConflict, agent, p.Status)
		}
		if err := tx.CreateToken(t); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(a, "token.created", store.OutcomeSuccess, s.AgentSPIFFEID(agent), "token "+id))
		return err
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return text, t.Expires, nil
}

// Human returns one human principal.
func (s *Service) Human(ctx context.Context, name string) (store.Principal, error) {
	var p store.Principal
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPrincipal(store.KindHuman, name)
		return err
	})
	if err != nil {
		return store.Principal{}, fmt.Errorf("human %q: %w", name, err)
	}
	return p, nil
}
