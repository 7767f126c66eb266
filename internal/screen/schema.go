package screen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema errors callers test for.
var (
	// ErrInvalidSchema: the schema document is not a valid JSON Schema.
	ErrInvalidSchema = errors.New("invalid schema")
	// ErrRemoteRef: the schema refers to a document outside itself ($ref or
	// $schema to an http, https or file URL, or to another schema). The hub
	// never fetches anything to compile a schema.
	ErrRemoteRef = errors.New("schema refers to an external document")
	// ErrSchemaExists: a different schema is already registered under the
	// same type and version (registered versions are immutable).
	ErrSchemaExists = errors.New("schema version already registered")
)

// printer renders the library's error messages.
var printer = message.NewPrinter(language.English)

// maxSchemaBytes bounds a schema document.
const maxSchemaBytes = 1 << 20

// Schema is a compiled, self-contained JSON Schema. Its zero value is not
// usable; get one from CompileSchema or a Registry.
type Schema struct {
	Type    string // the name or message type it was compiled under
	Version int    // 0 when compiled outside a Registry
	Digest  string // hex SHA-256 of the document, for audit
	doc     []byte
	sch     *jsonschema.Schema
}

// Doc returns a copy of the schema document.
func (s *Schema) Doc() []byte { return bytes.Clone(s.doc) }

// refuseLoader fails every load: only the schema itself, its in-document
// references and the JSON Schema meta-schemas (embedded in the library,
// never fetched) can be resolved.
type refuseLoader struct{}

func (refuseLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("%w: %s", ErrRemoteRef, u)
}

// CompileSchema compiles doc, a JSON Schema (draft 2020-12 unless its
// $schema names another draft), under name. It refuses references to
// anything outside the document (ErrRemoteRef) and invalid schemas
// (ErrInvalidSchema); "format" is asserted, not just annotated.
func CompileSchema(name string, doc []byte) (*Schema, error) {
	if len(doc) > maxSchemaBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit is %d", ErrInvalidSchema, len(doc), maxSchemaBytes)
	}
	if err := checkJSON(doc, 256, 1_000_000); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	// A hierarchical base URL, so a relative $ref resolves to a sibling
	// document (refused) rather than to this one.
	loc := "airlock:///schemas/" + url.PathEscape(name) + ".json"
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	c.AssertFormat()
	if err := c.AddResource(loc, v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		var le *jsonschema.LoadURLError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("%w: %s (schemas must be self-contained)", ErrRemoteRef, le.URL)
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidSchema, schemaCompileMessage(err))
	}
	sum := sha256.Sum256(doc)
	return &Schema{Type: name, Digest: hex.EncodeToString(sum[:]), doc: bytes.Clone(doc), sch: sch}, nil
}

// schemaCompileMessage flattens the library's error (which for a
// meta-schema violation is a tree) into one line with schema paths.
func schemaCompileMessage(err error) string {
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			return "not a valid JSON Schema: " + joinLeaves(ve)
		}
	}
	return err.Error()
}

// SchemaError is a body that does not conform to its schema. Path is the
// JSON pointer of the first failure ("" for the whole document).
type SchemaError struct {
	Type    string
	Version int
	Path    string
	Message string // every failure, "path: reason; path: reason"
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("does not conform to schema %s v%d: %s", e.Type, e.Version, e.Message)
}

// Validate checks body, a JSON document, against s. A body that is not
// JSON, or too deep, is an *ValidationError; one that does not conform is
// a *SchemaError whose message names the JSON path of each failure, e.g.
// "/amount: minimum: got -1, want 0".
func (s *Schema) Validate(body []byte) error {
	lim := DefaultLimits()
	if err := checkJSON(body, lim.MaxDepth, max(lim.MaxTokens, len(body))); err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return invalidf("body", "invalid JSON: %v", err)
	}
	err = s.sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate against schema %s: %w", s.Type, err)
	}
	leaves := collectLeaves(ve, nil)
	return &SchemaError{Type: s.Type, Version: s.Version, Path: pointer(leaves[0].InstanceLocation), Message: joinLeaves(ve)}
}

// maxLeaves bounds how many failures a message lists.
const maxLeaves = 5

func joinLeaves(ve *jsonschema.ValidationError) string {
	leaves := collectLeaves(ve, nil)
	parts := make([]string, 0, min(len(leaves), maxLeaves)+1)
	for i, l := range leaves {
		if i == maxLeaves {
			parts = append(parts, fmt.Sprintf("and %d more", len(leaves)-maxLeaves))
			break
		}
		path := pointer(l.InstanceLocation)
		if path == "" {
			path = "(root)"
		}
		parts = append(parts, path+": "+l.ErrorKind.LocalizedString(printer))
	}
	return strings.Join(parts, "; ")
}

