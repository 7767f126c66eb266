package screen

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestCompileSchemaRefuses(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error
		want    string
	}{
		{"schema-remote-ref.json", ErrRemoteRef, "https://schemas.example.test/customer.json"},
		{"schema-file-ref.json", ErrRemoteRef, "file:///etc/passwd"},
		{"schema-relative-ref.json", ErrRemoteRef, "line-item.json"},
		{"schema-remote-metaschema.json", ErrRemoteRef, "https://schemas.example.test/my-meta-schema"},
		{"schema-invalid.json", ErrInvalidSchema, "/properties/amount/type"},
		{"schema-not-json.json", ErrInvalidSchema, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := CompileSchema("test", readTestdata(t, tt.file))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CompileSchema: got %v, %v; want error %v", s, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSchemaValidate(t *testing.T) {
	s, err := CompileSchema("invoice", readTestdata(t, "schema-invoice.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(readTestdata(t, "invoice-valid.json")); err != nil {
		t.Fatalf("valid invoice: got %v, want nil", err)
	}
	tests := []struct {
		file     string
		wantPath string
		want     string
	}{
		{"invoice-negative-amount.json", "/amount", "/amount: minimum: got -1, want 0"},
		{"invoice-bad-line-qty.json", "/lines/0/qty", "/lines/0/qty: minimum"},
		{"invoice-missing-lines.json", "", "(root): missing property 'lines'"},
		{"invoice-bad-date.json", "/due", "/due: 'yesterday' is not valid date"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			err := s.Validate(readTestdata(t, tt.file))
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("Validate: got %v, want a *SchemaError", err)
			}
			if se.Path != tt.wantPath {
				t.Errorf("path: got %q, want %q", se.Path, tt.wantPath)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := s.Validate([]byte(`{"a":`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("truncated JSON: got %v, want ErrInvalid", err)
	}
}

func TestSchemaInDocumentRefsAllowed(t *testing.T) {
	doc := `{"$id":"https://schemas.example.test/self.json","$defs":{"n":{"type":"integer"}},` +
		`"properties":{"a":{"$ref":"#/$defs/n"},"b":{"$ref":"https://schemas.example.test/self.json#/$defs/n"}}}`
	s, err := CompileSchema("self", []byte(doc))
	if err != nil {
		t.Fatalf("CompileSchema: %v", err)
	}
	if err := s.Validate([]byte(`{"a":1,"b":"x"}`)); err == nil || !strings.Contains(err.Error(), "/b:") {
		t.Errorf("got %v, want a failure at /b", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	v1 := []byte(`{"type":"object","required":["a"]}`)
	v2 := []byte(`{"type":"object","required":["a","b"]}`)
	if _, err := r.Register("Application/Vnd.Acme+JSON", 1, v1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register("application/vnd.acme+json", 2, v2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register("application/vnd.acme+json", 1, v1); err != nil {
		t.Errorf("re-register identical: got %v, want nil", err)
	}
	if _, err := r.Register("application/vnd.acme+json", 1, v2); !errors.Is(err, ErrSchemaExists) {
		t.Errorf("re-register different: got %v, want ErrSchemaExists", err)
	}
	if _, err := r.Register("application/vnd.acme+json", 0, v1); err == nil {
		t.Error("version 0 accepted")
	}
	if _, err := r.Register("text/plain; charset=utf-8", 1, v1); err == nil {
		t.Error("type with parameters accepted")
	}
	if _, err := r.Register("x", 1, readTestdata(t, "schema-remote-ref.json")); !errors.Is(err, ErrRemoteRef) {
		t.Errorf("remote ref: got %v, want ErrRemoteRef", err)
	}

	s, ok := r.Lookup("application/vnd.acme+json")
	if !ok || s.Version != 2 {
		t.Fatalf("Lookup: got %+v, %v; want version 2", s, ok)
	}
	tests := []struct {
		contentType string
		found       bool
		version     int
		wantErr     bool
	}{
		{"application/vnd.acme+json", true, 2, false},
		{"application/vnd.acme+json; charset=utf-8", true, 2, false},
		{"application/vnd.acme+json; version=1", true, 1, false},
		{"application/vnd.acme+json; version=3", false, 0, true},
		{"application/vnd.acme+json; version=one", false, 0, true},
		{"application/json", false, 0, false},
		{"", false, 0, false},
	}
	for _, tt := range tests {
		s, found, err := r.ForContentType(tt.contentType)
		if found != tt.found || (err != nil) != tt.wantErr || found && s.Version != tt.version {
			t.Errorf("ForContentType(%q): got %v, %v, %v; want found %v, version %d, error %v", tt.contentType, s, found, err, tt.found, tt.version, tt.wantErr)
		}
	}
	if got := len(r.Schemas()); got != 2 {
		t.Errorf("Schemas: got %d, want 2", got)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := 1; i <= 8; i++ {
		wg.Go(func() {
			if _, err := r.Register("t", i, []byte(`{"type":"object"}`)); err != nil {
				t.Error(err)
			}
			r.Lookup("t")
		})
	}
	wg.Wait()
	if s, _ := r.Lookup("t"); s == nil || s.Version != 8 {
		t.Errorf("Lookup: got %+v, want version 8", s)
	}
}
