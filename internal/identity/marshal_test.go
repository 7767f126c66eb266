package identity_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/airlock-hub/airlock/internal/identity"
	"github.com/airlock-hub/airlock/internal/keys"
)

func TestMarshalRoundTrip(t *testing.T) {
	ca, kek := newCA(t), newKEK(t)
	blob, err := ca.Marshal(kek)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := identity.UnmarshalCA(blob, kek)
	if err != nil {
		t.Fatalf("UnmarshalCA: %v", err)
	}
	if got.Fingerprint() != ca.Fingerprint() || got.TrustDomain() != ca.TrustDomain() ||
		!got.Intermediate().Equal(ca.Intermediate()) {
		t.Fatal("unmarshaled CA differs from the original")
	}
	// The unmarshaled CA must hold working keys: issue with it, verify with the original.
	svid, err := got.IssueSVID(newCSR(t, newKey(t)), agentID(t, "billing"), hour, epoch)
	if err != nil {
		t.Fatalf("IssueSVID with unmarshaled CA: %v", err)
	}
	verifySVID(t, ca, svid)
}

func TestMarshalKeepsKeysSecret(t *testing.T) {
	ca, kek := newCA(t), newKEK(t)
	blob, err := ca.Marshal(kek)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range caKeys(t, ca, kek, blob) {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		sec1, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		for form, secret := range map[string][]byte{"PKCS8": der, "SEC1": sec1, "scalar": key.D.Bytes()} {
			if bytes.Contains(blob, secret) || strings.Contains(string(blob), b64(secret)) {
				t.Errorf("blob contains the %s key in %s form", name, form)
			}
		}
	}
}

// caKeys recovers the CA's private keys through a second round trip, since
// the CA does not export them.
func caKeys(t *testing.T, ca *identity.CA, kek keys.KEK, blob []byte) map[string]*ecdsa.PrivateKey {
	t.Helper()
	var fields map[string][]byte
	if err := json.Unmarshal(blobWithout(t, blob, "format", "trust_domain", "kek_id"), &fields); err != nil {
		t.Fatal(err)
	}
	out := map[string]*ecdsa.PrivateKey{}
	for _, slot := range []string{"root", "intermediate"} {
		cert, err := x509.ParseCertificate(fields[slot+"_cert"])
		if err != nil {
			t.Fatal(err)
		}
		der, err := kek.Decrypt(fields[slot+"_key_wrapped"], adFor(slot, cert))
		if err != nil {
			t.Fatalf("unwrap %s key in test: %v", slot, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		out[slot] = key.(*ecdsa.PrivateKey)
	}
	return out
}

func TestUnmarshalCAWrongKEK(t *testing.T) {
	ca := newCA(t)
	blob, err := ca.Marshal(newKEK(t))
	if err != nil {
		t.Fatal(err)
	}
	other := newKEK(t)
	_, err = identity.UnmarshalCA(blob, other)
	if !errors.Is(err, keys.ErrKEKMismatch) {
		t.Fatalf("err = %v, want keys.ErrKEKMismatch", err)
	}
	if !strings.Contains(err.Error(), other.ID()) {
		t.Errorf("error %q does not name the configured KEK %s", err, other.ID())
	}
}

// spoofKEK claims another KEK's ID, to reach the decryption check.
type spoofKEK struct {
	keys.KEK
	id string
}

func (s spoofKEK) ID() string { return s.id }

func TestUnmarshalCAWrongKeyWithSameID(t *testing.T) {
	kek := newKEK(t)
	blob, err := newCA(t).Marshal(kek)
	if err != nil {
		t.Fatal(err)
	}
	_, err = identity.UnmarshalCA(blob, spoofKEK{KEK: newKEK(t), id: kek.ID()})
	if !errors.Is(err, identity.ErrCorruptCA) {
		t.Fatalf("err = %v, want ErrCorruptCA", err)
	}
}

func TestUnmarshalCACorrupt(t *testing.T) {
	kek := newKEK(t)
	blob, err := newCA(t).Marshal(kek)
	if err != nil {
		t.Fatal(err)
	}
	otherBlob, err := newCA(t).Marshal(kek)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		blob []byte
	}{
		{"empty", nil},
		{"not json", []byte("garbage")},
		{"truncated", blob[:len(blob)/2]},
		{"trailing data", append(bytes.Clone(blob), []byte(`{}`)...)},
		{"unknown field", setField(t, blob, "extra", "x")},
		{"wrong format", setField(t, blob, "format", "airlock-ca-v0")},
		{"bad trust domain", setField(t, blob, "trust_domain", "Not A Domain")},
		{"other trust domain", setField(t, blob, "trust_domain", "other.example")},
		{"root cert garbage", setField(t, blob, "root_cert", []byte("nope"))},
		{"root key flipped", flipField(t, blob, "root_key_wrapped")},
		{"intermediate key flipped", flipField(t, blob, "intermediate_key_wrapped")},
		{"keys swapped", swapFields(t, blob, "root_key_wrapped", "intermediate_key_wrapped")},
		{"certs swapped", swapFields(t, blob, "root_cert", "intermediate_cert")},
		{"intermediate from another ca", copyFields(t, blob, otherBlob, "intermediate_cert", "intermediate_key_wrapped")},
		{"root from another ca", copyFields(t, blob, otherBlob, "root_cert", "root_key_wrapped")},
		{"oversized", append(bytes.Clone(blob), bytes.Repeat([]byte(" "), 70<<10)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := identity.UnmarshalCA(tt.blob, kek)
			if !errors.Is(err, identity.ErrCorruptCA) {
				t.Fatalf("err = %v, want ErrCorruptCA", err)
			}
		})
	}
}
