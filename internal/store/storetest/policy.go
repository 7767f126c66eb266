package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

func policyVersion(actor string, files ...store.PolicyFile) store.PolicyVersion {
	return store.PolicyVersion{Files: files, Created: base, Actor: actor}
}

func checkPolicyVersion(t *testing.T, got, want store.PolicyVersion) {
	t.Helper()
	if got.Version != want.Version || !slices.Equal(got.Files, want.Files) ||
		!sameTime(got.Created, want.Created) || got.Actor != want.Actor {
		t.Errorf("policy version:\n got %+v\nwant %+v", got, want)
	}
}

func testPolicyVersions(t *testing.T, s store.Store) {
	view(t, s, func(tx store.Tx) error {
		_, err := tx.PolicyVersion(0)
		wantErr(t, "latest of none", err, store.ErrNotFound)
		_, err = tx.PolicyVersion(1)
		wantErr(t, "version 1 of none", err, store.ErrNotFound)
		vs, err := tx.PolicyVersions()
		if len(vs) != 0 || err != nil {
			t.Errorf("list of none: got %d, %v; want 0, nil", len(vs), err)
		}
		return nil
	})
	zone := time.FixedZone("UTC-7", -7*3600)
	v1 := policyVersion("spiffe://example.org/human/alice",
		store.PolicyFile{Name: "z-base.cedar", Text: "permit (principal, action, resource);\n"},
		store.PolicyFile{Name: "a-deny.cedar", Text: "// ünïcode, 'quotes' \"and\" \\ ?\nforbid (principal, action, resource);"},
		store.PolicyFile{Name: "empty.cedar", Text: ""})
	v1.Created = time.Date(2025, 5, 6, 7, 8, 9, 123456789, zone)
	v2 := policyVersion("spiffe://example.org/human/bob")
	v2.Version = 99 // ignored: the store numbers versions
	update(t, s, func(tx store.Tx) error {
		for i, v := range []store.PolicyVersion{v1, v2} {
			n, err := tx.PutPolicyVersion(v)
			wantErr(t, "put", err, nil)
			if want := int64(i + 1); n != want {
				t.Errorf("put: got version %d, want %d", n, want)
			}
		}
		return nil
	})
	v1.Version, v1.Created = 1, v1.Created.Truncate(time.Microsecond).UTC()
	v2.Version = 2
	update(t, s, func(tx store.Tx) error {
		n, err := tx.PutPolicyVersion(v2)
		if n != 3 || err != nil {
			t.Errorf("put third: got %d, %v; want 3, nil", n, err)
		}
		return err
	})
	v3 := v2
	v3.Version = 3
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.PolicyVersion{v1, v2, v3} {
			got, err := tx.PolicyVersion(want.Version)
			wantErr(t, "get", err, nil)
			checkPolicyVersion(t, got, want)
		}
		got, err := tx.PolicyVersion(0)
		wantErr(t, "get latest", err, nil)
		checkPolicyVersion(t, got, v3)
		_, err = tx.PolicyVersion(4)
		wantErr(t, "get version 4", err, store.ErrNotFound)
		vs, err := tx.PolicyVersions()
		wantErr(t, "list", err, nil)
		if len(vs) != 3 {
			t.Fatalf("list: got %d versions, want 3", len(vs))
		}
		for i, want := range []store.PolicyVersion{v1, v2, v3} {
			want.Files = nil
			checkPolicyVersion(t, vs[i], want)
		}
		return nil
	})
}

func grant(id, principal string) store.Grant {
	return store.Grant{
		ID: id, Principal: principal, Action: `Action::"SendMessage"`, Resource: `Agent::"billing"`,
		Reason: "incident 42", CreatedBy: "spiffe://example.org/human/alice",
		Created: base, Expires: base.Add(time.Hour),
	}
}

func checkGrant(t *testing.T, got, want store.Grant) {
	t.Helper()
	if got.ID != want.ID || got.Principal != want.Principal || got.Action != want.Action ||
		got.Resource != want.Resource || got.Reason != want.Reason || got.CreatedBy != want.CreatedBy ||
		!sameTime(got.Created, want.Created) || !sameTime(got.Expires, want.Expires) ||
		got.Revoked.IsZero() != want.Revoked.IsZero() || !want.Revoked.IsZero() && !sameTime(got.Revoked, want.Revoked) ||
		got.RequestID != want.RequestID {
		t.Errorf("grant:\n got %+v\nwant %+v", got, want)
	}
}

func grantIDs(gs []store.Grant) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

