package policy

import (
	"strings"
	"testing"
)

func exampleEngine(t testing.TB) *Engine {
	t.Helper()
	files, err := LoadPolicyFiles("../../examples/policies")
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine()
	if err := e.Apply(1, files); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestExampleCases(t *testing.T) {
	e := exampleEngine(t)
	cases, err := LoadCases("../../examples/policies/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Effect]int{}
	for _, r := range RunCases(e, cases) {
		seen[r.Case.Expect]++
		if !r.OK() {
			t.Errorf("line %d: %s: %s", r.Case.Line, r.Case.Name, r.Mismatch)
		}
	}
	if seen[Allow] == 0 || seen[Deny] == 0 || seen[Approval] == 0 {
		t.Errorf("cases expect %v; want allow, deny and approval cases", seen)
	}

	// Flipping one expectation makes that case, and only it, fail.
	for i, c := range cases {
		if c.Name != "s1 cannot message f1 (scheduling may not reach finance)" {
			continue
		}
		flipped := append([]Case(nil), cases...)
		flipped[i].Expect = Allow
		var failed []string
		for _, r := range RunCases(e, flipped) {
			if !r.OK() {
				failed = append(failed, r.Case.Name+": "+r.Mismatch)
			}
		}
		if len(failed) != 1 || !strings.Contains(failed[0], "got deny, want allow") {
			t.Errorf("after flipping: failures %q, want exactly the flipped case", failed)
		}
		return
	}
	t.Error("the s1 → f1 case is missing from cases.yaml")
}

func TestRunCasesReasonsMismatch(t *testing.T) {
	cases, err := ParseCases(strings.NewReader(`
entities:
  Agent::"s1": {segment: scheduling}
  Agent::"s2": {segment: scheduling}
cases:
  - name: peers
    principal: Agent::"s1"
    action: SendMessage
    resource: Agent::"s2"
    expect: allow
    reasons: [finance-peers]
`))
	if err != nil {
		t.Fatal(err)
	}
	rs := RunCases(exampleEngine(t), cases)
	if rs[0].OK() || !strings.Contains(rs[0].Mismatch, "want [finance-peers]") {
		t.Errorf("Mismatch = %q, want a reasons mismatch", rs[0].Mismatch)
	}
	if rs[0].Case.Line != 6 {
		t.Errorf("Line = %d, want 6", rs[0].Case.Line)
	}
}

func TestParseCasesErrors(t *testing.T) {
	const head = "entities:\n  Agent::\"s1\": {segment: a}\ncases:\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", head + "  - {name: x, principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow, colour: red}", "field colour not found"},
		{"unknown top-level key", "policies: []\n", "field policies not found"},
		{"undeclared entity", head + "  - {name: x, principal: 'Agent::\"zz\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow}", `Agent::"zz" is not declared`},
		{"unknown action", head + "  - {name: x, principal: 'Agent::\"s1\"', action: Fly, resource: 'Agent::\"s1\"', expect: allow}", `unknown action "Fly"`},
		{"bad expect", head + "  - {name: x, principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: maybe}", "want allow, deny or approval"},
		{"missing name", head + "  - {principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow}", "name is required"},
		{"bad uid", head + "  - {name: x, principal: s1, action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow}", `want Type::"id"`},
		{"bad duration", head + "  - {name: x, principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow, grants: [{expires_in: soon}]}", "expires_in"},
		{"bad time", "now: yesterday\n" + head + "  - {name: x, principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow}", "now:"},
		{"float attribute", head + "  - {name: x, principal: 'Agent::\"s1\"', action: WhoAmI, resource: 'Agent::\"s1\"', expect: allow, context: {request: {size: 1.5}}}", "only integers"},
		{"no cases", head, "no cases"},
		{"empty", "", "empty case file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCases(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzLoadCases(f *testing.F) {
	f.Add(`now: 2025-06-02T09:00:00Z
entities:
  Agent::"s1": {segment: scheduling, risk: 3}
  Human::"h": {roles: [admin]}
cases:
  - name: a
    principal: Agent::"s1"
    action: SendMessage
    resource: Human::"h"
    context: {risk: 1, request: {tool: x, size: 3, tags: [a, b], nested: {k: true}}}
    grants: [{id: g, expires_in: -1h, revoked: true}]
    expect: approval
`)
	f.Add("cases: [{name: x, principal: 'Hub::\"a\"', action: WhoAmI, resource: 'Tool::\"t\"', expect: deny}]")
	f.Add("a: &a [*a, *a]")
	e := exampleEngine(f)
	f.Fuzz(func(t *testing.T, text string) {
		cases, err := ParseCases(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, r := range RunCases(e, cases) {
			if r.Case.Request.Action == "" {
				t.Fatalf("case %q has no action", r.Case.Name)
			}
		}
	})
}
