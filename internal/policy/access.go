package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

// ErrConflict is wrapped when a request is not in a state that allows the
// operation (already final, expired, already reviewed by this reviewer).
var ErrConflict = store.ErrConflict

// approvalsFor returns how many approvals action needs.
func (s *Service) approvalsFor(action string) int {
	if n := s.Approvals[action]; n > 0 {
		return n
	}
	return 1
}

// RequestAccess files a just-in-time access request by requester for
// action on resource, for duration (capped at MaxGrantTTL). A reason is
// required. The request stays pending until reviewed or RequestExpiry.
func (s *Service) RequestAccess(ctx context.Context, a Actor, requester Entity, action, resource string, duration time.Duration, reason string) (store.AccessRequest, error) {
	_, act, res, err := grantTarget(requester.String(), action, resource)
	if err != nil {
		return store.AccessRequest{}, err
	}
	if reason == "" {
		return store.AccessRequest{}, badArg("a reason is required")
	}
	if duration <= 0 {
		return store.AccessRequest{}, badArg("duration must be positive")
	}
	needed := s.approvalsFor(act)
	if d, err := s.Explain(ctx, requester, act, res); err == nil && d.Effect == Approval {
		needed = max(needed, d.Approvals) // a permit's @approval("N") sets the bar
	}
	now := s.now()
	r := store.AccessRequest{ID: newID("ar-"), Kind: "access", Requester: requester.String(), RequesterID: a.ID,
		Action: act, Resource: res.String(), Reason: reason, Duration: min(duration, orDefault(s.MaxGrantTTL, DefaultMaxGrantTTL)),
		Needed: needed, State: store.AccessPending, Created: now,
		Expires: now.Add(orDefault(s.RequestExpiry, DefaultRequestExpiry))}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateAccessRequest(r); err != nil {
			return err
		}
		_, err := tx.AppendEvent(s.event(a, "access.requested", store.OutcomeSuccess, r.Resource,
			fmt.Sprintf("%s %s for %s: %s", r.ID, act, r.Duration, reason), nil))
		return err
	})
	if err != nil {
		return store.AccessRequest{}, fmt.Errorf("request access: %w", err)
	}
	return r, nil
}

// AccessRequests lists requests, only the requester's own unless requester
// is empty, and only pending ones when pendingOnly is set. Pending requests
// past their expiry are shown as expired.
func (s *Service) AccessRequests(ctx context.Context, requester string, pendingOnly bool) ([]store.AccessRequest, []int, error) {
	f := store.AccessFilter{Requester: requester}
	if pendingOnly {
		f.State = store.AccessPending
	}
	var rs []store.AccessRequest
	var counts []int
	now := s.now()
	err := s.Store.View(ctx, func(tx store.Tx) error {
		all, err := tx.AccessRequests(f)
		if err != nil {
			return err
		}
		for _, r := range all {
			if r.State == store.AccessPending && !now.Before(r.Expires) {
				if pendingOnly {
					continue
				}
				r.State = store.AccessExpired
			}
			n, err := approvalCount(tx, r.ID)
			if err != nil {
				return err
			}
			rs, counts = append(rs, r), append(counts, n)
		}
		return nil
	})
	return rs, counts, err
}

func approvalCount(tx store.Tx, id string) (int, error) {
	votes, err := tx.Approvals(id)
	n := 0
	for _, v := range votes {
		if v.Approve {
			n++
		}
	}
	return n, err
}

// Review records reviewer's approval or denial of request id. The
// reviewer must be allowed ApproveAccess by policy and may never be the
// requester. A denial is final; enough approvals create a grant capped at
// the requested duration. Every step is audited.
func (s *Service) Review(ctx context.Context, a Actor, reviewer Entity, id string, approve bool, comment string) (store.AccessRequest, int, error) {
	var r store.AccessRequest
	var n int
	var expired bool
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if r, err = s.reviewable(tx, id, reviewer, a); err != nil {
			return err
		}
		if _, err := s.Authorize(ctx, a, reviewer, "ApproveAccess", HubEntity); err != nil {
			return err
		}
		if !s.now().Before(r.Expires) {
			expired = true
			return s.finish(tx, a, &r, store.AccessExpired, "", "expired before review")
		}
		if err := tx.AddApproval(store.Approval{RequestID: id, Approver: a.ID, Approve: approve, Comment: comment, Time: s.now()}); err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("%w: you have already reviewed request %s", store.ErrConflict, id)
			}
			return err
		}
		if !approve {
			return s.finish(tx, a, &r, store.AccessDenied, "", comment)
		}
		if n, err = approvalCount(tx, id); err != nil || n < r.Needed {
			if err == nil {
				_, err = tx.AppendEvent(s.event(a, "access.approval_recorded", store.OutcomeSuccess, r.Resource,
					fmt.Sprintf("%s: %d of %d approvals", id, n, r.Needed), nil))
			}
			return err
		}
		if r.Kind != "access" {
			return s.finish(tx, a, &r, store.AccessApproved, "", "operation released")
		}
		return s.grantApproved(tx, a, &r)
	})
	s.forgetGrants()
	if err != nil && !errors.Is(err, ErrDenied) && s.OnDeny != nil { // denials are audited by Authorize
		s.OnDeny(s.event(a, "access.review_refused", store.OutcomeFailure, id, err.Error(), nil))
	}
	if expired && err == nil {
		err = fmt.Errorf("%w: request %s expired at %s", store.ErrConflict, id, r.Expires.Format(time.RFC3339))
	}
	return r, n, err
}

