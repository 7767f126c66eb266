package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const examplePolicies = "../../examples/policies"

func exampleCedarFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplePolicies, "*.cedar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example policies in %s (%v)", examplePolicies, err)
	}
	return files
}

func TestPolicyValidateExamples(t *testing.T) {
	files := exampleCedarFiles(t)
	out := mustRun(t, append([]string{"policy", "validate"}, files...)...)
	want := fmt.Sprintf("in %d files", len(files))
	if !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, want) {
		t.Fatalf("policy validate examples: got %q, want \"ok: N policies %s\"", out, want)
	}

	var res struct {
		OK          bool  `json:"ok"`
		Files       int   `json:"files"`
		Policies    int   `json:"policies"`
		Diagnostics []any `json:"diagnostics"`
	}
	out = mustRun(t, "policy", "validate", examplePolicies, "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("policy validate -o json: %v\n%s", err, out)
	}
	if !res.OK || res.Files != len(files) || res.Policies == 0 || len(res.Diagnostics) != 0 {
		t.Fatalf("policy validate DIR -o json: got %+v, want ok with %d files", res, len(files))
	}
}

// TestPolicyValidateBroken: each broken file in testdata fails with exit 1
// and a file:line:col diagnostic at the mistake.
func TestPolicyValidateBroken(t *testing.T) {
	cases := []struct {
		file string
		want string
	}{
		{"unknown_attribute.cedar", "unknown_attribute.cedar:5:13: attribute `segmnt`"},
		{"unknown_action.cedar", "unknown_action.cedar:3:47: unrecognized action"},
		{"syntax_error.cedar", "syntax_error.cedar:4:23: syntax error"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "policies", tc.file)
			out, errOut, code := run(t, "policy", "validate", examplePolicies, path)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q does not contain %q", errOut, tc.want)
			}
			if !strings.Contains(errOut, path+":") {
				t.Errorf("diagnostic should name the file as given (%s): %q", path, errOut)
			}
			if strings.Contains(out, "ok:") {
				t.Errorf("stdout says ok for a broken file: %q", out)
			}
		})
	}
}

func TestPolicyValidateErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"policy", "validate"}, "requires at least 1 arg"},
		{[]string{"policy", "validate", "testdata/nonexistent.cedar"}, "no such file"},
		{[]string{"policy", "validate", t.TempDir()}, "no .cedar files"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := run(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

func TestPolicyTestExamples(t *testing.T) {
	cases := filepath.Join(examplePolicies, "cases.yaml")
	out := mustRun(t, "policy", "test", "--policies", examplePolicies, cases)
	if !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "cases passed") {
		t.Fatalf("policy test: got %q, want ok: N cases passed", out)
	}
	// A shell glob after --policies: the extra arguments are policy files.
	args := append(append([]string{"policy", "test", "--policies"}, exampleCedarFiles(t)...), cases, "-o", "json")
	var res struct {
		Passed, Failed int
		Results        []struct {
			Name     string `json:"name"`
			OK       bool   `json:"ok"`
			Decision string `json:"decision"`
		}
	}
	out = mustRun(t, args...)
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("policy test -o json: %v\n%s", err, out)
	}
	if res.Failed != 0 || res.Passed == 0 || len(res.Results) != res.Passed {
		t.Fatalf("policy test -o json: %d passed, %d failed, %d results", res.Passed, res.Failed, len(res.Results))
	}
}

