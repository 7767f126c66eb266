package policy

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airlock-hub/airlock/internal/store"
)

const testPolicies = `
@id("peers")
permit (principal is Agent, action == Action::"SendMessage", resource is Agent)
when { principal.segment == resource.segment };

@id("no-quarantine")
forbid (principal in Segment::"quarantine", action, resource);

@id("block-f9")
forbid (principal, action == Action::"SendMessage", resource == Agent::"f9");

@approval("1") @id("to-humans")
permit (principal is Agent, action == Action::"SendMessage", resource is Human);

@approval("2") @id("risky-to-humans")
permit (principal in Segment::"risky", action == Action::"SendMessage", resource is Human);

@id("tools")
permit (principal is Agent, action == Action::"CallTool", resource);

// Overflows, so errors, when context.risk >= 2.
@id("overflow")
forbid (principal is Agent, action == Action::"CallTool", resource)
when { context.risk * 4611686018427387904 > 0 && false };

@id("audit-after")
permit (principal is Human, action == Action::"ReadAudit", resource == Hub::"airlock")
when { context.now >= 1700000000 && context.segment == "" };
`

func testEngine(t testing.TB) *Engine {
	t.Helper()
	e := NewEngine()
	if err := e.Apply(7, []store.PolicyFile{{Name: "test.cedar", Text: testPolicies}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDecide(t *testing.T) {
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	s1, s2 := Agent("s1", "scheduling"), Agent("s2", "scheduling")
	f1, f9 := Agent("f1", "finance"), Agent("f9", "finance")
	grant := func(id, action string, resource Entity, created, expires time.Time) store.Grant {
		return store.Grant{ID: id, Principal: `Agent::"s1"`, Action: action, Resource: resource.String(), Created: created, Expires: expires}
	}
	active := grant("g1", "SendMessage", f1, now.Add(-time.Minute), now.Add(time.Hour))
	revoked := active
	revoked.Revoked = now.Add(-time.Second)
	otherPrincipal := active
	otherPrincipal.Principal = `Agent::"s2"`

	tests := []struct {
		name    string
		req     Request
		effect  Effect
		reasons []string
		need    int
		errors  bool
	}{
		{"default deny", Request{Principal: s1, Action: "SendMessage", Resource: f1}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"permit", Request{Principal: s1, Action: "SendMessage", Resource: s2}, Allow, []string{"peers"}, 0, false},
		{"action as UID", Request{Principal: s1, Action: `Action::"SendMessage"`, Resource: s2}, Allow, []string{"peers"}, 0, false},
		{"forbid wins", Request{Principal: Agent("q1", "quarantine"), Action: "SendMessage", Resource: Agent("q2", "quarantine")}, Deny, []string{"no-quarantine"}, 0, false},
		{"approval", Request{Principal: s1, Action: "SendMessage", Resource: Human("carl")}, Approval, []string{"to-humans"}, 1, false},
		{"approval takes the max", Request{Principal: Agent("r1", "risky"), Action: "SendMessage", Resource: Human("carl")}, Approval, []string{"to-humans", "risky-to-humans"}, 2, false},
		{"grant allows", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{active}}, Allow, []string{"grant:g1"}, 0, false},
		{"grant with action UID", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{grant("g2", `Action::"SendMessage"`, f1, now.Add(-time.Minute), now.Add(time.Minute))}}, Allow, []string{"grant:g2"}, 0, false},
		{"expired grant", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{grant("g3", "SendMessage", f1, now.Add(-2*time.Hour), now)}}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"future grant", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{grant("g4", "SendMessage", f1, now.Add(time.Minute), now.Add(time.Hour))}}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"revoked grant", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{revoked}}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"grant of another principal", Request{Principal: s1, Action: "SendMessage", Resource: f1, Grants: []store.Grant{otherPrincipal}}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"grant for another action", Request{Principal: s1, Action: "ReadMailbox", Resource: f1, Grants: []store.Grant{active}}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"forbid beats grant", Request{Principal: s1, Action: "SendMessage", Resource: f9, Grants: []store.Grant{grant("g5", "SendMessage", f9, now.Add(-time.Minute), now.Add(time.Hour))}}, Deny, []string{"block-f9"}, 0, false},
		{"grant beats approval", Request{Principal: s1, Action: "SendMessage", Resource: Human("carl"), Grants: []store.Grant{grant("g6", "SendMessage", Human("carl"), now.Add(-time.Minute), now.Add(time.Hour))}}, Allow, []string{"grant:g6"}, 0, false},
		{"no error", Request{Principal: s1, Action: "CallTool", Resource: Entity{Type: TypeTool, ID: "t"}}, Allow, []string{"tools"}, 0, false},
		{"error denies", Request{Principal: s1, Action: "CallTool", Resource: Entity{Type: TypeTool, ID: "t"}, Risk: 4}, Deny, []string{"overflow"}, 0, true},
		{"context now and segment", Request{Principal: Human("ann"), Action: "ReadAudit", Resource: HubEntity}, Allow, []string{"audit-after"}, 0, false},
		{"context too early", Request{Principal: Human("ann"), Action: "ReadAudit", Resource: HubEntity, Now: time.Unix(1600000000, 0)}, Deny, []string{ReasonDefaultDeny}, 0, false},
		{"unknown action", Request{Principal: s1, Action: "Launch", Resource: s2}, Deny, []string{ReasonInvalidRequest}, 0, true},
		{"unknown entity type", Request{Principal: Entity{Type: "Robot", ID: "r"}, Action: "SendMessage", Resource: s2}, Deny, []string{ReasonInvalidRequest}, 0, true},
		{"unsupported attribute", Request{Principal: s1, Action: "SendMessage", Resource: s2, Attrs: map[string]any{"x": 1.5}}, Deny, []string{ReasonInvalidRequest}, 0, true},
	}
	e := testEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.Now.IsZero() {
				tt.req.Now = now
			}
			d := e.Decide(tt.req)
			if d.Effect != tt.effect {
				t.Errorf("effect = %v, want %v (reasons %v, errors %v)", d.Effect, tt.effect, d.Reasons, d.Errors)
			}
			if !sameSet(d.Reasons, tt.reasons) {
				t.Errorf("reasons = %v, want %v", d.Reasons, tt.reasons)
			}
			if d.Approvals != tt.need {
				t.Errorf("approvals = %d, want %d", d.Approvals, tt.need)
			}
			if (len(d.Errors) > 0) != tt.errors {
				t.Errorf("errors = %v, want errors: %v", d.Errors, tt.errors)
			}
			if tt.reasons[0] != ReasonInvalidRequest && d.Version != 7 {
				t.Errorf("version = %d, want 7", d.Version)
			}
		})
	}
}

