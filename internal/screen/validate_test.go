package screen

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name        string
		file        string // body from testdata, or
		body        []byte
		subject     string
		contentType string
		limits      Limits
		field, want string // in the error
	}{
		{name: "invalid UTF-8 text", file: "invalid-utf8.txt", contentType: "text/plain", field: "body", want: "not valid UTF-8 (byte 6)"},
		{name: "invalid UTF-8 without content type", file: "invalid-utf8.txt", field: "body", want: "not valid UTF-8"},
		{name: "invalid UTF-8 in JSON", file: "json-invalid-utf8.json", contentType: "application/json", field: "body", want: "not valid UTF-8"},
		{name: "control character", file: "control-char.txt", contentType: "text/markdown", field: "body", want: "U+0007"},
		{name: "C1 control character", body: []byte("a\u0085b"), contentType: "text/plain", field: "body", want: "U+0085"},
		{name: "two JSON values", file: "json-two-values.json", contentType: "application/json", field: "body", want: "more than one top-level value"},
		{name: "truncated JSON", file: "json-truncated.json", contentType: "application/vnd.acme.invoice+json", field: "body", want: "invalid JSON"},
		{name: "trailing comma", file: "json-trailing-comma.json", contentType: "application/json", field: "body", want: "invalid JSON"},
		{name: "empty JSON", body: []byte("  \n"), contentType: "application/json", field: "body", want: "empty JSON body"},
		{name: "10 MiB body", body: bytes.Repeat([]byte("a"), 10<<20), contentType: "text/plain", field: "body", want: "10485760 bytes, limit is 1048576"},
		{name: "10 MiB binary body", body: make([]byte, 10<<20), contentType: "application/octet-stream", field: "body", want: "limit is 1048576"},
		{name: "JSON depth bomb", body: bytes.Repeat([]byte("["), 100_000), contentType: "application/json", field: "body", want: "nested deeper than 64"},
		{name: "JSON object depth", body: []byte(strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65)), contentType: "application/json", field: "body", want: "nested deeper than 64"},
		{name: "too many tokens", body: []byte("[" + strings.Repeat("1,", 99) + "1]"), contentType: "application/json", limits: Limits{MaxTokens: 100}, field: "body", want: "more than 100 JSON tokens"},
		{name: "subject with newline", subject: "hello\nBcc: everyone", body: []byte("x"), field: "subject", want: "U+000A"},
		{name: "subject with tab", subject: "a\tb", body: []byte("x"), field: "subject", want: "U+0009"},
		{name: "subject invalid UTF-8", subject: "caf\xe9", body: []byte("x"), field: "subject", want: "not valid UTF-8"},
		{name: "subject too long", subject: strings.Repeat("s", 1025), body: []byte("x"), field: "subject", want: "1025 bytes"},
		{name: "bad content type", body: []byte("x"), contentType: "text/", field: "content type", want: "not a media type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.file != "" {
				body = readTestdata(t, tt.file)
			}
			err := Validate(body, tt.subject, tt.contentType, tt.limits)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate: got %v, want an error wrapping ErrInvalid", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("got %#v, want a *ValidationError for field %q", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name        string
		body        []byte
		subject     string
		contentType string
	}{
		{name: "text with whitespace", body: []byte("line one\r\n\tline two\n"), subject: "Invoice 42 — due Friday", contentType: "text/plain; charset=utf-8"},
		{name: "U+FFFD is valid text", body: []byte("replacement \uFFFD char"), subject: "\uFFFD", contentType: "text/plain"},
		{name: "bidi and zero-width are left to the detector", body: []byte("a\u200bb\u202ec"), contentType: "text/plain"},
		{name: "JSON 64 deep", body: []byte(strings.Repeat("[", 64) + strings.Repeat("]", 64)), contentType: "application/json"},
		{name: "JSON scalar", body: []byte(` "just a string" `), contentType: "application/json"},
		{name: "vendor JSON", body: readTestdata(t, "invoice-valid.json"), contentType: "application/vnd.acme.invoice+json"},
		{name: "binary is not text", body: []byte{0, 1, 2, 0xff, 0xfe}, contentType: "application/octet-stream"},
		{name: "JSON is not checked for non-JSON text", body: []byte("{not json"), contentType: "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Validate(tt.body, tt.subject, tt.contentType, Limits{}); err != nil {
				t.Errorf("Validate: got %v, want nil", err)
			}
		})
	}
}

func BenchmarkValidateDepthBomb(b *testing.B) {
	bomb := bytes.Repeat([]byte("["), 100_000)
	b.SetBytes(int64(len(bomb)))
	for b.Loop() {
		if err := Validate(bomb, "", "application/json", Limits{}); err == nil {
			b.Fatal("depth bomb accepted")
		}
	}
}

func BenchmarkValidateJSON(b *testing.B) {
	body := []byte(`{"items":[` + strings.Repeat(`{"sku":"A1","qty":2,"note":"ordinary invoice line"},`, 80) + `{}]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := Validate(body, "subject", "application/json", Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, name := range []string{"invalid-utf8.txt", "control-char.txt", "json-two-values.json", "json-truncated.json", "json-trailing-comma.json", "json-invalid-utf8.json", "invoice-valid.json"} {
		f.Add(readTestdata(f, name), "application/json")
		f.Add(readTestdata(f, name), "text/plain")
	}
	f.Add([]byte(`[[[[[[[[`), "application/json")
	f.Add([]byte(`{"a":"\u0000"}`), "application/problem+json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		err := Validate(body, "s", contentType, Limits{MaxDepth: 8, MaxTokens: 64})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		mt, _, _ := MediaType(contentType)
		if IsText(mt) && !utf8.Valid(body) {
			t.Fatalf("accepted invalid UTF-8 as %s", mt)
		}
		if IsJSON(mt) && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON as %s: %q", mt, body)
		}
	})
}
