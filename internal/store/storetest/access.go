package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func accessRequest(id, requester string) store.AccessRequest {
	return store.AccessRequest{
		ID: id, Kind: "access", Requester: requester, RequesterID: "spiffe://example.org/agent/s1",
		Action: `Action::"SendMessage"`, Resource: `Agent::"billing"`, Reason: "incident 42",
		Duration: time.Hour, Needed: 1, State: store.AccessPending,
		Created: base, Expires: base.Add(24 * time.Hour),
	}
}

func checkAccessRequest(t *testing.T, got, want store.AccessRequest) {
	t.Helper()
	if got.ID != want.ID || got.Kind != want.Kind || got.Requester != want.Requester ||
		got.RequesterID != want.RequesterID || got.Action != want.Action || got.Resource != want.Resource ||
		got.Reason != want.Reason || got.Duration != want.Duration || got.Needed != want.Needed ||
		got.State != want.State || !sameTime(got.Created, want.Created) || !sameTime(got.Expires, want.Expires) ||
		got.Decided.IsZero() != want.Decided.IsZero() || !want.Decided.IsZero() && !sameTime(got.Decided, want.Decided) ||
		got.GrantID != want.GrantID {
		t.Errorf("access request:\n got %+v\nwant %+v", got, want)
	}
}

func requestIDs(rs []store.AccessRequest) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func testAccessRequests(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC-3", -3*3600)
	r1 := accessRequest("r1", `Agent::"s1"`)
	r1.Kind, r1.Needed = "operation", 3
	r1.Duration = 36*time.Hour + 123*time.Microsecond
	r1.Created = time.Date(2025, 2, 3, 4, 5, 6, 987654321, zone)
	r1.Expires = r1.Created.Add(time.Minute)
	r2 := accessRequest("r2", `Agent::"s2"`)
	r2.State, r2.Decided, r2.GrantID = store.AccessApproved, base.Add(time.Second), "g1"
	r2.Reason, r2.Duration, r2.Needed = "", 0, 0
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create r1", tx.CreateAccessRequest(r1), nil)
		return tx.CreateAccessRequest(r2)
	})
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create duplicate", tx.CreateAccessRequest(accessRequest("r1", `Agent::"x"`)), store.ErrExists)
		_, err := tx.AccessRequest("missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		// The conflict leaves the transaction usable.
		return tx.CreateAccessRequest(accessRequest("r3", `Agent::"s1"`))
	})
	r1.Created, r1.Expires = r1.Created.Truncate(time.Microsecond).UTC(), r1.Expires.Truncate(time.Microsecond).UTC()
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.AccessRequest{r1, r2, accessRequest("r3", `Agent::"s1"`)} {
			got, err := tx.AccessRequest(want.ID)
			wantErr(t, "get "+want.ID, err, nil)
			checkAccessRequest(t, got, want)
		}
		return nil
	})
}

func testAccessFilters(t *testing.T, s store.Store) {
	a, b := `Agent::"a"`, `Agent::"b"`
	reqs := []store.AccessRequest{
		accessRequest("late", a), accessRequest("mid", b), accessRequest("early", a),
		accessRequest("b-tie", a), accessRequest("a-tie", b), accessRequest("done", b),
	}
	offsets := []time.Duration{time.Hour, 0, -time.Hour, 30 * time.Minute, 30 * time.Minute, 10 * time.Minute}
	update(t, s, func(tx store.Tx) error {
		for i, r := range reqs {
			r.Created = base.Add(offsets[i])
			wantErr(t, "create "+r.ID, tx.CreateAccessRequest(r), nil)
		}
		return tx.FinishAccessRequest("done", store.AccessDenied, base, "")
	})
	cases := []struct {
		name string
		f    store.AccessFilter
		want []string
	}{
		{"all", store.AccessFilter{}, []string{"early", "mid", "done", "a-tie", "b-tie", "late"}},
		{"pending", store.AccessFilter{State: store.AccessPending}, []string{"early", "mid", "a-tie", "b-tie", "late"}},
		{"denied", store.AccessFilter{State: store.AccessDenied}, []string{"done"}},
		{"approved", store.AccessFilter{State: store.AccessApproved}, nil},
		{"requester", store.AccessFilter{Requester: a}, []string{"early", "b-tie", "late"}},
		{"requester and state", store.AccessFilter{Requester: b, State: store.AccessPending}, []string{"mid", "a-tie"}},
		{"unknown requester", store.AccessFilter{Requester: `Agent::"c"`}, nil},
	}
	view(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			rs, err := tx.AccessRequests(c.f)
			wantErr(t, c.name, err, nil)
			if got := requestIDs(rs); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			}
		}
		return nil
	})
}

