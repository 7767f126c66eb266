package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/store"
)

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		file string
		want []string // diagnostics, in order
	}{
		{"syntax.cedar", []string{`syntax.cedar:4:23: syntax error: ";": invalid primary`}},
		{"unknown_type.cedar", []string{"unknown_type.cedar:5:19: unrecognized entity type `Agnet`"}},
		{"unknown_action.cedar", []string{"unknown_action.cedar:4:21: unrecognized action `Action::\"SendMesage\"`"}},
		{"unknown_attribute.cedar", []string{"unknown_attribute.cedar:4:13: attribute `segmnt` on entity type `Agent` not found"}},
		{"unknown_context.cedar", []string{"unknown_context.cedar:2:16: attribute `riskk` in context not found"}},
		{"bad_approval.cedar", []string{`bad_approval.cedar:2:1: @approval("two"): want a number of approvals from 1 to 10`}},
		{"approval_on_forbid.cedar", []string{"approval_on_forbid.cedar:1:1: @approval on a forbid policy"}},
		{"duplicate_id.cedar", []string{`duplicate_id.cedar:3:1: duplicate policy id "same" (first at testdata/invalid/duplicate_id.cedar:1:1)`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			files, err := LoadPolicyFiles("testdata/invalid/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			set, diags, err := Validate(files)
			if set != nil || err == nil {
				t.Fatalf("Validate = %v, %v; want an error", set, err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Diagnostics) != len(diags) {
				t.Fatalf("error %T does not carry the %d diagnostics", err, len(diags))
			}
			if len(diags) != len(tt.want) {
				t.Fatalf("got %d diagnostics %q, want %d", len(diags), err, len(tt.want))
			}
			for i, d := range diags {
				got := d.String()
				if !strings.HasPrefix(got, "testdata/invalid/"+tt.want[i]) {
					t.Errorf("diagnostic %d:\n got %s\nwant testdata/invalid/%s…", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestValidateEmpty(t *testing.T) {
	for _, files := range [][]store.PolicyFile{
		nil,
		{{Name: "empty.cedar", Text: "// nothing but comments\n"}},
	} {
		if _, _, err := Validate(files); !errors.Is(err, ErrNoPolicies) {
			t.Errorf("Validate(%v) = %v, want ErrNoPolicies", files, err)
		}
	}
}

func TestValidateIDs(t *testing.T) {
	set, _, err := Validate([]store.PolicyFile{
		{Name: "a.cedar", Text: `permit (principal, action == Action::"WhoAmI", resource);
@id("named") permit (principal, action == Action::"ReadAudit", resource);
permit (principal, action == Action::"ReadMailbox", resource);`},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range set.Policies() {
		got = append(got, p.ID)
	}
	if want := "a.cedar:0 named a.cedar:2"; strings.Join(got, " ") != want {
		t.Errorf("IDs = %q, want %q", got, want)
	}
	if p := set.Policy("named"); p == nil || p.Line != 2 || p.Effect != Permit {
		t.Errorf("Policy(named) = %+v", p)
	}
}

func TestValidateReservedID(t *testing.T) {
	_, diags, err := Validate([]store.PolicyFile{{Name: "g.cedar", Text: `@id("grant:x") permit (principal, action, resource);`}})
	if err == nil || len(diags) != 1 || !strings.Contains(diags[0].Message, "grant:") {
		t.Errorf("got %v, want a diagnostic about the grant: prefix", err)
	}
}

func TestStarterAndExamplesValid(t *testing.T) {
	if _, diags, err := Validate(StarterFiles()); err != nil {
		t.Errorf("starter: %v %v", err, diags)
	}
	files, err := LoadPolicyFiles("../../examples/policies")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Errorf("loaded %d example files, want at least 5", len(files))
	}
	if _, _, err := Validate(files); err != nil {
		t.Errorf("examples: %v", err)
	}
}

func TestLoadPolicyFilesErrors(t *testing.T) {
	if _, err := LoadPolicyFiles("testdata/does-not-exist"); err == nil {
		t.Error("missing path: no error")
	}
	if _, err := LoadPolicyFiles(t.TempDir()); err == nil {
		t.Error("directory without .cedar files: no error")
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(starterText)
	f.Add(`permit (principal in Segment::"a", action, resource) when { context.request has tool && context.request.tool like "x*" };`)
	f.Add(`@approval("2") @id("x") permit (principal is Human, action == Action::"SendMessage", resource is Agent) unless { principal.roles.isEmpty() };`)
	f.Add(`forbid (principal, action in [Action::"Publish"], resource is Topic) when { resource.segment == context.segment && context.now > 0 };`)
	f.Add(`permit (principal, action, resource) when { "a ` + "\xff" + `" };`)
	f.Fuzz(func(t *testing.T, text string) {
		set, diags, err := Validate([]store.PolicyFile{{Name: "f.cedar", Text: text}})
		switch {
		case err == nil && set == nil:
			t.Fatal("nil set without an error")
		case err != nil && set != nil:
			t.Fatal("a set with an error")
		}
		for _, d := range diags {
			if d.File != "f.cedar" || d.Line < 0 || d.Column < 0 || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		if set != nil { // a valid set decides without panicking
			e := NewEngine()
			e.ApplySet(1, set)
			e.Decide(Request{Principal: Agent("a", "s"), Action: "SendMessage", Resource: Human("h", "admin")})
		}
	})
}
