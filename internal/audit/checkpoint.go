package audit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// MaxNoteSize bounds the signed notes ParseCheckpoint accepts.
const MaxNoteSize = 64 << 10

// ErrBadCheckpoint is wrapped by every error ParseCheckpoint returns for a
// note that is malformed, unsigned, or signed by another key.
var ErrBadCheckpoint = errors.New("bad checkpoint")

// Checkpoint is the verified content of a signed checkpoint note.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Sign returns a signed checkpoint note for a tree of size entries with
// the given root hash: the C2SP tlog-checkpoint body
// "<origin>\n<size>\n<base64 root>\n", a blank line and the signature.
func (s *Signer) Sign(size int64, root tlog.Hash) ([]byte, error) {
	if size < 0 {
		return nil, fmt.Errorf("sign checkpoint: negative size %d", size)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", s.origin, size, root)
	msg, err := note.Sign(&note.Note{Text: text}, s.signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return msg, nil
}

// ParseCheckpoint checks that msg is a checkpoint note signed by the key
// vkey and returns its content. The origin must equal the key's name.
// Parsing is strict: exactly three body lines, a decimal size without
// leading zeros, a standard-base64 32-byte root; extension lines are
// rejected. Signatures by other keys (such as witness cosignatures) are
// allowed. Inputs over MaxNoteSize are rejected.
func ParseCheckpoint(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit verifier key is not valid (want <origin>+<hash>+<key>): %w", err)
	}
	return parseCheckpoint(msg, v)
}

func parseCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if len(msg) > MaxNoteSize {
		return Checkpoint{}, badCheckpoint("note is %d bytes, limit is %d", len(msg), MaxNoteSize)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, openError(err, v)
	}
	c, err := parseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, badCheckpoint("origin %q does not match the key's name %q", c.Origin, v.Name())
	}
	return c, nil
}

// openError explains why note.Open refused a note.
func openError(err error, v note.Verifier) error {
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		var names []string
		for _, s := range unverified.Note.UnverifiedSigs {
			names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
		}
		return badCheckpoint("not signed by the audit key %s+%08x (signed by %s): wrong key, or a checkpoint of another log",
			v.Name(), v.KeyHash(), strings.Join(names, ", "))
	case errors.As(err, &invalid):
		return badCheckpoint("signature does not verify with the audit key %s+%08x: the note was altered or forged",
			v.Name(), v.KeyHash())
	default:
		return badCheckpoint("not a signed note (want the checkpoint text, a blank line and signature lines, "+
			"valid UTF-8, no control characters): %v", err)
	}
}

// parseCheckpointText parses the body "<origin>\n<size>\n<root>\n".
func parseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) < 3 {
		return Checkpoint{}, badCheckpoint("body has %d lines, want 3 (origin, size, root hash)", len(lines))
	}
	if len(lines) > 3 {
		return Checkpoint{}, badCheckpoint("body has %d lines after the root hash; extension lines are not supported", len(lines)-3)
	}
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\n")
	}
	if lines[0] == "" {
		return Checkpoint{}, badCheckpoint("origin line is empty")
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return Checkpoint{}, err
	}
	root, err := parseRoot(lines[2])
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

func parseSize(s string) (int64, error) {
	if s == "" || len(s) > 19 || (s[0] == '0' && s != "0") || strings.Trim(s, "0123456789") != "" {
		return 0, badCheckpoint("size %.40q is not a decimal number without leading zeros", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badCheckpoint("size %.40q is out of range", s)
	}
	return n, nil
}

func parseRoot(s string) (tlog.Hash, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return tlog.Hash{}, badCheckpoint("root hash %.60q is not %d bytes of standard base64", s, tlog.HashSize)
	}
	return tlog.Hash(b), nil
}

func badCheckpoint(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadCheckpoint, fmt.Sprintf(format, args...))
}
