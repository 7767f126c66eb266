package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/airlock-hub/airlock/internal/store"
)

// maxCaseFile bounds a case file (1 MiB).
const maxCaseFile = 1 << 20

// Case is one expected decision of a case file.
type Case struct {
	Name    string
	Line    int // in the case file
	Request Request
	Expect  Effect
	// Reasons, when set, must equal the decision's reasons (in any order).
	Reasons []string
}

// caseFile is the YAML form; see examples/policies/cases.yaml.
type caseFile struct {
	// Now is the default decision time (RFC 3339); the load time if unset.
	Now string `yaml:"now"`
	// Entities declares agents, humans and topics with their attributes,
	// keyed by UID. Tool, Hub and Segment entities need no declaration.
	Entities map[string]entityYAML `yaml:"entities"`
	Cases    []caseYAML            `yaml:"cases"`
}

type entityYAML struct {
	Segment string   `yaml:"segment"`
	Owner   string   `yaml:"owner"`
	Risk    int64    `yaml:"risk"`
	Roles   []string `yaml:"roles"`
}

type caseYAML struct {
	Name      string      `yaml:"name"`
	Principal string      `yaml:"principal"`
	Action    string      `yaml:"action"`
	Resource  string      `yaml:"resource"`
	Now       string      `yaml:"now"`
	Context   contextYAML `yaml:"context"`
	Grants    []grantYAML `yaml:"grants"`
	Expect    string      `yaml:"expect"`
	Reasons   []string    `yaml:"reasons"`
	line      int
}

type contextYAML struct {
	Risk    int64          `yaml:"risk"`
	Request map[string]any `yaml:"request"`
}

// grantYAML is a grant held by the case's principal.
type grantYAML struct {
	ID        string `yaml:"id"`
	Action    string `yaml:"action"`     // default: the case's action
	Resource  string `yaml:"resource"`   // default: the case's resource
	ExpiresIn string `yaml:"expires_in"` // from now, e.g. 2h; negative: expired
	Revoked   bool   `yaml:"revoked"`
}

// LoadCases reads a YAML case file (see ParseCases).
func LoadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load cases: %w", err)
	}
	defer f.Close()
	cs, err := ParseCases(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// ParseCases decodes a case file strictly: unknown keys, undeclared
// entities, unknown actions and bad expectations are errors.
func ParseCases(r io.Reader) ([]Case, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxCaseFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCaseFile {
		return nil, fmt.Errorf("case file larger than %d bytes", maxCaseFile)
	}
	var cf caseFile
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty case file")
		}
		return nil, err
	}
	_ = yaml.Unmarshal(b, &root)
	setCaseLines(&root, cf.Cases)
	return cf.build()
}

// setCaseLines records where each case starts, for messages.
func setCaseLines(root *yaml.Node, cs []caseYAML) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "cases" && m.Content[i+1].Kind == yaml.SequenceNode {
			for j, n := range m.Content[i+1].Content {
				if j < len(cs) {
					cs[j].line = n.Line
				}
			}
		}
	}
}

func (cf *caseFile) build() ([]Case, error) {
	now := time.Now().Truncate(time.Second)
	if cf.Now != "" {
		t, err := time.Parse(time.RFC3339, cf.Now)
		if err != nil {
			return nil, fmt.Errorf("now: %w", err)
		}
		now = t
	}
	ents, err := cf.entities()
	if err != nil {
		return nil, err
	}
	if len(cf.Cases) == 0 {
		return nil, errors.New("no cases")
	}
	out := make([]Case, 0, len(cf.Cases))
	for i, c := range cf.Cases {
		built, err := c.build(ents, now)
		if err != nil {
			name := c.Name
			if name == "" {
				name = fmt.Sprintf("#%d", i+1)
			}
			return nil, fmt.Errorf("line %d: case %s: %w", c.line, name, err)
		}
		out = append(out, built)
	}
	return out, nil
}

func (cf *caseFile) entities() (map[string]Entity, error) {
	ents := make(map[string]Entity, len(cf.Entities))
	for uid, a := range cf.Entities {
		e, err := ParseEntity(uid)
		if err != nil {
			return nil, fmt.Errorf("entities: %w", err)
		}
		e.Segment, e.Owner, e.Risk, e.Roles = a.Segment, a.Owner, a.Risk, a.Roles
		ents[e.String()] = e
	}
	return ents, nil
}

