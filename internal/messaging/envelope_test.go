package messaging

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"maps"
	"strings"
	"testing"
)

func sampleEnvelope() Envelope {
	return Envelope{
		ID: "01890a5d-ac96-774b-bcce-b302099a8057", Sender: "spiffe://example.org/agent/a1",
		Recipient: "spiffe://example.org/agent/a2", Subject: "invoice", ContentType: "application/json",
		Thread: "01890a5d-ac96-774b-bcce-b302099a8000", ReplyTo: "01890a5d-ac96-774b-bcce-b302099a8001",
		Headers: map[string]string{"b": "2", "a": "1", "c": ""}, Body: []byte(`{"total":3}`),
	}
}

func TestCanonicalDeterministic(t *testing.T) {
	e := sampleEnvelope()
	want := Canonical(e)
	for range 20 { // map iteration order varies between runs
		e2 := e
		e2.Headers = maps.Clone(e.Headers)
		if got := Canonical(e2); !bytes.Equal(got, want) {
			t.Fatalf("Canonical is not deterministic:\n%x\n%x", got, want)
		}
	}
	if !bytes.HasPrefix(want, []byte("airlock-envelope-v1\x00")) {
		t.Errorf("Canonical lacks the domain-separation prefix: %q", want[:24])
	}
	e.Created = e.Created.AddDate(1, 0, 0)
	if !bytes.Equal(Canonical(e), want) {
		t.Error("Created changed the canonical encoding; it is not signed")
	}
}

func TestCanonicalSeparatesFields(t *testing.T) {
	base := sampleEnvelope()
	variants := map[string]func(*Envelope){
		"subject/content type boundary": func(e *Envelope) { e.Subject, e.ContentType = e.Subject+"a", e.ContentType[1:] },
		"header key/value boundary":     func(e *Envelope) { e.Headers = map[string]string{"a1": "", "b": "2", "c": ""} },
		"header moved to body":          func(e *Envelope) { delete(e.Headers, "c"); e.Body = append([]byte{1, 'c', 0}, e.Body...) },
		"thread and reply swapped":      func(e *Envelope) { e.Thread, e.ReplyTo = e.ReplyTo, e.Thread },
		"empty header added":            func(e *Envelope) { e.Headers[""] = "" },
		"sender":                        func(e *Envelope) { e.Sender += "x" },
	}
	want := Canonical(base)
	for name, mutate := range variants {
		t.Run(name, func(t *testing.T) {
			e := base
			e.Headers = maps.Clone(base.Headers)
			mutate(&e)
			if bytes.Equal(Canonical(e), want) {
				t.Errorf("different envelopes share an encoding")
			}
		})
	}
}

func TestDecodeCanonical(t *testing.T) {
	e := sampleEnvelope()
	got, err := DecodeCanonical(Canonical(e))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !envelopesEqual(got, e) {
		t.Fatalf("round trip: got %+v, want %+v", got, e)
	}
	good := Canonical(e)
	prefix := len(canonicalPrefix)
	bad := map[string][]byte{
		"empty":           nil,
		"wrong prefix":    append([]byte("airlock-envelope-v2\x00"), good[prefix:]...),
		"trailing byte":   append(bytes.Clone(good), 0),
		"truncated":       good[:len(good)-1],
		"non-minimal len": append(append([]byte(canonicalPrefix), 0x80|byte(len(e.ID)), 0x00), good[prefix+1:]...),
		"huge length":     append([]byte(canonicalPrefix), 0xff, 0xff, 0xff, 0xff, 0x0f),
	}
	// Build unsorted headers by hand: two headers "b" then "a".
	u := []byte(canonicalPrefix)
	for range 7 {
		u = appendField(u, "")
	}
	u = append(u, 2)
	u = appendField(appendField(u, "b"), "")
	u = appendField(appendField(u, "a"), "")
	bad["unsorted headers"] = appendField(u, "")
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeCanonical(b); !errors.Is(err, ErrInvalid) {
				t.Errorf("DecodeCanonical = %v, want ErrInvalid", err)
			}
		})
	}
}