func testGrants(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	g1 := grant("g1", `Agent::"s1"`)
	g1.Created = time.Date(2025, 1, 2, 3, 4, 5, 123456789, zone)
	g1.Expires = g1.Created.Add(36*time.Hour + time.Microsecond)
	g1.RequestID = "req1"
	g2 := grant("g2", `Agent::"s2"`)
	g2.Reason, g2.Revoked = "", base.Add(time.Minute)
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create g1", tx.CreateGrant(g1), nil)
		return tx.CreateGrant(g2)
	})
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "create duplicate", tx.CreateGrant(grant("g1", `Agent::"other"`)), store.ErrExists)
		_, err := tx.Grant("missing")
		wantErr(t, "get missing", err, store.ErrNotFound)
		// The conflict leaves the transaction usable.
		return tx.CreateGrant(grant("g3", `Agent::"s3"`))
	})
	g1.Created, g1.Expires = g1.Created.Truncate(time.Microsecond).UTC(), g1.Expires.Truncate(time.Microsecond).UTC()
	view(t, s, func(tx store.Tx) error {
		for _, want := range []store.Grant{g1, g2, grant("g3", `Agent::"s3"`)} {
			got, err := tx.Grant(want.ID)
			wantErr(t, "get "+want.ID, err, nil)
			checkGrant(t, got, want)
		}
		return nil
	})
}

func testGrantFilters(t *testing.T, s store.Store) {
	a, b := `Agent::"a"`, `Agent::"b"`
	early := grant("early", a) // base-1h .. base+1h
	early.Created = base.Add(-time.Hour)
	late := grant("late", a) // base+30m .. base+2h
	late.Created, late.Expires = base.Add(30*time.Minute), base.Add(2*time.Hour)
	mid := grant("mid", b) // base .. base+1h
	revoked := grant("revoked", a)
	revoked.Created = base.Add(10 * time.Minute)
	tie := grant("a-tie", b) // same Created as mid: ordered by ID
	update(t, s, func(tx store.Tx) error {
		for _, g := range []store.Grant{late, mid, revoked, early, tie} {
			wantErr(t, "create "+g.ID, tx.CreateGrant(g), nil)
		}
		return tx.RevokeGrant("revoked", base.Add(20*time.Minute))
	})
	cases := []struct {
		name string
		f    store.GrantFilter
		want []string
	}{
		{"all", store.GrantFilter{}, []string{"early", "a-tie", "mid", "revoked", "late"}},
		{"principal", store.GrantFilter{Principal: a}, []string{"early", "revoked", "late"}},
		{"unknown principal", store.GrantFilter{Principal: `Agent::"c"`}, nil},
		{"before any", store.GrantFilter{ActiveAt: base.Add(-time.Hour - time.Microsecond)}, nil},
		{"at Created", store.GrantFilter{ActiveAt: base.Add(-time.Hour)}, []string{"early"}},
		{"at base", store.GrantFilter{ActiveAt: base}, []string{"early", "a-tie", "mid"}},
		{"revoked before it expires", store.GrantFilter{ActiveAt: base.Add(15 * time.Minute)}, []string{"early", "a-tie", "mid"}},
		{"before Expires", store.GrantFilter{ActiveAt: base.Add(time.Hour - time.Microsecond)}, []string{"early", "a-tie", "mid", "late"}},
		{"at Expires", store.GrantFilter{ActiveAt: base.Add(time.Hour)}, []string{"late"}},
		{"after all", store.GrantFilter{ActiveAt: base.Add(2 * time.Hour)}, nil},
		{"principal and time", store.GrantFilter{Principal: b, ActiveAt: base.Add(30 * time.Minute)}, []string{"a-tie", "mid"}},
		{"other zone", store.GrantFilter{Principal: a, ActiveAt: base.Add(-time.Hour).In(time.FixedZone("X", -3600))}, []string{"early"}},
	}
	view(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			gs, err := tx.Grants(c.f)
			wantErr(t, c.name, err, nil)
			if got := grantIDs(gs); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			}
		}
		return nil
	})
}

func testRevokeGrant(t *testing.T, s store.Store) {
	g := grant("g1", `Agent::"a"`)
	update(t, s, func(tx store.Tx) error { return tx.CreateGrant(g) })
	at := time.Date(2025, 3, 14, 16, 0, 0, 999999999, time.FixedZone("UTC+1", 3600))
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "revoke missing", tx.RevokeGrant("missing", at), store.ErrNotFound)
		return tx.RevokeGrant("g1", at)
	})
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeGrant("g1", at.Add(time.Hour)) })
	wantErr(t, "revoke twice", err, store.ErrConflict)
	g.Revoked = at.Truncate(time.Microsecond).UTC()
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Grant("g1")
		wantErr(t, "get revoked", err, nil)
		checkGrant(t, got, g)
		gs, err := tx.Grants(store.GrantFilter{ActiveAt: base})
		if len(gs) != 0 || err != nil {
			t.Errorf("active after revocation: got %q, %v; want none", grantIDs(gs), err)
		}
		return nil
	})
}
