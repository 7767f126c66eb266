package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// normTime is how every time is stored: UTC, microsecond precision.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (d *Dialect) timeArg(t time.Time) any { return d.Time(normTime(t)) }

// nullTimeArg binds the zero time as NULL.
func (d *Dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// timeDest scans a stored time: microseconds since the Unix epoch (SQLite),
// a time.Time (PostgreSQL), or NULL, which becomes the zero time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("scan time: unsupported type %T", src)
	}
	return nil
}

// stringsDest scans a JSON array of strings; an empty array becomes nil.
type stringsDest struct{ s *[]string }

func (d stringsDest) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan string list: unsupported type %T", src)
	}
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("scan string list: %w", err)
	}
	if len(s) == 0 {
		s = nil
	}
	*d.s = s
	return nil
}

// stringsArg encodes a string list as a JSON array; nil becomes "[]".
func stringsArg(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(s) // cannot fail for []string
	return string(b)
}

// bytesArg binds nil as an empty value so NOT NULL columns accept it.
func bytesArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// chainDest scans a certificate chain stored as a JSON array of base64
// strings; an empty array becomes nil. A reference to a sender_chains row
// (see chains.go) is put in ref, if set, for resolveChains.
type chainDest struct {
	c   *[][]byte
	ref *string
}

func (d chainDest) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan certificate chain: unsupported type %T", src)
	}
	if d.ref != nil && bytes.HasPrefix(b, []byte(chainRefPrefix)) {
		*d.ref, *d.c = string(b), nil
		return nil
	}
	var c [][]byte
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("scan certificate chain: %w", err)
	}
	if len(c) == 0 {
		c = nil
	}
	*d.c = c
	return nil
}

// chainArg encodes a certificate chain as a JSON array of base64 strings;
// nil becomes "[]".
func chainArg(c [][]byte) string {
	if len(c) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(c) // cannot fail for [][]byte
	return string(b)
}