// lookup resolves a UID: declared entities keep their attributes; types
// without attributes need no declaration.
func lookup(ents map[string]Entity, uid string) (Entity, error) {
	e, err := ParseEntity(uid)
	if err != nil {
		return Entity{}, err
	}
	if d, ok := ents[e.String()]; ok {
		return d, nil
	}
	switch e.Type {
	case TypeTool, TypeHub, TypeSegment:
		return e, nil
	}
	return Entity{}, fmt.Errorf("entity %s is not declared under entities", uid)
}

func (c caseYAML) build(ents map[string]Entity, now time.Time) (Case, error) {
	if strings.TrimSpace(c.Name) == "" {
		return Case{}, errors.New("name is required")
	}
	out := Case{Name: c.Name, Line: c.line, Reasons: c.Reasons}
	var err error
	if out.Expect, err = ParseEffect(c.Expect); err != nil {
		return Case{}, fmt.Errorf("expect: %w", err)
	}
	if c.Now != "" {
		if now, err = time.Parse(time.RFC3339, c.Now); err != nil {
			return Case{}, fmt.Errorf("now: %w", err)
		}
	}
	req := Request{Now: now, Risk: c.Context.Risk, Attrs: c.Context.Request}
	if req.Principal, err = lookup(ents, c.Principal); err != nil {
		return Case{}, fmt.Errorf("principal: %w", err)
	}
	if req.Resource, err = lookup(ents, c.Resource); err != nil {
		return Case{}, fmt.Errorf("resource: %w", err)
	}
	if req.Action, err = ActionName(c.Action); err != nil {
		return Case{}, fmt.Errorf("action: %w", err)
	}
	if _, err := toRecord(c.Context.Request); err != nil {
		return Case{}, fmt.Errorf("context.request: %w", err)
	}
	for i, g := range c.Grants {
		sg, err := g.build(req, now, i)
		if err != nil {
			return Case{}, fmt.Errorf("grants[%d]: %w", i, err)
		}
		req.Grants = append(req.Grants, sg)
	}
	out.Request = req
	return out, nil
}

func (g grantYAML) build(req Request, now time.Time, i int) (store.Grant, error) {
	sg := store.Grant{
		ID:        g.ID,
		Principal: req.Principal.String(),
		Action:    req.Action,
		Resource:  req.Resource.String(),
		Created:   now.Add(-time.Minute),
		Expires:   now.Add(time.Hour),
	}
	if sg.ID == "" {
		sg.ID = fmt.Sprintf("g%d", i+1)
	}
	if g.Action != "" {
		a, err := ActionName(g.Action)
		if err != nil {
			return store.Grant{}, err
		}
		sg.Action = a
	}
	if g.Resource != "" {
		e, err := ParseEntity(g.Resource)
		if err != nil {
			return store.Grant{}, err
		}
		sg.Resource = e.String()
	}
	if g.ExpiresIn != "" {
		d, err := time.ParseDuration(g.ExpiresIn)
		if err != nil {
			return store.Grant{}, fmt.Errorf("expires_in: %w", err)
		}
		sg.Expires = now.Add(d)
		if d <= 0 {
			sg.Created = sg.Expires.Add(-time.Hour)
		}
	}
	if g.Revoked {
		sg.Revoked = now.Add(-time.Second)
	}
	return sg, nil
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Decision Decision
	// Mismatch explains how the decision differs from the expectation;
	// empty when the case passed.
	Mismatch string
}

// OK reports whether the case passed.
func (r Result) OK() bool { return r.Mismatch == "" }

// RunCases decides every case with e and compares the decisions with the
// expectations.
func RunCases(e *Engine, cases []Case) []Result {
	out := make([]Result, len(cases))
	for i, c := range cases {
		d := e.Decide(c.Request)
		r := Result{Case: c, Decision: d}
		switch {
		case d.Effect != c.Expect:
			r.Mismatch = fmt.Sprintf("got %s, want %s (reasons: %s)", d.Effect, c.Expect, strings.Join(d.Reasons, ", "))
			if len(d.Errors) > 0 {
				r.Mismatch += "; errors: " + strings.Join(d.Errors, "; ")
			}
		case c.Reasons != nil && !sameSet(d.Reasons, c.Reasons):
			r.Mismatch = fmt.Sprintf("got reasons [%s], want [%s]", strings.Join(d.Reasons, ", "), strings.Join(c.Reasons, ", "))
		}
		out[i] = r
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