// TestPolicyTestFlipped: one flipped expectation makes the run fail,
// naming the case and where it is.
func TestPolicyTestFlipped(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examplePolicies, "cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const name = "an agent asks who it is"
	orig := "- name: " + name + "\n    principal: Agent::\"s1\"\n    action: WhoAmI\n    resource: Agent::\"s1\"\n    expect: allow\n"
	text := string(b)
	if !strings.Contains(text, orig) {
		t.Fatalf("cases.yaml no longer contains the case %q as this test expects", name)
	}
	flipped := strings.Replace(text, orig, strings.Replace(orig, "expect: allow", "expect: deny", 1), 1)
	line := 1 + strings.Count(text[:strings.Index(text, orig)], "\n")
	path := filepath.Join(t.TempDir(), "cases.yaml")
	if err := os.WriteFile(path, []byte(flipped), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "policy", "test", "--policies", examplePolicies, path)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
	}
	for _, want := range []string{fmt.Sprintf("FAIL %s:%d: %s", path, line, name), "got allow, want deny", "self-identity", "1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "1 of ") {
		t.Errorf("stderr %q should summarize the failure", errOut)
	}
	if n := strings.Count(out, "FAIL "); n != 1 {
		t.Errorf("%d FAIL lines, want 1:\n%s", n, out)
	}

	out, _, code = run(t, "policy", "test", "--policies", examplePolicies, path, "-o", "json")
	var res struct {
		Failed  int
		Results []struct {
			Name, Decision, Expect string
			OK                     bool
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.Failed != 1 {
		t.Fatalf("-o json: exit %d, failed %d, err %v\n%s", code, res.Failed, err, out)
	}
	for _, r := range res.Results {
		if !r.OK && (r.Name != name || r.Decision != "allow" || r.Expect != "deny") {
			t.Errorf("failing result %+v, want %q allow≠deny", r, name)
		}
	}
}

func TestPolicyTestErrors(t *testing.T) {
	cases := filepath.Join(examplePolicies, "cases.yaml")
	broken := filepath.Join("testdata", "policies", "unknown_attribute.cedar")
	badCases := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badCases, []byte("entities:\n  Agent::\"s1\": {segment: scheduling}\ncases:\n  - name: x\n    principal: Agent::\"s1\"\n    action: Fly\n    resource: Agent::\"s1\"\n    expect: allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tcs := []struct {
		args []string
		want string
	}{
		{[]string{"policy", "test", cases}, "--policies is required"},
		{[]string{"policy", "test", "--policies", examplePolicies}, "requires at least 1 arg"},
		{[]string{"policy", "test", "--policies", examplePolicies, "--policies", broken, cases}, "unknown_attribute.cedar:5:13"},
		{[]string{"policy", "test", "--policies", examplePolicies, "nonexistent.yaml"}, "no such file"},
		{[]string{"policy", "test", "--policies", examplePolicies, badCases}, `line 4: case x: action: unknown action "Fly"`},
	}
	for _, tc := range tcs {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := run(t, tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 1 mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

// TestPolicyFlagChecks: online commands check their flags before looking
// for an identity or a hub.
func TestPolicyFlagChecks(t *testing.T) {
	t.Setenv("AIRLOCK_IDENTITY", "")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"policy", "explain", "--action", "SendMessage", "--resource", `Agent::"f1"`}, "--principal is required"},
		{[]string{"policy", "explain", "--principal", "Agent::s1", "--action", "SendMessage", "--resource", `Agent::"f1"`}, "quote it for the shell"},
		{[]string{"policy", "explain", "--principal", `Agent::"s1"`, "--action", "Fly", "--resource", `Agent::"f1"`}, `unknown action "Fly"`},
		{[]string{"policy", "apply", filepath.Join("testdata", "policies", "unknown_action.cedar")}, "unknown_action.cedar:3:47"},
		{[]string{"policy", "diff", "1", "x"}, `version "x"`},
		{[]string{"grant", "create", "--principal", `Agent::"a1"`, "--action", "SendMessage", "--resource", `Agent::"b1"`}, "--reason is required"},
		{[]string{"grant", "create", "--principal", `Agent::"a1"`, "--action", "SendMessage", "--resource", `Agent::"b1"`, "--reason", "r", "--ttl", "-1h"}, "positive duration"},
		{[]string{"access", "request", "--action", "SendMessage", "--resource", `Agent::"f1"`}, "--reason is required"},
		{[]string{"access", "request", "--action", "SendMessage", "--resource", `Nobody::"f1"`, "--reason", "r"}, "unknown type"},
		{[]string{"access", "list"}, "no identity"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := run(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

func TestPolicyHelp(t *testing.T) {
	for _, args := range [][]string{{"policy", "--help"}, {"policy", "validate", "--help"}, {"policy", "test", "--help"},
		{"policy", "apply", "--help"}, {"policy", "show", "--help"}, {"policy", "history", "--help"},
		{"policy", "diff", "--help"}, {"policy", "explain", "--help"}, {"grant", "create", "--help"},
		{"grant", "list", "--help"}, {"grant", "revoke", "--help"}, {"access", "request", "--help"},
		{"access", "list", "--help"}, {"access", "approve", "--help"}, {"access", "deny", "--help"}} {
		out := mustRun(t, args...)
		if !strings.Contains(out, "Usage:") {
			t.Errorf("airlock %s: no usage text", strings.Join(args, " "))
		}
		if len(args) == 3 && !strings.Contains(out, "Examples:") {
			t.Errorf("airlock %s: no examples", strings.Join(args, " "))
		}
	}
}
