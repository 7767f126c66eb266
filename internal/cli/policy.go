package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/airlock-hub/airlock/client"
	airlockv1 "github.com/airlock-hub/airlock/gen/airlock/v1"
	"github.com/airlock-hub/airlock/internal/policy"
	"github.com/airlock-hub/airlock/internal/store"
)

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Validate, test, apply and explain Cedar policies",
		Long: `Every action on the hub is authorized by Cedar policies: deny by default, a
forbid wins over any permit. Policies live in .cedar files.

Offline (no hub needed):  policy validate, policy test
On the hub:               policy apply, show, history, diff, explain`,
	}
	cmd.AddCommand(a.policyValidate(), a.policyTest(), a.policyApply(), a.policyShow(),
		a.policyHistory(), a.policyDiff(), a.policyExplain())
	return cmd
}

// diagnosticJSON is the --output json form of a policy diagnostic.
type diagnosticJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Policy  string `json:"policy,omitempty"`
	Message string `json:"message"`
}

func toDiagnosticsJSON(ds []policy.Diagnostic) []diagnosticJSON {
	out := make([]diagnosticJSON, len(ds))
	for i, d := range ds {
		out[i] = diagnosticJSON{File: d.File, Line: d.Line, Column: d.Column, Policy: d.Policy, Message: d.Message}
	}
	return out
}

// checkedPolicies is a policy set read from disk and validated.
type checkedPolicies struct {
	files []store.PolicyFile // named as the hub stores them (hubNames)
	set   *policy.Set
	diags []policy.Diagnostic // named as found on disk
}

// checkPolicies reads and validates policy files or directories.
// Diagnostics name the files as found, so that file:line:col can be
// opened; the set and files are named as the hub stores them, so that
// unannotated policy IDs ("<file>:<index>") match what the hub reports.
// An invalid set returns diagnostics and a nil error.
func checkPolicies(paths []string) (*checkedPolicies, error) {
	files, err := policy.LoadPolicyFiles(paths...)
	if err != nil {
		return nil, err
	}
	_, diags, err := policy.Validate(files)
	if len(diags) > 0 {
		return &checkedPolicies{diags: diags}, nil
	}
	if err != nil {
		return nil, err
	}
	named := hubNames(files)
	set, _, err := policy.Validate(named)
	if err != nil {
		return nil, err
	}
	return &checkedPolicies{files: named, set: set}, nil
}

// hubNames names files by their base name, which keeps versions applied
// from different directories comparable; when two files share a base
// name, every file keeps its path.
func hubNames(files []store.PolicyFile) []store.PolicyFile {
	seen := map[string]bool{}
	out := make([]store.PolicyFile, len(files))
	for i, f := range files {
		base := filepath.Base(f.Name)
		if seen[base] {
			for j, f := range files {
				out[j] = store.PolicyFile{Name: filepath.ToSlash(f.Name), Text: f.Text}
			}
			return out
		}
		seen[base] = true
		out[i] = store.PolicyFile{Name: base, Text: f.Text}
	}
	return out
}

// invalidPolicies prints diagnostics on stderr and returns the error
// that ends the command.
func (a *app) invalidPolicies(diags []policy.Diagnostic) error {
	for _, d := range diags {
		fmt.Fprintln(a.errOut, d.String())
	}
	return fmt.Errorf("%s in the policy files: fix them and run again", plural(len(diags), "problem"))
}

