package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/airlock-hub/airlock/internal/keys"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// ErrCorruptCA reports a CA blob that cannot be decoded or is inconsistent.
var ErrCorruptCA = errors.New("corrupt ca blob")

const (
	caBlobFormat = "airlock-ca-v1"
	// maxCABlobSize bounds UnmarshalCA's input; real blobs are ~2 KiB.
	maxCABlobSize = 64 << 10
)

// caBlob is the persisted form of a CA. Certificates are DER (base64 in
// JSON); private keys are PKCS #8 DER wrapped by the KEK named by KEKID.
type caBlob struct {
	Format           string `json:"format"`
	TrustDomain      string `json:"trust_domain"`
	KEKID            string `json:"kek_id"`
	RootCert         []byte `json:"root_cert"`
	RootKey          []byte `json:"root_key_wrapped"`
	IntermediateCert []byte `json:"intermediate_cert"`
	IntermediateKey  []byte `json:"intermediate_key_wrapped"`
}

// Marshal encodes the CA into one blob for storage. Private keys are wrapped
// by kek; the associated data binds each wrapped key to its purpose, the
// trust domain and its certificate, so keys cannot be swapped between blobs
// or slots.
func (ca *CA) Marshal(kek keys.KEK) ([]byte, error) {
	rootKey, err := wrapKey(kek, ca.rootKey, "root", ca.td, ca.root)
	if err != nil {
		return nil, fmt.Errorf("marshal ca: %w", err)
	}
	interKey, err := wrapKey(kek, ca.interKey, "intermediate", ca.td, ca.inter)
	if err != nil {
		return nil, fmt.Errorf("marshal ca: %w", err)
	}
	blob, err := json.Marshal(caBlob{
		Format:           caBlobFormat,
		TrustDomain:      ca.td.Name(),
		KEKID:            kek.ID(),
		RootCert:         ca.root.Raw,
		RootKey:          rootKey,
		IntermediateCert: ca.inter.Raw,
		IntermediateKey:  interKey,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal ca: %w", err)
	}
	return blob, nil
}

// UnmarshalCA decodes a blob written by Marshal. It fails with
// keys.ErrKEKMismatch when the blob was wrapped by a KEK other than kek, and
// with ErrCorruptCA when the blob is malformed, does not authenticate, or its
// certificates and keys do not belong together.
func UnmarshalCA(blob []byte, kek keys.KEK) (*CA, error) {
	b, err := decodeCABlob(blob)
	if err != nil {
		return nil, fmt.Errorf("unmarshal ca: %w", err)
	}
	if b.KEKID != kek.ID() {
		return nil, fmt.Errorf("unmarshal ca: blob was wrapped by kek %q, but the configured kek is %q: %w",
			b.KEKID, kek.ID(), keys.ErrKEKMismatch)
	}
	ca, err := b.open(kek)
	if err != nil {
		return nil, fmt.Errorf("unmarshal ca: %w", err)
	}
	return ca, nil
}

func decodeCABlob(blob []byte) (*caBlob, error) {
	if len(blob) > maxCABlobSize {
		return nil, corrupt("%d bytes, limit is %d", len(blob), maxCABlobSize)
	}
	var b caBlob
	dec := json.NewDecoder(bytes.NewReader(blob))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, corrupt("decode json: %v", err)
	}
	if dec.More() {
		return nil, corrupt("trailing data after json")
	}
	if b.Format != caBlobFormat {
		return nil, corrupt("format %s, want %q", quoteShort(b.Format), caBlobFormat)
	}
	return &b, nil
}

// open parses the certificates, unwraps the keys and checks that it all fits.
func (b *caBlob) open(kek keys.KEK) (*CA, error) {
	td, err := spiffeid.TrustDomainFromString(b.TrustDomain)
	if err != nil {
		return nil, corrupt("trust domain: %v", err)
	}
	ca := &CA{td: td}
	if ca.root, ca.rootKey, err = openPair(kek, "root", td, b.RootCert, b.RootKey); err != nil {
		return nil, err
	}
	if ca.inter, ca.interKey, err = openPair(kek, "intermediate", td, b.IntermediateCert, b.IntermediateKey); err != nil {
		return nil, err
	}
	if err := ca.checkChain(); err != nil {
		return nil, err
	}
	return ca, nil
}

func openPair(kek keys.KEK, purpose string, td spiffeid.TrustDomain, certDER, wrapped []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, nil, corrupt("%s certificate: %v", purpose, err)
	}
	key, err := unwrapKey(kek, wrapped, purpose, td, cert)
	if err != nil {
		return nil, nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, corrupt("%s key does not match its certificate", purpose)
	}
	return cert, key, nil
}

// checkChain verifies that the root is a self-signed CA and the intermediate
// a path-length-0 CA signed by it.
func (ca *CA) checkChain() error {
	if !ca.root.IsCA || !ca.inter.IsCA {
		return corrupt("certificates are not both CAs")
	}
	if err := ca.root.CheckSignatureFrom(ca.root); err != nil {
		return corrupt("root is not self-signed: %v", err)
	}
	if err := ca.inter.CheckSignatureFrom(ca.root); err != nil {
		return corrupt("intermediate is not signed by the root: %v", err)
	}
	if ca.inter.MaxPathLen != 0 || !ca.inter.MaxPathLenZero {
		return corrupt("intermediate path length is not 0")
	}
	return nil
}

func wrapKey(kek keys.KEK, key *ecdsa.PrivateKey, purpose string, td spiffeid.TrustDomain, cert *x509.Certificate) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode %s key: %w", purpose, err)
	}
	defer clear(der)
	wrapped, err := kek.Encrypt(der, keyAD(purpose, td, cert))
	if err != nil {
		return nil, fmt.Errorf("wrap %s key: %w", purpose, err)
	}
	return wrapped, nil
}

func unwrapKey(kek keys.KEK, wrapped []byte, purpose string, td spiffeid.TrustDomain, cert *x509.Certificate) (*ecdsa.PrivateKey, error) {
	der, err := kek.Decrypt(wrapped, keyAD(purpose, td, cert))
	if err != nil {
		return nil, corrupt("unwrap %s key: %v", purpose, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, corrupt("parse %s key: %v", purpose, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, corrupt("%s key is not ECDSA P-256", purpose)
	}
	return key, nil
}

// keyAD is the associated data for a wrapped CA key: purpose, trust domain
// and the SHA-256 of the certificate the key belongs to.
func keyAD(purpose string, td spiffeid.TrustDomain, cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	ad := fmt.Appendf(nil, "airlock/ca/v1/%s-key\x00%s\x00", purpose, td.Name())
	return append(ad, sum[:]...)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorruptCA, fmt.Sprintf(format, args...))
}