func testFinishAccessRequest(t *testing.T, s store.Store) {
	r := accessRequest("r1", `Agent::"s1"`)
	update(t, s, func(tx store.Tx) error { return tx.CreateAccessRequest(r) })
	decided := time.Date(2025, 3, 14, 16, 0, 0, 999999999, time.FixedZone("UTC+1", 3600))
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "finish missing", tx.FinishAccessRequest("missing", store.AccessApproved, decided, "g1"), store.ErrNotFound)
		return tx.FinishAccessRequest("r1", store.AccessApproved, decided, "g1")
	})
	for _, state := range []store.AccessState{store.AccessApproved, store.AccessDenied, store.AccessExpired, store.AccessRevoked} {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.FinishAccessRequest("r1", state, decided.Add(time.Hour), "g2")
		})
		wantErr(t, "finish again as "+string(state), err, store.ErrConflict)
	}
	r.State, r.Decided, r.GrantID = store.AccessApproved, decided.Truncate(time.Microsecond).UTC(), "g1"
	view(t, s, func(tx store.Tx) error {
		got, err := tx.AccessRequest("r1")
		wantErr(t, "get finished", err, nil)
		checkAccessRequest(t, got, r)
		return nil
	})
}

// testFinishRace has many goroutines decide one request at once, each
// reading it first as a reviewer would: exactly one may succeed.
func testFinishRace(t *testing.T, s store.Store) {
	const n = 16
	update(t, s, func(tx store.Tx) error { return tx.CreateAccessRequest(accessRequest("race", `Agent::"s1"`)) })
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
				if _, err := tx.AccessRequest("race"); err != nil {
					return err
				}
				return tx.FinishAccessRequest("race", store.AccessApproved, base, fmt.Sprintf("g%d", i))
			})
		})
	}
	wg.Wait()
	winner := checkOneWinner(t, errs, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		r, err := tx.AccessRequest("race")
		if want := fmt.Sprintf("g%d", winner); err != nil || r.GrantID != want || r.State != store.AccessApproved {
			t.Errorf("after race: got %s %q, %v; want approved %q", r.State, r.GrantID, err, want)
		}
		return nil
	})
}

// checkOneWinner fails t unless exactly one of errs is nil and the rest
// are lose; it returns the winner's index.
func checkOneWinner(t *testing.T, errs []error, lose error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			wins++
		case !errors.Is(err, lose):
			t.Errorf("goroutine %d: got error %v, want nil or %v", i, err, lose)
		}
	}
	if wins != 1 {
		t.Errorf("successes: got %d, want 1", wins)
	}
	return winner
}

func approval(request, approver string, approve bool, at time.Time) store.Approval {
	return store.Approval{RequestID: request, Approver: approver, Approve: approve, Comment: "ok: " + approver, Time: at}
}

func testApprovals(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+9", 9*3600)
	bob := approval("r1", "spiffe://example.org/human/bob", false, time.Date(2025, 3, 14, 0, 0, 0, 1999, zone))
	bob.Comment = "ünïcode 'quoted' \"comment\"\nline two"
	alice := approval("r1", "spiffe://example.org/human/alice", true, base.Add(time.Minute))
	carol := approval("r1", "spiffe://example.org/human/carol", true, base.Add(time.Minute)) // tie with alice
	other := approval("r2", "spiffe://example.org/human/alice", true, base)
	update(t, s, func(tx store.Tx) error {
		for _, a := range []store.Approval{carol, alice, other, bob} {
			wantErr(t, "add "+a.Approver, tx.AddApproval(a), nil)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		dup := alice
		dup.Approve, dup.Comment = false, "changed my mind"
		wantErr(t, "add duplicate", tx.AddApproval(dup), store.ErrExists)
		// The conflict leaves the transaction usable.
		return tx.AddApproval(approval("r2", "spiffe://example.org/human/bob", false, base.Add(time.Hour)))
	})
	bob.Time = bob.Time.Truncate(time.Microsecond).UTC()
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Approvals("r1")
		wantErr(t, "list r1", err, nil)
		if want := []store.Approval{bob, alice, carol}; !approvalsEqual(got, want) {
			t.Errorf("list r1:\n got %+v\nwant %+v", got, want)
		}
		got, err = tx.Approvals("r2")
		wantErr(t, "list r2", err, nil)
		if len(got) != 2 || got[0].Approver != other.Approver || got[1].Approve {
			t.Errorf("list r2: got %+v, want alice's approval then bob's denial", got)
		}
		got, err = tx.Approvals("missing")
		if len(got) != 0 || err != nil {
			t.Errorf("list missing: got %d, %v; want 0, nil", len(got), err)
		}
		return nil
	})
}

func approvalsEqual(got, want []store.Approval) bool {
	return slices.EqualFunc(got, want, func(g, w store.Approval) bool {
		return g.RequestID == w.RequestID && g.Approver == w.Approver && g.Approve == w.Approve &&
			g.Comment == w.Comment && sameTime(g.Time, w.Time)
	})
}

// testApprovalRace has many goroutines cast the same approver's vote at
// once: exactly one is recorded.
func testApprovalRace(t *testing.T, s store.Store) {
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
				a := approval("race", "spiffe://example.org/human/alice", i%2 == 0, base)
				a.Comment = fmt.Sprint(i)
				return tx.AddApproval(a)
			})
		})
	}
	wg.Wait()
	winner := checkOneWinner(t, errs, store.ErrExists)
	view(t, s, func(tx store.Tx) error {
		as, err := tx.Approvals("race")
		if err != nil || len(as) != 1 || as[0].Comment != fmt.Sprint(winner) {
			t.Errorf("after race: got %+v, %v; want one vote from goroutine %d", as, err, winner)
		}
		return nil
	})
}
