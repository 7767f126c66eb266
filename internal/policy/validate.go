package policy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	cedar "github.com/cedar-policy/cedar-go"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"

	"github.com/airlock-hub/airlock/internal/store"
)

// Annotations the engine understands.
const (
	// AnnotationID names a policy: @id("finance-peers"). IDs are unique
	// across a policy set; without one a policy is named "<file>:<index>".
	AnnotationID = "id"
	// AnnotationApproval on a permit makes the action need that many human
	// approvals: @approval("2").
	AnnotationApproval = "approval"
)

// maxApprovals bounds @approval so a typo cannot make an action
// unapprovable in practice.
const maxApprovals = 10

// Diagnostic is one problem found in a policy file.
type Diagnostic struct {
	File    string
	Line    int // 1-based; 0 when unknown
	Column  int // 1-based; 0 when unknown
	Policy  string
	Message string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Message)
}

// ValidationError is returned when a policy set has problems; it carries
// every diagnostic, not only the first.
type ValidationError struct {
	Diagnostics []Diagnostic
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// ErrNoPolicies is returned for a set without a single policy.
var ErrNoPolicies = errors.New("no policies: everything would be denied")

// Validate parses files, names their policies and validates them against
// the schema. It returns the compiled set, or the diagnostics (also wrapped
// in a *ValidationError). A set without policies is refused with
// ErrNoPolicies.
func Validate(files []store.PolicyFile) (*Set, []Diagnostic, error) {
	v, err := newValidator()
	if err != nil {
		return nil, nil, err
	}
	var (
		diags []Diagnostic
		all   []*Policy
		ids   = map[string]Diagnostic{}
	)
	for _, f := range files {
		ps, fileDiags := parseFile(f)
		for _, p := range ps {
			if prev, dup := ids[p.ID]; dup {
				fileDiags = append(fileDiags, p.diag(fmt.Sprintf("duplicate policy id %q (first at %s:%d:%d)", p.ID, prev.File, prev.Line, prev.Column)))
				continue
			}
			ids[p.ID] = p.diag("")
			fileDiags = append(fileDiags, validatePolicy(v, f.Text, p)...)
			all = append(all, p)
		}
		sortDiagnostics(fileDiags)
		diags = append(diags, fileDiags...)
	}
	if len(diags) > 0 {
		return nil, diags, &ValidationError{Diagnostics: diags}
	}
	if len(all) == 0 {
		return nil, nil, ErrNoPolicies
	}
	return newSet(all), nil, nil
}

var parsePosRE = regexp.MustCompile(`<input>:(\d+):(\d+):?\s*`)

// parseFile parses one file into named policies; a syntax error yields one
// diagnostic and no policies.
func parseFile(f store.PolicyFile) ([]*Policy, []Diagnostic) {
	list, err := cedar.NewPolicyListFromBytes(f.Name, []byte(f.Text))
	if err != nil {
		return nil, []Diagnostic{parseDiagnostic(f.Name, err)}
	}
	var (
		out   []*Policy
		diags []Diagnostic
	)
	for i, cp := range list {
		p := &Policy{ID: fmt.Sprintf("%s:%d", f.Name, i), File: f.Name, cedar: cp}
		pos := cp.Position()
		p.Line, p.Column, p.offset = pos.Line, pos.Column, pos.Offset
		p.end = len(f.Text)
		if i+1 < len(list) {
			p.end = list[i+1].Position().Offset
		}
		p.Effect = Permit
		if cp.Effect() == cedar.Forbid {
			p.Effect = Forbid
		}
		for _, d := range readAnnotations(p) {
			diags = append(diags, atAnnotation(f.Text, p, d))
		}
		out = append(out, p)
	}
	return out, diags
}

// parseDiagnostic turns a cedar-go parse error, which names the source
// "<input>", into file:line:col form.
func parseDiagnostic(file string, err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "parser error: ")
	msg = strings.TrimPrefix(msg, "parse error at ")
	d := Diagnostic{File: file}
	if m := parsePosRE.FindStringSubmatchIndex(msg); m != nil {
		d.Line, _ = strconv.Atoi(msg[m[2]:m[3]])
		d.Column, _ = strconv.Atoi(msg[m[4]:m[5]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	d.Message = "syntax error: " + strings.TrimSpace(msg)
	return d
}

// readAnnotations applies @id and @approval and checks their values.
func readAnnotations(p *Policy) []Diagnostic {
	var diags []Diagnostic
	for k, v := range p.cedar.Annotations() {
		switch string(k) {
		case AnnotationID:
			id := strings.TrimSpace(string(v))
			if id == "" || strings.HasPrefix(id, grantReasonPrefix) {
				diags = append(diags, p.diag(fmt.Sprintf("@id %q: want a non-empty name not starting with %q", v, grantReasonPrefix)))
				continue
			}
			p.ID = id
		case AnnotationApproval:
			n, err := strconv.Atoi(string(v))
			switch {
			case err != nil || n < 1 || n > maxApprovals:
				diags = append(diags, p.diag(fmt.Sprintf("@approval(%q): want a number of approvals from 1 to %d", v, maxApprovals)))
			case p.Effect == Forbid:
				diags = append(diags, p.diag("@approval on a forbid policy: only a permit can need approval"))
			default:
				p.Approvals = n
			}
		}
	}
	return diags
}

// atAnnotation moves an annotation diagnostic onto the annotation.
func atAnnotation(text string, p *Policy, d Diagnostic) Diagnostic {
	key := AnnotationID
	if strings.Contains(d.Message, "@"+AnnotationApproval) {
		key = AnnotationApproval
	}
	if p.offset >= 0 && p.end <= len(text) && p.offset <= p.end {
		if i := strings.Index(text[p.offset:p.end], "@"+key); i >= 0 {
			d.Line, d.Column = lineCol(text, p.offset+i)
		}
	}
	return d
}

// noApplicableAction is the validator's echo of an unknown type or action
// in a scope; the specific error says more.
const noApplicableAction = "unable to find an applicable action given the policy scope constraints"

// forActionRE strips the per-action suffix of validator messages so that
// one problem is reported once, not once per action in the schema.
var forActionRE = regexp.MustCompile(` for Action::"[^"]*"`)

// validatePolicy type-checks p against the schema.
func validatePolicy(v *validate.Validator, text string, p *Policy) (diags []Diagnostic) {
	defer func() {
		if r := recover(); r != nil { // fail closed on a validator bug
			diags = append(diags, p.diag(fmt.Sprintf("validator failed: %v", r)))
		}
	}()
	err := v.Policy("", (*xast.Policy)(p.cedar.AST()))
	if err == nil {
		return nil
	}
	errs := flatten(err)
	seen := map[string]bool{}
	if len(errs) > 1 {
		seen[noApplicableAction] = true
	}
	for _, e := range errs {
		msg := forActionRE.ReplaceAllString(e.Error(), "")
		if seen[msg] {
			continue
		}
		seen[msg] = true
		d := p.diag(msg)
		if off := locate(text, p.offset, p.end, msg); off >= 0 {
			d.Line, d.Column = lineCol(text, off)
		}
		diags = append(diags, d)
	}
	return diags
}

func flatten(err error) []error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

var (
	attrRE   = regexp.MustCompile("attribute `([^`]+)`")
	typeRE   = regexp.MustCompile("entity type `([^`]+)`")
	actionRE = regexp.MustCompile("action `Action::\"([^\"]+)\"`")
)

// locate finds, within the policy's text, the place a validator message is
// about: the attribute, entity type or action it names. It returns a byte
// offset or -1 when the message names nothing it can find.
func locate(text string, start, end int, msg string) int {
	if start < 0 || end > len(text) || start > end {
		return -1
	}
	var needles []string
	if m := actionRE.FindStringSubmatch(msg); m != nil {
		needles = []string{`"` + m[1] + `"`}
	} else if m := typeRE.FindStringSubmatch(msg); m != nil && strings.Contains(msg, "unrecognized") {
		needles = []string{m[1] + "::", "is " + m[1]}
	} else if m := attrRE.FindStringSubmatch(msg); m != nil {
		name := m[1]
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		needles = []string{"." + name, `["` + name + `"]`, "has " + name}
	}
	span := text[start:end]
	for _, n := range needles {
		if i := strings.Index(span, n); i >= 0 {
			if n[0] == '.' {
				i++
			}
			return start + i
		}
	}
	return -1
}

// lineCol converts a byte offset to a 1-based line and column (in runes).
func lineCol(text string, off int) (line, col int) {
	line, col = 1, 1
	for _, r := range text[:off] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func sortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}
