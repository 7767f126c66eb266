package policy

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/resolved"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"
)

//go:embed schema.cedarschema
var schemaText []byte

// SchemaText returns the Cedar schema (human-readable format) that
// policies are validated against.
func SchemaText() []byte { return append([]byte(nil), schemaText...) }

// Actions lists the action names the schema defines, in a stable order.
var Actions = []string{
	"WhoAmI", "RenewIdentity",
	"SendMessage", "ReadMailbox", "Publish", "Subscribe",
	"CallTool",
	"ManageAgents", "ManageTokens", "ManagePolicy", "ManageGrants",
	"ReadAudit", "ApproveAccess", "RequestAccess",
}

var (
	schemaOnce     sync.Once
	schemaResolved *resolved.Schema
	schemaErr      error
)

// resolvedSchema parses the embedded schema once.
func resolvedSchema() (*resolved.Schema, error) {
	schemaOnce.Do(func() {
		var s schema.Schema
		s.SetFilename("schema.cedarschema")
		if err := s.UnmarshalCedar(schemaText); err != nil {
			schemaErr = fmt.Errorf("parse schema: %w", err)
			return
		}
		schemaResolved, schemaErr = s.Resolve()
		if schemaErr != nil {
			schemaErr = fmt.Errorf("resolve schema: %w", schemaErr)
		}
	})
	return schemaResolved, schemaErr
}

// newValidator returns a strict validator over the schema. Validators keep
// no state between policies, but one is built per Validate call so that
// concurrent calls share nothing mutable.
func newValidator() (*validate.Validator, error) {
	s, err := resolvedSchema()
	if err != nil {
		return nil, err
	}
	return validate.New(s, validate.WithStrict()), nil
}
