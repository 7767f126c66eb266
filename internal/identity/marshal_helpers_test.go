package identity_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// adFor mirrors the associated data identity uses for wrapped CA keys; the
// test breaks loudly if the two drift apart.
func adFor(slot string, cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return append([]byte("airlock/ca/v1/"+slot+"-key\x00example.org\x00"), sum[:]...)
}

func blobFields(t *testing.T, blob []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(blob, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t *testing.T, m map[string]any) []byte {
	t.Helper()
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func setField(t *testing.T, blob []byte, key string, value any) []byte {
	m := blobFields(t, blob)
	m[key] = value
	return encode(t, m)
}

func blobWithout(t *testing.T, blob []byte, drop ...string) []byte {
	m := blobFields(t, blob)
	for _, k := range drop {
		delete(m, k)
	}
	return encode(t, m)
}

func flipField(t *testing.T, blob []byte, key string) []byte {
	m := blobFields(t, blob)
	raw, err := base64.StdEncoding.DecodeString(m[key].(string))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	m[key] = raw
	return encode(t, m)
}

func swapFields(t *testing.T, blob []byte, a, b string) []byte {
	m := blobFields(t, blob)
	m[a], m[b] = m[b], m[a]
	return encode(t, m)
}

func copyFields(t *testing.T, dst, src []byte, keys ...string) []byte {
	d, s := blobFields(t, dst), blobFields(t, src)
	for _, k := range keys {
		d[k] = s[k]
	}
	return encode(t, d)
}
