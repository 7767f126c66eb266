package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func checkPrincipal(t *testing.T, got, want store.Principal) {
	t.Helper()
	if got.Kind != want.Kind || got.Name != want.Name || got.Segment != want.Segment ||
		got.Status != want.Status || !slices.Equal(got.Roles, want.Roles) ||
		!sameTime(got.Created, want.Created) || !sameTime(got.Updated, want.Updated) {
		t.Errorf("principal:\n got %+v\nwant %+v", got, want)
	}
}

func testPrincipals(t *testing.T, s store.Store) {
	a := agent("billing")
	a.Segment = "finance"
	h := store.Principal{
		Kind: store.KindHuman, Name: "billing", Roles: []string{"admin", "auditor"},
		Status: store.StatusActive, Created: base, Updated: base.Add(time.Second),
	}
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create agent", tx.CreatePrincipal(a), nil)
		wantErr(t, "create human with the agent's name", tx.CreatePrincipal(h), nil)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		dup := a
		dup.Segment = "other"
		wantErr(t, "create duplicate", tx.CreatePrincipal(dup), store.ErrExists)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetPrincipal(store.KindAgent, "billing")
		wantErr(t, "get agent", err, nil)
		checkPrincipal(t, got, a)
		got, err = tx.GetPrincipal(store.KindHuman, "billing")
		wantErr(t, "get human", err, nil)
		checkPrincipal(t, got, h)
		_, err = tx.GetPrincipal(store.KindAgent, "nobody")
		wantErr(t, "get missing", err, store.ErrNotFound)
		return nil
	})
}

func testPrincipalStatus(t *testing.T, s store.Store) {
	later := base.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.CreatePrincipal(agent("a")) })
	steps := []struct {
		name string
		to   store.Status
		want error
	}{
		{"a", store.StatusSuspended, nil},
		{"a", store.StatusActive, nil},
		{"a", store.StatusRevoked, nil},
		{"a", store.StatusActive, store.ErrConflict},
		{"a", store.StatusSuspended, store.ErrConflict},
		{"missing", store.StatusSuspended, store.ErrNotFound},
	}
	for i, st := range steps {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.SetPrincipalStatus(store.KindAgent, st.name, st.to, later.Add(time.Duration(i)*time.Second))
		})
		wantErr(t, fmt.Sprintf("step %d: set %s %s", i, st.name, st.to), err, st.want)
	}
	want := agent("a")
	want.Status = store.StatusRevoked
	want.Updated = later.Add(2 * time.Second) // the last change that succeeded
	view(t, s, func(tx store.Tx) error {
		got, err := tx.GetPrincipal(store.KindAgent, "a")
		wantErr(t, "get", err, nil)
		checkPrincipal(t, got, want)
		return nil
	})
}

func testListPrincipals(t *testing.T, s store.Store) {
	names := []string{"b", "B", "a-2", "a", "Zed", "é"}
	update(t, s, func(tx store.Tx) error {
		for _, n := range names {
			wantErr(t, "create "+n, tx.CreatePrincipal(agent(n)), nil)
		}
		h := agent("human")
		h.Kind = store.KindHuman
		return tx.CreatePrincipal(h)
	})
	view(t, s, func(tx store.Tx) error {
		ps, err := tx.ListPrincipals(store.KindAgent)
		wantErr(t, "list agents", err, nil)
		var got []string
		for _, p := range ps {
			got = append(got, p.Name)
		}
		want := []string{"B", "Zed", "a", "a-2", "b", "é"} // byte order
		if !slices.Equal(got, want) {
			t.Errorf("list agents: got %q, want %q", got, want)
		}
		ps, err = tx.ListPrincipals(store.Kind("robot"))
		wantErr(t, "list unknown kind", err, nil)
		if len(ps) != 0 {
			t.Errorf("list unknown kind: got %d principals, want 0", len(ps))
		}
		return nil
	})
}

// testErrExistsKeepsTxUsable checks that a conflict reported as ErrExists
// does not poison the transaction: the caller may handle it and go on.
func testErrExistsKeepsTxUsable(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.CreatePrincipal(agent("a")) })
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create duplicate", tx.CreatePrincipal(agent("a")), store.ErrExists)
		wantErr(t, "create token after conflict", tx.CreateToken(store.JoinToken{
			ID: "t1", Hash: []byte{1}, Agent: "a", Created: base, Expires: base,
		}), nil)
		return tx.CreatePrincipal(agent("b"))
	})
	view(t, s, func(tx store.Tx) error {
		ps, err := tx.ListPrincipals(store.KindAgent)
		wantErr(t, "list", err, nil)
		if len(ps) != 2 {
			t.Errorf("list: got %d principals, want 2", len(ps))
		}
		_, err = tx.GetToken("t1")
		wantErr(t, "get token", err, nil)
		return nil
	})
}

func testRoles(t *testing.T, s store.Store) {
	cases := map[string][]string{
		"none":    nil,
		"one":     {"admin"},
		"several": {"viewer", "admin", "auditor"},
		"unusual": {`quo"te`, "comma,and space", "ünïcode", "[bracket]"},
	}
	update(t, s, func(tx store.Tx) error {
		for name, roles := range cases {
			p := agent(name)
			p.Kind, p.Roles = store.KindHuman, roles
			wantErr(t, "create "+name, tx.CreatePrincipal(p), nil)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		for name, want := range cases {
			p, err := tx.GetPrincipal(store.KindHuman, name)
			wantErr(t, "get "+name, err, nil)
			if !slices.Equal(p.Roles, want) {
				t.Errorf("%s roles: got %q, want %q", name, p.Roles, want)
			}
		}
		return nil
	})
}
