package policy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

// grantTarget checks the (principal, action, resource) of a grant or
// access request and returns them in canonical form.
func grantTarget(principal, action, resource string) (p Entity, act string, r Entity, err error) {
	if p, err = ParseEntity(principal); err != nil {
		return p, "", r, badArg("principal: %v", err)
	}
	if p.Type != TypeAgent && p.Type != TypeHuman {
		return p, "", r, badArg("principal %s: grants are for Agent or Human principals", principal)
	}
	if act, err = ActionName(action); err != nil {
		return p, "", r, badArg("%v", err)
	}
	if r, err = ParseEntity(resource); err != nil {
		return p, "", r, badArg("resource: %v", err)
	}
	return p, act, r, nil
}

// CreateGrant lets principal do action on resource for ttl (at most
// MaxGrantTTL). A reason is required; the grant is audited.
func (s *Service) CreateGrant(ctx context.Context, a Actor, principal, action, resource string, ttl time.Duration, reason string) (store.Grant, error) {
	p, act, r, err := grantTarget(principal, action, resource)
	if err != nil {
		return store.Grant{}, err
	}
	if max := orDefault(s.MaxGrantTTL, DefaultMaxGrantTTL); ttl <= 0 || ttl > max {
		return store.Grant{}, badArg("ttl %s is out of range: use more than 0 and at most %s", ttl, max)
	}
	if reason == "" {
		return store.Grant{}, badArg("a reason is required")
	}
	now := s.now()
	g := store.Grant{ID: newID("g-"), Principal: p.String(), Action: act, Resource: r.String(), Reason: reason,
		CreatedBy: a.ID, Created: now, Expires: now.Add(ttl)}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateGrant(g); err != nil {
			return err
		}
		_, err := tx.AppendEvent(s.event(a, "grant.created", store.OutcomeSuccess, g.Principal,
			fmt.Sprintf("%s %s on %s until %s: %s", g.ID, act, g.Resource, g.Expires.Format(time.RFC3339), reason), nil))
		return err
	})
	s.forgetGrants()
	if err != nil {
		return store.Grant{}, fmt.Errorf("create grant: %w", err)
	}
	return g, nil
}

// Grants lists grants, of one principal when principal is set; only those
// active now unless all is set.
func (s *Service) Grants(ctx context.Context, principal string, all bool) ([]store.Grant, error) {
	f := store.GrantFilter{Principal: principal}
	if !all {
		f.ActiveAt = s.now()
	}
	var gs []store.Grant
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		gs, err = tx.Grants(f)
		return err
	})
	return gs, err
}

// RevokeGrant ends a grant now.
func (s *Service) RevokeGrant(ctx context.Context, a Actor, id string) (store.Grant, error) {
	var g store.Grant
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.RevokeGrant(id, s.now()); err != nil {
			return fmt.Errorf("grant %q: %w", id, err)
		}
		var err error
		if g, err = tx.Grant(id); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(a, "grant.revoked", store.OutcomeSuccess, g.Principal, g.ID, nil))
		return err
	})
	s.forgetGrants()
	return g, err
}