// plural returns "1 policy" or "2 policies": word, or its plural form
// (word+"s" when many is empty).
func plural(n int, word string, many ...string) string {
	if n == 1 {
		return "1 " + word
	}
	if len(many) > 0 {
		word = many[0]
	} else {
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

func (a *app) policyValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check policy files against the schema (offline)",
		Long: `Parse Cedar policy files and validate them against the hub's schema: syntax
errors, unknown entity types, actions and attributes, bad annotations and
duplicate @id names are reported as file:line:column: message. A directory
contributes its *.cedar files. Exits 1 on any problem, so it fits in CI.`,
		Example: "  airlock policy validate examples/policies/*.cedar\n  airlock policy validate examples/policies -o json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := policy.LoadPolicyFiles(args...)
			if err != nil {
				return err
			}
			set, diags, err := policy.Validate(files)
			if err != nil && len(diags) == 0 {
				return err
			}
			if a.output == "json" {
				out := map[string]any{"ok": len(diags) == 0, "files": len(files), "policies": 0,
					"diagnostics": toDiagnosticsJSON(diags)}
				if set != nil {
					out["policies"] = set.Len()
				}
				if err := printJSON(a.out, out); err != nil || len(diags) == 0 {
					return err
				}
				return fmt.Errorf("%s in the policy files", plural(len(diags), "problem"))
			}
			if len(diags) > 0 {
				return a.invalidPolicies(diags)
			}
			_, err = fmt.Fprintf(a.out, "ok: %s in %s\n", plural(set.Len(), "policy", "policies"), plural(len(files), "file"))
			return err
		},
	}
}

// caseResultJSON is the --output json form of one policy test case.
type caseResultJSON struct {
	Name      string   `json:"name"`
	Line      int      `json:"line"`
	OK        bool     `json:"ok"`
	Expect    string   `json:"expect"`
	Decision  string   `json:"decision"`
	Reasons   []string `json:"reasons"`
	Errors    []string `json:"errors"`
	Approvals int      `json:"approvals,omitempty"`
	Mismatch  string   `json:"mismatch,omitempty"`
}

func toCaseResultJSON(r policy.Result) caseResultJSON {
	return caseResultJSON{Name: r.Case.Name, Line: r.Case.Line, OK: r.OK(), Expect: r.Case.Expect.String(),
		Decision: r.Decision.Effect.String(), Reasons: nonNil(r.Decision.Reasons), Errors: nonNil(r.Decision.Errors),
		Approvals: r.Decision.Approvals, Mismatch: r.Mismatch}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *app) policyTest() *cobra.Command {
	var paths []string
	cmd := &cobra.Command{
		Use:   "test --policies FILE|DIR... CASES.yaml",
		Short: "Run a table of expected decisions against policy files (offline)",
		Long: `Decide every case of a YAML case file (principal, action, resource, context,
grants → expected allow, deny or approval) with the given policies, print each
mismatch and a summary. Exits 1 on any mismatch or on policies or cases that
do not load, so it fits in CI. See examples/policies/cases.yaml for the format.

--policies may be repeated; arguments before CASES.yaml are policy paths too,
so a shell glob works: --policies dir/*.cedar dir/cases.yaml.`,
		Example: "  airlock policy test --policies examples/policies examples/policies/cases.yaml\n" +
			"  airlock policy test --policies examples/policies/*.cedar examples/policies/cases.yaml -o json",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			casesPath := args[len(args)-1]
			paths = append(paths, args[:len(args)-1]...)
			if len(paths) == 0 {
				return errors.New("--policies is required: the policy files or directory to test, e.g. --policies examples/policies")
			}
			checked, err := checkPolicies(paths)
			if err != nil {
				return err
			}
			if len(checked.diags) > 0 {
				return a.invalidPolicies(checked.diags)
			}
			cases, err := policy.LoadCases(casesPath)
			if err != nil {
				return err
			}
			e := policy.NewEngine()
			e.ApplySet(0, checked.set)
			return a.reportCases(casesPath, policy.RunCases(e, cases))
		},
	}
	cmd.Flags().StringArrayVar(&paths, "policies", nil, "policy file or directory (repeatable)")
	return cmd
}

