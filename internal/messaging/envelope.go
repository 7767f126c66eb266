package messaging

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Envelope is one message as its sender wrote it. Every field except
// Created is covered by the sender's signature (see Canonical). Sender and
// Recipient are SPIFFE IDs; the hub sets both from the authenticated
// identities, so a client cannot choose them.
type Envelope struct {
	ID          string // UUID (v7 recommended: time-ordered), chosen by the sender
	Sender      string // SPIFFE ID of the sender, set by the hub
	Recipient   string // SPIFFE ID of the recipient
	Subject     string
	ContentType string // e.g. "text/plain; charset=utf-8"; "" is opaque bytes
	Thread      string // ID of the thread's first message, or ""
	ReplyTo     string // ID of the message this one answers, or ""
	Headers     map[string]string
	Body        []byte
	// Created is when the hub accepted the message. It is not signed: the
	// sender does not know it when signing (the ID's timestamp is signed).
	Created time.Time
}

// canonicalPrefix separates envelope signatures from any other use of the
// same key, and versions the encoding.
const canonicalPrefix = "airlock-envelope-v1\x00"

// Canonical returns the deterministic encoding of e's signed fields: the
// prefix "airlock-envelope-v1\x00", then ID, Sender, Recipient, Subject,
// ContentType, Thread and ReplyTo, the number of headers, each header's key
// and value in ascending key order, and Body. Every string and byte field is
// preceded by its length as an unsigned varint, so no two different
// envelopes share an encoding. Created is not part of it.
func Canonical(e Envelope) []byte {
	n := len(canonicalPrefix) + len(e.Body) + 16*binary.MaxVarintLen64
	for _, s := range e.signedStrings() {
		n += len(s)
	}
	for k, v := range e.Headers {
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = append(b, canonicalPrefix...)
	for _, s := range e.signedStrings() {
		b = appendField(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Headers)))
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		b = appendField(b, k)
		b = appendField(b, e.Headers[k])
	}
	return appendField(b, string(e.Body))
}

func (e *Envelope) signedStrings() [7]string {
	return [7]string{e.ID, e.Sender, e.Recipient, e.Subject, e.ContentType, e.Thread, e.ReplyTo}
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// DecodeCanonical parses an encoding made by Canonical. It is strict: the
// prefix must match, lengths must be minimal varints within the input,
// header keys strictly ascending, and nothing may follow the body, so that
// Canonical(DecodeCanonical(b)) == b for every b it accepts. An envelope
// without headers decodes with nil Headers; an empty body as nil Body.
func DecodeCanonical(b []byte) (Envelope, error) {
	var e Envelope
	if !bytes.HasPrefix(b, []byte(canonicalPrefix)) {
		return e, fmt.Errorf("%w: canonical envelope: missing %q prefix", ErrInvalid, canonicalPrefix[:len(canonicalPrefix)-1])
	}
	d := decoder{b: b[len(canonicalPrefix):]}
	for _, p := range []*string{&e.ID, &e.Sender, &e.Recipient, &e.Subject, &e.ContentType, &e.Thread, &e.ReplyTo} {
		*p = string(d.field())
	}
	n := d.uvarint()
	if n > uint64(len(d.b))/2 { // each header takes at least two bytes
		d.fail("header count %d exceeds the input", n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		k, v := string(d.field()), string(d.field())
		if e.Headers == nil {
			e.Headers = make(map[string]string, n)
		} else if d.err == nil && k <= d.lastKey {
			d.fail("header %q is out of order", k)
		}
		e.Headers[k], d.lastKey = v, k
	}
	if body := d.field(); len(body) > 0 {
		e.Body = bytes.Clone(body)
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes after the body", len(d.b))
	}
	if d.err != nil {
		return Envelope{}, d.err
	}
	return e, nil
}

// decoder reads length-prefixed fields; the first error sticks.
type decoder struct {
	b       []byte
	err     error
	lastKey string
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: canonical envelope: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n != len(binary.AppendUvarint(nil, v)) {
		d.fail("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) field() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("field of %d bytes exceeds the input", n)
		return nil
	}
	f := d.b[:n]
	d.b = d.b[n:]
	return f
}

// Sign signs Canonical(e) with key: ECDSA keys sign its SHA-256 digest
// (ASN.1 signature), Ed25519 keys the encoding itself. SVID keys are ECDSA
// P-256.
func Sign(key crypto.Signer, e Envelope) ([]byte, error) {
	sig, err := signBytes(key, Canonical(e))
	if err != nil {
		return nil, fmt.Errorf("sign envelope: %w", err)
	}
	return sig, nil
}

// Verify checks that sig is a signature by pub over Canonical(e). Any
// failure, including a missing signature or an unsupported key, wraps
// ErrBadSignature.
func Verify(pub crypto.PublicKey, e Envelope, sig []byte) error {
	return verifyBytes(pub, Canonical(e), sig, "the envelope and the sender's key")
}

// signBytes signs msg with key: ECDSA keys sign its SHA-256 digest (ASN.1
// signature), Ed25519 keys msg itself.
func signBytes(key crypto.Signer, msg []byte) ([]byte, error) {
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(msg)
		return key.Sign(rand.Reader, digest[:], crypto.SHA256)
	case ed25519.PublicKey:
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	return nil, fmt.Errorf("unsupported key type %T", key.Public())
}

// verifyBytes checks that sig is pub's signature over msg (see signBytes);
// what names the signed thing and the key in the error. Every failure
// wraps ErrBadSignature.
func verifyBytes(pub crypto.PublicKey, msg, sig []byte, what string) error {
	if len(sig) == 0 {
		return fmt.Errorf("%w: no signature", ErrBadSignature)
	}
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(msg)
		ok = ecdsa.VerifyASN1(k, digest[:], sig)
	case ed25519.PublicKey:
		ok = len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, sig)
	default:
		return fmt.Errorf("%w: unsupported key type %T", ErrBadSignature, pub)
	}
	if !ok {
		return fmt.Errorf("%w: signature does not match %s", ErrBadSignature, what)
	}
	return nil
}