func TestDecideWithoutPolicies(t *testing.T) {
	var e Engine
	d := e.Decide(Request{Principal: Human("ann", "admin"), Action: "ManagePolicy", Resource: HubEntity})
	if d.Effect != Deny || !slices.Equal(d.Reasons, []string{ReasonNoPolicies}) {
		t.Errorf("got %+v, want deny by %s", d, ReasonNoPolicies)
	}
}

func TestApplyKeepsOldSetOnError(t *testing.T) {
	e := testEngine(t)
	req := Request{Principal: Agent("s1", "a"), Action: "SendMessage", Resource: Agent("s2", "a")}
	for name, files := range map[string][]store.PolicyFile{
		"invalid": {{Name: "bad.cedar", Text: `permit (principal is Nope, action, resource);`}},
		"empty":   {{Name: "empty.cedar", Text: "// no policies\n"}},
		"none":    nil,
	} {
		err := e.Apply(8, files)
		if err == nil {
			t.Errorf("%s: Apply succeeded", name)
		}
		if name != "invalid" && !errors.Is(err, ErrNoPolicies) {
			t.Errorf("%s: err = %v, want ErrNoPolicies", name, err)
		}
		if v, _ := e.Active(); v != 7 {
			t.Errorf("%s: active version = %d, want 7", name, v)
		}
		if d := e.Decide(req); d.Effect != Allow {
			t.Errorf("%s: old set no longer decides: %+v", name, d)
		}
	}
	if err := e.Apply(9, StarterFiles()); err != nil {
		t.Fatal(err)
	}
	if d := e.Decide(req); d.Effect != Allow || d.Version != 9 || d.Reasons[0] != "segment-messages" {
		t.Errorf("after Apply(9): %+v", d)
	}
}

// TestApplyDuringDecisions switches sets while deciding: every decision
// must come whole from one set or the other.
func TestApplyDuringDecisions(t *testing.T) {
	a := []store.PolicyFile{{Name: "a.cedar", Text: `@id("a") permit (principal is Agent, action == Action::"SendMessage", resource is Agent);`}}
	b := []store.PolicyFile{{Name: "b.cedar", Text: `@id("b") permit (principal in Segment::"x", action, resource in Segment::"x");`}}
	e := NewEngine()
	if err := e.Apply(1, a); err != nil {
		t.Fatal(err)
	}
	req := Request{Principal: Agent("s1", "x"), Action: "SendMessage", Resource: Agent("s2", "x")}
	var (
		stop      atomic.Bool
		decisions atomic.Int64
		wg        sync.WaitGroup
		bad       = make(chan Decision, 1)
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				d := e.Decide(req)
				decisions.Add(1)
				want := "a"
				if d.Version%2 == 0 {
					want = "b"
				}
				if d.Effect != Allow || len(d.Errors) > 0 || !slices.Equal(d.Reasons, []string{want}) {
					select {
					case bad <- d:
					default:
					}
				}
			}
		}()
	}
	for v := int64(2); v <= 60; v++ {
		files := a
		if v%2 == 0 {
			files = b
		}
		if err := e.Apply(v, files); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(bad)
	if d, ok := <-bad; ok {
		t.Errorf("decision during switch: %+v", d)
	}
	if decisions.Load() == 0 {
		t.Error("no decisions were made")
	}
}

func TestGrantActive(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	g := store.Grant{Created: t0, Expires: t0.Add(time.Hour)}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{t0.Add(-time.Nanosecond), false},
		{t0, true},
		{t0.Add(time.Hour - time.Nanosecond), true},
		{t0.Add(time.Hour), false},
	} {
		if got := GrantActive(g, tt.at); got != tt.want {
			t.Errorf("GrantActive at %v = %v, want %v", tt.at, got, tt.want)
		}
	}
	g.Revoked = t0.Add(time.Minute)
	if GrantActive(g, t0.Add(2*time.Minute)) {
		t.Error("revoked grant is active")
	}
}

// The entity cache must never serve an agent's old attributes.
func TestDecideSeesChangedAttributes(t *testing.T) {
	e := testEngine(t)
	to := Agent("s2", "scheduling")
	for i, seg := range []string{"scheduling", "finance", "scheduling"} {
		d := e.Decide(Request{Principal: Agent("s1", seg), Action: "SendMessage", Resource: to})
		if want := seg == "scheduling"; d.Allowed() != want {
			t.Errorf("round %d, segment %s: allowed = %v, want %v", i, seg, d.Allowed(), want)
		}
	}
}
