package messaging

import (
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits of an envelope. The body limit is configurable (Service.MaxBody).
const (
	DefaultMaxBody     = 1 << 20 // 1 MiB
	MaxSubject         = 1 << 10 // bytes
	MaxHeaders         = 64      // entries
	MaxHeaderBytes     = 8 << 10 // keys and values together
	MaxContentType     = 256
	MaxIdentity        = 2048 // a SPIFFE ID
	MaxIdempotencyKey  = 256
	maxHeaderKeyLength = 256
)

// NewID returns a new message ID: a UUIDv7, ordered by creation time.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new message id: %w", err)
	}
	return id.String(), nil
}

// Validate checks e against the envelope rules, with a body limit of
// maxBody bytes (DefaultMaxBody if maxBody <= 0):
//   - ID, and Thread and ReplyTo when set, are UUIDs in canonical form
//     (lowercase, hyphenated; v7 recommended);
//   - Sender and Recipient are non-empty valid UTF-8;
//   - Subject is at most 1 KiB of valid UTF-8 without control characters;
//   - ContentType, when set, is a valid media type;
//   - at most 64 headers of at most 8 KiB in all, with non-empty keys
//     without control characters, and valid UTF-8 values;
//   - the body is at most maxBody bytes, and valid UTF-8 when the content
//     type is textual (text/*, application/json, */*+json).
//
// Every error wraps ErrInvalid and names the field.
func Validate(e Envelope, maxBody int) error {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	checks := []func() error{
		func() error { return checkUUID("id", e.ID, true) },
		func() error { return checkUUID("thread", e.Thread, false) },
		func() error { return checkUUID("reply_to", e.ReplyTo, false) },
		func() error { return checkIdentity("sender", e.Sender) },
		func() error { return checkIdentity("recipient", e.Recipient) },
		func() error { return checkText("subject", e.Subject, MaxSubject, false) },
		func() error { return checkHeaders(e.Headers) },
		func() error { return checkBody(e.ContentType, e.Body, maxBody) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkUUID(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid("%s is required (a UUID, v7 recommended)", field)
		}
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil || id.String() != s {
		return invalid("%s %.64q is not a UUID in canonical form", field, s)
	}
	if id == uuid.Nil {
		return invalid("%s must not be the nil UUID", field)
	}
	return nil
}

// checkIDTime requires a new envelope's ID to be a UUIDv7 made within
// MaxIDAge before now and MaxIDSkew after it. The hub remembers the IDs
// it stored (replays of those are refused as reused) for as long as it
// keeps their rows; this bounds how old an ID it has never seen can be.
func checkIDTime(s string, now time.Time) error {
	id, err := uuid.Parse(s)
	if err != nil {
		return invalid("id %.64q is not a UUID", s)
	}
	if id.Version() != 7 {
		return invalid("id must be a UUIDv7, whose time bounds replays; %s is version %d", s, id.Version())
	}
	made := time.Unix(id.Time().UnixTime())
	switch {
	case made.Before(now.Add(-MaxIDAge)):
		return invalid("id %s was made at %s, more than %s ago: a replayed envelope, or the sender's clock is wrong",
			s, made.UTC().Format(time.RFC3339), MaxIDAge)
	case made.After(now.Add(MaxIDSkew)):
		return invalid("id %s was made at %s, more than %s ahead of the hub's clock: check the sender's clock",
			s, made.UTC().Format(time.RFC3339), MaxIDSkew)
	}
	return nil
}

func checkIdentity(field, s string) error {
	if s == "" {
		return invalid("%s is required", field)
	}
	return checkText(field, s, MaxIdentity, false)
}

// checkText requires valid UTF-8 of at most limit bytes without control
// characters (tabs allowed when allowTab).
func checkText(field, s string, limit int, allowTab bool) error {
	if len(s) > limit {
		return invalid("%s is %d bytes, limit is %d", field, len(s), limit)
	}
	if !utf8.ValidString(s) {
		return invalid("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if (r < 0x20 && !(allowTab && r == '\t')) || (r >= 0x7f && r < 0xa0) {
			return invalid("%s contains control character %U", field, r)
		}
	}
	return nil
}

func checkHeaders(h map[string]string) error {
	if len(h) > MaxHeaders {
		return invalid("%d headers, limit is %d", len(h), MaxHeaders)
	}
	total := 0
	for k, v := range h {
		total += len(k) + len(v)
		if k == "" {
			return invalid("header with an empty name")
		}
		if err := checkText("header name", k, maxHeaderKeyLength, false); err != nil {
			return err
		}
		if !utf8.ValidString(v) {
			return invalid("header %.64q: value is not valid UTF-8", k)
		}
	}
	if total > MaxHeaderBytes {
		return invalid("headers are %d bytes, limit is %d", total, MaxHeaderBytes)
	}
	return nil
}

func checkBody(contentType string, body []byte, maxBody int) error {
	if len(body) > maxBody {
		return invalid("body is %d bytes, limit is %d", len(body), maxBody)
	}
	if contentType == "" {
		return nil
	}
	if err := checkText("content_type", contentType, MaxContentType, false); err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return invalid("content_type %.64q: %v", contentType, err)
	}
	if IsText(mt) && !utf8.Valid(body) {
		return invalid("body is not valid UTF-8, as content type %s requires", mt)
	}
	return nil
}

// IsText reports whether media type mt (lowercase, without parameters)
// carries text, which must be valid UTF-8.
func IsText(mt string) bool {
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json")
}