// collectLeaves returns the failures without causes, depth first.
func collectLeaves(ve *jsonschema.ValidationError, acc []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(acc, ve)
	}
	for _, c := range ve.Causes {
		acc = collectLeaves(c, acc)
	}
	return acc
}

// pointer renders a JSON pointer (RFC 6901).
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

// Registry holds compiled schemas by type (a media type such as
// "application/vnd.acme.invoice+json", or a message type) and version. It
// is in memory and safe for concurrent use; to persist it, store what
// Register accepted and Register it again at start-up (Register is
// idempotent for an identical document).
type Registry struct {
	mu     sync.RWMutex
	byType map[string][]*Schema // each sorted by version
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byType: map[string][]*Schema{}}
}

// NormalizeType lowercases and trims typ and checks it is a usable key: a
// media type without parameters, or a message type name.
func NormalizeType(typ string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(typ))
	if t == "" || len(t) > 256 {
		return "", fmt.Errorf("schema type %.64q: must be 1 to 256 characters", typ)
	}
	for _, r := range t {
		if r <= ' ' || r == ';' || r == '"' || r >= 0x7f {
			return "", fmt.Errorf("schema type %.64q: must not contain spaces, quotes, ';' or non-ASCII", typ)
		}
	}
	return t, nil
}

// Register compiles doc and stores it as version (1 or more) of typ. Doing
// so again with an identical document returns the stored schema; with a
// different one it fails with ErrSchemaExists.
func (r *Registry) Register(typ string, version int, doc []byte) (*Schema, error) {
	t, err := NormalizeType(typ)
	if err != nil {
		return nil, err
	}
	if version < 1 {
		return nil, fmt.Errorf("schema %s: version %d: must be 1 or more", t, version)
	}
	sch, err := CompileSchema(t, doc)
	if err != nil {
		return nil, fmt.Errorf("schema %s v%d: %w", t, version, err)
	}
	sch.Version = version
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.byType[t]
	i, found := slices.BinarySearchFunc(list, version, func(s *Schema, v int) int { return s.Version - v })
	if found {
		if list[i].Digest == sch.Digest {
			return list[i], nil
		}
		return nil, fmt.Errorf("schema %s v%d: %w (digest %.12s)", t, version, ErrSchemaExists, list[i].Digest)
	}
	// Copy on write: readers may hold the old slice.
	r.byType[t] = slices.Insert(slices.Clone(list), i, sch)
	return sch, nil
}

func (r *Registry) versions(typ string) []*Schema {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byType[strings.ToLower(strings.TrimSpace(typ))]
}

// Lookup returns the latest version of typ's schema.
func (r *Registry) Lookup(typ string) (*Schema, bool) {
	list := r.versions(typ)
	if len(list) == 0 {
		return nil, false
	}
	return list[len(list)-1], true
}

// LookupVersion returns the given version of typ's schema.
func (r *Registry) LookupVersion(typ string, version int) (*Schema, bool) {
	list := r.versions(typ)
	i, found := slices.BinarySearchFunc(list, version, func(s *Schema, v int) int { return s.Version - v })
	if !found {
		return nil, false
	}
	return list[i], true
}

// Schemas returns every registered schema, by type then version.
func (r *Registry) Schemas() []*Schema {
	r.mu.RLock()
	defer r.mu.RUnlock()
	types := make([]string, 0, len(r.byType))
	for t := range r.byType {
		types = append(types, t)
	}
	slices.Sort(types)
	var out []*Schema
	for _, t := range types {
		out = append(out, r.byType[t]...)
	}
	return out
}

// ForContentType finds the schema for a message's content type: the
// version named by a "version" parameter, else the latest. It reports
// false when no schema is registered for the media type, and an error when
// the content type is malformed or names a version that is not registered.
func (r *Registry) ForContentType(contentType string) (*Schema, bool, error) {
	if r == nil || strings.TrimSpace(contentType) == "" {
		return nil, false, nil
	}
	mt, params, err := MediaType(contentType)
	if err != nil {
		return nil, false, err
	}
	v, ok := params["version"]
	if !ok {
		s, found := r.Lookup(mt)
		return s, found, nil
	}
	if _, found := r.Lookup(mt); !found {
		return nil, false, nil
	}
	var n int
	if _, err := fmt.Sscanf(v, "%d", &n); err != nil || fmt.Sprint(n) != v {
		return nil, false, invalidf("content type", "version parameter %.16q is not a number", v)
	}
	s, found := r.LookupVersion(mt, n)
	if !found {
		return nil, false, invalidf("content type", "no schema version %d registered for %s", n, mt)
	}
	return s, true, nil
}