func envelopesEqual(a, b Envelope) bool {
	return a.ID == b.ID && a.Sender == b.Sender && a.Recipient == b.Recipient && a.Subject == b.Subject &&
		a.ContentType == b.ContentType && a.Thread == b.Thread && a.ReplyTo == b.ReplyTo &&
		maps.Equal(a.Headers, b.Headers) && bytes.Equal(a.Body, b.Body)
}

func TestSignVerify(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name string
		sign func(Envelope) ([]byte, error)
		pub  any
	}{
		{"ecdsa", func(e Envelope) ([]byte, error) { return Sign(ec, e) }, &ec.PublicKey},
		{"ed25519", func(e Envelope) ([]byte, error) { return Sign(ed, e) }, ed.Public()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sampleEnvelope()
			sig, err := tc.sign(e)
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			if err := Verify(tc.pub, e, sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
			tampered := map[string]func(*Envelope){
				"body":      func(e *Envelope) { e.Body = append(bytes.Clone(e.Body), ' ') },
				"sender":    func(e *Envelope) { e.Sender = "spiffe://example.org/agent/evil" },
				"recipient": func(e *Envelope) { e.Recipient = "spiffe://example.org/agent/a3" },
				"header":    func(e *Envelope) { e.Headers = map[string]string{"a": "1", "b": "3", "c": ""} },
				"subject":   func(e *Envelope) { e.Subject = strings.ToUpper(e.Subject) },
			}
			for field, mutate := range tampered {
				e2 := sampleEnvelope()
				mutate(&e2)
				if err := Verify(tc.pub, e2, sig); !errors.Is(err, ErrBadSignature) {
					t.Errorf("changed %s: Verify = %v, want ErrBadSignature", field, err)
				}
			}
			if err := Verify(&other.PublicKey, e, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("other key: Verify = %v, want ErrBadSignature", err)
			}
			if err := Verify(tc.pub, e, nil); !errors.Is(err, ErrBadSignature) {
				t.Errorf("no signature: Verify = %v, want ErrBadSignature", err)
			}
		})
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(rk, sampleEnvelope()); err == nil {
		t.Error("Sign with an RSA key succeeded; only ECDSA and Ed25519 are supported")
	}
	if err := Verify(&rk.PublicKey, sampleEnvelope(), []byte{1}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify with an RSA key = %v, want ErrBadSignature", err)
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("x", MaxSubject+1)
	manyHeaders := map[string]string{}
	for i := range MaxHeaders + 1 {
		manyHeaders[strings.Repeat("k", i+1)] = ""
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*Envelope)
		maxBody int
		wantErr bool
	}{
		{"valid", func(*Envelope) {}, 0, false},
		{"v4 id", func(e *Envelope) { e.ID = "3b241101-e2bb-4255-8caf-4136c566a962" }, 0, false},
		{"binary body, no content type", func(e *Envelope) { e.ContentType, e.Body = "", []byte{0xff, 0xfe} }, 0, false},
		{"binary body, octet-stream", func(e *Envelope) { e.ContentType, e.Body = "application/octet-stream", []byte{0xff} }, 0, false},
		{"body at limit", func(e *Envelope) { e.Body = bytes.Repeat([]byte("a"), 16) }, 16, false},
		{"missing id", func(e *Envelope) { e.ID = "" }, 0, true},
		{"id not a uuid", func(e *Envelope) { e.ID = "message-1" }, 0, true},
		{"id upper case", func(e *Envelope) { e.ID = strings.ToUpper(e.ID) }, 0, true},
		{"id urn form", func(e *Envelope) { e.ID = "urn:uuid:" + e.ID }, 0, true},
		{"nil uuid", func(e *Envelope) { e.ID = "00000000-0000-0000-0000-000000000000" }, 0, true},
		{"bad thread", func(e *Envelope) { e.Thread = "t1" }, 0, true},
		{"bad reply_to", func(e *Envelope) { e.ReplyTo = "r1" }, 0, true},
		{"no sender", func(e *Envelope) { e.Sender = "" }, 0, true},
		{"no recipient", func(e *Envelope) { e.Recipient = "" }, 0, true},
		{"subject too long", func(e *Envelope) { e.Subject = long }, 0, true},
		{"subject bad utf-8", func(e *Envelope) { e.Subject = "a\xffb" }, 0, true},
		{"subject escape sequence", func(e *Envelope) { e.Subject = "\x1b[2J" }, 0, true},
		{"too many headers", func(e *Envelope) { e.Headers = manyHeaders }, 0, true},
		{"headers too big", func(e *Envelope) { e.Headers = map[string]string{"k": strings.Repeat("v", MaxHeaderBytes)} }, 0, true},
		{"empty header name", func(e *Envelope) { e.Headers = map[string]string{"": "v"} }, 0, true},
		{"header name bad utf-8", func(e *Envelope) { e.Headers = map[string]string{"\xff": "v"} }, 0, true},
		{"header value bad utf-8", func(e *Envelope) { e.Headers = map[string]string{"k": "\xc3"} }, 0, true},
		{"body over limit", func(e *Envelope) { e.Body = bytes.Repeat([]byte("a"), 17) }, 16, true},
		{"body over default limit", func(e *Envelope) { e.Body = make([]byte, DefaultMaxBody+1) }, 0, true},
		{"text body bad utf-8", func(e *Envelope) { e.ContentType, e.Body = "text/plain", []byte("caf\xe9") }, 0, true},
		{"json body bad utf-8", func(e *Envelope) { e.Body = []byte("{\"a\":\"\xff\"}") }, 0, true},
		{"+json body bad utf-8", func(e *Envelope) { e.ContentType, e.Body = "application/ld+json", []byte{0xff} }, 0, true},
		{"bad content type", func(e *Envelope) { e.ContentType = "text/" }, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sampleEnvelope()
			tc.mutate(&e)
			err := Validate(e, tc.maxBody)
			if tc.wantErr && !errors.Is(err, ErrInvalid) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
			if !tc.wantErr && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}
}

// envelopeFrom builds an envelope from fuzz input: fields separated by 0x00,
// seven strings, then header key/value pairs, then the body.
func envelopeFrom(b []byte) Envelope {
	parts := bytes.Split(b, []byte{0})
	field := func(i int) string {
		if i < len(parts) {
			return string(parts[i])
		}
		return ""
	}
	e := Envelope{ID: field(0), Sender: field(1), Recipient: field(2), Subject: field(3),
		ContentType: field(4), Thread: field(5), ReplyTo: field(6)}
	rest := parts[min(7, len(parts)):]
	if len(rest) > 0 {
		e.Body = rest[len(rest)-1]
		if len(e.Body) == 0 {
			e.Body = nil
		}
		rest = rest[:len(rest)-1]
	}
	for i := 0; i+1 < len(rest); i += 2 {
		if e.Headers == nil {
			e.Headers = map[string]string{}
		}
		e.Headers[string(rest[i])] = string(rest[i+1])
	}
	return e
}

func FuzzCanonicalInjective(f *testing.F) {
	f.Add([]byte("a\x00b"), []byte("a\x00\x00b"))
	f.Add([]byte("id\x00s\x00r\x00subj\x00ct\x00t\x00r\x00k\x00v\x00body"), []byte("id\x00s\x00r\x00subj\x00ct\x00t\x00r\x00kv\x00\x00body"))
	f.Add(Canonical(sampleEnvelope()), []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ea, eb := envelopeFrom(a), envelopeFrom(b)
		ca, cb := Canonical(ea), Canonical(eb)
		if envelopesEqual(ea, eb) != bytes.Equal(ca, cb) {
			t.Fatalf("equal envelopes = %v but equal encodings = %v\n%+v\n%+v", envelopesEqual(ea, eb), bytes.Equal(ca, cb), ea, eb)
		}
		for _, e := range []Envelope{ea, eb} {
			got, err := DecodeCanonical(Canonical(e))
			if err != nil || !envelopesEqual(got, e) {
				t.Fatalf("round trip of %+v: got %+v, %v", e, got, err)
			}
		}
	})
}

func FuzzDecodeCanonical(f *testing.F) {
	f.Add(Canonical(sampleEnvelope()))
	f.Add(Canonical(Envelope{}))
	f.Add([]byte(canonicalPrefix + "\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeCanonical(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if got := Canonical(e); !bytes.Equal(got, b) {
			t.Fatalf("Canonical(DecodeCanonical(b)) != b:\n%x\n%x", got, b)
		}
	})
}