func (a *app) reportCases(casesPath string, results []policy.Result) error {
	failed := 0
	out := make([]caseResultJSON, len(results))
	for i, r := range results {
		out[i] = toCaseResultJSON(r)
		if !r.OK() {
			failed++
		}
	}
	err := a.emit(map[string]any{"passed": len(results) - failed, "failed": failed, "results": out}, func(w io.Writer) error {
		for _, r := range results {
			if !r.OK() {
				fmt.Fprintf(w, "FAIL %s:%d: %s\n     %s\n", casesPath, r.Case.Line, r.Case.Name, r.Mismatch)
			}
		}
		if failed == 0 {
			_, err := fmt.Fprintf(w, "ok: %s passed\n", plural(len(results), "case"))
			return err
		}
		_, err := fmt.Fprintf(w, "%d passed, %d failed\n", len(results)-failed, failed)
		return err
	})
	if err != nil || failed == 0 {
		return err
	}
	return fmt.Errorf("%d of %s failed", failed, plural(len(results), "case"))
}

func (a *app) policyApply() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:   "apply FILE|DIR...",
		Short: "Validate policy files and make them the hub's active policy",
		Long: `Validate the policy files locally, then store them on the hub as a new version
that every request uses from then on, without a restart. An invalid set is
rejected and the active version stays. Files are stored under their base name
(admins.cedar), or their path if two share a base name.`,
		Example: "  airlock policy apply examples/policies\n  airlock policy apply finance.cedar support.cedar",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			checked, err := checkPolicies(args)
			if err != nil {
				return err
			}
			if len(checked.diags) > 0 {
				return a.invalidPolicies(checked.diags)
			}
			req := &airlockv1.ApplyPolicyRequest{}
			for _, f := range checked.files {
				req.Files = append(req.Files, &airlockv1.PolicyFile{Name: f.Name, Text: f.Text})
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Policy.ApplyPolicy(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return err
				}
				out := map[string]any{"version": resp.Msg.GetVersion(), "policies": resp.Msg.GetPolicies()}
				return a.emit(out, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "applied policy version %d (%s in %s)\n", resp.Msg.GetVersion(),
						plural(int(resp.Msg.GetPolicies()), "policy", "policies"), plural(len(req.Files), "file"))
					return err
				})
			})
		},
	}
	cf.register(cmd)
	return cmd
}

// policyVersionJSON is the --output json form of a policy version.
type policyVersionJSON struct {
	Version   int64            `json:"version"`
	CreatedAt time.Time        `json:"created_at"`
	Actor     string           `json:"actor"`
	Active    bool             `json:"active"`
	Files     []policyFileJSON `json:"files,omitempty"`
}

type policyFileJSON struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

func toPolicyVersionJSON(v *airlockv1.PolicyVersion, withFiles bool) policyVersionJSON {
	j := policyVersionJSON{Version: v.GetVersion(), CreatedAt: v.GetCreatedAt().AsTime(), Actor: v.GetActor(), Active: v.GetActive()}
	if withFiles {
		j.Files = []policyFileJSON{}
		for _, f := range v.GetFiles() {
			j.Files = append(j.Files, policyFileJSON{Name: f.GetName(), Text: f.GetText()})
		}
	}
	return j
}

func getPolicy(ctx context.Context, c *client.Client, version int64) (*airlockv1.PolicyVersion, error) {
	resp, err := c.Policy.GetPolicy(ctx, connect.NewRequest(&airlockv1.GetPolicyRequest{Version: version}))
	if err != nil {
		return nil, fmt.Errorf("get policy version %d: %w", version, err)
	}
	return resp.Msg.GetPolicy(), nil
}

