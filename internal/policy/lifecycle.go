package policy

import (
	"context"
	"errors"
	"fmt"

	"github.com/airlock-hub/airlock/internal/store"
)

// Load makes the latest stored version active. A store with no policy yet
// gets the starter policy as version 1, so a new hub is usable by its
// admins and denies everything else.
func (s *Service) Load(ctx context.Context) error {
	var v store.PolicyVersion
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.PolicyVersion(0)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		v = store.PolicyVersion{Files: StarterFiles(), Created: s.now(), Actor: ""}
		if v.Version, err = tx.PutPolicyVersion(v); err != nil {
			return err
		}
		_, err = tx.AppendEvent(s.event(Actor{}, "policy.applied", store.OutcomeSuccess,
			fmt.Sprintf("policy v%d", v.Version), "starter policy", nil))
		return err
	})
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	if err := s.Engine.Apply(v.Version, v.Files); err != nil {
		return fmt.Errorf("stored policy version %d does not validate: %w", v.Version, err)
	}
	return nil
}

// Refresh applies a version stored by another hub node, if there is a
// newer one than the engine's.
func (s *Service) Refresh(ctx context.Context) error {
	active, _ := s.Engine.Active()
	var v store.PolicyVersion
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.PolicyVersion(0)
		return err
	})
	if err != nil || v.Version <= active {
		return err
	}
	return s.Engine.Apply(v.Version, v.Files)
}

// Apply validates files, stores them as the next version with a
// policy.applied event, and switches every request to them. An invalid
// set is rejected (a *ValidationError or ErrNoPolicies) and the active one
// stays.
func (s *Service) Apply(ctx context.Context, a Actor, files []store.PolicyFile) (int64, int, error) {
	set, _, err := Validate(files)
	if err != nil {
		return 0, 0, err
	}
	var version int64
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		version, err = tx.PutPolicyVersion(store.PolicyVersion{Files: files, Created: s.now(), Actor: a.ID})
		if err != nil {
			return err
		}
		ids := make([]string, 0, set.Len())
		for _, p := range set.Policies() {
			ids = append(ids, p.ID)
		}
		_, err = tx.AppendEvent(s.event(a, "policy.applied", store.OutcomeSuccess,
			fmt.Sprintf("policy v%d", version), fmt.Sprintf("%d policies in %d files", set.Len(), len(files)), ids))
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store policy: %w", err)
	}
	s.Engine.ApplySet(version, set)
	return version, set.Len(), nil
}

// Version returns stored version n (0: the latest).
func (s *Service) Version(ctx context.Context, n int64) (store.PolicyVersion, error) {
	var v store.PolicyVersion
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.PolicyVersion(n)
		return err
	})
	if err != nil {
		return v, fmt.Errorf("policy version %d: %w", n, err)
	}
	return v, nil
}

// Versions lists the stored versions, oldest first.
func (s *Service) Versions(ctx context.Context) ([]store.PolicyVersion, error) {
	var vs []store.PolicyVersion
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		vs, err = tx.PolicyVersions()
		return err
	})
	return vs, err
}

// ActiveVersion is the version requests are decided with.
func (s *Service) ActiveVersion() int64 {
	v, _ := s.Engine.Active()
	return v
}
