package screen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every validation error: the content breaks a
// structural rule (encoding, size, nesting) and is rejected before any
// other screening.
var ErrInvalid = errors.New("invalid content")

// Limits bound what Validate accepts. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	// MaxBytes is the largest body in bytes. Default 1 MiB.
	MaxBytes int
	// MaxSubjectBytes is the largest subject in bytes. Default 1 KiB.
	MaxSubjectBytes int
	// MaxDepth is the deepest nesting of JSON arrays and objects. Default 64.
	MaxDepth int
	// MaxTokens is the most JSON tokens (delimiters, keys and values) in a
	// JSON body. Default 200000.
	MaxTokens int
}

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 1 << 20, MaxSubjectBytes: 1 << 10, MaxDepth: 64, MaxTokens: 200_000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxSubjectBytes <= 0 {
		l.MaxSubjectBytes = d.MaxSubjectBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = d.MaxTokens
	}
	return l
}

// ValidationError says which field broke which rule. It wraps ErrInvalid.
// Its message never quotes the content.
type ValidationError struct {
	Field  string // "body", "subject" or "content type"
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

func invalidf(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// MediaType returns the lowercase media type of contentType without its
// parameters, and the parameters. An empty content type is text/plain.
func MediaType(contentType string) (string, map[string]string, error) {
	if strings.TrimSpace(contentType) == "" {
		return "text/plain", nil, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, invalidf("content type", "not a media type: %v", err)
	}
	return mt, params, nil
}

// IsText reports whether media type mt (lowercase, without parameters)
// carries text: text/*, application/json and */*+json.
func IsText(mt string) bool {
	return strings.HasPrefix(mt, "text/") || IsJSON(mt)
}

// IsJSON reports whether media type mt carries JSON.
func IsJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Validate checks a body and its subject against lim:
//   - the subject is valid UTF-8 of at most MaxSubjectBytes, without any
//     control character;
//   - the body is at most MaxBytes;
//   - a text body (see IsText; an empty content type counts as text) is
//     valid UTF-8 without control characters other than tab, newline and
//     carriage return;
//   - a JSON body is one well-formed JSON value nested at most MaxDepth
//     deep with at most MaxTokens tokens, checked by a streaming decoder
//     so a nesting bomb is refused without building a tree.
//
// Every error is a *ValidationError wrapping ErrInvalid.
func Validate(body []byte, subject, contentType string, lim Limits) error {
	lim = lim.withDefaults()
	if err := checkSubject(subject, lim.MaxSubjectBytes); err != nil {
		return err
	}
	if len(body) > lim.MaxBytes {
		return invalidf("body", "%d bytes, limit is %d", len(body), lim.MaxBytes)
	}
	mt, _, err := MediaType(contentType)
	if err != nil {
		return err
	}
	if !IsText(mt) {
		return nil
	}
	if err := checkText(body); err != nil {
		return err
	}
	if IsJSON(mt) {
		return checkJSON(body, lim.MaxDepth, lim.MaxTokens)
	}
	return nil
}

func checkSubject(s string, limit int) error {
	if len(s) > limit {
		return invalidf("subject", "%d bytes, limit is %d", len(s), limit)
	}
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			return invalidf("subject", "not valid UTF-8 (byte %d)", i)
		}
		if isControl(r) {
			return invalidf("subject", "control character %U at byte %d", r, i)
		}
	}
	return nil
}

// checkText requires valid UTF-8 without control characters other than
// tab, newline and carriage return.
func checkText(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return invalidf("body", "control character %U at byte %d", rune(c), i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return invalidf("body", "not valid UTF-8 (byte %d)", i)
		}
		if isControl(r) {
			return invalidf("body", "control character %U at byte %d", r, i)
		}
		i += n
	}
	return nil
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// checkJSON requires one JSON value at most maxDepth deep with at most
// maxTokens tokens. A byte-level pass bounds depth and tokens first (a
// nesting bomb is refused at its first excess bracket, without building
// anything), json.Valid checks the syntax without building a tree, and
// only invalid input is walked again with a streaming decoder, to say
// where it breaks.
func checkJSON(body []byte, maxDepth, maxTokens int) error {
	if err := jsonShape(body, maxDepth, maxTokens); err != nil {
		return err
	}
	if json.Valid(body) {
		return nil
	}
	return explainJSON(body, maxDepth, maxTokens)
}

// jsonShape counts nesting and tokens as encoding/json's Decoder.Token
// would (delimiters, strings, scalars), skipping string contents.
func jsonShape(b []byte, maxDepth, maxTokens int) error {
	depth, tokens := 0, 0
	inString, escaped, inScalar := false, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString, inScalar = true, false
			tokens++
		case '[', '{':
			depth++
			tokens++
			inScalar = false
			if depth > maxDepth {
				return invalidf("body", "JSON nested deeper than %d", maxDepth)
			}
		case ']', '}':
			depth--
			tokens++
			inScalar = false
		case ',', ':', ' ', '\t', '\n', '\r':
			inScalar = false
		default:
			if !inScalar {
				tokens++
				inScalar = true
			}
		}
		if tokens > maxTokens {
			return invalidf("body", "more than %d JSON tokens", maxTokens)
		}
	}
	return nil
}

// explainJSON walks the tokens of invalid JSON with a streaming decoder
// to report where it breaks.
func explainJSON(body []byte, maxDepth, maxTokens int) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth, tokens := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if tokens == 0 {
				return invalidf("body", "empty JSON body")
			}
			return invalidf("body", "invalid JSON: unexpected end of input")
		}
		if err != nil {
			return invalidf("body", "invalid JSON at byte %d: %v", dec.InputOffset(), jsonSyntax(err))
		}
		tokens++
		if tokens > maxTokens {
			return invalidf("body", "more than %d JSON tokens", maxTokens)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
				if depth > maxDepth {
					return invalidf("body", "JSON nested deeper than %d", maxDepth)
				}
			} else {
				depth--
			}
		}
		if depth == 0 && dec.More() {
			return invalidf("body", "invalid JSON: more than one top-level value")
		}
	}
}

// jsonSyntax keeps the decoder's message (which names the offending
// character, never a whole value).
func jsonSyntax(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}