func (a *app) policyShow() *cobra.Command {
	var cf connFlags
	var version int64
	cmd := &cobra.Command{
		Use:     "show [--version N]",
		Short:   "Print the files of the active (or a given) policy version",
		Example: "  airlock policy show\n  airlock policy show --version 3 -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if version < 0 {
				return fmt.Errorf("--version %d: want a version number from `airlock policy history`, or 0 for the active one", version)
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				v, err := getPolicy(cmd.Context(), c, version)
				if err != nil {
					return err
				}
				return a.emit(toPolicyVersionJSON(v, true), func(w io.Writer) error {
					for _, f := range v.GetFiles() {
						fmt.Fprintf(w, "# file: %s\n%s", f.GetName(), f.GetText())
						if !strings.HasSuffix(f.GetText(), "\n") {
							fmt.Fprintln(w)
						}
					}
					return nil
				})
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().Int64Var(&version, "version", 0, "version to show (default: the active one)")
	return cmd
}

func (a *app) policyHistory() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:     "history",
		Short:   "List the policy versions applied to the hub",
		Example: "  airlock policy history\n  airlock policy history -o json",
		Args:    cobra.NoArgs,
		RunE: cf.run(func(ctx context.Context, c *client.Client, _ []string) error {
			resp, err := c.Policy.ListPolicyVersions(ctx, connect.NewRequest(&airlockv1.ListPolicyVersionsRequest{}))
			if err != nil {
				return err
			}
			header := []string{"VERSION", "CREATED", "ACTOR", "ACTIVE"}
			return emitTable(a, header, resp.Msg.GetVersions(), func(v *airlockv1.PolicyVersion) (policyVersionJSON, []string) {
				j := toPolicyVersionJSON(v, false)
				active := ""
				if j.Active {
					active = "yes"
				}
				return j, []string{strconv.FormatInt(j.Version, 10), j.CreatedAt.Format(time.RFC3339), dash(j.Actor), active}
			})
		}),
	}
	cf.register(cmd)
	return cmd
}

func (a *app) policyDiff() *cobra.Command {
	var cf connFlags
	cmd := &cobra.Command{
		Use:     "diff A B",
		Short:   "Show what changed between two policy versions (unified diff per file)",
		Example: "  airlock policy diff 1 2\n  airlock policy diff 3 0     # 0 is the active version",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var vs [2]int64
			for i, s := range args {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 0 {
					return fmt.Errorf("version %q: want a number from `airlock policy history` (0: the active one)", s)
				}
				vs[i] = n
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				from, err := getPolicy(cmd.Context(), c, vs[0])
				if err != nil {
					return err
				}
				to, err := getPolicy(cmd.Context(), c, vs[1])
				if err != nil {
					return err
				}
				return a.printPolicyDiff(from, to)
			})
		},
	}
	cf.register(cmd)
	return cmd
}

// fileDiffJSON is one changed file of `policy diff -o json`.
type fileDiffJSON struct {
	Name string `json:"name"`
	Diff string `json:"diff"`
}

func (a *app) printPolicyDiff(from, to *airlockv1.PolicyVersion) error {
	diffs := policyDiff(from, to)
	out := map[string]any{"from": from.GetVersion(), "to": to.GetVersion(), "files": diffs}
	return a.emit(out, func(w io.Writer) error {
		if len(diffs) == 0 {
			_, err := fmt.Fprintf(w, "no differences between versions %d and %d\n", from.GetVersion(), to.GetVersion())
			return err
		}
		for _, d := range diffs {
			if _, err := io.WriteString(w, d.Diff); err != nil {
				return err
			}
		}
		return nil
	})
}

// policyDiff returns a unified diff for every file that differs between
// two versions, in file name order.
func policyDiff(from, to *airlockv1.PolicyVersion) []fileDiffJSON {
	texts := func(v *airlockv1.PolicyVersion) map[string]string {
		m := map[string]string{}
		for _, f := range v.GetFiles() {
			m[f.GetName()] = f.GetText()
		}
		return m
	}
	a, b := texts(from), texts(to)
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	diffs := []fileDiffJSON{}
	for _, n := range names {
		ta, inA := a[n]
		tb, inB := b[n]
		if inA && inB && ta == tb {
			continue
		}
		fromName, toName := fmt.Sprintf("v%d/%s", from.GetVersion(), n), fmt.Sprintf("v%d/%s", to.GetVersion(), n)
		if !inA {
			fromName = "/dev/null"
		}
		if !inB {
			toName = "/dev/null"
		}
		diffs = append(diffs, fileDiffJSON{Name: n, Diff: unifiedDiff(fromName, toName, ta, tb)})
	}
	return diffs
}