// reviewable loads a pending request and refuses self-review.
func (s *Service) reviewable(tx store.Tx, id string, reviewer Entity, a Actor) (store.AccessRequest, error) {
	r, err := tx.AccessRequest(id)
	if err != nil {
		return r, fmt.Errorf("access request %q: %w", id, err)
	}
	if r.State != store.AccessPending {
		return r, fmt.Errorf("%w: request %s is already %s", store.ErrConflict, id, r.State)
	}
	if r.Requester == reviewer.String() || (a.ID != "" && r.RequesterID == a.ID) {
		err := fmt.Errorf("%w: %s may not review its own request %s", ErrDenied, reviewer, id)
		if s.OnDeny != nil {
			s.OnDeny(s.event(a, "access.review_refused", store.OutcomeFailure, id, err.Error(), []string{"self-review"}))
		}
		return r, err
	}
	return r, nil
}

// grantApproved creates the grant for an approved request and closes it.
func (s *Service) grantApproved(tx store.Tx, a Actor, r *store.AccessRequest) error {
	now := s.now()
	g := store.Grant{ID: newID("g-"), Principal: r.Requester, Action: r.Action, Resource: r.Resource,
		Reason: r.Reason, CreatedBy: a.ID, Created: now, Expires: now.Add(r.Duration), RequestID: r.ID}
	if err := tx.CreateGrant(g); err != nil {
		return err
	}
	if _, err := tx.AppendEvent(s.event(a, "grant.created", store.OutcomeSuccess, g.Principal,
		fmt.Sprintf("%s %s on %s until %s (request %s)", g.ID, g.Action, g.Resource, g.Expires.Format(time.RFC3339), r.ID), nil)); err != nil {
		return err
	}
	return s.finish(tx, a, r, store.AccessApproved, g.ID, "")
}

// OperationPrefix starts the Kind of an access request that holds one
// operation (e.g. "message:<id>") rather than asking for a grant.
const OperationPrefix = "message:"

// HoldOperation files, inside tx, an access request for one held
// operation identified by ref (e.g. "message:<id>"). Operations resolves it
// when reviewers decide.
func (s *Service) HoldOperation(tx store.Tx, a Actor, requester Entity, action string, resource Entity, ref string, needed int) (store.AccessRequest, error) {
	now := s.now()
	r := store.AccessRequest{ID: newID("ar-"), Kind: ref, Requester: requester.String(), RequesterID: a.ID,
		Action: action, Resource: resource.String(), Reason: "held until approved: " + ref,
		Duration: time.Minute, Needed: max(needed, s.approvalsFor(action)), State: store.AccessPending, Created: now,
		Expires: now.Add(orDefault(s.RequestExpiry, DefaultRequestExpiry))}
	if err := tx.CreateAccessRequest(r); err != nil {
		return r, err
	}
	_, err := tx.AppendEvent(s.event(a, "access.requested", store.OutcomeSuccess, r.Resource,
		fmt.Sprintf("%s %s: %s", r.ID, action, r.Reason), nil))
	return r, err
}

// finish moves r to a final state with its audit event. A held operation
// is released (approved) or dropped (denied, expired) through Operations.
func (s *Service) finish(tx store.Tx, a Actor, r *store.AccessRequest, state store.AccessState, grantID, note string) error {
	if r.Kind != "access" && s.Operations != nil {
		if err := s.Operations(tx, *r, state == store.AccessApproved); err != nil {
			return fmt.Errorf("resolve %s: %w", r.Kind, err)
		}
	}
	now := s.now()
	if err := tx.FinishAccessRequest(r.ID, state, now, grantID); err != nil {
		return fmt.Errorf("access request %s: %w", r.ID, err)
	}
	r.State, r.Decided, r.GrantID = state, now, grantID
	detail := r.ID
	if note != "" {
		detail += ": " + note
	}
	_, err := tx.AppendEvent(s.event(a, "access."+string(state), store.OutcomeSuccess, r.Resource, detail, nil))
	return err
}