func (a *app) policyExplain() *cobra.Command {
	var cf connFlags
	var principal, action, resource string
	cmd := &cobra.Command{
		Use:   "explain --principal UID --action NAME --resource UID",
		Short: "Ask the hub what it would decide now, and why",
		Long: `Ask the running hub for the decision it would make right now for a principal,
action and resource — with the active policies, grants and context — and the
policies (or grant:ID) that determined it. Quote entity UIDs for the shell.`,
		Example: `  airlock policy explain --principal 'Agent::"s1"' --action 'Action::"SendMessage"' --resource 'Agent::"f1"'
  airlock policy explain --principal 'Human::"ann"' --action ManagePolicy --resource 'Hub::"airlock"' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := explainRequest(principal, action, resource)
			if err != nil {
				return err
			}
			return cf.with(cmd.Context(), func(c *client.Client) error {
				resp, err := c.Policy.Explain(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return err
				}
				return a.printExplain(req, resp.Msg)
			})
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&principal, "principal", "", `who acts, e.g. 'Agent::"s1"' (required)`)
	cmd.Flags().StringVar(&action, "action", "", `what, e.g. SendMessage or 'Action::"SendMessage"' (required)`)
	cmd.Flags().StringVar(&resource, "resource", "", `on what, e.g. 'Agent::"f1"' (required)`)
	return cmd
}

// explainRequest checks the flags locally, so a shell-mangled UID gets a
// clear message before any connection is made.
func explainRequest(principal, action, resource string) (*airlockv1.ExplainRequest, error) {
	p, err := entityFlag("--principal", principal)
	if err != nil {
		return nil, err
	}
	r, err := entityFlag("--resource", resource)
	if err != nil {
		return nil, err
	}
	act, err := actionFlag(action)
	if err != nil {
		return nil, err
	}
	return &airlockv1.ExplainRequest{Principal: p, Action: `Action::"` + act + `"`, Resource: r}, nil
}

// entityFlag checks a Cedar entity UID flag and returns it normalized.
func entityFlag(flag, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf(`%s is required, e.g. %s 'Agent::"a1"'`, flag, flag)
	}
	e, err := policy.ParseEntity(v)
	if err != nil {
		return "", fmt.Errorf(`%s: %w (quote it for the shell: %s 'Agent::"a1"')`, flag, err, flag)
	}
	return e.String(), nil
}

// actionFlag checks an --action flag and returns the bare action name.
func actionFlag(v string) (string, error) {
	if v == "" {
		return "", errors.New("--action is required, e.g. --action SendMessage")
	}
	name, err := policy.ActionName(v)
	if err != nil {
		return "", fmt.Errorf("--action: %w (one of: %s)", err, strings.Join(policy.Actions, ", "))
	}
	return name, nil
}

func (a *app) printExplain(req *airlockv1.ExplainRequest, m *airlockv1.ExplainResponse) error {
	out := map[string]any{"decision": m.GetDecision(), "reasons": nonNil(m.GetReasons()), "errors": nonNil(m.GetErrors()),
		"approvals": m.GetApprovals(), "policy_version": m.GetPolicyVersion()}
	return a.emit(out, func(w io.Writer) error {
		act, err := policy.ActionName(req.GetAction())
		if err != nil {
			act = req.GetAction()
		}
		fmt.Fprintf(w, "%s  %s %s %s\n", strings.ToUpper(m.GetDecision()), req.GetPrincipal(), act, req.GetResource())
		fmt.Fprintf(w, "because: %s\n", dash(strings.Join(m.GetReasons(), ", ")))
		if m.GetDecision() == "approval" {
			fmt.Fprintf(w, "needs:   %s\n", plural(int(m.GetApprovals()), "approval"))
		}
		for _, e := range m.GetErrors() {
			fmt.Fprintf(w, "error:   %s\n", e)
		}
		_, err = fmt.Fprintf(w, "policy version: %d\n", m.GetPolicyVersion())
		return err
	})
}
